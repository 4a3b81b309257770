"""Criterion kinds: each evaluator is written once here and named by packs.

An evaluator turns its bound parameters into three Polars expressions over the entity frame
(`passed`, `value`, `threshold`). `passed` is a nullable Boolean: null means the data needed
was not recorded, so the criterion is *unknown* — Kleene logic (null & False = False) keeps
that honest through every combination. Comparisons stay in integers (see values.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl

from jingzhun.vocab import STUDENT

from .members import (
    Coalesce,
    Col,
    FalseIfIn,
    Pred,
    aged_between,
    any_member,
    true_column,
    unknown_column,
)
from .values import (
    agree,
    div_half_up,
    format_decimal,
    format_fen,
    format_hundredths,
    fraction,
    parse_decimal,
    percent_hundredths,
    yuan_to_fen,
)

YES, NO = "是", "否"
ENROLLED = tuple(key for key in STUDENT.keys if key != "none")


@dataclass(frozen=True)
class Param:
    """A criterion parameter as written in a pack.

    type "money" (yuan, kept as fen), "percent" (Decimal), "bool", or "ref": the *name* of a
    pack parameter (of catalogue type `ref_type`), so that a county overriding the pack's
    poverty_line moves every criterion that reads it.
    """

    type: str
    default: Any = None
    required: bool = False
    ref_type: str | None = None
    optional: bool = False  # a ref whose parameter may be absent (the argument is then None)


@dataclass(frozen=True)
class Outcome:
    passed: pl.Expr
    value: pl.Expr
    threshold: pl.Expr


@dataclass(frozen=True)
class Bound:
    """One criterion of one pack, its parameters resolved, for one assessment date."""

    key: str
    args: Mapping[str, Any]
    on: date

    def private(self, name: str) -> str:
        # Member aggregates are joined onto the household frame; prefixing with the
        # criterion key keeps two criteria of the same kind from colliding.
        return f"__{self.key}__{name}"


@dataclass(frozen=True)
class Kind:
    name: str
    levels: frozenset[str]
    label: str
    outcome: Callable[[Bound], Outcome]
    params: Mapping[str, Param] = field(default_factory=dict)
    columns: tuple[str, ...] = ()  # entity-frame columns read
    # Household level: what the criterion asks of each member (jingzhun.policy.members),
    # named; the engine counts, per household, the members each predicate is true and unknown
    # for, in Polars or pushed down into SQL, and the outcome reads those counts.
    member_counts: Callable[[Bound], Sequence[tuple[str, Pred]]] | None = None
    check: Callable[[Mapping[str, Any]], tuple[str, str] | None] | None = None


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    if kind.name in KINDS:
        raise RuntimeError(f"criterion kind {kind.name!r} registered twice")
    KINDS[kind.name] = kind
    return kind


def parse_arg(param: Param, raw: object) -> Any:
    """A literal parameter value from TOML; ValueError with a reader-facing message."""
    if param.type == "money":
        return yuan_to_fen(parse_decimal(raw))
    if param.type == "percent":
        value = parse_decimal(raw)
        if not 0 <= value <= 100 or value != value.quantize(Decimal("0.01")):
            raise ValueError("a percentage between 0 and 100, with at most two decimals")
        return value
    if param.type == "bool":
        if not isinstance(raw, bool):
            raise ValueError("must be true or false")
        return raw
    if param.type == "ref":
        if not isinstance(raw, str) or not raw:
            raise ValueError("must name a parameter of the pack")
        return raw
    raise AssertionError(param.type)


# --- shared expression builders ---------------------------------------------------------


def yes_no(flag: pl.Expr) -> pl.Expr:
    return pl.when(flag).then(pl.lit(YES)).when(flag.not_()).then(pl.lit(NO))


def _flag_outcome(column: str) -> Callable[[Bound], Outcome]:
    def outcome(_: Bound) -> Outcome:
        flag = pl.col(column)
        return Outcome(flag, yes_no(flag), pl.lit(YES))

    return outcome


def _rate(
    numerator: pl.Expr, denominator: pl.Expr, limit: Decimal, *, below: bool
) -> tuple[pl.Expr, pl.Expr, int]:
    """(passed, threshold, display boundary) for numerator/denominator·100 < limit (or ≥)."""
    p, q = fraction(limit)
    scaled = numerator * (100 * q)
    passed = scaled < denominator * p if below else scaled >= denominator * p
    hundredths = int(limit * 100)
    # "< 3.00" passes up to 2.99; "≥ 90.00" passes from 90.00.
    boundary = hundredths - 1 if below else hundredths
    return passed, pl.lit(("< " if below else "≥ ") + format_decimal(limit)), boundary


def _rate_outcome(
    numerator: pl.Expr,
    denominator: pl.Expr,
    limit: Decimal,
    *,
    below: bool = True,
    west: tuple[tuple[str, ...], Decimal] | None = None,
) -> Outcome:
    known = numerator.is_not_null() & (denominator > 0)
    passed, threshold, boundary = _rate(numerator, denominator, limit, below=below)
    edge: pl.Expr | int = boundary
    if west is not None:
        provinces, west_limit = west
        is_west = pl.col("region_code").str.slice(0, 2).is_in(list(provinces))
        west_passed, west_threshold, west_edge = _rate(
            numerator, denominator, west_limit, below=below
        )
        passed = pl.when(is_west).then(west_passed).otherwise(passed)
        threshold = pl.when(is_west).then(west_threshold).otherwise(threshold)
        edge = pl.when(is_west).then(west_edge).otherwise(boundary)
    shown = agree(percent_hundredths(numerator, denominator), passed, edge, pass_above=not below)
    return Outcome(
        pl.when(known).then(passed),
        pl.when(known).then(format_hundredths(shown)),
        threshold,
    )


def _fraction_display(part: pl.Expr, whole: pl.Expr) -> pl.Expr:
    return pl.format("{}/{}", part, whole)


# --- household ---------------------------------------------------------------------------


def _income_above_line(b: Bound) -> Outcome:
    line_fen = b.args["line"]
    income, members = pl.col("net_income_fen"), pl.col("members")
    known = income.is_not_null() & (members > 0)
    # per-capita > line  ⇔  income > line × members: no division, no rounding.
    above = income > members * line_fen
    return Outcome(
        pl.when(known).then(above),
        pl.when(known).then(
            format_hundredths(
                agree(div_half_up(income, members), above, line_fen + 1, pass_above=True)
            )
        ),
        pl.lit(f"> {format_fen(line_fen)}"),
    )


register(
    Kind(
        "income_above_line",
        frozenset({"household"}),
        "人均纯收入稳定超过标准",
        _income_above_line,
        params={"line": Param("ref", default="poverty_line", ref_type="money")},
        columns=("net_income_fen", "members"),
    )
)


def _education_counts(b: Bound) -> list[tuple[str, Pred]]:
    dropped = Coalesce((Col("dropout"), FalseIfIn("student", ENROLLED)))
    # Kleene: an unknown age only matters for a member who dropped out.
    violation = aged_between(b.on, b.args["min_age"], b.args["max_age"]) & dropped
    return [(b.private("violation"), violation)]


def _education(b: Bound) -> Outcome:
    has_members = pl.col("__members").is_not_null()
    name = b.private("violation")
    passed = pl.when(has_members).then(any_member(name).not_())
    return Outcome(
        passed,
        pl.when(passed.is_not_null()).then(pl.col(true_column(name)).cast(pl.String)),
        pl.lit("0"),
    )


register(
    Kind(
        "compulsory_education",
        frozenset({"household"}),
        "义务教育有保障（适龄成员无辍学）",
        _education,
        params={
            "min_age": Param("ref", default="school_age_min", ref_type="count"),
            "max_age": Param("ref", default="school_age_max", ref_type="count"),
        },
        member_counts=_education_counts,
        check=lambda a: ("max_age", "is below min_age") if a["max_age"] < a["min_age"] else None,
    )
)


def _insurance_counts(b: Bound) -> list[tuple[str, Pred]]:
    return [(b.private("uninsured"), ~Col("medical_insurance"))]


def _insurance(b: Bound) -> Outcome:
    count = pl.col("__members")
    name = b.private("uninsured")
    uninsured = any_member(name)
    enrolled = count - pl.col(true_column(name)) - pl.col(unknown_column(name))
    passed = pl.when(count.is_not_null()).then(uninsured.not_())
    return Outcome(
        passed,
        pl.when(passed.is_not_null()).then(_fraction_display(enrolled, count)),
        pl.when(count.is_not_null()).then(_fraction_display(count, count)),
    )


register(
    Kind(
        "basic_medical_insurance",
        frozenset({"household"}),
        "基本医疗有保障（全员参加基本医疗保险）",
        _insurance,
        member_counts=_insurance_counts,
    )
)


def _housing(_: Bound) -> Outcome:
    # Relocation secures housing whatever the old house's rating; an unrecorded
    # relocation flag counts as not relocated, which can only make the check stricter.
    secured = pl.col("housing_safe") | pl.col("relocated").fill_null(False)
    return Outcome(secured, yes_no(secured), pl.lit(YES))


register(
    Kind(
        "housing_safe",
        frozenset({"household"}),
        "住房安全有保障",
        _housing,
        columns=("housing_safe", "relocated"),
    )
)


def _months_since(b: Bound) -> Outcome:
    since = pl.col("monitoring_since")
    months = (
        (b.on.year - since.dt.year()) * 12
        + (b.on.month - since.dt.month().cast(pl.Int32))
        - (since.dt.day() > b.on.day).cast(pl.Int32)
    )
    minimum = b.args["months"]
    return Outcome(months >= minimum, months.cast(pl.String), pl.lit(f"≥ {minimum}"))


register(
    Kind(
        "monitored_months_at_least",
        frozenset({"household"}),
        "纳入监测满规定月数",
        _months_since,
        params={"months": Param("ref", default="risk_elimination_min_months", ref_type="count")},
        columns=("monitoring_since",),
    )
)

# --- village -----------------------------------------------------------------------------


def _incidence_check(args: Mapping[str, Any]) -> tuple[str, str] | None:
    if args.get("west_limit") is not None and args.get("west") is None:
        return "west", "west_limit needs a west_provinces parameter in the pack"
    return None


def _incidence(numerator: Callable[[], pl.Expr]) -> Callable[[Bound], Outcome]:
    def outcome(b: Bound) -> Outcome:
        west = b.args.get("west_limit")
        return _rate_outcome(
            numerator(),
            pl.col("rural_population"),
            b.args["limit"],
            west=(b.args["west"], west) if west is not None else None,
        )

    return outcome


_INCIDENCE_PARAMS = {
    "limit": Param("percent", required=True),
    "west_limit": Param("percent"),
    "west": Param("ref", default="west_provinces", ref_type="codes", optional=True),
}

register(
    Kind(
        "incidence_below",
        frozenset({"village", "county"}),
        "贫困发生率低于限值",
        _incidence(lambda: pl.col("poor_persons")),
        params=_INCIDENCE_PARAMS,
        columns=("region_code", "poor_persons", "rural_population"),
        check=_incidence_check,
    )
)


def _collective_income(b: Bound) -> Outcome:
    income, minimum = pl.col("collective_income_fen"), b.args["minimum"]
    strict = b.args["strict"]
    return Outcome(
        income > minimum if strict else income >= minimum,
        format_hundredths(income),
        pl.lit(("> " if strict else "≥ ") + format_fen(minimum)),
    )


register(
    Kind(
        "collective_income",
        frozenset({"village"}),
        "村集体经济收入达标",
        _collective_income,
        params={"minimum": Param("money", required=True), "strict": Param("bool", default=False)},
        columns=("collective_income_fen",),
    )
)

# --- county ------------------------------------------------------------------------------


def _every_township(column: str) -> Callable[[Bound], Outcome]:
    def outcome(_: Bound) -> Outcome:
        having, townships = pl.col(column), pl.col("townships")
        known = having.is_not_null() & (townships > 0)
        return Outcome(
            pl.when(known).then(having >= townships),
            pl.when(known).then(_fraction_display(having, townships)),
            pl.when(townships > 0).then(_fraction_display(townships, townships)),
        )

    return outcome


for _name, _label in (
    ("central_school", "每个乡镇有标准中心校"),
    ("health_center", "每个乡镇有达标卫生院"),
    ("service_center", "每个乡镇有便民服务中心"),
):
    register(
        Kind(
            _name,
            frozenset({"county"}),
            _label,
            _every_township(f"townships_with_{_name}"),
            columns=("townships", f"townships_with_{_name}"),
        )
    )


def _sample_rate(numerator: str, denominator: str, *, below: bool) -> Callable[[Bound], Outcome]:
    def outcome(b: Bound) -> Outcome:
        return _rate_outcome(pl.col(numerator), pl.col(denominator), b.args["limit"], below=below)

    return outcome


for _name, _label, _num, _den, _below in (
    (
        "wrongly_exited_rate_below",
        "脱贫人口错退率低于限值",
        "wrongly_exited",
        "exited_sampled",
        True,
    ),
    ("missed_rate_below", "贫困人口漏评率低于限值", "missed", "nonregistered_sampled", True),
    ("approval_at_least", "群众认可度达到限值", "approving", "surveyed", False),
):
    register(
        Kind(
            _name,
            frozenset({"county"}),
            _label,
            _sample_rate(_num, _den, below=_below),
            params={"limit": Param("percent", required=True)},
            columns=(_num, _den),
        )
    )

register(
    Kind(
        "comprehensive_incidence_below",
        frozenset({"county"}),
        "综合贫困发生率低于限值",
        _incidence(
            lambda: (
                pl.col("poor_persons")
                + pl.col("missed_estimate")
                + pl.col("wrongly_exited_estimate")
            )
        ),
        params=_INCIDENCE_PARAMS,
        columns=(
            "region_code",
            "poor_persons",
            "missed_estimate",
            "wrongly_exited_estimate",
            "rural_population",
        ),
        check=_incidence_check,
    )
)

# --- yes/no facts ------------------------------------------------------------------------

for _name, _column, _levels, _label in (
    ("food_clothing_secure", "food_clothing_secure", {"household"}, "不愁吃、不愁穿"),
    ("drinking_water_safe", "water_safe", {"household"}, "饮水安全有保障"),
    ("electricity", "electricity", {"household"}, "有生活用电"),
    ("radio_tv", "radio_tv", {"household"}, "有广播电视"),
    ("hardened_road", "hardened_road", {"village"}, "通硬化路"),
    ("clinic", "clinic", {"village"}, "有卫生室"),
    ("culture_room", "culture_room", {"village"}, "有文化室"),
    ("network", "network", {"village"}, "通信网络覆盖"),
):
    register(Kind(_name, frozenset(_levels), _label, _flag_outcome(_column), columns=(_column,)))
