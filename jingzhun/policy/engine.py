"""Columnar assessment: one implementation for the whole registry and for one household.

`assess` returns a *long* frame, one row per entity per criterion: criterion by criterion in
the pack's order, entities in input order within each (`to_report` and `verdicts` regroup by
entity)::

    <key>        String   household_no or region_code
    all_passed   Boolean  the entity's verdict: False if any criterion failed, null (unknown)
                          if none failed but some lacked data, True otherwise
    key          String   criterion key
    passed       Boolean  null = unknown (data missing)
    value        String   what was seen, for display ("3624.50", "1.73", "是", "3/4")
    threshold    String   what it was held against ("> 3535.00", "< 3.00", "是")
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TextIO

import polars as pl

from .criteria import Bound
from .errors import PolicyError
from .facts import FRAME_OF_LEVEL, KEY_OF_LEVEL, LEVELS, conform, frame
from .members import Pred, columns, count_names, polars_counts
from .pack import Pack

MEMBER_COUNT = "__members"


def assess(pack: Pack, level: str, frames: Mapping[str, pl.DataFrame], *, on: date) -> pl.DataFrame:
    """Evaluate `pack`'s `level` criteria over the frames of jingzhun.policy.facts.

    `on` is the assessment date (ages of school-age members, months under monitoring).
    """
    if level not in LEVELS:
        raise PolicyError(f"unknown level {level!r} (expected: {', '.join(LEVELS)})")
    specs = pack.criteria.get(level, ())
    if not specs:
        raise PolicyError(f"{pack.id}: the pack has no {level} criteria")
    frame_name, key = FRAME_OF_LEVEL[level], KEY_OF_LEVEL[level]
    if frame_name not in frames:
        raise PolicyError(f"{frame_name} frame: not given")
    bound = [(spec, Bound(spec.key, spec.args, on)) for spec in specs]
    entities = conform(
        frame_name,
        frames[frame_name],
        [key, *(c for spec in specs for c in spec.evaluator.columns)],
    ).lazy()

    counted = member_predicates(pack, level, on=on)
    if counted:
        names = [MEMBER_COUNT, *count_names(counted)]
        given = frames[frame_name]
        if all(name in given.columns for name in names):
            # Counted by the caller's SQL, row for row; no member rows gives null counts.
            entities = pl.concat(
                [entities, given.lazy().select(pl.col(n).cast(pl.Int64) for n in names)],
                how="horizontal",
            )
        else:
            entities = entities.join(
                _member_counts(frames, counted), on=key, how="left", maintain_order="left"
            )

    outcomes = [(spec.key, spec.evaluator.outcome(b)) for spec, b in bound]
    # Evaluate wide (one column per criterion and field), then stack: stacking only
    # references computed columns, whereas building per-row lists of structs is very slow.
    wide = entities.select(
        pl.col(key),
        pl.all_horizontal([o.passed for _, o in outcomes]).alias("all_passed"),
        *(
            expr.alias(f"{i}.{field}")
            for i, (_, o) in enumerate(outcomes)
            for field, expr in (
                ("passed", o.passed),
                ("value", o.value),
                ("threshold", o.threshold),
            )
        ),
    ).collect()
    return pl.concat(
        [
            wide.select(
                key,
                "all_passed",
                pl.lit(name).alias("key"),
                pl.col(f"{i}.passed").alias("passed"),
                pl.col(f"{i}.value").alias("value"),
                pl.col(f"{i}.threshold").cast(pl.String).alias("threshold"),
            )
            for i, (name, _) in enumerate(outcomes)
        ]
    )


def member_predicates(pack: Pack, level: str, *, on: date) -> list[tuple[str, Pred]]:
    """The (column name, member predicate) pairs whose per-household counts `level`'s
    criteria read. A caller that reads the households with SQL may compute the counts itself
    (jingzhun.policy.members.sql_counts) and hand them over as columns of the households
    frame — `__members` plus `count_names(...)` — instead of a members frame."""
    return [
        named
        for spec in pack.criteria.get(level, ())
        if spec.evaluator.member_counts
        for named in spec.evaluator.member_counts(Bound(spec.key, spec.args, on))
    ]


def _member_counts(
    frames: Mapping[str, pl.DataFrame], counted: list[tuple[str, Pred]]
) -> pl.LazyFrame:
    """Per household_no: `__members` and the two counts of every predicate, from the members."""
    if "members" not in frames:
        raise PolicyError("members frame: not given")
    needed = dict.fromkeys(c for _, pred in counted for c in columns(pred))
    members = conform("members", frames["members"], ["household_no", *needed])
    # A household with no member rows gets null counts: its member criteria are unknown.
    return (
        members.lazy()
        .group_by("household_no")
        .agg(
            pl.len().cast(pl.Int64).alias(MEMBER_COUNT),
            *(agg for name, pred in counted for agg in polars_counts(name, pred)),
        )
    )


def verdicts(result: pl.DataFrame) -> pl.DataFrame:
    """One row per entity: its key and `passed` (nullable), in assessment order."""
    key = result.columns[0]
    if result.height == 0:
        return result.select(key, pl.col("all_passed").alias("passed"))
    # `assess` stacks criterion by criterion, every entity once in each block: the first
    # criterion's rows are the entities in order (a unique() over all rows costs seconds at 1M).
    first = result["key"][0]
    return result.filter(pl.col("key") == first).select(key, pl.col("all_passed").alias("passed"))


def _by_entity(result: pl.DataFrame) -> pl.DataFrame:
    key = result.columns[0]
    return result.group_by(key, maintain_order=True).agg(
        pl.col("all_passed").first().alias("passed"),
        pl.struct("key", "passed", "value", "threshold").alias("criteria"),
    )


def to_report(pack: Pack, result: pl.DataFrame, *, year: int | None = None) -> dict[str, Any]:
    """The INTERFACES §3 report: {"policy", "year", "results": [...]}.

    `passed` is true/false, or null when the verdict is unknown for want of data — at entity
    and at criterion level. `year` defaults to the pack's year. For whole-registry output
    prefer `write_report`, which never builds a Python object per household.
    """
    return {
        "policy": pack.id,
        "year": pack.year if year is None else year,
        "results": _by_entity(result).to_dicts(),
    }


def write_report(pack: Pack, result: pl.DataFrame, out: TextIO, *, year: int | None = None) -> None:
    """Write the same JSON document as `to_report` to `out`, serialised by Polars."""
    head = {"policy": pack.id, "year": pack.year if year is None else year}
    out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "results": ')
    out.write(_by_entity(result).write_json())
    out.write("}")


@dataclass(frozen=True)
class CriterionResult:
    key: str
    label: str
    passed: bool | None
    value: str | None
    threshold: str | None


@dataclass(frozen=True)
class EntityResult:
    id: str
    passed: bool | None
    criteria: tuple[CriterionResult, ...]

    @property
    def lacking(self) -> tuple[CriterionResult, ...]:
        """The criteria failed: what the household still lacks (缺什么补什么)."""
        return tuple(c for c in self.criteria if c.passed is False)

    @property
    def unknown(self) -> tuple[CriterionResult, ...]:
        return tuple(c for c in self.criteria if c.passed is None)


def assess_one(
    pack: Pack,
    level: str,
    record: Mapping[str, Any],
    *,
    members: Iterable[Mapping[str, Any]] = (),
    on: date,
) -> EntityResult:
    """Assess one household (with its `members`) or one region from plain dicts.

    Keys follow jingzhun.policy.facts; an absent key means "not recorded".
    """
    if level not in LEVELS:
        raise PolicyError(f"unknown level {level!r} (expected: {', '.join(LEVELS)})")
    frame_name = FRAME_OF_LEVEL[level]
    frames = {frame_name: frame(frame_name, [record])}
    if level == "household":
        frames["members"] = frame("members", members)
    result = assess(pack, level, frames, on=on)
    return entity_results(pack, level, result)[0]


def entity_results(pack: Pack, level: str, result: pl.DataFrame) -> list[EntityResult]:
    """The rows of `assess` grouped per entity, with the criteria's labels, in input order."""
    labels = {spec.key: spec.label for spec in pack.criteria[level]}
    key = KEY_OF_LEVEL[level]
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in result.to_dicts():
        grouped.setdefault(row[key], []).append(row)
    return [
        EntityResult(
            id=entity,
            passed=rows[0]["all_passed"],
            criteria=tuple(
                CriterionResult(r["key"], labels[r["key"]], r["passed"], r["value"], r["threshold"])
                for r in rows
            ),
        )
        for entity, rows in grouped.items()
    ]
