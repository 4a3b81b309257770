"""Cases, their events, notices and objections.

A case is one household going through one procedure. Its state changes only through
`services.py`, which appends a `CaseEvent` per change and an audit entry in the same
transaction; the admin shows these tables read-only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

STATUS_CHOICES = [
    ("open", _("办理中")),
    ("decided", _("已批准")),
    ("rejected", _("未通过")),
    ("withdrawn", _("已撤回")),
]
RESOLUTION_CHOICES = [("", _("待处理")), ("upheld", _("异议成立")), ("dismissed", _("异议不成立"))]
NOTICE_LEVEL_CHOICES = [
    ("village", _("村公示")),
    ("township", _("乡镇公示")),
    ("county", _("县公告")),
]


class Case(models.Model):
    SCOPE_REGION = "household__village__code"
    SCOPE_HOUSEHOLD = "household_id"

    reference = models.CharField(_("案号"), max_length=64, unique=True)
    kind = models.CharField(_("程序类别"), max_length=40, db_index=True)
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("户"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    # The step keys this case goes through, frozen at opening: a pack changed mid-case does
    # not move the goalposts of a case already under way.
    plan = models.JSONField(_("步骤"), default=list)
    step = models.CharField(_("已完成步骤"), max_length=40)
    status = models.CharField(
        _("状态"), max_length=10, choices=STATUS_CHOICES, default="open", db_index=True
    )
    pack_id = models.CharField(_("适用标准"), max_length=60, blank=True)
    # The standard's verdict at the moment of decision (exit), kept as it was then.
    assessment = models.JSONField(_("评估结果"), null=True, blank=True)
    # A link to what the case is about in another app ("alert:42"), for pluggable kinds.
    subject = models.CharField(_("关联对象"), max_length=100, blank=True, db_index=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请登记人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("开始时间"))
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("程序案件")
        verbose_name_plural = _("程序案件")
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["kind", "year", "status"])]
        constraints = [
            # One procedure at a time per household: two open cases would fight over its status.
            models.UniqueConstraint(
                fields=["household"], condition=Q(status="open"), name="one_open_case_per_household"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "decided", "rejected", "withdrawn"]),
                name="case_status_known",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class CaseEvent(models.Model):
    """One step or change of a case: who, when, and what they recorded (votes, sign-offs...)."""

    SCOPE_REGION = "case__household__village__code"
    SCOPE_HOUSEHOLD = "case__household_id"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField(_("序号"))
    action = models.CharField(_("事项"), max_length=30)
    step = models.CharField(_("步骤"), max_length=40, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_name = models.CharField(_("经办人"), max_length=150, blank=True)
    at = models.DateTimeField(_("时间"))
    params = models.JSONField(_("记录"), default=dict, blank=True)

    class Meta:
        verbose_name = _("程序记录")
        verbose_name_plural = _("程序记录")
        ordering = ["case_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="case_event_seq")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action}"


class Notice(models.Model):
    """A public notice (公示) or announcement (公告) listing the cases it covers."""

    SCOPE_REGION = "region__code"
    SCOPE_HOUSEHOLD = None

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("公示区划"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(_("公示级别"), max_length=10, choices=NOTICE_LEVEL_CHOICES)
    kind = models.CharField(_("程序类别"), max_length=40)
    step = models.CharField(_("步骤"), max_length=40)
    year = models.PositiveSmallIntegerField(_("年度"))
    starts_at = models.DateTimeField(_("公示开始"))
    ends_at = models.DateTimeField(_("公示结束"))
    where_to_object = models.CharField(_("异议受理"), max_length=300, blank=True)
    cases = models.ManyToManyField(Case, related_name="notices", verbose_name=_("公示对象"))
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("公示公告")
        verbose_name_plural = _("公示公告")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")), name="notice_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.region_id} {self.starts_at:%Y-%m-%d}"


class Objection(models.Model):
    """An objection (异议) lodged during a notice. Anyone may lodge one: the person is text."""

    SCOPE_REGION = "case__household__village__code"
    SCOPE_HOUSEHOLD = "case__household_id"

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="objections")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="objections")
    lodged_by_name = models.CharField(_("异议人"), max_length=100)
    lodged_by_contact = models.CharField(_("联系方式"), max_length=100, blank=True)
    text = models.TextField(_("异议内容"))
    lodged_at = models.DateTimeField(_("提出时间"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(
        _("处理结果"), max_length=10, choices=RESOLUTION_CHOICES, blank=True
    )
    reasons = models.TextField(_("处理理由"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        ordering = ["lodged_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolution="") | ~Q(reasons=""), name="objection_resolved_with_reasons"
            )
        ]

    def __str__(self) -> str:
        return f"{self.lodged_by_name}: {self.text[:20]}"
