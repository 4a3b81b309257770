"""Data-quality checks (数据清洗): runs, the findings they keep, and a county's rule settings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CheckRun(models.Model):
    """One run of the checks over a region: who, when, which rules, what it found."""

    SCOPE_REGION = "region_code"
    SCOPE_HOUSEHOLD = None

    region_code = models.CharField(_("区划代码"), max_length=12, db_index=True)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("执行人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quality_runs",
    )
    year = models.PositiveSmallIntegerField(_("收入年度"))
    on = models.DateField(_("核查基准日"))
    rules = models.JSONField(_("规则"), default=list)
    counts = models.JSONField(_("各规则问题数"), default=dict)
    skipped = models.JSONField(_("未运行的规则"), default=dict, blank=True)
    found = models.PositiveIntegerField(_("问题总数"), default=0)
    new = models.PositiveIntegerField(_("新增"), default=0)
    resolved = models.PositiveIntegerField(_("已整改"), default=0)

    class Meta:
        verbose_name = _("数据核查")
        verbose_name_plural = _("数据核查")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.region_code} {self.started_at:%Y-%m-%d %H:%M}"


class Finding(models.Model):
    """A record that breaks a rule. Kept across runs: first seen, last seen, resolved.

    At most one open finding per rule and record; when a resolved problem comes back, a new
    finding opens (the old one keeps its history).
    """

    SCOPE_REGION = "region_code"
    SCOPE_HOUSEHOLD = "household_id"

    RESOLUTIONS = [("fixed", _("已整改")), ("disabled", _("规则已停用"))]

    rule_id = models.CharField(_("规则"), max_length=64)
    level = models.CharField(_("级别"), max_length=10)
    object_type = models.CharField(_("对象类型"), max_length=12)  # household | member
    object_id = models.BigIntegerField(_("对象编号"))
    household_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    household_no = models.CharField(_("户编号"), max_length=32)
    region_code = models.CharField(_("村代码"), max_length=12)
    first_seen = models.DateTimeField(_("首次发现"))
    last_seen = models.DateTimeField(_("最近发现"))
    resolved_at = models.DateTimeField(_("整改时间"), null=True, blank=True)
    resolution = models.CharField(_("关闭原因"), max_length=10, choices=RESOLUTIONS, blank=True)
    details = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("数据问题")
        verbose_name_plural = _("数据问题")
        ordering = ["region_code", "household_no", "rule_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule_id", "object_type", "object_id"],
                condition=Q(resolved_at__isnull=True),
                name="quality_one_open_finding",
            )
        ]
        indexes = [
            models.Index(fields=["rule_id", "region_code"], name="quality_rule_region"),
            models.Index(fields=["region_code", "resolved_at"], name="quality_region_open"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.object_type}#{self.object_id}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class RuleSetting(models.Model):
    """A region's choice about one rule: switch it off or on, override its parameters, or
    (with `definition`) add the region's own rule built from a shipped rule kind.

    A setting applies to the region and everything under it; a setting on a lower region
    wins over one above it.
    """

    SCOPE_REGION = "region_code"
    SCOPE_HOUSEHOLD = None

    region_code = models.CharField(_("区划代码"), max_length=12)
    rule_id = models.CharField(_("规则"), max_length=64)
    enabled = models.BooleanField(_("启用"), default=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    definition = models.JSONField(
        _("自定义规则"),
        null=True,
        blank=True,
        help_text=_("本地新增规则：kind、level、message_zh、message_en、fields、params"),
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("核查规则设置")
        verbose_name_plural = _("核查规则设置")
        ordering = ["region_code", "rule_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "rule_id"], name="quality_one_setting_per_region"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.rule_id}"
