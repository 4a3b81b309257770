"""The rule kinds: each compiles a rule's parameters into ONE query over a region.

A kind's `query(params, ctx)` returns a queryset of tuples with the same columns for every kind
(`ROW`: object_id, household_id, household_no, region_code, label, value) — the offending records,
computed by the database (Exists / subqueries / aggregates), never by a loop over model
instances. Ages are compared as birth dates against cutoffs computed here in Python, so the SQL
is the same on SQLite and PostgreSQL: "age ≥ n at D" ⇔ birth_date ≤ D − n years.

The one exception is `exit_standard`, which hands the region's exited households to the policy
engine (jingzhun.policy, columnar Polars) so that "fails the standard of its exit year" means
exactly what `jingzhun assess` means.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce

from jingzhun.registry.models import Household, Income, Member

from .rulebook import RuleError


class RuleSkipped(Exception):  # noqa: N818 - a signal, not a failure
    """The rule cannot run for this year/region (e.g. no policy pack for the year)."""


LOOKUPS = {"exact", "in", "isnull", "gt", "gte", "lt", "lte", "startswith"}


@dataclass(frozen=True)
class Context:
    prefix: str  # the village codes checked start with this
    carve_outs: tuple[str, ...] = ()  # ... but not with these
    year: int = 2018  # income year
    on: dt.date = dt.date(2018, 12, 31)  # reference date for ages

    def village_q(self, path: str) -> Q:
        q = Q(**{f"{path}__startswith": self.prefix})
        for carve in self.carve_outs:
            q &= ~Q(**{f"{path}__startswith": carve})
        return q


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def age_q(ctx: Context, age_min: int | None, age_max: int | None, path: str = "birth_date") -> Q:
    """Members aged age_min..age_max (whole years, both inclusive) at ctx.on."""
    q = Q()
    if age_min is not None:
        q &= Q(**{f"{path}__lte": years_before(ctx.on, int(age_min))})
    if age_max is not None:
        q &= Q(**{f"{path}__gt": years_before(ctx.on, int(age_max) + 1)})
    return q


# --- validating the data-driven conditions ---------------------------------------------------


def _check_path(model, key: str) -> None:
    parts = key.split("__")
    if parts[-1] in LOOKUPS and len(parts) > 1:
        parts = parts[:-1]
    current = model
    for i, name in enumerate(parts):
        try:
            f = current._meta.get_field(name)
        except FieldDoesNotExist as exc:
            raise RuleError(f"{key!r}: {current.__name__} has no field {name!r}") from exc
        if f.is_relation:
            if f.many_to_many or f.one_to_many:
                raise RuleError(f"{key!r}: {name!r} is a list; use a member condition")
            current = f.related_model
        elif i != len(parts) - 1:
            raise RuleError(f"{key!r}: {name!r} is not a relation")


def _conditions(model, raw: Any, name: str) -> list[dict[str, Any]]:
    """A condition is a table of lookups (AND); `exclude` may be a list of them (OR)."""
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    for item in items:
        if not isinstance(item, Mapping):
            raise RuleError(f"{name} must be a table of field lookups")
        for key in item:
            _check_path(model, key)
    return [dict(item) for item in items]


def _where(model, params: Mapping[str, Any], prefix: str = "") -> Q:
    q = Q()
    for cond in _conditions(model, params.get(f"{prefix}where"), f"{prefix}where"):
        q &= Q(**cond)
    for cond in _conditions(model, params.get(f"{prefix}exclude"), f"{prefix}exclude"):
        q &= ~Q(**cond)
    return q


def _int(params: Mapping[str, Any], key: str, *, required: bool = False) -> int | None:
    value = params.get(key)
    if value is None:
        if required:
            raise RuleError(f"parameter {key} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RuleError(f"parameter {key} must be a whole number ≥ 0")
    return value


def _only(params: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = set(params) - allowed
    if unknown:
        raise RuleError(f"unknown parameter(s) {', '.join(sorted(unknown))}")


def _yuan_fen(value: Any, key: str) -> int:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise RuleError(f"parameter {key} must be an amount in yuan") from exc
    return int((amount * 100).to_integral_value())


# --- output columns ------------------------------------------------------------------------

_NO_VALUE = Value("", output_field=CharField())


ROW = ("object_id", "household_id", "household_no", "region_code", "label", "value")


def _member_rows(qs: QuerySet, value=_NO_VALUE) -> QuerySet:
    return qs.values_list(
        "id", "household_id", "household__household_no", "household__village_id", "name", value
    )


def _household_rows(qs: QuerySet, value=_NO_VALUE, path: str = "") -> QuerySet:
    return qs.values_list(
        f"{path}id",
        f"{path}id",
        f"{path}household_no",
        f"{path}village_id",
        f"{path}household_no",
        value,
    )


def _members_of(outer: str, ctx: Context, spec: Mapping[str, Any]) -> QuerySet:
    q = _where(Member, spec) & age_q(ctx, spec.get("age_min"), spec.get("age_max"))
    return Member.objects.filter(household_id=OuterRef(outer)).filter(q)


def _member_spec(spec: Any, name: str) -> None:
    if spec is None:
        return
    if not isinstance(spec, Mapping):
        raise RuleError(f"{name} must be a table (where, exclude, age_min, age_max)")
    _only(spec, {"where", "exclude", "age_min", "age_max"})
    _where(Member, spec)
    _int(spec, "age_min")
    _int(spec, "age_max")


# --- the kinds -------------------------------------------------------------------------------


class Kind:
    object_type = "household"
    params: set[str] = set()
    doc = ""

    def validate(self, params: Mapping[str, Any]) -> None:
        _only(params, self.params)

    def query(self, params: Mapping[str, Any], ctx: Context) -> QuerySet:
        raise NotImplementedError


class MemberKind(Kind):
    """Members matching `where` (lookups, may reach household__...), not `exclude`, aged
    `age_min`..`age_max` at the reference date."""

    object_type = "member"
    params = {"where", "exclude", "age_min", "age_max"}

    def validate(self, params):
        super().validate(params)
        _member_spec(params, "params")

    def query(self, params, ctx):
        qs = Member.objects.filter(ctx.village_q("household__village__code"))
        qs = qs.filter(_where(Member, params))
        qs = qs.filter(age_q(ctx, params.get("age_min"), params.get("age_max")))
        return _member_rows(qs)


class HouseholdKind(Kind):
    """Households matching `where`/`exclude`, with `members_min`..`members_max` members, and
    with at least one member matching `with_member` / no member matching `without_member`."""

    params = {"where", "exclude", "members_min", "members_max", "with_member", "without_member"}

    def validate(self, params):
        super().validate(params)
        _where(Household, params)
        _int(params, "members_min")
        _int(params, "members_max")
        _member_spec(params.get("with_member"), "with_member")
        _member_spec(params.get("without_member"), "without_member")

    def query(self, params, ctx):
        qs = Household.objects.filter(ctx.village_q("village__code")).filter(
            _where(Household, params)
        )
        if params.get("with_member") is not None:
            qs = qs.filter(Exists(_members_of("pk", ctx, params["with_member"])))
        if params.get("without_member") is not None:
            qs = qs.filter(~Exists(_members_of("pk", ctx, params["without_member"])))
        lo, hi = params.get("members_min"), params.get("members_max")
        anyone = Member.objects.filter(household_id=OuterRef("pk"))
        if hi is None and lo == 1:
            qs = qs.filter(Exists(anyone))  # no count needed
        elif hi == 0 and not lo:
            qs = qs.filter(~Exists(anyone))
        elif lo is not None or hi is not None:
            # one join + GROUP BY, far cheaper than a correlated count per household
            qs = qs.annotate(persons=Count("members"))
            if lo is not None:
                qs = qs.filter(persons__gte=lo)
            if hi is not None:
                qs = qs.filter(persons__lte=hi)
        return _household_rows(qs)


def _member_count_of(outer: str):
    return Coalesce(
        Subquery(
            Member.objects.filter(household_id=OuterRef(outer))
            .order_by()
            .values("household_id")
            .annotate(n=Count("id"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


class StageAgeKind(Kind):
    """Members whose student stage is impossible for their age: `stages` maps a stage key to
    [youngest, oldest] plausible age."""

    object_type = "member"
    params = {"stages", "where", "exclude"}

    def validate(self, params):
        super().validate(params)
        from jingzhun.vocab import STUDENT

        stages = params.get("stages")
        if not isinstance(stages, Mapping) or not stages:
            raise RuleError("parameter stages must map a student stage to [min_age, max_age]")
        for stage, bounds in stages.items():
            if stage not in STUDENT.keys:
                raise RuleError(f"unknown student stage {stage!r}")
            ok = isinstance(bounds, list) and len(bounds) == 2
            if not ok or not all(isinstance(b, int) for b in bounds) or bounds[0] > bounds[1]:
                raise RuleError(f"stages.{stage} must be [min_age, max_age]")
        _where(Member, params)

    def query(self, params, ctx):
        impossible = Q(pk__in=[])
        for stage, (lo, hi) in params["stages"].items():
            too_young = Q(birth_date__gt=years_before(ctx.on, lo))
            too_old = Q(birth_date__lte=years_before(ctx.on, hi + 1))
            impossible |= Q(student=stage) & (too_young | too_old)
        qs = Member.objects.filter(ctx.village_q("household__village__code"))
        qs = qs.filter(_where(Member, params)).filter(impossible)
        return _member_rows(qs, value=F("student"))


class IncomeKind(Kind):
    """Households whose income record for the checked year matches `where`/`exclude` (income
    fields, household__...)."""

    params = {"where", "exclude"}

    def validate(self, params):
        super().validate(params)
        _where(Income, params)

    def query(self, params, ctx):
        qs = Income.objects.filter(ctx.village_q("household__village__code"), year=ctx.year)
        qs = qs.filter(_where(Income, params))
        return _household_rows(qs, path="household__")


class NoIncomeKind(Kind):
    """Households matching `where`/`exclude` with no income record for the checked year."""

    params = {"where", "exclude"}

    def validate(self, params):
        super().validate(params)
        _where(Household, params)

    def query(self, params, ctx):
        recorded = Income.objects.filter(household_id=OuterRef("pk"), year=ctx.year)
        qs = Household.objects.filter(ctx.village_q("village__code")).filter(
            _where(Household, params)
        )
        return _household_rows(qs.filter(~Exists(recorded)))


OPS = {"lt": "lt", "le": "lte", "gt": "gt", "ge": "gte"}


class IncomePerCapitaKind(Kind):
    """Households (matching `where`/`exclude` on household__...) whose per-capita net income
    for the checked year compares `op` (lt, le, gt, ge) with `factor` × the line. The line is
    `line_yuan`, or the parameter `line_parameter` of the policy pack `line_pack` (a template
    with {year}). Compared exactly in fen: net_fen OP line_fen × factor × persons."""

    params = {"where", "exclude", "op", "line_yuan", "line_pack", "line_parameter", "factor"}

    def validate(self, params):
        super().validate(params)
        _where(Income, params)
        if params.get("op") not in OPS:
            raise RuleError(f"parameter op must be one of {', '.join(OPS)}")
        if "line_yuan" in params:
            _yuan_fen(params["line_yuan"], "line_yuan")
        elif not params.get("line_pack"):
            raise RuleError("give line_yuan or line_pack")
        try:
            Decimal(str(params.get("factor", "1")))
        except InvalidOperation as exc:
            raise RuleError("parameter factor must be a number") from exc

    def line_fen(self, params, ctx) -> int:
        if "line_yuan" in params:
            return _yuan_fen(params["line_yuan"], "line_yuan")
        from jingzhun.policy import PolicyError, get_pack

        pack_id = str(params["line_pack"]).format(year=ctx.year)
        try:
            pack = get_pack(pack_id)
        except PolicyError as exc:
            raise RuleSkipped(f"no policy pack {pack_id} for the line") from exc
        return int(pack.parameters[params.get("line_parameter", "poverty_line")].value)

    def query(self, params, ctx):
        factor = Decimal(str(params.get("factor", "1")))
        threshold = int((Decimal(self.line_fen(params, ctx)) * factor).to_integral_value())
        net = (
            F("wage_fen")
            + F("production_fen")
            + F("property_fen")
            + F("transfer_fen")
            - F("production_cost_fen")
        )
        qs = Income.objects.filter(ctx.village_q("household__village__code"), year=ctx.year)
        qs = qs.filter(_where(Income, params)).annotate(net=net)
        if threshold == 0:  # the sign of the net income: no head count needed
            qs = qs.filter(Exists(Member.objects.filter(household_id=OuterRef("household_id"))))
            qs = qs.filter(**{f"net__{OPS[params['op']]}": 0}).annotate(persons=Value(1))
        else:
            qs = qs.annotate(persons=Count("household__members")).filter(persons__gt=0)
            qs = qs.filter(**{f"net__{OPS[params['op']]}": F("persons") * threshold})
        per_capita = Cast(F("net") / F("persons"), output_field=CharField())
        return _household_rows(qs, value=per_capita, path="household__")


class DuplicateMemberKind(Kind):
    """Members (matching `where`) for whom another household anywhere in the registry has a
    member with the same values of `match` (e.g. head name and birth date)."""

    object_type = "member"
    params = {"match", "where", "exclude"}

    def validate(self, params):
        super().validate(params)
        match = params.get("match")
        if not isinstance(match, list) or not match:
            raise RuleError("parameter match must list member fields")
        for name in match:
            _check_path(Member, name)
        _where(Member, params)

    def query(self, params, ctx):
        same = {name: OuterRef(name) for name in params["match"]}
        others = (
            Member.objects.filter(**same)
            .filter(_where(Member, params))
            .exclude(household_id=OuterRef("household_id"))
        )
        qs = Member.objects.filter(ctx.village_q("household__village__code"))
        qs = qs.filter(_where(Member, params)).filter(Exists(others))
        other_no = Subquery(others.order_by("household_id").values("household__household_no")[:1])
        return _member_rows(qs, value=other_no)


class MatchEventKind(Kind):
    """Members still counted in a household whose ID number a department's match file
    (`jingzhun import match`, kept as monitoring risk events) reported with `event` dated on or
    before the reference date; `sources` narrows to some departments. The value is the date."""

    object_type = "member"
    params = {"event", "sources"}

    def validate(self, params):
        super().validate(params)
        from jingzhun.monitoring.vocab import EVENT, SOURCE

        if params.get("event") not in EVENT.keys:
            raise RuleError(f"parameter event must be one of {', '.join(EVENT.keys)}")
        sources = params.get("sources", [])
        if not isinstance(sources, list) or any(s not in SOURCE.keys for s in sources):
            raise RuleError(f"parameter sources must list some of {', '.join(SOURCE.keys)}")

    def query(self, params, ctx):
        from jingzhun.monitoring.models import RiskEvent

        events = RiskEvent.objects.filter(
            id_number=OuterRef("id_number"), kind=params["event"], date__lte=ctx.on
        )
        if params.get("sources"):
            events = events.filter(source__in=params["sources"])
        qs = Member.objects.filter(ctx.village_q("household__village__code")).filter(Exists(events))
        first = Cast(Subquery(events.order_by("date").values("date")[:1]), CharField())
        return _member_rows(qs, value=first)


class ExitStandardKind(Kind):
    """Households with `status` (default exited) and an exit year whose record fails the
    policy pack `pack` (template with {year} = the exit year): assessed by jingzhun.policy on
    the household's income of its exit year, at 31 December of that year."""

    params = {"pack", "statuses", "unknown_fails"}
    columnar = True

    def validate(self, params):
        super().validate(params)
        if not str(params.get("pack", "")).count("{year}"):
            raise RuleError("parameter pack must be a pack id template with {year}")

    def query(self, params, ctx):  # pragma: no cover - columnar, see evaluate
        raise NotImplementedError

    def evaluate(self, params, ctx) -> list[dict[str, Any]]:
        import polars as pl

        from jingzhun.assessments import facts
        from jingzhun.assessments.selectors import pack_get
        from jingzhun.policy import PolicyError, assess

        statuses = params.get("statuses", ["exited"])
        years = sorted(
            set(
                Household.objects.filter(
                    ctx.village_q("village__code"), status__in=statuses, exit_year__isnull=False
                )
                .values_list("exit_year", flat=True)
                .distinct()
            )
        )
        unknown_fails = bool(params.get("unknown_fails", False))
        rows: list[dict[str, Any]] = []
        for year in years:
            try:
                pack = pack_get(str(params["pack"]).format(year=year))
            except (PolicyError, KeyError):
                continue  # no standard for that year: nothing to hold it against
            frames = facts.household_frames(
                prefix=ctx.prefix, year=year, statuses=statuses, exit_year=year
            )
            households = frames["households"]
            if ctx.carve_outs:
                households = households.filter(
                    ~pl.any_horizontal(
                        [pl.col("village_code").str.starts_with(c) for c in ctx.carve_outs]
                    )
                )
            if households.height == 0:
                continue
            result = assess(
                pack,
                "household",
                {"households": households, "members": frames["members"]},
                on=dt.date(year, 12, 31),
            )
            verdict = (
                result.filter(pl.col("passed").eq(False))
                .group_by("household_no", maintain_order=True)
                .agg(pl.col("key").str.join(","))
            )
            if unknown_fails:
                unknown = (
                    result.filter(pl.col("all_passed").is_null())
                    .group_by("household_no", maintain_order=True)
                    .agg(pl.lit("unknown").alias("key"))
                )
                verdict = pl.concat([verdict, unknown])
            failing = households.join(verdict, on="household_no", how="inner")
            for household_id, household_no, village, keys in failing.select(
                "household_id", "household_no", "village_code", "key"
            ).iter_rows():
                rows.append(
                    {
                        "object_id": household_id,
                        "household_id": household_id,
                        "household_no": household_no,
                        "region_code": village,
                        "label": household_no,
                        "value": f"{pack.id}: {keys}",
                    }
                )
        return rows


KINDS: dict[str, Kind] = {
    "member": MemberKind(),
    "household": HouseholdKind(),
    "stage_age": StageAgeKind(),
    "income": IncomeKind(),
    "no_income": NoIncomeKind(),
    "income_per_capita": IncomePerCapitaKind(),
    "duplicate_member": DuplicateMemberKind(),
    "exit_standard": ExitStandardKind(),
    "match_event": MatchEventKind(),
}


def evaluate(kind_name: str, params: Mapping[str, Any], ctx: Context) -> list[dict[str, Any]]:
    """The offending rows of one rule over ctx: one SQL query (or one columnar assessment)."""
    kind = KINDS[kind_name]
    if getattr(kind, "columnar", False):
        return kind.evaluate(params, ctx)
    return [dict(zip(ROW, row, strict=True)) for row in kind.query(params, ctx)]
