"""Return-to-poverty monitoring (防返贫监测): who is watched, what happened to them, and the
alerts someone must answer.

Nothing here is ever deleted: an alert ends `eliminated` or `closed`, and each step of its life
after its raising is an `AlertEvent` (the alert row and its scan are the "raised" step). Classifications are derived data (the scan recomputes them for a year), so
they are replaced by the scan rather than kept as history; the alerts keep what fired them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jingzhun.core.labels import choices
from jingzhun.core.money import fen_to_yuan_str

from .vocab import BAND, EVENT, LEVEL, MONITORING_CLASS, SOURCE, STATUS, TIER


class Scan(models.Model):
    """One run of `monitor scan` over a region and year: what it classed and raised."""

    SCOPE_REGION = "region__code"
    SCOPE_HOUSEHOLD = None

    region = models.ForeignKey("regions.Region", verbose_name=_("区划"), on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField(_("年度"))
    policy = models.CharField(_("监测标准"), max_length=60)
    on = models.DateField(_("扫描日期"))
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    households = models.PositiveIntegerField(_("扫描户数"), default=0)
    classified = models.PositiveIntegerField(_("监测对象户数"), default=0)
    raised = models.PositiveIntegerField(_("新增预警"), default=0)
    counts = models.JSONField(_("各规则触发户数"), default=dict)

    class Meta:
        verbose_name = _("监测扫描")
        verbose_name_plural = _("监测扫描")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year} {self.started_at:%Y-%m-%d}"


def scan_reference() -> models.ForeignKey:
    """The scan that wrote a class or an alert. Not indexed: nothing looks them up by scan.
    No database constraint (docs/decisions.md §14): the scan is their only writer and names
    the Scan row it created in the same transaction; Django's SET_NULL still applies if a
    scan is ever deleted through the ORM (scans are not, the admin is read-only)."""
    return models.ForeignKey(
        Scan,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        db_constraint=False,
    )


class Classification(models.Model):
    """A household's monitoring class for a year, as the last scan found it."""

    SCOPE_REGION = "household__village__code"
    SCOPE_HOUSEHOLD = "household_id"

    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("户"),
        on_delete=models.PROTECT,
        related_name="monitoring_classes",
        db_index=False,  # one_class_per_year leads with it
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    category = models.CharField(
        _("监测对象类别"), max_length=20, choices=choices(MONITORING_CLASS), blank=True
    )
    band = models.CharField(_("监测户类型"), max_length=10, choices=choices(BAND), blank=True)
    per_capita_fen = models.BigIntegerField(_("人均纯收入(分)"), null=True, blank=True)
    rules = models.JSONField(_("触发的规则"), default=list)
    scan = scan_reference()

    class Meta:
        verbose_name = _("监测对象")
        verbose_name_plural = _("监测对象")
        ordering = ["household_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="one_class_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year} {self.category}"

    @property
    def per_capita_yuan(self) -> str:
        return "" if self.per_capita_fen is None else fen_to_yuan_str(self.per_capita_fen)


class RiskEvent(models.Model):
    """Something that happened to a household: entered by a cadre or found by matching a
    department's list. The scan turns events into alerts (one per household, kind and year)."""

    SCOPE_REGION = "household__village__code"
    SCOPE_HOUSEHOLD = "household_id"

    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("户"),
        on_delete=models.PROTECT,
        related_name="risk_events",
        db_index=False,  # one_risk_event_per_report leads with it
    )
    # Kept without a database constraint (docs/decisions.md §13): the constraint's check locked
    # the member row of every new event, and those rows lie over the registry's largest table,
    # so a match file of 90,000 rows dirtied (and logged whole after a checkpoint) some 60,000
    # of its pages: 1.5 s of a 4 s match. What the check guaranteed is kept by the writers and
    # the removal instead: the match and risk_event_record write the id of a member they read
    # under a ROW EXCLUSIVE lock on this table, and removing a member takes a SHARE ROW
    # EXCLUSIVE one before Django sets the member of its events to NULL (SET_NULL below), so
    # a removal waits for a match in progress and the match for a removal
    # (jingzhun.monitoring.apps, importing.py, services.py).
    member = models.ForeignKey(
        "registry.Member",
        verbose_name=_("成员"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="risk_events",
        db_constraint=False,
    )
    # The matched ID number as the department sent it, normalised: kept even if the member
    # record changes, since it is what the department's list said.
    id_number = models.CharField(_("证件号码"), max_length=18, blank=True)
    kind = models.CharField(_("风险类型"), max_length=20, choices=choices(EVENT))
    source = models.CharField(_("来源"), max_length=20, choices=choices(SOURCE))
    date = models.DateField(_("发生日期"))
    amount_fen = models.BigIntegerField(_("金额(分)"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,  # a partial index below: matched events have none
    )
    alert = models.ForeignKey(
        "Alert",
        verbose_name=_("预警"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events_found",
        # Not indexed: nothing looks events up by alert, and alerts are never deleted. So the
        # scan's linking UPDATE changes no indexed column and, with the table's free space
        # (fillfactor 70, migration 0003), stays on the page (a heap-only update).
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("风险事件")
        verbose_name_plural = _("风险事件")
        ordering = ["-date", "-id"]
        # No (household, date) index: a household's events are found by the unique index
        # below (it leads with the household), and the scan reads a year's events whole. A
        # match inserts ~100,000 events at once: every index costs there (0.1 s for that one).
        indexes = [
            models.Index(
                fields=["entered_by"],
                condition=Q(entered_by__isnull=False),
                name="monitoring_riskevent_by",
            ),
        ]
        constraints = [
            # The same department line imported twice is one event.
            models.UniqueConstraint(
                fields=["household", "kind", "date", "source", "id_number"],
                name="one_risk_event_per_report",
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__isnull=True) | Q(amount_fen__gte=0),
                name="risk_event_amount_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.kind} {self.date}"

    @property
    def amount_yuan(self) -> str:
        return "" if self.amount_fen is None else fen_to_yuan_str(self.amount_fen)


class Alert(models.Model):
    """A raised alert: one per household, rule and year. `region` is who answers for it now
    (the village, then the township and the county as it escalates)."""

    SCOPE_REGION = "household__village__code"
    SCOPE_HOUSEHOLD = "household_id"

    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("户"),
        on_delete=models.PROTECT,
        related_name="alerts",
        db_index=False,  # one_alert_per_rule_year leads with it
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    rule = models.CharField(_("规则"), max_length=40)
    level = models.CharField(_("预警等级"), max_length=10, choices=choices(LEVEL))
    reason = models.CharField(_("预警原因"), max_length=300)
    # The same in English, for the English pages; the Chinese reason is the record.
    reason_en = models.CharField(_("预警原因（英文）"), max_length=300, blank=True, default="")
    data = models.JSONField(_("触发数据"), default=dict)
    policy = models.CharField(_("监测标准"), max_length=60)
    # Not indexed: see Meta.indexes.
    status = models.CharField(_("状态"), max_length=12, choices=choices(STATUS), default="raised")
    tier = models.CharField(_("责任层级"), max_length=10, choices=choices(TIER))
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("责任单位"),
        on_delete=models.PROTECT,
        related_name="alerts_owned",
        db_index=False,  # not indexed: see Meta.indexes
    )
    owner_cadre = models.ForeignKey(
        "assistance.Cadre",
        verbose_name=_("帮扶责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts",
        db_index=False,  # partial index below
    )
    raised_on = models.DateField(_("预警日期"))
    verify_by = models.DateField(_("核实时限"))
    decide_by = models.DateField(_("认定时限"))
    due_on = models.DateField(_("当前时限"), null=True, blank=True)
    escalations = models.PositiveSmallIntegerField(_("升级次数"), default=0)
    identified_on = models.DateField(_("认定日期"), null=True, blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    # The scan that raised it: with the row itself, the "raised" step of its timeline
    # (selectors.alert_timeline).
    scan = scan_reference()
    # The procedures (jingzhun.procedures) that decide on it: identification, then elimination.
    identification_case = models.ForeignKey(
        "procedures.Case",
        verbose_name=_("认定程序"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="identified_alerts",
        db_index=False,  # partial index below
    )
    elimination_case = models.ForeignKey(
        "procedures.Case",
        verbose_name=_("风险消除程序"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="eliminated_alerts",
        db_index=False,  # partial index below
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("监测预警")
        verbose_name_plural = _("监测预警")
        ordering = ["-raised_on", "-id"]
        # A scan inserts ~100,000 alerts into a county at once: every index costs there. The
        # references set later (cadre, procedures) are indexed only where set. No (year, level)
        # index: the counts by level are of a region's alerts, found through its households
        # and the unique index below (0.1 s of a first scan's 118,283 alerts). No (status,
        # due_on) index: every alert is raised open and due, so the daily escalation and the
        # overdue counts would find most of a fresh year's alerts through it anyway, and it
        # cost 0.15 s of that first scan (docs/benchmarks.md); a year of a county's alerts is
        # read whole in tens of milliseconds. No index on the responsible region either: no
        # page or report looks alerts up by it (a region's alerts are its households'), only a
        # region's deletion does, which PROTECT refuses anyway; it cost the first scan 0.14 s.
        indexes = [
            models.Index(
                fields=["owner_cadre"],
                condition=Q(owner_cadre__isnull=False),
                name="monitoring_alert_cadre",
            ),
            models.Index(
                fields=["identification_case"],
                condition=Q(identification_case__isnull=False),
                name="monitoring_alert_identified",
            ),
            models.Index(
                fields=["elimination_case"],
                condition=Q(elimination_case__isnull=False),
                name="monitoring_alert_eliminated",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "rule", "year"], name="one_alert_per_rule_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.rule} {self.year}"

    @property
    def reason_shown(self) -> str:
        """The reason in the page's language: English where it was stored in English too."""
        from django.utils.translation import get_language

        if (get_language() or "").startswith("en") and self.reason_en:
            return self.reason_en
        return self.reason

    def is_overdue(self, today) -> bool:
        from .vocab import OPEN_STATUSES

        return self.due_on is not None and self.due_on < today and self.status in OPEN_STATUSES


class AlertEvent(models.Model):
    """One step of an alert's life after its raising: who, when, what, with which parameters.
    (Alerts raised before migration 0005 also have their "raised" step here.)"""

    SCOPE_REGION = "alert__household__village__code"
    SCOPE_HOUSEHOLD = "alert__household_id"

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="timeline")
    step = models.CharField(_("环节"), max_length=30)
    at = models.DateTimeField(_("时间"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,  # a scan's rows have none: partial index below
    )
    actor = models.CharField(_("经办人"), max_length=150, blank=True)
    params = models.JSONField(_("参数"), default=dict)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("预警处置记录")
        verbose_name_plural = _("预警处置记录")
        ordering = ["alert_id", "at", "id"]
        indexes = [
            models.Index(
                fields=["by"], condition=Q(by__isnull=False), name="monitoring_alertevent_by"
            )
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} {self.step}"
