"""Assistance and steering: who helps whom (cadres, pairings, work teams, first secretaries),
what is done for each household (plans, measures, visits), and how the county steers the work
(targets, inspections, village grades).

Every model names its scope paths for `jingzhun.core.scoping`: `SCOPE_REGION` is the path to a
region code, `SCOPE_HOUSEHOLD` the path to the household (cadres see only paired households).
Period rules (no overlapping pairings, one team per village at a time, splits that add up) are
the services' job: they need to read other rows under a lock.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from jingzhun.core.labels import choices
from jingzhun.core.money import fen_to_yuan_str
from jingzhun.registry.rules import validate_phone

from .vocab import BATCH, CRITERION, MEASURE_STATUS, MEASURE_TYPE, SEVERITY, TEAM_ROLE


def _period_constraint(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name=name
    )


def current_q(today, prefix: str = "") -> Q:
    """Records whose [start, end] period contains `today` (an open end runs on)."""
    return Q(**{f"{prefix}start__lte": today}) & (
        Q(**{f"{prefix}end__isnull": True}) | Q(**{f"{prefix}end__gte": today})
    )


class Cadre(models.Model):
    """An assistance cadre (帮扶责任人). May or may not sign in; `user` links them when they do."""

    SCOPE_REGION = "region__code"
    SCOPE_HOUSEHOLD = None

    name = models.CharField(_("姓名"), max_length=50)
    unit = models.CharField(_("工作单位"), max_length=100, blank=True)
    position = models.CharField(_("职务"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[validate_phone])
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
        ordering = ["region_id", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）" if self.unit else self.name


class Pairing(models.Model):
    """A cadre paired with a household (一对一 / 一对多) from `start` until `end`."""

    SCOPE_REGION = "household__village__code"
    SCOPE_HOUSEHOLD = "household_id"

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("帮扶责任人"), on_delete=models.PROTECT, related_name="pairings"
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("户"),
        on_delete=models.PROTECT,
        related_name="pairings",
    )
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("结对帮扶")
        verbose_name_plural = _("结对帮扶")
        ordering = ["household_id", "-start"]
        indexes = [models.Index(fields=["household", "start"])]
        constraints = [_period_constraint("pairing_end_after_start")]

    def __str__(self) -> str:
        return f"{self.cadre_id}→{self.household_id} {self.start}～{self.end or ''}"


class WorkTeam(models.Model):
    """A village-stationed work team (驻村工作队) sent by a unit for a period."""

    SCOPE_REGION = "village__code"
    SCOPE_HOUSEHOLD = None

    village = models.ForeignKey(
        "regions.Region", verbose_name=_("村"), on_delete=models.PROTECT, related_name="work_teams"
    )
    unit = models.CharField(_("派出单位"), max_length=100)
    start = models.DateField(_("进驻日期"))
    end = models.DateField(_("撤离日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("驻村工作队")
        verbose_name_plural = _("驻村工作队")
        ordering = ["village_id", "-start"]
        constraints = [_period_constraint("work_team_end_after_start")]

    def __str__(self) -> str:
        return f"{self.unit}驻{self.village.name}工作队"


class WorkTeamMember(models.Model):
    SCOPE_REGION = "team__village__code"
    SCOPE_HOUSEHOLD = None

    team = models.ForeignKey(
        WorkTeam, verbose_name=_("工作队"), on_delete=models.CASCADE, related_name="members"
    )
    name = models.CharField(_("姓名"), max_length=50)
    unit = models.CharField(_("工作单位"), max_length=100, blank=True)
    role = models.CharField(_("队内职务"), max_length=10, choices=choices(TEAM_ROLE))
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[validate_phone])

    class Meta:
        verbose_name = _("工作队员")
        verbose_name_plural = _("工作队员")
        ordering = ["team_id", "role", "id"]

    def __str__(self) -> str:
        return self.name


class FirstSecretary(models.Model):
    """A first secretary (第一书记) stationed in a village for a period."""

    SCOPE_REGION = "village__code"
    SCOPE_HOUSEHOLD = None

    name = models.CharField(_("姓名"), max_length=50)
    unit = models.CharField(_("派出单位"), max_length=100, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[validate_phone])
    village = models.ForeignKey(
        "regions.Region",
        verbose_name=_("村"),
        on_delete=models.PROTECT,
        related_name="first_secretaries",
    )
    start = models.DateField(_("任职日期"))
    end = models.DateField(_("离任日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("第一书记")
        verbose_name_plural = _("第一书记")
        ordering = ["village_id", "-start"]
        constraints = [_period_constraint("first_secretary_end_after_start")]

    def __str__(self) -> str:
        return self.name


class Plan(models.Model):
    """One plan per household (一户一策)."""

    SCOPE_REGION = "household__village__code"
    SCOPE_HOUSEHOLD = "household_id"

    household = models.OneToOneField(
        "registry.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="plan"
    )
    summary = models.TextField(_("帮扶思路"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("一户一策")
        verbose_name_plural = _("一户一策")

    def __str__(self) -> str:
        return f"一户一策 {self.household_id}"


class Measure(models.Model):
    """One measure of a plan, typed by the five batches; `criterion` is the gap it answers."""

    SCOPE_REGION = "plan__household__village__code"
    SCOPE_HOUSEHOLD = "plan__household_id"

    plan = models.ForeignKey(
        Plan, verbose_name=_("一户一策"), on_delete=models.CASCADE, related_name="measures"
    )
    batch = models.CharField(_("五个一批"), max_length=16, choices=choices(BATCH))
    kind = models.CharField(_("措施类型"), max_length=20, choices=choices(MEASURE_TYPE))
    criterion = models.CharField(
        _("针对的短板"), max_length=30, choices=choices(CRITERION), blank=True
    )
    description = models.CharField(_("措施内容"), max_length=300)
    amount_fen = models.BigIntegerField(_("金额(分)"), default=0)
    start = models.DateField(_("开始日期"))
    status = models.CharField(
        _("状态"), max_length=12, choices=choices(MEASURE_STATUS), default="planned"
    )
    done_on = models.DateField(_("完成日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("帮扶措施")
        verbose_name_plural = _("帮扶措施")
        ordering = ["plan_id", "start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="measure_amount_positive")
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def amount_yuan(self) -> str:
        return fen_to_yuan_str(self.amount_fen)


class GapExplanation(models.Model):
    """Why a failed criterion has no measure (e.g. the pupil is over school age, the house is
    being rebuilt by the owner): written, so the check "every gap answered" can pass."""

    SCOPE_REGION = "plan__household__village__code"
    SCOPE_HOUSEHOLD = "plan__household_id"

    plan = models.ForeignKey(
        Plan, verbose_name=_("一户一策"), on_delete=models.CASCADE, related_name="explanations"
    )
    criterion = models.CharField(_("短板"), max_length=30, choices=choices(CRITERION))
    text = models.TextField(_("说明"))

    class Meta:
        verbose_name = _("短板说明")
        verbose_name_plural = _("短板说明")
        constraints = [
            models.UniqueConstraint(fields=["plan", "criterion"], name="one_explanation_per_gap")
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.text[:20]}"


class _PhotoStorage(FileSystemStorage):
    """Photos sit under MEDIA_ROOT (else <var>/media), outside any public static path: they are
    served only through the scoped view, since a photo shows a household's home. Resolved lazily
    so a changed MEDIA_ROOT (tests, deployments) applies."""

    @cached_property
    def base_location(self):
        if settings.MEDIA_ROOT:
            return settings.MEDIA_ROOT
        var = getattr(settings, "JINGZHUN_VAR_DIR", None) or settings.VAR_DIR
        return f"{var}/media"


def _photo_storage():
    return _PhotoStorage()


class Visit(models.Model):
    """A visit log entry (走访记录)."""

    SCOPE_REGION = "household__village__code"
    SCOPE_HOUSEHOLD = "household_id"

    household = models.ForeignKey(
        "registry.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="visits"
    )
    cadre = models.ForeignKey(
        Cadre, verbose_name=_("走访人"), on_delete=models.PROTECT, related_name="visits"
    )
    date = models.DateField(_("走访日期"))
    found = models.TextField(_("发现的情况"))
    done = models.TextField(_("帮扶的事项"), blank=True)
    photo = models.FileField(
        _("照片"), upload_to="visits/%Y/%m/", storage=_photo_storage, blank=True
    )
    photo_type = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["household", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.household_id}"


class Target(models.Model):
    """A yearly reduction target (目标任务) for a region; a child's target is its share of its
    parent's: the shares of all children must add up to the parent's figures."""

    SCOPE_REGION = "region__code"
    SCOPE_HOUSEHOLD = None

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("区划"), on_delete=models.PROTECT, related_name="targets"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    persons = models.PositiveIntegerField(_("减贫人数"), default=0)
    households = models.PositiveIntegerField(_("减贫户数"), default=0)
    villages = models.PositiveIntegerField(_("退出贫困村数"), default=0)

    class Meta:
        verbose_name = _("目标任务")
        verbose_name_plural = _("目标任务")
        ordering = ["year", "region_id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="one_target_per_region_year")
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year}"


class Inspection(models.Model):
    """An inspection visit (督查) to a township or a village."""

    SCOPE_REGION = "region__code"
    SCOPE_HOUSEHOLD = None

    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("督查对象"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    date = models.DateField(_("督查日期"))
    inspectors = models.CharField(_("督查组"), max_length=200)
    summary = models.TextField(_("督查情况"), blank=True)

    class Meta:
        verbose_name = _("督查")
        verbose_name_plural = _("督查")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.date} {self.region_id}"


class Finding(models.Model):
    """A problem found by an inspection, with who must fix it and by when."""

    SCOPE_REGION = "inspection__region__code"
    SCOPE_HOUSEHOLD = None

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("督查"), on_delete=models.CASCADE, related_name="findings"
    )
    description = models.TextField(_("问题"))
    severity = models.CharField(_("严重程度"), max_length=10, choices=choices(SEVERITY))
    responsible_unit = models.CharField(_("责任单位"), max_length=100)
    deadline = models.DateField(_("整改时限"))
    rectified_on = models.DateField(_("整改完成日期"), null=True, blank=True)
    rectification = models.TextField(_("整改情况"), blank=True)

    class Meta:
        verbose_name = _("督查问题")
        verbose_name_plural = _("督查问题")
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["rectified_on", "deadline"])]

    def __str__(self) -> str:
        return self.description[:40]


class GradingRule(models.Model):
    """A county's rule for classing villages good / medium / poor (好中差).

    The share is rectified findings / all findings of the year's inspections of the village, in
    percent; a village with any serious finding still open cannot be "good" unless the county
    allows it (`good_max_open_serious`).
    """

    SCOPE_REGION = "county__code"
    SCOPE_HOUSEHOLD = None

    county = models.OneToOneField(
        "regions.Region",
        verbose_name=_("县"),
        on_delete=models.PROTECT,
        related_name="grading_rule",
    )
    good_min_percent = models.DecimalField(
        _("评为“好”的最低整改率(%)"), max_digits=5, decimal_places=2, default=90
    )
    medium_min_percent = models.DecimalField(
        _("评为“中”的最低整改率(%)"), max_digits=5, decimal_places=2, default=60
    )
    good_max_open_serious = models.PositiveSmallIntegerField(
        _("评为“好”允许的未整改严重问题数"), default=0
    )

    class Meta:
        verbose_name = _("好中差分类规则")
        verbose_name_plural = _("好中差分类规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(good_min_percent__lte=100)
                & Q(medium_min_percent__gte=0)
                & Q(good_min_percent__gte=models.F("medium_min_percent")),
                name="grading_thresholds_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.county_id} {self.good_min_percent}/{self.medium_min_percent}"
