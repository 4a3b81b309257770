from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Cadre(models.Model):
    """An assistance cadre (帮扶责任人). May or may not sign in; `user` links them when they do."""

    SCOPE_REGION = "region__code"
    SCOPE_HOUSEHOLD = None

    name = models.CharField(_("姓名"), max_length=50)
    unit = models.CharField(_("工作单位"), max_length=100, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在区划"), on_delete=models.PROTECT
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cadre",
    )

    class Meta:
        verbose_name = _("帮扶责任人")
        verbose_name_plural = _("帮扶责任人")

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）" if self.unit else self.name


class Pairing(models.Model):
    """A cadre paired with a household (一对一 / 一对多) from `start` until `end`."""

    SCOPE_REGION = "household__village__code"
    SCOPE_HOUSEHOLD = "household_id"

    cadre = models.ForeignKey(Cadre, on_delete=models.PROTECT, related_name="pairings")
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="pairings"
    )
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("结对帮扶")
        verbose_name_plural = _("结对帮扶")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="pairing_end_after_start",
            )
        ]
