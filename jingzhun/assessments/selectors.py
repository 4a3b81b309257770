"""Assessing households and regions of the registry under a policy pack."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from django.conf import settings

from jingzhun import policy
from jingzhun.regions import codes
from jingzhun.registry.models import Household

from . import facts

# Provincial packs by the province part of the region code; others fall back to national.
PROVINCE_PACKS = {"51": "cn-sichuan"}
LEVEL_FRAMES = {"household": "households", "village": "villages", "county": "counties"}


def packs() -> dict[str, policy.Pack]:
    return policy.load_packs(getattr(settings, "JINGZHUN_POLICY_DIRS", ()))


def pack_get(pack_id: str) -> policy.Pack:
    return policy.get_pack(pack_id, getattr(settings, "JINGZHUN_POLICY_DIRS", ()))


def active_pack_id(*, region_code: str, year: int, level: str = "household") -> str:
    """The pack a region applies for a year: its province's if shipped, else the national one.

    County exit is one national standard for every year.
    """
    available = packs()
    if level == "county" and not region_code.startswith(tuple(PROVINCE_PACKS)):
        return "cn-county-exit"
    family = PROVINCE_PACKS.get(region_code[:2], "cn-national")
    years = sorted(p.year for p in available.values() if p.id.startswith(family + "-") and p.year)
    if not years:
        family, years = (
            "cn-national",
            sorted(p.year for p in available.values() if p.id.startswith("cn-national-")),
        )
    chosen = min(max(year, years[0]), years[-1])
    return f"{family}-{chosen}"


def frames_for(
    *, level: str, prefix: str, year: int, statuses=None, household_ids=None, pack=None, on=None
):
    """The input frames of `level`; for households, given the pack and date, with the
    members counted in SQL (facts.household_frames)."""
    if level == "household":
        return facts.household_frames(
            prefix=prefix,
            year=year,
            statuses=statuses,
            household_ids=household_ids,
            pack=pack,
            on=on,
        )
    if level == "village":
        return facts.village_frame(prefix=prefix, year=year)
    if level == "county":
        return facts.county_frame(prefix=prefix, year=year)
    raise ValueError(level)


def assess_region_frame(
    *,
    level: str,
    pack: policy.Pack,
    year: int,
    region_code: str,
    on: dt.date | None = None,
    statuses=None,
) -> pl.DataFrame | None:
    """The engine's long frame for every household / village / county under the region, or
    None where there is none: for whole-registry output that builds no object per entity."""
    prefix = codes.prefix(region_code) if region_code else ""
    on = on or dt.date(year, 12, 31)
    frames = frames_for(level=level, prefix=prefix, year=year, statuses=statuses, pack=pack, on=on)
    if frames[LEVEL_FRAMES[level]].height == 0:
        return None
    return policy.assess(pack, level, frames, on=on)


def assess_region(
    *,
    level: str,
    pack: policy.Pack,
    year: int,
    region_code: str,
    on: dt.date | None = None,
    statuses=None,
) -> dict[str, Any]:
    """The INTERFACES §3 report for every household / village / county under the region."""
    result = assess_region_frame(
        level=level, pack=pack, year=year, region_code=region_code, on=on, statuses=statuses
    )
    if result is None:
        return {"policy": pack.id, "year": year, "results": []}
    return policy.to_report(pack, result, year=year)


def assess_household(
    *, household: Household, year: int, pack: policy.Pack | None = None, on=None
) -> tuple[policy.Pack, policy.EntityResult]:
    """One household under the active (or given) pack, for its page and for procedures."""
    pack = pack or pack_get(active_pack_id(region_code=household.village_id, year=year))
    on = on or dt.date(year, 12, 31)
    frames = facts.household_frames(
        prefix=household.village_id, year=year, household_ids=[household.pk], pack=pack, on=on
    )
    result = policy.assess(pack, "household", frames, on=on)
    return pack, policy.entity_results(pack, "household", result)[0]


LEVEL_OF_REGION = {"village": "village", "county": "county"}


def household_panel(*, household: Household, year: int | None = None) -> dict[str, Any]:
    """What the household page shows: the active pack, the year and each criterion's result.

    The year is the household's latest income year unless given: the standard judges income.
    """
    if year is None:
        year = (
            household.incomes.order_by("-year").values_list("year", flat=True).first()
            or dt.date.today().year
        )
    pack, result = assess_household(household=household, year=year)
    return {"pack": pack, "year": year, "result": result}


def household_panels(*, household: Household) -> list[dict[str, Any]]:
    """The household under the active pack of every year it has an income for, newest first
    (the current year alone when it has none): a household's assessments in the API."""
    years = list(household.incomes.order_by("-year").values_list("year", flat=True))
    return [household_panel(household=household, year=year) for year in years or [None]]


def region_panel(*, region, year: int | None = None) -> dict[str, Any] | None:
    """The village or county standard applied to the region itself; None at other levels."""
    level = LEVEL_OF_REGION.get(region.level)
    if level is None:
        return None
    pack = pack_get(
        active_pack_id(region_code=region.code, year=year or dt.date.today().year, level=level)
    )
    # Without a year asked for, the pack's own year: a 2020 standard judged on 2026 data
    # would say nothing anyone asked.
    year = year or pack.year or dt.date.today().year
    if level not in pack.levels:
        return None
    frames = frames_for(
        level=level, prefix=region.code if level == "village" else region.prefix, year=year
    )
    frame = frames[LEVEL_FRAMES[level]]
    frame = frame.filter(frame["region_code"] == region.code)
    if frame.height == 0:
        return None
    result = policy.assess(pack, level, {LEVEL_FRAMES[level]: frame}, on=dt.date(year, 12, 31))
    return {"pack": pack, "year": year, "result": policy.entity_results(pack, level, result)[0]}
