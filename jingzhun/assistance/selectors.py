"""Reads for assistance and steering, always through the scoping layer.

Dates are passed in (`today`), never read from the clock here, so every rule that depends on
the day (current pairings, overdue visits, overdue rectifications) is tested with a fake clock.
Coverage and progress are single grouped queries per page, not a query per household.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Substr

from jingzhun.core import scoping
from jingzhun.regions import codes
from jingzhun.regions.models import Region
from jingzhun.registry.models import Household, Member

from .models import (
    Cadre,
    Finding,
    FirstSecretary,
    GradingRule,
    Inspection,
    Measure,
    Pairing,
    Plan,
    Target,
    Visit,
    WorkTeam,
    current_q,
)
from .vocab import CRITERION, CRITERION_MEASURES, MEASURE_BATCH, MEASURE_TYPE, OPEN_MEASURE_STATUSES

POOR_STATUSES = ("poor", "returned")
DEFAULT_VISIT_INTERVAL_DAYS = 30


def visit_interval_days() -> int:
    """Days without a visit after which a paired household is overdue (setting, default 30)."""
    return int(getattr(settings, "JINGZHUN_VISIT_INTERVAL_DAYS", DEFAULT_VISIT_INTERVAL_DAYS))


# --- cadres and pairings --------------------------------------------------------------------


def cadre_for_user(user) -> Cadre | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Cadre.objects.filter(user=user).select_related("region").first()


def cadre_list(*, user, region_code: str | None = None, today: dt.date) -> QuerySet[Cadre]:
    cadres = scoping.visible(user, Cadre.objects.select_related("region"))
    if region_code:
        cadres = cadres.filter(region__code__startswith=codes.prefix(region_code))
    return cadres.annotate(
        current_households=Count("pairings", filter=current_q(today, "pairings__"), distinct=True)
    ).order_by("region_id", "name", "id")


def cadre_get(*, user, pk: int) -> Cadre:
    """A cadre's record; a signed-in cadre may open only their own."""
    cadres = Cadre.objects.select_related("region", "user")
    if not user.is_superuser and getattr(user, "role", "") == "cadre":
        cadres = cadres.filter(user=user)
    return scoping.get_visible_or_404(user, cadres, pk=pk)


def _last_visit_subquery():
    return Subquery(
        Visit.objects.filter(household=OuterRef("household_id"))
        .order_by()
        .values("household_id")
        .annotate(last=Max("date"))
        .values("last")[:1]
    )


def current_pairings(*, user, today: dt.date) -> QuerySet[Pairing]:
    return (
        scoping.visible(user, Pairing.objects.select_related("cadre", "household__village"))
        .filter(current_q(today))
        .annotate(last_visit=_last_visit_subquery())
    )


def cadre_pairings(*, user, cadre: Cadre, today: dt.date) -> QuerySet[Pairing]:
    return (
        current_pairings(user=user, today=today)
        .filter(cadre=cadre)
        .order_by("household__household_no")
    )


def overdue_visits(
    *,
    user,
    today: dt.date,
    cadre: Cadre | None = None,
    region_code: str | None = None,
    days: int | None = None,
) -> QuerySet[Pairing]:
    """Current pairings whose household was not visited in the last `days` days.

    A household never visited is overdue once the pairing itself is older than the interval:
    a pairing made yesterday is not yet late.
    """
    days = visit_interval_days() if days is None else days
    cutoff = today - dt.timedelta(days=days)
    pairings = current_pairings(user=user, today=today)
    if cadre is not None:
        pairings = pairings.filter(cadre=cadre)
    if region_code:
        pairings = pairings.filter(household__village__code__startswith=codes.prefix(region_code))
    return pairings.filter(
        Q(last_visit__lt=cutoff) | Q(last_visit__isnull=True, start__lt=cutoff)
    ).order_by("last_visit", "household__household_no")


def open_tasks(*, user, cadre: Cadre, today: dt.date) -> QuerySet[Measure]:
    """Measures still planned or under way for the cadre's current households."""
    households = Pairing.objects.filter(cadre=cadre).filter(current_q(today)).values("household_id")
    return (
        scoping.visible(user, Measure.objects.select_related("plan__household"))
        .filter(plan__household_id__in=households, status__in=OPEN_MEASURE_STATUSES)
        .order_by("start", "id")
    )


def household_assistance(*, household: Household, today: dt.date) -> dict:
    """Everything the household's assistance page shows (the caller has already scoped it)."""
    pairings = list(household.pairings.select_related("cadre").order_by("-start"))
    current = next(
        (p for p in pairings if p.start <= today and (p.end is None or p.end >= today)), None
    )
    plan = Plan.objects.filter(household=household).first()
    return {
        "pairings": pairings,
        "current_pairing": current,
        "plan": plan,
        "measures": list(plan.measures.all()) if plan else [],
        "visits": list(household.visits.select_related("cadre").order_by("-date", "-id")),
    }


def visit_list(*, user, region_code: str | None = None, cadre: Cadre | None = None) -> QuerySet:
    visits = scoping.visible(user, Visit.objects.select_related("cadre", "household"))
    if region_code:
        visits = visits.filter(household__village__code__startswith=codes.prefix(region_code))
    if cadre is not None:
        visits = visits.filter(cadre=cadre)
    return visits.order_by("-date", "-id")


def pairing_list(*, user, region_code: str | None = None, today: dt.date) -> QuerySet[Pairing]:
    pairings = scoping.visible(user, Pairing.objects.select_related("cadre", "household__village"))
    if region_code:
        pairings = pairings.filter(household__village__code__startswith=codes.prefix(region_code))
    return pairings.order_by("household__household_no", "-start")


# --- coverage -------------------------------------------------------------------------------


def _not_exited(today: dt.date) -> Q:
    return Q(exit_year__isnull=True) | Q(exit_year__gt=today.year)


def uncovered_households(*, user, region: Region, today: dt.date) -> QuerySet[Household]:
    """Poor (or returned) households in the region with no current responsible cadre."""
    paired = Pairing.objects.filter(household=OuterRef("pk")).filter(current_q(today))
    return (
        scoping.visible(user, Household.objects.select_related("village"))
        .filter(village__code__startswith=region.prefix, status__in=POOR_STATUSES)
        .filter(~Exists(paired))
        .order_by("household_no")
    )


def poor_villages(*, user, region: Region, today: dt.date) -> QuerySet[Region]:
    """Poor villages not yet exited, with flags for a current team and first secretary."""
    team = WorkTeam.objects.filter(village=OuterRef("pk")).filter(current_q(today))
    secretary = FirstSecretary.objects.filter(village=OuterRef("pk")).filter(current_q(today))
    return (
        scoping.visible(user, Region.objects.all())
        .filter(level="village", code__startswith=region.prefix)
        .exclude(poor_village="none")
        .filter(_not_exited(today))
        .annotate(has_team=Exists(team), has_secretary=Exists(secretary))
        .order_by("code")
    )


def uncovered_villages(*, user, region: Region, today: dt.date) -> QuerySet[Region]:
    """Poor villages with no current work team or no current first secretary."""
    return poor_villages(user=user, region=region, today=today).filter(
        Q(has_team=False) | Q(has_secretary=False)
    )


@dataclass
class CoverageRow:
    region: Region
    poor_households: int = 0
    uncovered_households: int = 0
    poor_villages: int = 0
    villages_without_team: int = 0
    villages_without_secretary: int = 0


def coverage_summary(
    *, user, region: Region, today: dt.date, children_level: str | None = None
) -> list[CoverageRow]:
    """One row per child region, or per region of `children_level` under it (or the village
    itself): poor households and poor villages, and how many of each lack a current cadre /
    team / first secretary."""
    children = scoping.sub_regions(user, region, children_level) or [region]
    length = len(children[0].prefix)
    paired = Pairing.objects.filter(household=OuterRef("pk")).filter(current_q(today))
    household_rows = (
        scoping.visible(user, Household.objects.all())
        .filter(village__code__startswith=region.prefix, status__in=POOR_STATUSES)
        .annotate(child=Substr("village_id", 1, length), paired=Exists(paired))
        .values("child")
        .annotate(total=Count("id"), uncovered=Count("id", filter=Q(paired=False)))
    )
    by_child = {r["child"]: r for r in household_rows}
    village_rows = (
        poor_villages(user=user, region=region, today=today)
        .annotate(child=Substr("code", 1, length))
        .values("child")
        .annotate(
            total=Count("code"),
            no_team=Count("code", filter=Q(has_team=False)),
            no_secretary=Count("code", filter=Q(has_secretary=False)),
        )
    )
    villages_by_child = {r["child"]: r for r in village_rows}
    rows = []
    for child in children:
        key = child.code[:length]
        h = by_child.get(key, {})
        v = villages_by_child.get(key, {})
        rows.append(
            CoverageRow(
                region=child,
                poor_households=h.get("total", 0),
                uncovered_households=h.get("uncovered", 0),
                poor_villages=v.get("total", 0),
                villages_without_team=v.get("no_team", 0),
                villages_without_secretary=v.get("no_secretary", 0),
            )
        )
    return rows


def team_list(*, user, region_code: str | None = None) -> QuerySet[WorkTeam]:
    teams = scoping.visible(user, WorkTeam.objects.select_related("village")).prefetch_related(
        "members"
    )
    if region_code:
        teams = teams.filter(village__code__startswith=codes.prefix(region_code))
    return teams.order_by("village_id", "-start")


def secretary_list(*, user, region_code: str | None = None) -> QuerySet[FirstSecretary]:
    secretaries = scoping.visible(user, FirstSecretary.objects.select_related("village"))
    if region_code:
        secretaries = secretaries.filter(village__code__startswith=codes.prefix(region_code))
    return secretaries.order_by("village_id", "-start")


# --- plans: 缺什么补什么 ----------------------------------------------------------------------


@dataclass
class Gap:
    criterion: str
    label: str
    suggested: list[tuple[str, str, str]]  # (measure type, its label, its batch)
    measures: list[Measure] = field(default_factory=list)
    explanation: str = ""

    @property
    def answered(self) -> bool:
        return bool(self.measures or self.explanation)


def suggested_measures(criterion: str) -> list[tuple[str, str, str]]:
    return [
        (k, MEASURE_TYPE.label(k), MEASURE_BATCH[k]) for k in CRITERION_MEASURES.get(criterion, ())
    ]


def plan_gaps(household: Household, failed_criteria: list[str]) -> list[Gap]:
    """For each failed exit criterion: the measure types that answer it, the plan's measures
    that do (not cancelled; aimed at the criterion or of a type that answers it), and the
    written explanation if there is one.

    `failed_criteria` are criterion kinds, as `failed_criteria(household)` gives them.
    """
    plan = Plan.objects.filter(household=household).first()
    measures = list(plan.measures.exclude(status="cancelled")) if plan else []
    explanations = {e.criterion: e.text for e in plan.explanations.all()} if plan else {}
    gaps = []
    for criterion in dict.fromkeys(failed_criteria):
        answering = set(CRITERION_MEASURES.get(criterion, ()))
        gaps.append(
            Gap(
                criterion=criterion,
                label=CRITERION.label(criterion),
                suggested=suggested_measures(criterion),
                measures=[
                    m
                    for m in measures
                    if m.criterion == criterion or (not m.criterion and m.kind in answering)
                ],
                explanation=explanations.get(criterion, ""),
            )
        )
    return gaps


def unanswered_gaps(household: Household, failed_criteria: list[str]) -> list[str]:
    """The failed criteria with neither a measure nor an explanation: must be empty."""
    return [g.criterion for g in plan_gaps(household, failed_criteria) if not g.answered]


def failed_criteria(household: Household, *, year: int | None = None) -> list[str]:
    """The exit criteria the household fails under the active policy pack, as criterion kinds
    (what CRITERION_MEASURES is keyed by); "unknown" is not counted as failed."""
    from jingzhun.assessments.selectors import household_panel

    panel = household_panel(household=household, year=year)
    kinds = {spec.key: spec.kind for spec in panel["pack"].criteria["household"]}
    return [kinds[c.key] for c in panel["result"].criteria if c.passed is False]


# --- targets and progress -------------------------------------------------------------------


def percent(actual: int, target: int, *, places: int = 0) -> str | None:
    """actual / target in percent as an exact decimal string, rounded half-up; None for no
    target. 4516 against 4106 → "110" (places=0) or "110.0" (places=1)."""
    if not target:
        return None
    exponent = Decimal(1).scaleb(-places)
    value = (Decimal(actual) * 100 / Decimal(target)).quantize(exponent, rounding=ROUND_HALF_UP)
    return str(value)


@dataclass
class Progress:
    persons: int = 0
    households: int = 0
    villages: int = 0


def _progress_by_child(prefix: str, child_length: int, year: int) -> dict[str, Progress]:
    """Exits in the year grouped by the first `child_length` digits of the village code.

    An exit counts when the procedures engine decided an exit case for the year, or, for
    records loaded without one, when the registry says status exited with exit_year = year
    (`procedures.selectors.exited_in_year_q`): a household that exited and later returned
    still counts for the year it exited.
    """
    from jingzhun.procedures.selectors import exited_in_year_q

    result: dict[str, Progress] = {}
    exited = Household.objects.filter(village__code__startswith=prefix).filter(
        exited_in_year_q(year)
    )
    for row in (
        exited.annotate(child=Substr("village_id", 1, child_length))
        .values("child")
        .annotate(households=Count("id"))
    ):
        result.setdefault(row["child"], Progress()).households = row["households"]
    for row in (
        Member.objects.filter(household__in=exited.values("pk"))
        .annotate(child=Substr("household__village_id", 1, child_length))
        .values("child")
        .annotate(n=Count("id"))
    ):
        result.setdefault(row["child"], Progress()).persons = row["n"]
    for row in (
        Region.objects.filter(level="village", code__startswith=prefix, exit_year=year)
        .exclude(poor_village="none")
        .annotate(child=Substr("code", 1, child_length))
        .values("child")
        .annotate(n=Count("code"))
    ):
        result.setdefault(row["child"], Progress()).villages = row["n"]
    return result


def progress(*, region: Region, year: int) -> Progress:
    return _progress_by_child(region.prefix, len(region.prefix), year).get(
        region.prefix, Progress()
    )


@dataclass
class TargetRow:
    region: Region
    target: Target | None
    done: Progress
    rank: int | None = None

    def _pct(self, figure: str, places: int = 1) -> str | None:
        if self.target is None:
            return None
        return percent(getattr(self.done, figure), getattr(self.target, figure), places=places)

    @property
    def persons_percent(self) -> str | None:
        return self._pct("persons")

    @property
    def households_percent(self) -> str | None:
        return self._pct("households")

    @property
    def villages_percent(self) -> str | None:
        return self._pct("villages")

    @property
    def ratio(self) -> Fraction | None:
        """The exact share of the persons target, the ranking key (no rounding ties)."""
        if self.target is None or not self.target.persons:
            return None
        return Fraction(self.done.persons, self.target.persons)


def target_get(*, user, region_code: str, year: int) -> Target:
    return scoping.get_visible_or_404(
        user, Target.objects.select_related("region"), region__code=region_code, year=year
    )


def target_children(*, user, region: Region, year: int) -> list[TargetRow]:
    """The region's children with their targets and progress, ranked (排位通报)."""
    children = list(scoping.visible(user, region.children.all()).order_by("code"))
    if not children:
        return []
    length = len(children[0].prefix)
    targets = {t.region_id: t for t in Target.objects.filter(year=year, region__in=children)}
    done = _progress_by_child(region.prefix, length, year)
    rows = [
        TargetRow(region=c, target=targets.get(c.code), done=done.get(c.code[:length], Progress()))
        for c in children
    ]
    return rank_rows(rows)


def rank_rows(rows: list[TargetRow]) -> list[TargetRow]:
    """Competition ranking (1, 2, 2, 4) by the exact share of the persons target, highest
    first; rows without a target are listed last, unranked."""
    ranked = sorted(
        (r for r in rows if r.ratio is not None), key=lambda r: (-r.ratio, r.region.code)
    )
    previous, rank = None, 0
    for position, row in enumerate(ranked, start=1):
        if row.ratio != previous:
            rank, previous = position, row.ratio
        row.rank = rank
    unranked = [r for r in rows if r.ratio is None]
    return ranked + unranked


def target_list(*, user, year: int | None = None) -> QuerySet[Target]:
    targets = scoping.visible(user, Target.objects.select_related("region"))
    if year:
        targets = targets.filter(year=year)
    return targets.order_by("-year", "region_id")


# --- inspections ----------------------------------------------------------------------------


def inspection_list(*, user, region_code: str | None = None) -> QuerySet[Inspection]:
    inspections = scoping.visible(user, Inspection.objects.select_related("region"))
    if region_code:
        inspections = inspections.filter(region__code__startswith=codes.prefix(region_code))
    return inspections.annotate(
        finding_count=Count("findings"),
        open_count=Count("findings", filter=Q(findings__rectified_on__isnull=True)),
    ).order_by("-date", "-id")


def inspection_get(*, user, pk: int) -> Inspection:
    return scoping.get_visible_or_404(user, Inspection.objects.select_related("region"), pk=pk)


def finding_list(
    *, user, today: dt.date, region_code: str | None = None, overdue_only: bool = False
) -> QuerySet[Finding]:
    findings = scoping.visible(user, Finding.objects.select_related("inspection__region"))
    if region_code:
        findings = findings.filter(inspection__region__code__startswith=codes.prefix(region_code))
    if overdue_only:
        findings = findings.filter(overdue_q(today))
    return findings.order_by("deadline", "id")


def overdue_q(today: dt.date) -> Q:
    """Rectification not done and the deadline passed (the deadline day itself is still in time)."""
    return Q(rectified_on__isnull=True, deadline__lt=today)


def is_overdue(finding: Finding, today: dt.date) -> bool:
    return finding.rectified_on is None and finding.deadline < today


@dataclass
class VillageGrade:
    village: Region
    findings: int
    rectified: int
    open_serious: int
    overdue: int
    share: Decimal  # rectified / findings in percent, two decimals; 100 with no findings
    grade: str


def grading_rule_for(region: Region) -> GradingRule:
    """The county's rule, or the defaults (good ≥ 90 %, medium ≥ 60 %) until it sets one."""
    county_code = region.code[:6].ljust(12, "0")
    return GradingRule.objects.filter(county_id=county_code).first() or GradingRule(
        county_id=county_code
    )


def classify(*, rectified: int, findings: int, open_serious: int, rule: GradingRule) -> str:
    """Compared exactly (rectified × 100 against threshold × findings): no rounding at an edge."""
    share = Fraction(100) if findings == 0 else Fraction(rectified * 100, findings)
    good = Fraction(Decimal(rule.good_min_percent))
    medium = Fraction(Decimal(rule.medium_min_percent))
    if share >= good and open_serious <= rule.good_max_open_serious:
        return "good"
    if share >= medium:
        return "medium"
    return "poor"


def village_grades(*, user, region: Region, year: int, today: dt.date) -> list[VillageGrade]:
    """Poor villages of the region, and any village inspected in the year, classed by the
    county's rule from the findings of that year's inspections of the village."""
    in_year = Q(inspections__date__year=year)
    villages = (
        scoping.visible(user, Region.objects.all())
        .filter(level="village", code__startswith=region.prefix)
        .annotate(
            n_findings=Count("inspections__findings", filter=in_year),
            n_rectified=Count(
                "inspections__findings",
                filter=in_year & Q(inspections__findings__rectified_on__isnull=False),
            ),
            n_open_serious=Count(
                "inspections__findings",
                filter=in_year
                & Q(
                    inspections__findings__rectified_on__isnull=True,
                    inspections__findings__severity="serious",
                ),
            ),
            n_overdue=Count(
                "inspections__findings",
                filter=in_year
                & Q(
                    inspections__findings__rectified_on__isnull=True,
                    inspections__findings__deadline__lt=today,
                ),
            ),
            n_inspections=Coalesce(
                Count("inspections", filter=in_year, distinct=True),
                Value(0),
                output_field=IntegerField(),
            ),
        )
        .filter(~Q(poor_village="none") | Q(n_inspections__gt=0))
        .order_by("code")
    )
    rule = grading_rule_for(region)
    result = []
    for village in villages:
        total, done = village.n_findings, village.n_rectified
        share = (
            Decimal(100)
            if total == 0
            else (Decimal(done) * 100 / total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        )
        result.append(
            VillageGrade(
                village=village,
                findings=total,
                rectified=done,
                open_serious=village.n_open_serious,
                overdue=village.n_overdue,
                share=share,
                grade=classify(
                    rectified=done, findings=total, open_serious=village.n_open_serious, rule=rule
                ),
            )
        )
    return result


def coverage_gaps(*, user, region: Region, today: dt.date, limit: int = 10) -> dict:
    """The region page's coverage panel: how many poor households lack a current cadre and
    how many poor villages a team or first secretary, with the first few of each."""
    households = uncovered_households(user=user, region=region, today=today)
    villages = uncovered_villages(user=user, region=region, today=today)
    return {
        "households": households.count(),
        "villages": villages.count(),
        "first_households": list(households[:limit]),
        "first_villages": list(villages[:limit]),
        "limit": limit,
    }
