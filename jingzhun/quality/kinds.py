"""The rule kinds: each compiles a rule's parameters into SQL over a region.

Every rule returns the offending records in the same columns (`ROW`: object_id, household_id,
household_no, region_code, label, value), computed by the database (conditions, Exists,
aggregates), never by a loop over model instances. Ages are compared as birth dates against
cutoffs computed here in Python, so the SQL is the same on SQLite and PostgreSQL: "age ≥ n at
D" ⇔ birth_date ≤ D − n years.

Kinds of one *family* read the same rows and compile a rule into a condition on them:
`member` and `stage_age` read the members (joined to their households); `household`,
`income`, `income_per_capita` and `no_income` read the households with their members counted
and their income of the checked year. `evaluate_rules` runs all the rules of a family in ONE
query — one pass over the tables, a 0/1 column per rule, only the rows where some rule holds
coming back — instead of a scan per rule. `duplicate_member` and `match_event` find their rows
with set-based queries of their own (semi-joins and one grouped pass; no correlated subquery
per finding, which would need indexes the registry does not keep).

The one exception is `exit_standard`, which hands the region's exited households to the policy
engine (jingzhun.policy, columnar Polars) so that "fails the standard of its exit year" means
exactly what `jingzhun assess` means.
"""

from __future__ import annotations

import datetime as dt
import operator
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import reduce
from typing import Any

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    FilteredRelation,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

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


def _in_unit(village: str, ctx: Context) -> bool:
    """ctx.village_q, for a village code already read."""
    return village.startswith(ctx.prefix) and not any(map(village.startswith, ctx.carve_outs))


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


def _where(model, params: Mapping[str, Any], path: str | Callable[[str], str] = "") -> Q:
    """`where` and not `exclude`, as lookups on `model`; `path` reaches the model from
    another one: a prefix (e.g. "members__" from a household) or a function of the lookup."""
    seen = path if callable(path) else (lambda key: f"{path}{key}")
    q = Q()
    for cond in _conditions(model, params.get("where"), "where"):
        q &= Q(**{seen(key): value for key, value in cond.items()})
    for cond in _conditions(model, params.get("exclude"), "exclude"):
        q &= ~Q(**{seen(key): value for key, value in cond.items()})
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

ROW = ("object_id", "household_id", "household_no", "region_code", "label", "value")

_NO_VALUE = Value("", output_field=CharField())


def _member_rows(qs: QuerySet, value=_NO_VALUE) -> QuerySet:
    return qs.values_list(
        "id", "household_id", "household__household_no", "household__village_id", "name", value
    )


def _members_q(ctx: Context, spec: Mapping[str, Any], path: str = "") -> Q:
    """The members matching a member condition (where, exclude, ages), seen from `path`."""
    return _where(Member, spec, path=path) & age_q(
        ctx, spec.get("age_min"), spec.get("age_max"), path=f"{path}birth_date"
    )


def _member_spec(spec: Any, name: str) -> None:
    if spec is None:
        return
    if not isinstance(spec, Mapping):
        raise RuleError(f"{name} must be a table (where, exclude, age_min, age_max)")
    _only(spec, {"where", "exclude", "age_min", "age_max"})
    _where(Member, spec)
    _int(spec, "age_min")
    _int(spec, "age_max")


def _truncated(numerator: int, denominator: int) -> int:
    """Integer division toward zero, as SQL's integer `/` on both databases."""
    quotient = abs(numerator) // denominator
    return quotient if numerator >= 0 else -quotient


# --- the kinds -------------------------------------------------------------------------------

Alias = Callable[[str | None, Any], str]  # (key, expression) -> the annotation's name


class Kind:
    object_type = "household"
    params: set[str] = set()
    # Kinds of one family read the same rows and compile to a condition (see `evaluate_rules`);
    # a kind without a family finds its rows itself (`evaluate`).
    family: str | None = None
    reads_income = False  # its condition reads the household's income of the checked year

    def validate(self, params: Mapping[str, Any]) -> None:
        _only(params, self.params)

    def condition(self, params: Mapping[str, Any], ctx: Context, alias: Alias) -> Q:
        """The rule as a condition on its family's rows. `alias(key, expression)` adds a
        column the condition needs (an aggregate, say) and returns its name; one key, one
        column, shared by the rules of the query."""
        raise NotImplementedError

    def valuer(self, params: Mapping[str, Any], ctx: Context) -> Callable[[Mapping], str]:
        """The finding's value from a row of the family's query (with the aliased columns
        by their keys); computed once per rule and run."""
        return lambda row: ""

    def evaluate(self, params: Mapping[str, Any], ctx: Context) -> list[dict[str, Any]]:
        """The offending rows (dicts of ROW) of a kind without a family."""
        raise NotImplementedError


class MemberKind(Kind):
    """Members matching `where` (lookups, may reach household__...), not `exclude`, aged
    `age_min`..`age_max` at the reference date."""

    object_type = "member"
    family = "member"
    params = {"where", "exclude", "age_min", "age_max"}

    def validate(self, params):
        super().validate(params)
        _member_spec(params, "params")

    def condition(self, params, ctx, alias):
        return _members_q(ctx, params)


class HouseholdKind(Kind):
    """Households matching `where`/`exclude`, with `members_min`..`members_max` members, and
    with at least one member matching `with_member` / no member matching `without_member`."""

    family = "household"
    params = {"where", "exclude", "members_min", "members_max", "with_member", "without_member"}

    def validate(self, params):
        super().validate(params)
        _where(Household, params)
        _int(params, "members_min")
        _int(params, "members_max")
        _member_spec(params.get("with_member"), "with_member")
        _member_spec(params.get("without_member"), "without_member")

    def condition(self, params, ctx, alias):
        # Member counts are aggregates over the one join of households and members that the
        # family's query groups by household, never a correlated subquery per household.
        q = _where(Household, params)
        lo, hi = params.get("members_min"), params.get("members_max")
        if lo is not None:
            q &= Q(**{f"{alias('persons', Count('members'))}__gte": lo})
        if hi is not None:
            q &= Q(**{f"{alias('persons', Count('members'))}__lte": hi})
        for key in ("with_member", "without_member"):
            if params.get(key) is None:
                continue
            matching = _members_q(ctx, params[key], path="members__")
            counted = Count("members", filter=matching) if matching else Count("members")
            name = alias(None, counted)
            q &= Q(**{f"{name}__gt": 0}) if key == "with_member" else Q(**{name: 0})
        return q


class StageAgeKind(Kind):
    """Members whose student stage is impossible for their age: `stages` maps a stage key to
    [youngest, oldest] plausible age."""

    object_type = "member"
    family = "member"
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

    def condition(self, params, ctx, alias):
        impossible = Q()
        for stage, (lo, hi) in params["stages"].items():
            too_young = Q(birth_date__gt=years_before(ctx.on, lo))
            too_old = Q(birth_date__lte=years_before(ctx.on, hi + 1))
            impossible |= Q(student=stage) & (too_young | too_old)
        return _where(Member, params) & impossible

    def valuer(self, params, ctx):
        return lambda row: row["student"]


YEAR_INCOME = "year_income"  # the household family's join to the income of the checked year


def _from_household(key: str) -> str:
    """An Income lookup (wage_fen, household__status) as seen from the household."""
    head, _, rest = key.partition("__")
    if head not in ("household", "household_id"):
        return f"{YEAR_INCOME}__{key}"
    if not rest:
        return "id"
    return f"id__{rest}" if head == "household_id" or rest in LOOKUPS else rest


class IncomeKind(Kind):
    """Households whose income record for the checked year matches `where`/`exclude` (income
    fields, household__...)."""

    family = "household"
    reads_income = True
    params = {"where", "exclude"}

    def validate(self, params):
        super().validate(params)
        _where(Income, params)

    def condition(self, params, ctx, alias):
        recorded = Q(**{f"{YEAR_INCOME}__isnull": False})
        return recorded & _where(Income, params, path=_from_household)


class NoIncomeKind(Kind):
    """Households matching `where`/`exclude` with no income record for the checked year."""

    family = "household"
    reads_income = True
    params = {"where", "exclude"}

    def validate(self, params):
        super().validate(params)
        _where(Household, params)

    def condition(self, params, ctx, alias):
        return Q(**{f"{YEAR_INCOME}__isnull": True}) & _where(Household, params)


OPS = {"lt": "lt", "le": "lte", "gt": "gt", "ge": "gte"}

NET = (
    F(f"{YEAR_INCOME}__wage_fen")
    + F(f"{YEAR_INCOME}__production_fen")
    + F(f"{YEAR_INCOME}__property_fen")
    + F(f"{YEAR_INCOME}__transfer_fen")
    - F(f"{YEAR_INCOME}__production_cost_fen")
)


class IncomePerCapitaKind(Kind):
    """Households (matching `where`/`exclude` on household__...) whose per-capita net income
    for the checked year compares `op` (lt, le, gt, ge) with `factor` × the line. The line is
    `line_yuan`, or the parameter `line_parameter` of the policy pack `line_pack` (a template
    with {year}). Compared exactly in fen: net_fen OP line_fen × factor × persons. The value
    is the per-capita net income in fen (the net income itself when line × factor is 0: the rule
    is then about its sign)."""

    family = "household"
    reads_income = True
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

    def threshold(self, params, ctx) -> int:
        factor = Decimal(str(params.get("factor", "1")))
        return int((Decimal(self.line_fen(params, ctx)) * factor).to_integral_value())

    def condition(self, params, ctx, alias):
        threshold = self.threshold(params, ctx)
        persons = alias("persons", Count("members"))
        # one income row per household: its MAX is its value, and no grouping key
        net = alias("net", Max(NET))
        compare = f"{net}__{OPS[params['op']]}"
        return (
            Q(**{f"{YEAR_INCOME}__isnull": False})
            & _where(Income, params, path=_from_household)
            & Q(**{f"{persons}__gt": 0})
            & Q(**{compare: F(persons) * threshold})
        )

    def valuer(self, params, ctx):
        if self.threshold(params, ctx) == 0:
            return lambda row: str(row["net"])
        return lambda row: str(_truncated(row["net"], row["persons"]))


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

    def evaluate(self, params, ctx) -> list[dict[str, Any]]:
        # ONE query: every member, registry-wide, with a duplicate in another household (a
        # hash semi-join, no index needed). Their other household is then picked among those
        # same rows: each member's duplicates have it as theirs, so they are all in the set.
        # (A correlated subquery for the other household's number needs an index on the
        # matched fields; without one it scanned every member once per finding: 60 s at 1M.)
        match = list(params["match"])
        same = {name: OuterRef(name) for name in match}
        others = (
            Member.objects.filter(**same)
            .filter(_where(Member, params))
            .exclude(household_id=OuterRef("household_id"))
        )
        involved = Member.objects.filter(_where(Member, params)).filter(Exists(others))
        rows = list(
            involved.order_by().values_list(
                "id",
                "household_id",
                "household__household_no",
                "household__village_id",
                "name",
                *match,
            )
        )
        households: dict[tuple, list[tuple[int, str]]] = {}
        for row in rows:
            households.setdefault(tuple(row[5:]), []).append((row[1], row[2]))
        for entries in households.values():
            entries.sort()
        found = []
        for object_id, household_id, household_no, village, name, *key in rows:
            if not _in_unit(village, ctx):
                continue
            other = next((no for hid, no in households[tuple(key)] if hid != household_id), "")
            found.append(
                {
                    "object_id": object_id,
                    "household_id": household_id,
                    "household_no": household_no,
                    "region_code": village,
                    "label": name,
                    "value": other,
                }
            )
        return found


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

    def evaluate(self, params, ctx) -> list[dict[str, Any]]:
        from jingzhun.monitoring.models import RiskEvent

        # Two set-based queries: the members with such an event (a semi-join) and the first
        # date of each ID number's events. A correlated subquery for the date would scan the
        # events once per finding (nothing indexes them by ID number).
        events = RiskEvent.objects.filter(kind=params["event"], date__lte=ctx.on)
        if params.get("sources"):
            events = events.filter(source__in=params["sources"])
        # `IN (events)` rather than EXISTS: SQLite then reads the (few) events once instead
        # of every event for every member; PostgreSQL plans both as the same semi-join.
        members = Member.objects.filter(
            ctx.village_q("household__village__code"), id_number__in=events.values("id_number")
        )
        rows = list(_member_rows(members.order_by(), value=F("id_number")))
        if not rows:
            return []
        # The first date of every ID number the events name, not only the region's: one
        # grouped pass over the events, cheaper than joining them to the members again.
        first = dict(
            events.order_by()
            .values("id_number")
            .annotate(first=Min("date"))
            .values_list("id_number", "first")
        )
        return [dict(zip(ROW, (*row[:5], str(first.get(row[5], ""))), strict=True)) for row in rows]


class ExitStandardKind(Kind):
    """Households with `status` (default exited) and an exit year whose record fails the
    policy pack `pack` (template with {year} = the exit year): assessed by jingzhun.policy on
    the household's income of its exit year, at 31 December of that year."""

    params = {"pack", "statuses", "unknown_fails"}

    def validate(self, params):
        super().validate(params)
        if not str(params.get("pack", "")).count("{year}"):
            raise RuleError("parameter pack must be a pack id template with {year}")

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
            on = dt.date(year, 12, 31)
            # Given the pack, the facts count the members its criteria need in SQL and ship
            # one row per household instead of every member.
            frames = facts.household_frames(
                prefix=ctx.prefix, year=year, statuses=statuses, exit_year=year, pack=pack, on=on
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
            result = assess(pack, "household", {**frames, "households": households}, on=on)
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


# --- evaluating the rules of a unit -------------------------------------------------------


@dataclass(frozen=True)
class Family:
    """The rows the kinds of a family read, and where each ROW column comes from."""

    label: str
    rows: Callable[[Context], QuerySet]
    columns: Mapping[str, str]  # ROW column (and extras a kind's value reads) -> lookup


def _households(ctx: Context) -> QuerySet:
    year = Q(incomes__year=ctx.year)
    return Household.objects.filter(ctx.village_q("village__code")).annotate(
        **{YEAR_INCOME: FilteredRelation("incomes", condition=year)}
    )


FAMILIES: dict[str, Family] = {
    "member": Family(
        "members",
        lambda ctx: Member.objects.filter(ctx.village_q("household__village__code")),
        {
            "object_id": "id",
            "household_id": "household_id",
            "household_no": "household__household_no",
            "region_code": "household__village_id",
            "label": "name",
            "student": "student",
        },
    ),
    # Households with their members (counted) and their income of the year (at most one row:
    # one income per household and year), one row per household.
    "household": Family(
        "households",
        _households,
        {
            "object_id": "id",
            "household_id": "id",
            "household_no": "household_no",
            "region_code": "village_id",
            "label": "household_no",
        },
    ),
}


@dataclass(frozen=True)
class Job:
    """One rule to evaluate: its id, kind and (merged) parameters."""

    rule_id: str
    kind: str
    params: Mapping[str, Any]


@dataclass
class Evaluation:
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # rule id -> rows
    skipped: dict[str, str] = field(default_factory=dict)  # rule id -> why
    queries: dict[str, float] = field(default_factory=dict)  # query label -> seconds
    query_of: dict[str, str] = field(default_factory=dict)  # rule id -> its query's label


def _family_rows(family: Family, jobs: list[Job], ctx: Context, out: Evaluation) -> None:
    """Every rule of `jobs` (one family) in ONE query: a column per rule, 1 where the rule
    holds, and only the rows where some rule holds.

    Where rules count members the query is grouped by household (one join of households and
    members, never a correlated subquery per household). Then a rule on the household's own
    fields (or its income of the year) is the MAX of its condition over the group — the same
    on every row of it — so that it is not a grouping key: the query groups by the primary
    keys alone."""
    columns: dict[str, Any] = {}
    keyed: dict[str, str] = {}
    aggregated = False  # the condition being built reads an aggregate

    def alias(key: str | None, expression: Any) -> str:
        nonlocal aggregated
        aggregated = aggregated or expression.contains_aggregate
        if key is not None and key in keyed:
            return keyed[key]
        name = f"c{len(columns)}_{key or 'x'}"
        columns[name] = expression
        if key is not None:
            keyed[key] = name
        return name

    conditions: list[tuple[Job, Q, bool]] = []
    for job in jobs:
        aggregated = False
        try:
            condition = KINDS[job.kind].condition(job.params, ctx, alias)
        except RuleSkipped as exc:
            out.skipped[job.rule_id] = str(exc)
            continue
        conditions.append((job, condition, aggregated))
    if not conditions:
        return
    grouped = any(expression.contains_aggregate for expression in columns.values())
    flags: dict[str, Any] = {}
    for _job, condition, reads_aggregate in conditions:
        flag = Case(When(condition, then=Value(1)), default=Value(0)) if condition else Value(1)
        flags[f"rule_{len(flags)}"] = Max(flag) if grouped and not reads_aggregate else flag
    qs = family.rows(ctx).order_by()
    lookups = [*family.columns.values()]
    if any(KINDS[job.kind].reads_income for job, _, _ in conditions):
        lookups.append(f"{YEAR_INCOME}__id")  # its key: the income's columns are the group's
    qs = qs.annotate(**columns, **flags)
    if grouped:  # some conditions are on aggregates: keep the groups where a flag is 1
        qs = qs.filter(reduce(operator.or_, (Q(**{f: 1}) for f in flags)))
    elif all(condition for _, condition, _ in conditions):
        # the conditions themselves, OR-ed: cheaper to test on every row than the flags'
        # CASE expressions, which are then computed for the matching rows only
        qs = qs.filter(reduce(operator.or_, (condition for _, condition, _ in conditions)))
    names = [*family.columns, *(f"_{i}" for i in range(len(lookups) - len(family.columns)))]
    names += list(keyed)
    runnable = [job for job, _, _ in conditions]
    valuers = [KINDS[job.kind].valuer(job.params, ctx) for job in runnable]
    found: dict[str, list[dict[str, Any]]] = {job.rule_id: [] for job in runnable}
    # Executed as its SQL: the columns are ids, text and integers, which both databases
    # return as Python values already, and Django's per-value converters (int() on every
    # flag of every row) cost more than the rest of the loop.
    try:
        sql, params = qs.values_list(*lookups, *keyed.values(), *flags).query.sql_with_params()
    except EmptyResultSet:  # a condition that can hold for no row (e.g. `in` an empty list)
        result = []
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            result = cursor.fetchall()
    width = len(names)
    for values in result:
        row = dict(zip(names, values[:width], strict=True))
        base = {c: row[c] for c in ROW if c != "value"}
        for job, value_of, hit in zip(runnable, valuers, values[width:], strict=True):
            if hit:
                found[job.rule_id].append({**base, "value": value_of(row)})
    out.rows.update(found)
    for job in runnable:
        out.query_of[job.rule_id] = family.label


def evaluate_rules(jobs: Iterable[Job], ctx: Context) -> Evaluation:
    """The offending rows of every rule in `jobs` over ctx: the rules of a family in one query
    (one pass over its table), each other rule by its kind's own set-based queries (or, for
    exit_standard, the columnar assessment)."""
    out = Evaluation()
    by_family: dict[str, list[Job]] = {}
    for job in jobs:
        kind = KINDS[job.kind]
        if kind.family is not None:
            by_family.setdefault(kind.family, []).append(job)
            continue
        t0 = time.perf_counter()
        try:
            rows = kind.evaluate(job.params, ctx)
        except RuleSkipped as exc:
            out.skipped[job.rule_id] = str(exc)
            continue
        out.rows[job.rule_id] = rows
        out.queries[job.rule_id] = time.perf_counter() - t0
        out.query_of[job.rule_id] = job.rule_id
    for name, family_jobs in by_family.items():
        t0 = time.perf_counter()
        _family_rows(FAMILIES[name], family_jobs, ctx, out)
        out.queries[FAMILIES[name].label] = time.perf_counter() - t0
    return out


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
    """The offending rows of one rule over ctx (RuleSkipped if it cannot run)."""
    out = evaluate_rules([Job("rule", kind_name, params)], ctx)
    if "rule" in out.skipped:
        raise RuleSkipped(out.skipped["rule"])
    return out.rows["rule"]
