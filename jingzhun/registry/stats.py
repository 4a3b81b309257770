"""A region's roll-up (INTERFACES §3 `stats`), set-based: three grouped queries whatever the size.

For year Y a household counts as registered when it was identified in or before Y and has not
been removed (清退); it counts as poor at the end of Y when it had not exited by then
(`exit_year` empty or after Y) or has returned to poverty (`returned`). A `monitored` household
that never had an exit year was never registered poor, so it is not counted as poor. Persons
are the household's current members. `by_cause` and `by_attribute` count registered households.
The incidence is poor persons over the villages' rural registered population, in percent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr

from jingzhun.core import scoping
from jingzhun.regions import codes
from jingzhun.regions.models import Region
from jingzhun.vocab import ATTRIBUTE, CAUSE

from . import selectors
from .models import Household, Member


class _CommandLine:
    """The trusted caller of `jingzhun stats`: the whole registry (never used by the web)."""

    is_authenticated = True
    is_superuser = True
    region_id = None
    role = ""
    pk = None


COMMAND_LINE = _CommandLine()


def registered_q(year: int, prefix: str = "") -> Q:
    """Registered in `year`: identified by then and not removed. The one definition."""
    return Q(**{f"{prefix}registered_year__lte": year}) & ~Q(**{f"{prefix}status": "removed"})


def poor_q(year: int, prefix: str = "") -> Q:
    """Poor at the end of `year` (see the module docstring). Assessments count with it too."""
    return registered_q(year, prefix) & (
        Q(**{f"{prefix}status": "returned"})
        | Q(**{f"{prefix}status": "poor", f"{prefix}exit_year__isnull": True})
        | Q(**{f"{prefix}exit_year__gt": year})
    )


def incidence(poor_persons: int, rural_population: int | None) -> str | None:
    """Percent with two decimals, half up; None when the population is unknown or zero."""
    if not rural_population:
        return None
    value = Decimal(poor_persons * 100) / Decimal(rural_population)
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _empty(code: str, year: int) -> dict:
    return {
        "region_code": code,
        "year": year,
        "households": 0,
        "persons": 0,
        "poor_households": 0,
        "poor_persons": 0,
        "rural_population": 0,
        "incidence": None,
        "by_cause": {key: 0 for key in CAUSE.keys},
        "by_attribute": {key: 0 for key in ATTRIBUTE.keys},
        "children": [],
    }


def region_stats(*, user, code: str, year: int, children_level: str | None = None) -> dict:
    """The roll-up of region `code` for `year`, counting only what `user` may see, with one
    row per child region (or per region of `children_level` under it).

    Raises Http404 when the region is missing or out of the user's scope. Pass
    `COMMAND_LINE` as the user for the whole registry.
    """
    region = selectors.region_get(user=user, code=codes.normalize_code(code))
    children = scoping.sub_regions(user, region, children_level)
    key_len = codes.LEVEL_PREFIX[children[0].level] if children else len(region.prefix)
    within = {"village__code__startswith": region.prefix}

    households = (
        scoping.visible(user, Household.objects.all())
        .filter(**within)
        .filter(registered_q(year))
        .annotate(key=Substr("village_id", 1, key_len))
        .values("key", "main_cause", "attribute")
        .annotate(n=Count("id"), poor=Count("id", filter=poor_q(year)))
    )
    persons = (
        scoping.visible(user, Member.objects.all())
        .filter(household__village__code__startswith=region.prefix)
        .filter(registered_q(year, "household__"))
        .annotate(key=Substr("household__village_id", 1, key_len))
        .values("key")
        .annotate(n=Count("id"), poor=Count("id", filter=poor_q(year, "household__")))
    )
    population = (
        scoping.visible(user, Region.objects.filter(level="village"))
        .filter(code__startswith=region.prefix)
        .annotate(key=Substr("code", 1, key_len))
        .values("key")
        .annotate(n=Sum("rural_population"))
    )

    rows: dict[str, dict] = {}

    def row(key: str) -> dict:
        if key not in rows:
            rows[key] = _empty(key.ljust(12, "0"), year)
        return rows[key]

    for item in households:
        target = row(item["key"])
        target["households"] += item["n"]
        target["poor_households"] += item["poor"]
        cause, attribute = item["main_cause"], item["attribute"]
        target["by_cause"][cause] = target["by_cause"].get(cause, 0) + item["n"]
        target["by_attribute"][attribute] = target["by_attribute"].get(attribute, 0) + item["n"]
    for item in persons:
        target = row(item["key"])
        target["persons"] += item["n"]
        target["poor_persons"] += item["poor"]
    for item in population:
        row(item["key"])["rural_population"] += item["n"] or 0

    total = _empty(region.code, year)
    for part in rows.values():
        for field in ("households", "persons", "poor_households", "poor_persons"):
            total[field] += part[field]
        total["rural_population"] += part["rural_population"]
        for field in ("by_cause", "by_attribute"):
            for key, n in part[field].items():
                total[field][key] = total[field].get(key, 0) + n
    total["incidence"] = incidence(total["poor_persons"], total["rural_population"])
    if children:
        for child in children:
            part = rows.get(child.code[:key_len]) or _empty(child.code, year)
            part["region_code"] = child.code
            part["incidence"] = incidence(part["poor_persons"], part["rural_population"])
            total["children"].append(part)
    return total
