from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhun.core.labels import choices
from jingzhun.vocab import POOR_VILLAGE, REGION_LEVELS

from . import codes


class Region(models.Model):
    """A statistical division. The code is the key: scoping is a prefix match on it."""

    SCOPE_REGION = "code"
    SCOPE_HOUSEHOLD = None

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(
        _("级别"), max_length=10, choices=[(n, label) for n, _len, label in REGION_LEVELS]
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    rural_population = models.PositiveIntegerField(_("农村户籍人口"), null=True, blank=True)
    poor_village = models.CharField(
        _("贫困村"), max_length=10, choices=choices(POOR_VILLAGE), default="none"
    )
    exit_year = models.PositiveSmallIntegerField(_("退出年度"), null=True, blank=True)
    collective_income_fen = models.BigIntegerField(_("集体经济收入(分)"), null=True, blank=True)
    hardened_road = models.BooleanField(_("通硬化路"), null=True, blank=True)
    clinic = models.BooleanField(_("卫生室"), null=True, blank=True)
    culture_room = models.BooleanField(_("文化室"), null=True, blank=True)
    network = models.BooleanField(_("通信网络"), null=True, blank=True)
    central_school = models.BooleanField(_("标准中心校"), null=True, blank=True)
    health_center = models.BooleanField(_("达标卫生院"), null=True, blank=True)
    service_center = models.BooleanField(_("便民服务中心"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("区划")
        verbose_name_plural = _("区划")
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def prefix(self) -> str:
        return codes.prefix(self.code)

    @property
    def is_village(self) -> bool:
        return self.level == "village"

    @property
    def is_poor_village(self) -> bool:
        return self.poor_village != "none"
