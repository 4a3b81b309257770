"""Member predicates: what a household criterion asks of each member, written once and
evaluated either in Polars (over a members frame) or in SQL (pushed down into the query
that reads the households, so a whole-registry assessment never ships member rows).

A predicate is a small expression tree over the members-frame columns of
jingzhun.policy.facts. Both renderings use three-valued (Kleene) logic: NULL AND FALSE is
FALSE, NULL AND TRUE is NULL, comparisons with NULL are NULL. The engine needs, per household
and predicate, only two counts: the members for whom it is true and those for whom it cannot
be decided (null) — `true_count` / `unknown_count` below, identically in both renderings.

No Django here: the SQL is portable (PostgreSQL and SQLite) and parameterised with %s.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl


class Pred:
    def __and__(self, other: Pred) -> Pred:
        return And((self, other))

    def __invert__(self) -> Pred:
        return Not(self)


@dataclass(frozen=True)
class Col(Pred):
    name: str


@dataclass(frozen=True)
class DateCmp(Pred):
    """`column <op> day` for a date column; op one of <=, <, >=, >."""

    column: str
    op: str
    day: date


@dataclass(frozen=True)
class And(Pred):
    parts: tuple[Pred, ...]


@dataclass(frozen=True)
class Not(Pred):
    part: Pred


@dataclass(frozen=True)
class Coalesce(Pred):
    parts: tuple[Pred, ...]


@dataclass(frozen=True)
class FalseIfIn(Pred):
    """FALSE where the string column holds one of `values`, else NULL (a stand-in for a
    missing flag: an enrolled student has not dropped out)."""

    column: str
    values: tuple[str, ...]


_OPS = {"<=": "le", "<": "lt", ">=": "ge", ">": "gt"}


def to_polars(pred: Pred) -> pl.Expr:
    if isinstance(pred, Col):
        return pl.col(pred.name)
    if isinstance(pred, DateCmp):
        return getattr(pl.col(pred.column), _OPS[pred.op])(pl.lit(pred.day, dtype=pl.Date))
    if isinstance(pred, And):
        expr = to_polars(pred.parts[0])
        for part in pred.parts[1:]:
            expr = expr & to_polars(part)
        return expr
    if isinstance(pred, Not):
        return to_polars(pred.part).not_()
    if isinstance(pred, Coalesce):
        return pl.coalesce([to_polars(p) for p in pred.parts])
    if isinstance(pred, FalseIfIn):
        return pl.when(pl.col(pred.column).is_in(list(pred.values))).then(False)
    raise TypeError(pred)


def to_sql(pred: Pred, alias: str, params: list) -> str:
    """The predicate as an SQL boolean over table alias `alias`, appending its parameters."""
    if isinstance(pred, Col):
        return f"{alias}.{pred.name}"
    if isinstance(pred, DateCmp):
        if pred.op not in _OPS:
            raise ValueError(pred.op)
        # ISO text: compared as a date by PostgreSQL, as text (the stored form) by SQLite.
        params.append(pred.day.isoformat())
        return f"{alias}.{pred.column} {pred.op} %s"
    if isinstance(pred, And):
        return "(" + " AND ".join(to_sql(p, alias, params) for p in pred.parts) + ")"
    if isinstance(pred, Not):
        return f"(NOT {to_sql(pred.part, alias, params)})"
    if isinstance(pred, Coalesce):
        return "COALESCE(" + ", ".join(to_sql(p, alias, params) for p in pred.parts) + ")"
    if isinstance(pred, FalseIfIn):
        params.extend(pred.values)
        marks = ", ".join(["%s"] * len(pred.values))
        return f"(CASE WHEN {alias}.{pred.column} IN ({marks}) THEN FALSE END)"
    raise TypeError(pred)


def columns(pred: Pred) -> tuple[str, ...]:
    """The members-frame columns the predicate reads."""
    if isinstance(pred, Col):
        return (pred.name,)
    if isinstance(pred, (DateCmp, FalseIfIn)):
        return (pred.column,)
    if isinstance(pred, Not):
        return columns(pred.part)
    if isinstance(pred, (And, Coalesce)):
        return tuple(dict.fromkeys(c for p in pred.parts for c in columns(p)))
    raise TypeError(pred)


def true_column(name: str) -> str:
    return f"{name}.true"


def unknown_column(name: str) -> str:
    return f"{name}.unknown"


def polars_counts(name: str, pred: Pred) -> list[pl.Expr]:
    """The two per-household aggregates of `pred`, for a members frame grouped by household."""
    expr = to_polars(pred)
    return [
        expr.fill_null(False).sum().cast(pl.Int64).alias(true_column(name)),
        expr.is_null().sum().cast(pl.Int64).alias(unknown_column(name)),
    ]


def sql_counts(pred: Pred, alias: str, params: list, *, present: str | None = None) -> list[str]:
    """The same two aggregates as SQL expressions over the members of a GROUP BY household.

    `present` is an SQL condition that is false on the all-null row an outer join gives a
    household without members; that household's counts are then NULL, as in Polars.
    """
    absent = f"WHEN NOT ({present}) THEN NULL " if present else ""
    true_sql = to_sql(pred, alias, params)
    unknown_sql = to_sql(pred, alias, params)
    return [
        f"SUM(CASE {absent}WHEN {true_sql} THEN 1 ELSE 0 END)",
        f"SUM(CASE {absent}WHEN ({unknown_sql}) IS NULL THEN 1 ELSE 0 END)",
    ]


def any_member(name: str) -> pl.Expr:
    """Kleene ANY over the members: true if one is true, else null if one is unknown."""
    return (
        pl.when(pl.col(true_column(name)) > 0)
        .then(True)
        .when(pl.col(unknown_column(name)) > 0)
        .then(None)
        .otherwise(False)
    )


def years_before(on: date, years: int) -> date:
    """`on` moved back `years` years; 29 February becomes 28 February in a common year.

    A person born on or before this day is at least `years` old on `on`, counting age the
    way ID cards do (the birthday itself completes the year).
    """
    year = on.year - years
    day = on.day
    if on.month == 2 and on.day == 29 and not calendar.isleap(year):
        day = 28
    return date(year, on.month, day)


def aged_between(on: date, low: int, high: int) -> Pred:
    """Members aged `low` to `high` inclusive on `on` (null where the birth date is unknown)."""
    return And(
        (
            DateCmp("birth_date", "<=", years_before(on, low)),
            DateCmp("birth_date", ">", years_before(on, high + 1)),
        )
    )


def count_names(named: Sequence[tuple[str, Pred]]) -> list[str]:
    """The frame columns that hold the counts of `named` predicates, in order."""
    return [c for name, _ in named for c in (true_column(name), unknown_column(name))]
