"""Reads for procedures, always through the scoping layer."""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass, field

import polars as pl
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr

from jingzhun import policy
from jingzhun.core import scoping
from jingzhun.core.errors import PermissionDenied
from jingzhun.core.idnumber import mask_id_number
from jingzhun.regions import codes
from jingzhun.regions.models import Region
from jingzhun.registry.models import Household, Member
from jingzhun.vocab import ATTRIBUTE, CAUSE

from . import services
from .kinds import get_kind
from .models import STATUS_CHOICES, Case, CaseEvent, Notice, Objection

# What each built-in kind's decision makes of the household, for the yearly counts.
DECISION_FIGURES = {
    "identification": "identified",
    "exit": "exited",
    "return": "returned",
    "removal": "removed",
}


def case_list(
    *,
    user,
    region_code: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    year: int | None = None,
) -> QuerySet[Case]:
    cases = scoping.visible(user, Case.objects.select_related("household", "household__village"))
    if region_code:
        cases = cases.filter(household__village__code__startswith=codes.prefix(region_code))
    if kind:
        cases = cases.filter(kind=kind)
    if status:
        cases = cases.filter(status=status)
    if year:
        cases = cases.filter(year=year)
    return cases.order_by("-opened_at", "-id")


def case_get(*, user, reference: str) -> Case:
    return scoping.get_visible_or_404(
        user,
        Case.objects.select_related("household", "household__village", "opened_by"),
        reference=reference,
    )


def household_cases(*, user, household: Household) -> QuerySet[Case]:
    return scoping.visible(user, Case.objects.filter(household=household)).order_by(
        "-opened_at", "-id"
    )


def case_events(*, case: Case) -> list[CaseEvent]:
    return list(case.events.select_related("by").order_by("seq"))


def notice_list(*, user, region_code: str | None = None) -> QuerySet[Notice]:
    notices = scoping.visible(user, Notice.objects.select_related("region"))
    if region_code:
        notices = notices.filter(region__code__startswith=codes.prefix(region_code))
    return notices.annotate(case_count=Count("cases")).order_by("-starts_at", "-id")


def notice_get(*, user, pk: int) -> Notice:
    return scoping.get_visible_or_404(user, Notice.objects.select_related("region"), pk=pk)


def objection_get(*, user, pk: int) -> Objection:
    return scoping.get_visible_or_404(
        user, Objection.objects.select_related("case", "notice"), pk=pk
    )


@dataclass
class Action:
    """What the page or API offers a user for a case now."""

    step: object | None  # kinds.Step
    allowed: bool
    reasons: list[str] = field(default_factory=list)


def next_action(*, user, case: Case) -> Action:
    step = services.next_step(case)
    if step is None:
        return Action(None, False, [])
    reasons = []
    try:
        services.require_role(user, step.roles, str(step.label))
        services.require_scope(user, case.household)
    except PermissionDenied as exc:
        reasons.append(str(exc))
    reasons.extend(services.gate(case))
    return Action(step, not reasons, reasons)


# --- notices as printed ----------------------------------------------------------------------


@dataclass
class NoticeRow:
    case: Case
    household_no: str
    head_name: str
    id_masked: str
    size: int
    attribute: str
    cause: str
    proposal: str


@dataclass
class NoticePage:
    village: Region
    rows: list[NoticeRow]


def notice_pages(*, notice: Notice) -> list[NoticePage]:
    """One page per village: the public sees ID numbers masked whatever the printer's role."""
    kind = get_kind(notice.kind)
    heads = Member.objects.filter(household=OuterRef("household_id"), relation="head")
    cases = (
        notice.cases.select_related("household", "household__village")
        .annotate(
            head_name=Subquery(heads.values("name")[:1]),
            head_id=Subquery(heads.values("id_number")[:1]),
            size=Subquery(
                Member.objects.filter(household=OuterRef("household_id"))
                .values("household_id")
                .annotate(n=Count("id"))
                .values("n")[:1]
            ),
        )
        .order_by("household__village_id", "household__household_no")
    )
    pages: dict[str, NoticePage] = {}
    for case in cases:
        household = case.household
        page = pages.setdefault(household.village_id, NoticePage(household.village, []))
        page.rows.append(
            NoticeRow(
                case=case,
                household_no=household.household_no,
                head_name=case.head_name or "",
                id_masked=mask_id_number(case.head_id),
                size=case.size or 0,
                attribute=ATTRIBUTE.labels.get(household.attribute, household.attribute),
                cause=CAUSE.labels.get(household.main_cause, household.main_cause),
                proposal=str(kind.label),
            )
        )
    return list(pages.values())


# --- counts ----------------------------------------------------------------------------------


def _region_cases(user, code: str, year: int) -> QuerySet[Case]:
    region = codes.normalize_code(code)
    return scoping.visible(user, Case.objects.all()).filter(
        household__village__code__startswith=codes.prefix(region), year=year
    )


def procedure_counts(*, user, code: str, year: int) -> dict[str, int]:
    """Identification, exit, return and removal cases of the year in the region, by kind and
    status: `{"exit.decided": 3, ...}`. Other modules' kinds (monitoring) count elsewhere."""
    counts = {f"{k}.{s}": 0 for k in DECISION_FIGURES for s, _ in STATUS_CHOICES}
    rows = (
        _region_cases(user, code, year)
        .filter(kind__in=DECISION_FIGURES)
        .values("kind", "status")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[f"{row['kind']}.{row['status']}"] = row["n"]
    return counts


def decided_q(kind: str, year: int, prefix: str = "") -> Q:
    """Households with a decided case of `kind` in `year` (prefix: the path to the household)."""
    return Q(
        Exists(
            Case.objects.filter(
                household=OuterRef(f"{prefix}pk" if prefix else "pk"),
                kind=kind,
                year=year,
                status="decided",
            )
        )
    )


def exited_in_year_q(year: int) -> Q:
    """Exited in `year`: a decided exit case, or (for records loaded without one) the
    registry's status exited with that exit year. A household that exited and has since
    returned still exited that year."""
    return decided_q("exit", year) | Q(status="exited", exit_year=year)


def decision_counts(*, user, code: str, year: int) -> dict:
    """Households and persons newly identified, exited, returned and removed by decided cases
    of the year, for the region and each child region in the user's scope."""
    region = scoping.get_visible_or_404(user, Region.objects.all(), code=codes.normalize_code(code))
    children = list(scoping.visible(user, region.children.all()).order_by("code"))
    key_len = codes.LEVEL_PREFIX[children[0].level] if children else len(region.prefix)
    decided = _region_cases(user, region.code, year).filter(
        status="decided", kind__in=DECISION_FIGURES
    )
    persons = (
        Member.objects.filter(household=OuterRef("household_id"))
        .values("household_id")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    rows = (
        decided.annotate(key=Substr("household__village_id", 1, key_len), size=Subquery(persons))
        .values("key", "kind", "size")
        .annotate(n=Count("id"))
    )

    def empty(region_code: str) -> dict:
        return {
            "region_code": region_code,
            **{f: {"households": 0, "persons": 0} for f in DECISION_FIGURES.values()},
        }

    parts: dict[str, dict] = {}
    total = empty(region.code)
    for row in rows:
        figure = DECISION_FIGURES[row["kind"]]
        part = parts.setdefault(row["key"], empty(row["key"].ljust(12, "0")))
        for target in (part, total):
            target[figure]["households"] += row["n"]
            target[figure]["persons"] += row["n"] * (row["size"] or 0)
    total["children"] = [
        {**(parts.get(c.code[:key_len]) or empty(c.code)), "region_code": c.code} for c in children
    ]
    return total


# --- yearly dynamic adjustment (动态调整) -------------------------------------------------------


@dataclass
class Candidate:
    household: Household
    kind: str
    reason: str


def _monitoring_deaths(user, prefix: str):
    """Households every current member of which a department list reports dead (monitoring's
    match files), when the monitoring app is installed."""
    try:
        models = importlib.import_module("jingzhun.monitoring.models")
    except ImportError:
        return None
    risk_event = getattr(models, "RiskEvent", None)
    if risk_event is None:
        return None
    dead = scoping.visible(user, risk_event.objects.filter(kind="death")).filter(
        household__village__code__startswith=prefix
    )
    alive = Member.objects.filter(household=OuterRef("pk")).exclude(
        Q(pk__in=dead.exclude(member=None).values("member_id"))
        | Q(id_number__in=dead.exclude(id_number="").values("id_number"))
    )
    return Household.objects.filter(pk__in=dead.values("household_id")).exclude(Exists(alive))


def adjustment_candidates(*, user, region: Region, year: int) -> dict[str, list[Candidate]]:
    """Who the yearly adjustment should consider, by kind: exit candidates that pass the
    standard, exited households whose income fell below the line (return), and households
    the department lists report dead (removal). Households with an open case are left out."""
    from jingzhun.assessments import selectors as assessments

    prefix = region.prefix
    households = scoping.visible(user, Household.objects.select_related("village")).filter(
        village__code__startswith=prefix
    )
    households = households.exclude(
        Exists(Case.objects.filter(household=OuterRef("pk"), status="open"))
    )
    pack = assessments.pack_get(assessments.active_pack_id(region_code=region.code, year=year))
    result: dict[str, list[Candidate]] = {"exit": [], "return": [], "removal": []}

    def assessed(statuses) -> pl.DataFrame | None:
        # The policy engine's long frame, filtered with Polars: no Python object per household.
        on = dt.date(year, 12, 31)
        frames = assessments.frames_for(
            level="household", prefix=prefix, year=year, statuses=statuses, pack=pack, on=on
        )
        if frames["households"].height == 0:
            return None
        return policy.assess(pack, "household", frames, on=on)

    long = assessed(["poor", "returned"])
    if long is not None:
        verdict = policy.verdicts(long)
        passing = verdict.filter(pl.col("passed").fill_null(False))["household_no"].to_list()
        for household in households.filter(
            household_no__in=passing, status__in=["poor", "returned"]
        ):
            result["exit"].append(
                Candidate(household, "exit", "达到退出标准 (passes the standard)")
            )

    long = assessed(["exited"])
    if long is not None:
        below = long.filter((pl.col("key") == "income") & (pl.col("passed") == False))  # noqa: E712
        for household in households.filter(
            household_no__in=below["household_no"].to_list(), status="exited"
        ):
            result["return"].append(
                Candidate(household, "return", "人均纯收入低于标准线 (income fell below the line)")
            )

    dead = _monitoring_deaths(user, prefix)
    if dead is not None:
        for household in households.filter(pk__in=dead.values("pk")).exclude(status="removed"):
            result["removal"].append(
                Candidate(
                    household, "removal", "部门比对：家庭成员均已死亡 (all members reported dead)"
                )
            )
    return result


def monitoring_available() -> bool:
    try:
        return hasattr(importlib.import_module("jingzhun.monitoring.models"), "RiskEvent")
    except ImportError:
        return False
