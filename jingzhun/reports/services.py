"""`refresh`: recompute the materialised roll-ups (RegionFigures) for a subtree and a year.

Idempotent: the subtree's village rows for the year are replaced in one transaction, then the
rows of every region above a village in the affected provinces are rebuilt as the sums of the
stored village rows. Running it twice leaves the same figures (only `refreshed_at` moves).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from jingzhun.audit import services as audit
from jingzhun.regions import codes
from jingzhun.regions.models import Region
from jingzhun.registry.models import Household

from . import figures
from .models import RegionFigures


@dataclass
class RefreshResult:
    region_code: str | None
    year: int
    villages: int
    regions: int
    seconds: float


def default_years(prefix: str = "") -> list[int]:
    """Every year from the first registration to the last registration or exit (and at least
    the year under way when the registry is empty)."""
    bounds = Household.objects.filter(village__code__startswith=prefix).aggregate(
        first=Min("registered_year"), last=Max("registered_year"), exit=Max("exit_year")
    )
    if bounds["first"] is None:
        return [dt.date.today().year]
    last = max(bounds["last"], bounds["exit"] or 0)
    return list(range(bounds["first"], last + 1))


def refresh(*, year: int, region_code: str | None = None, today=None, by=None) -> RefreshResult:
    start = time.perf_counter()
    now = timezone.now()
    if region_code:
        roots = [Region.objects.get(code=codes.normalize_code(region_code))]
    else:
        roots = list(Region.objects.filter(parent__isnull=True).order_by("code"))
    fresh: dict[str, dict] = {}
    for root in roots:
        fresh.update(figures.village_rows(root, year, today=today))
    provinces = sorted({root.code[:2] for root in roots})
    with transaction.atomic():
        for root in roots:
            RegionFigures.objects.filter(
                year=year, level="village", region__code__startswith=root.prefix
            ).delete()
        RegionFigures.objects.bulk_create(
            [
                RegionFigures(
                    region_id=code, level="village", year=year, data=row, refreshed_at=now
                )
                for code, row in fresh.items()
            ],
            batch_size=2000,
        )
        regions = 0
        for province in provinces:
            regions += _rebuild_upper(province, year)
        # One entry per refresh, not per row: the figures are derived, and the entry says when
        # the reported numbers were recomputed and by whom.
        audit.record(
            by=by,
            action="reports.refresh",
            object_type="region_figures",
            object_id=year,
            region_code=roots[0].code if region_code else "",
            after={"year": year, "villages": len(fresh), "regions": regions},
        )
    return RefreshResult(
        region_code=region_code,
        year=year,
        villages=len(fresh),
        regions=regions,
        seconds=time.perf_counter() - start,
    )


def _rebuild_upper(province: str, year: int) -> int:
    """Rows of every non-village region of the province: the sums of its stored villages."""
    uppers = list(
        Region.objects.filter(code__startswith=province).exclude(level="village").order_by("code")
    )
    totals = {r.code: figures.empty_row(r.code, year) for r in uppers}
    stamps: dict[str, dt.datetime] = {}
    prefixes = {r.code: r.prefix for r in uppers}
    by_prefix: dict[str, str] = {p: c for c, p in prefixes.items()}
    lengths = sorted({len(p) for p in prefixes.values()})
    villages = RegionFigures.objects.filter(
        year=year, level="village", region__code__startswith=province
    ).values_list("region_id", "data", "refreshed_at")
    for code, data, stamp in villages.iterator(chunk_size=2000):
        for length in lengths:
            upper = by_prefix.get(code[:length])
            if upper is None:
                continue
            figures.add(totals[upper], data)
            if upper not in stamps or stamp < stamps[upper]:
                stamps[upper] = stamp
    RegionFigures.objects.filter(year=year, region__code__startswith=province).exclude(
        level="village"
    ).delete()
    now = timezone.now()
    RegionFigures.objects.bulk_create(
        [
            RegionFigures(
                region_id=r.code,
                level=r.level,
                year=year,
                data=totals[r.code],
                refreshed_at=stamps.get(r.code, now),
            )
            for r in uppers
        ],
        batch_size=2000,
    )
    return len(uppers)
