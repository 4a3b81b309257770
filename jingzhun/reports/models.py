"""Materialised roll-ups: one row per region and year, refreshed by `jingzhun reports refresh`.

Village rows are computed from the registry (through `region_stats` and the assistance
selectors); township, county, city and province rows are the sums of their villages' rows.
`refreshed_at` of an upper row is the oldest of the village rows it sums, so the page's
"as of" never claims more freshness than the figures have.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionFigures(models.Model):
    SCOPE_REGION = "region__code"
    SCOPE_HOUSEHOLD = None

    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("区划"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    level = models.CharField(_("层级"), max_length=10)
    year = models.PositiveSmallIntegerField(_("年度"))
    data = models.JSONField(_("统计数据"))
    refreshed_at = models.DateTimeField(_("数据截至"))

    class Meta:
        verbose_name = _("统计汇总")
        verbose_name_plural = _("统计汇总")
        ordering = ["year", "region_id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="one_figures_per_region_year")
        ]
        indexes = [models.Index(fields=["year", "level"])]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year}"
