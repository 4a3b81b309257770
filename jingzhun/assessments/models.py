from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CountySurvey(models.Model):
    """The sample figures of a county exit assessment (第三方评估, 三率一度) for a year.

    They come from the assessment team's survey, not from the register, so they are entered.
    """

    SCOPE_REGION = "region__code"
    SCOPE_HOUSEHOLD = None

    region = models.ForeignKey("regions.Region", verbose_name=_("县"), on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField(_("年度"))
    wrongly_exited = models.PositiveIntegerField(_("错退人数(样本)"), null=True, blank=True)
    exited_sampled = models.PositiveIntegerField(_("脱贫人口(样本)"), null=True, blank=True)
    missed = models.PositiveIntegerField(_("漏评人数(样本)"), null=True, blank=True)
    nonregistered_sampled = models.PositiveIntegerField(
        _("抽样村非建档立卡农村人口"), null=True, blank=True
    )
    approving = models.PositiveIntegerField(_("认可户数"), null=True, blank=True)
    surveyed = models.PositiveIntegerField(_("调查户数"), null=True, blank=True)
    wrongly_exited_estimate = models.PositiveIntegerField(_("错退推算人数"), null=True, blank=True)
    missed_estimate = models.PositiveIntegerField(_("漏评推算人数"), null=True, blank=True)

    class Meta:
        verbose_name = _("县退出评估抽样")
        verbose_name_plural = _("县退出评估抽样")
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="one_survey_per_county_year")
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year}"
