"""The extended roll-up behind the dashboards, computed per village and summed up the tree.

The base figures (households, persons, poor households and persons, rural population, by cause,
by attribute) come from `jingzhun.registry.stats.region_stats`, called once with the region
broken into its villages, so they are the stats definitions by construction. The extra
figures reuse the same definitions (`registered_q`, `poor_q`) and the assistance selectors (`coverage_summary`, the
exit progress behind targets); each is one grouped query over the whole subtree, keyed by
village. Nothing here loops over households in Python.

Figures of one region (a "row"): ints are counts and dicts are counters, so a parent's row is
the key-wise sum of its villages' rows (`add`). Derived figures (incidence, shares) are
computed after summing (`finish`), never summed.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, F, OuterRef, Q

from jingzhun.assistance import selectors as assistance
from jingzhun.assistance.models import Measure, Plan
from jingzhun.regions.models import Region
from jingzhun.registry.models import Household, Member
from jingzhun.registry.stats import COMMAND_LINE, _empty, incidence, region_stats
from jingzhun.registry.stats import registered_q as _registered_q
from jingzhun.vocab import CAUSE, STATUS, STUDENT

BASE_FIELDS = (
    "households",
    "persons",
    "poor_households",
    "poor_persons",
    "rural_population",
    "by_cause",
    "by_attribute",
)
# 产业扶持: a household is reached by industry support when its plan holds a measure of this
# type that is not cancelled.
INDUSTRY_MEASURES = ("industry",)


def empty_row(code: str, year: int) -> dict:
    row = _empty(code, year)
    del row["children"], row["incidence"]
    row.update(
        {
            "households_by_status": {k: 0 for k in STATUS.keys if k != "removed"},
            "persons_by_status": {k: 0 for k in STATUS.keys if k != "removed"},
            "persons_by_cause": {k: 0 for k in CAUSE.keys},
            "persons_by_attribute": {k: 0 for k in row["by_attribute"]},
            "identified": {"households": 0, "persons": 0},
            "exited": {"households": 0, "persons": 0, "villages": 0},
            "returned": {"households": 0, "persons": 0},
            "poor_villages": {"total": 0, "exited": 0},
            "coverage": {
                "poor_households": 0,
                "with_cadre": 0,
                "with_plan": 0,
                "with_industry": 0,
                "poor_villages": 0,
                "with_team": 0,
                "with_secretary": 0,
            },
            "students_by_level": {k: 0 for k in STUDENT.keys if k != "none"},
            "education": {"students": 0, "dropouts": 0},
        }
    )
    return row


def add(total: dict, part: dict) -> dict:
    """Key-wise sum of `part` into `total` (ints add, dicts recurse); codes and year are kept."""
    for key, value in part.items():
        if key in ("region_code", "year"):
            continue
        if isinstance(value, dict):
            add(total.setdefault(key, {}), value)
        elif isinstance(value, int) and not isinstance(value, bool):
            total[key] = total.get(key, 0) + value
    return total


def share(part: int, whole: int) -> str | None:
    return assistance.percent(part, whole, places=1)


def finish(row: dict) -> dict:
    """Add the derived figures to a summed row (a shallow copy: the counters are shared, and
    nothing downstream changes them)."""
    row = dict(row)
    row["incidence"] = incidence(row["poor_persons"], row["rural_population"])
    cov = row["coverage"]
    row["coverage_percent"] = {
        "cadre": share(cov["with_cadre"], cov["poor_households"]),
        "plan": share(cov["with_plan"], cov["poor_households"]),
        "industry": share(cov["with_industry"], cov["poor_households"]),
        "team": share(cov["with_team"], cov["poor_villages"]),
        "secretary": share(cov["with_secretary"], cov["poor_villages"]),
    }
    return row


def coverage_day(year: int, today: dt.date | None = None) -> dt.date:
    """Coverage (pairings, teams, first secretaries) is read on the last day of the year, or
    today for the year under way."""
    today = today or dt.date.today()
    return min(today, dt.date(year, 12, 31))


def village_rows(region: Region, year: int, *, today: dt.date | None = None) -> dict[str, dict]:
    """{village code: row} for every village in `region` (the region itself if a village)."""
    prefix = region.prefix
    villages = list(Region.objects.filter(level="village", code__startswith=prefix))
    rows = {v.code: empty_row(v.code, year) for v in villages}
    if not rows:
        return rows
    # Base figures: one region_stats of the region broken into its villages (one grouped
    # query per figure for the whole subtree, not one round per township).
    below = None if region.level == "village" else "village"
    day = coverage_day(year, today)
    stats = region_stats(user=COMMAND_LINE, code=region.code, year=year, children_level=below)
    for part in stats["children"] or [stats]:
        if part["region_code"] in rows:
            target = rows[part["region_code"]]
            for field in BASE_FIELDS:
                value = part[field]
                target[field] = dict(value) if isinstance(value, dict) else value
    for cov in assistance.coverage_summary(
        user=COMMAND_LINE, region=region, today=day, children_level=below
    ):
        if cov.region.code in rows:
            c = rows[cov.region.code]["coverage"]
            c["poor_households"] = cov.poor_households
            c["with_cadre"] = cov.poor_households - cov.uncovered_households
            c["poor_villages"] = cov.poor_villages
            c["with_team"] = cov.poor_villages - cov.villages_without_team
            c["with_secretary"] = cov.poor_villages - cov.villages_without_secretary

    within = Q(village__code__startswith=prefix)
    registered = _registered_q(year)
    for item in (
        Household.objects.filter(within)
        .filter(registered)
        .values(v=F("village_id"), s=F("status"))
        .annotate(n=Count("id"), new=Count("id", filter=Q(registered_year=year)))
        .order_by()
    ):
        row = rows[item["v"]]
        _bump(row["households_by_status"], item["s"], item["n"])
        row["identified"]["households"] += item["new"]
        if item["s"] == "returned":
            row["returned"]["households"] += item["n"]

    for item in (
        Member.objects.filter(household__village__code__startswith=prefix)
        .filter(_registered_q(year, "household__"))
        .values(
            v=F("household__village_id"),
            s=F("household__status"),
            a=F("household__attribute"),
            c=F("household__main_cause"),
        )
        .annotate(n=Count("id"), new=Count("id", filter=Q(household__registered_year=year)))
        .order_by()
    ):
        row = rows[item["v"]]
        _bump(row["persons_by_status"], item["s"], item["n"])
        _bump(row["persons_by_attribute"], item["a"], item["n"])
        _bump(row["persons_by_cause"], item["c"], item["n"])
        row["identified"]["persons"] += item["new"]
        if item["s"] == "returned":
            row["returned"]["persons"] += item["n"]

    for item in (
        Member.objects.filter(household__village__code__startswith=prefix)
        .filter(_registered_q(year, "household__"))
        .values(v=F("household__village_id"), level=F("student"))
        .annotate(n=Count("id"), dropouts=Count("id", filter=Q(dropout=True)))
        .order_by()
    ):
        row = rows[item["v"]]
        if item["level"] and item["level"] != "none":
            _bump(row["students_by_level"], item["level"], item["n"])
            row["education"]["students"] += item["n"]
        row["education"]["dropouts"] += item["dropouts"]

    # Plans and industry support, over the same households as the cadre coverage.
    plan = Plan.objects.filter(household=OuterRef("pk"))
    industry = Measure.objects.filter(
        plan__household=OuterRef("pk"), kind__in=INDUSTRY_MEASURES
    ).exclude(status="cancelled")
    for item in (
        Household.objects.filter(within, status__in=assistance.POOR_STATUSES)
        .annotate(has_plan=Exists(plan), has_industry=Exists(industry))
        .values(v=F("village_id"))
        .annotate(
            plan=Count("id", filter=Q(has_plan=True)),
            industry=Count("id", filter=Q(has_industry=True)),
        )
        .order_by()
    ):
        cov = rows[item["v"]]["coverage"]
        cov["with_plan"] += item["plan"]
        cov["with_industry"] += item["industry"]

    # Exits in the year: the definition behind targets and progress (assistance).
    for code, done in assistance._progress_by_child(prefix, 12, year).items():
        if code in rows:
            rows[code]["exited"].update(
                households=done.households, persons=done.persons, villages=done.villages
            )
    for village in villages:
        if village.poor_village and village.poor_village != "none":
            row = rows[village.code]
            row["poor_villages"]["total"] += 1
            if village.exit_year is not None and village.exit_year <= year:
                row["poor_villages"]["exited"] += 1
    return rows


def _bump(counter: dict, key: str, n: int) -> None:
    counter[key] = counter.get(key, 0) + n


def sum_rows(code: str, year: int, rows) -> dict:
    total = empty_row(code, year)
    for row in rows:
        add(total, row)
    return total
