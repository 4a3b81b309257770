"""The funds ledger: budgets by level and budget year, allocations drawing on them,
disbursements against allocations, and the projects (项目库) the money builds.

Every amount is integer fen (BigInteger). A *pool* is (region, level, budget_year): all the
budget rows (tranches) of one level and budget year held by one region. An allocation draws on
its pool; see `selectors.pool_balances` for how an advance made in an earlier year is credited.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jingzhun.core.labels import choices

from .vocab import LEVEL, PROJECT_STATUS, UNIT

YEAR_HELP = _("四位年度，如 2018")


class Budget(models.Model):
    """Money a region (normally the county) holds from one level for one budget year."""

    SCOPE_REGION = "region__code"
    SCOPE_HOUSEHOLD = None

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("区划"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(_("资金级别"), max_length=12, choices=choices(LEVEL))
    budget_year = models.PositiveSmallIntegerField(_("资金年度"), help_text=YEAR_HELP)
    amount_fen = models.BigIntegerField(_("金额(分)"))
    source = models.CharField(_("文件/来源"), max_length=200, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("预算资金")
        verbose_name_plural = _("预算资金")
        ordering = ["region_id", "budget_year", "level", "id"]
        indexes = [models.Index(fields=["region", "level", "budget_year"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="budget_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.budget_year} {LEVEL.label(self.level)} {self.amount_fen}"


class Project(models.Model):
    """A project in the county's project library (项目库), with its physical plan."""

    SCOPE_REGION = "location__code"
    SCOPE_HOUSEHOLD = None

    name = models.CharField(_("项目名称"), max_length=200)
    category = models.CharField(_("用途类别"), max_length=50)
    location = models.ForeignKey(
        "regions.Region",
        verbose_name=_("实施地点"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(_("项目年度"), help_text=YEAR_HELP)
    planned_quantity = models.DecimalField(_("计划建设规模"), max_digits=14, decimal_places=3)
    unit = models.CharField(_("单位"), max_length=12, choices=choices(UNIT))
    status = models.CharField(
        _("状态"), max_length=12, choices=choices(PROJECT_STATUS), default="planned"
    )
    standard = models.CharField(_("补助标准"), max_length=60, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    beneficiaries = models.ManyToManyField(
        "registry.Household",
        through="ProjectBeneficiary",
        related_name="funded_projects",
        verbose_name=_("受益户"),
        blank=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("项目")
        verbose_name_plural = _("项目库")
        ordering = ["year", "location_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_quantity__gt=0), name="project_planned_positive"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ProjectProgress(models.Model):
    """Quantity completed in one report (an increment); completed = the sum of increments."""

    SCOPE_REGION = "project__location__code"
    SCOPE_HOUSEHOLD = None

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="progress"
    )
    date = models.DateField(_("日期"))
    quantity = models.DecimalField(_("本期完成"), max_digits=14, decimal_places=3)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("项目进度")
        verbose_name_plural = _("项目进度")
        ordering = ["project_id", "date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="progress_quantity_positive")
        ]

    def __str__(self) -> str:
        return f"{self.date} +{self.quantity}"


class ProjectBeneficiary(models.Model):
    """A registered household a project benefits, with the benefit it received that year."""

    SCOPE_REGION = "household__village__code"
    SCOPE_HOUSEHOLD = "household_id"

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="benefits"
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("受益户"),
        on_delete=models.PROTECT,
        related_name="project_benefits",
    )
    year = models.PositiveSmallIntegerField(_("受益年度"), help_text=YEAR_HELP)
    amount_fen = models.BigIntegerField(_("受益金额(分)"), default=0)
    note = models.CharField(_("受益内容"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("项目受益户")
        verbose_name_plural = _("项目受益户")
        ordering = ["household_id", "year", "project_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "household", "year"], name="one_benefit_per_project_year"
            ),
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="benefit_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.household_id} ← {self.project_id}"


class Allocation(models.Model):
    """A line of an allocation batch: money from the pool (region, level, budget_year) arranged
    in `year` (安排年度), batch `batch`, for a category (用途) and optionally a project.

    `advance_for_year` marks an advance (提前安排): a line arranged in `year` from that year's
    budget for the plan of a later year, whose published lines list it again at full amount
    (安岳 2018: "其中2017年已安排44个贫困村提前启动资金1320万元"). The later year's pool is
    credited with it, so the money is charged once, to the budget that really paid it.
    """

    SCOPE_REGION = "region__code"
    SCOPE_HOUSEHOLD = None

    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("资金所属区划"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    level = models.CharField(_("资金级别"), max_length=12, choices=choices(LEVEL))
    budget_year = models.PositiveSmallIntegerField(_("资金年度"), help_text=YEAR_HELP)
    year = models.PositiveSmallIntegerField(_("安排年度"), help_text=YEAR_HELP)
    batch = models.CharField(_("批次"), max_length=20)
    category = models.CharField(_("用途"), max_length=50)
    project = models.ForeignKey(
        Project,
        verbose_name=_("项目"),
        on_delete=models.PROTECT,
        related_name="allocations",
        null=True,
        blank=True,
    )
    location = models.ForeignKey(
        "regions.Region",
        verbose_name=_("实施地点"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    amount_fen = models.BigIntegerField(_("金额(分)"))
    advance_for_year = models.PositiveSmallIntegerField(
        _("提前安排用于年度"), null=True, blank=True
    )
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("资金安排")
        verbose_name_plural = _("资金安排")
        ordering = ["region_id", "year", "batch", "level", "id"]
        indexes = [
            models.Index(fields=["region", "level", "budget_year"]),
            models.Index(fields=["year", "region"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="allocation_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(advance_for_year__isnull=True) | Q(advance_for_year__gt=F("year")),
                name="allocation_advance_is_for_a_later_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} 第{self.batch}批 {self.category}"

    @property
    def brought_forward(self) -> bool:
        return self.advance_for_year is not None


class Disbursement(models.Model):
    """Money paid out against an allocation; never more than the allocation has left."""

    SCOPE_REGION = "allocation__region__code"
    SCOPE_HOUSEHOLD = None

    allocation = models.ForeignKey(
        Allocation,
        verbose_name=_("资金安排"),
        on_delete=models.PROTECT,
        related_name="disbursements",
    )
    date = models.DateField(_("拨付日期"))
    amount_fen = models.BigIntegerField(_("金额(分)"))
    payee = models.CharField(_("收款单位/人"), max_length=200)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("资金拨付")
        verbose_name_plural = _("资金拨付")
        ordering = ["allocation_id", "date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="disbursement_amount_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.payee} {self.amount_fen}"
