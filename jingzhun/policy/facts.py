"""The input frames the engine evaluates: the contract with the Django side.

The Django side builds these frames with SQL (one row per entity, column names and types
exactly as below) and passes them to `jingzhun.policy.assess` as a mapping
``{"households": ..., "members": ..., "villages": ..., "counties": ...}``; only the frames and
columns that the pack's criteria read are required. A single household is a one-row frame.

Every column except the key is nullable, and null means *not recorded*: a criterion that needs
a null value answers "unknown" (passed = null), never a silent pass.

households — one row per household, key ``household_no``:
    household_no          String   户编号
    members               Int64    household size (people counted in the per-capita income)
    net_income_fen        Int64    wage + production + property + transfer − production costs
                                   for the assessed year, in integer fen; null = no income record
    food_clothing_secure  Boolean  不愁吃、不愁穿
    housing_safe          Boolean  house not rated unsafe (C/D grade)
    relocated             Boolean  moved by relocation (易地扶贫搬迁); secures housing.
                                   Optional; null counts as "not relocated"
    water_safe            Boolean  drinking water safe (quantity, quality, convenience, reliability)
    electricity           Boolean  household electricity
    radio_tv              Boolean  radio and television reach the house
    monitoring_since      Date     date the household was identified as a monitoring object
                                   (monitoring packs only)

members — one row per member, joined on ``household_no``:
    household_no          String
    birth_date            Date     from the ID number; age is taken at the assessment date
    dropout               Boolean  辍学
    student               String   key of jingzhun.vocab.STUDENT; an enrolled key stands in
                                   for a missing dropout flag (enrolled = not dropped out).
                                   Optional
    medical_insurance     Boolean  enrolled in basic medical insurance

villages — one row per village, key ``region_code`` (12 digits):
    region_code           String
    poor_persons          Int64    registered poor persons not yet exited
    rural_population      Int64    农村户籍人口, the incidence denominator
    collective_income_fen Int64    village collective-economy income for the year, in fen
    hardened_road, clinic, culture_room, network   Boolean

counties — one row per county, key ``region_code``:
    region_code           String
    poor_persons          Int64
    rural_population      Int64
    townships             Int64    townships in the county
    townships_with_central_school, townships_with_health_center,
    townships_with_service_center                  Int64
    wrongly_exited        Int64    wrongly exited persons found in the exit sample (错退)
    exited_sampled        Int64    exited persons in the sample
    missed                Int64    verified missed poor persons in the sample (漏评)
    nonregistered_sampled Int64    non-registered rural population of the sampled villages
    approving             Int64    surveyed households that approve (认可)
    surveyed              Int64    households surveyed
    wrongly_exited_estimate, missed_estimate       Int64
                                   the assessment's county-wide estimates of wrongly exited and
                                   missed persons, the numerators of 综合贫困发生率
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from .errors import PolicyError

LEVELS = ("household", "village", "county")

HOUSEHOLDS: Mapping[str, pl.DataType] = {
    "household_no": pl.String(),
    "members": pl.Int64(),
    "net_income_fen": pl.Int64(),
    "food_clothing_secure": pl.Boolean(),
    "housing_safe": pl.Boolean(),
    "relocated": pl.Boolean(),
    "water_safe": pl.Boolean(),
    "electricity": pl.Boolean(),
    "radio_tv": pl.Boolean(),
    "monitoring_since": pl.Date(),
}

MEMBERS: Mapping[str, pl.DataType] = {
    "household_no": pl.String(),
    "birth_date": pl.Date(),
    "dropout": pl.Boolean(),
    "student": pl.String(),
    "medical_insurance": pl.Boolean(),
}

VILLAGES: Mapping[str, pl.DataType] = {
    "region_code": pl.String(),
    "poor_persons": pl.Int64(),
    "rural_population": pl.Int64(),
    "collective_income_fen": pl.Int64(),
    "hardened_road": pl.Boolean(),
    "clinic": pl.Boolean(),
    "culture_room": pl.Boolean(),
    "network": pl.Boolean(),
}

COUNTIES: Mapping[str, pl.DataType] = {
    "region_code": pl.String(),
    "poor_persons": pl.Int64(),
    "rural_population": pl.Int64(),
    "townships": pl.Int64(),
    "townships_with_central_school": pl.Int64(),
    "townships_with_health_center": pl.Int64(),
    "townships_with_service_center": pl.Int64(),
    "wrongly_exited": pl.Int64(),
    "exited_sampled": pl.Int64(),
    "missed": pl.Int64(),
    "nonregistered_sampled": pl.Int64(),
    "approving": pl.Int64(),
    "surveyed": pl.Int64(),
    "wrongly_exited_estimate": pl.Int64(),
    "missed_estimate": pl.Int64(),
}

SCHEMAS: Mapping[str, Mapping[str, pl.DataType]] = {
    "households": HOUSEHOLDS,
    "members": MEMBERS,
    "villages": VILLAGES,
    "counties": COUNTIES,
}

FRAME_OF_LEVEL = {"household": "households", "village": "villages", "county": "counties"}
KEY_OF_LEVEL = {"household": "household_no", "village": "region_code", "county": "region_code"}

# Columns whose absence is not "unknown" but a documented default.
OPTIONAL = {"households": {"relocated": False}, "members": {"student": None}}


def conform(name: str, frame: pl.DataFrame, columns: Iterable[str]) -> pl.DataFrame:
    """The frame's needed columns cast to the contract types; PolicyError if one is missing.

    Casting absorbs what SQL drivers hand over (Int32 counts, all-null columns typed Null).
    """
    schema = SCHEMAS[name]
    defaults = OPTIONAL.get(name, {})
    wanted = dict.fromkeys(columns)
    exprs = []
    for column in wanted:
        if column in frame.columns:
            exprs.append(pl.col(column).cast(schema[column]))
        elif column in defaults:
            exprs.append(pl.lit(defaults[column], dtype=schema[column]).alias(column))
        else:
            raise PolicyError(f"{name} frame: missing column {column!r}")
    try:
        return frame.select(exprs)
    except pl.exceptions.PolarsError as exc:
        raise PolicyError(f"{name} frame: {exc}") from exc


def frame(name: str, rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """A frame of the contract's schema from dicts; absent keys are null (not recorded)."""
    schema = SCHEMAS[name]
    rows = list(rows)
    unknown = {key for row in rows for key in row} - set(schema)
    if unknown:
        raise PolicyError(f"{name} frame: unknown column(s) {', '.join(sorted(unknown))}")
    return pl.DataFrame(
        [{column: row.get(column) for column in schema} for row in rows],
        schema=dict(schema),
    )
