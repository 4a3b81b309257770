from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jingzhun.core.fields import BytewiseCharField
from jingzhun.core.labels import choices
from jingzhun.core.years import validate_year
from jingzhun.registry.rules import validate_phone
from jingzhun.vocab import (
    ATTRIBUTE,
    CAUSE,
    EDUCATION,
    HEALTH,
    LABOUR,
    RELATION,
    SEX,
    STATUS,
    STUDENT,
)


class Household(models.Model):
    """A registered household (建档立卡户) and its living conditions."""

    # The scoping layer reads these: the path to the region code, and to the household.
    SCOPE_REGION = "village__code"
    SCOPE_HOUSEHOLD = "id"

    household_no = models.CharField(_("户编号"), max_length=32, unique=True)
    village = models.ForeignKey(
        "regions.Region",
        verbose_name=_("村"),
        on_delete=models.PROTECT,
        related_name="households",
    )
    group = models.CharField(_("组/社"), max_length=50, blank=True)
    attribute = models.CharField(_("贫困户属性"), max_length=10, choices=choices(ATTRIBUTE))
    main_cause = models.CharField(_("主要致贫原因"), max_length=12, choices=choices(CAUSE))
    other_causes = models.CharField(_("其他致贫原因"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=choices(STATUS), default="poor", db_index=True
    )
    registered_year = models.PositiveSmallIntegerField(_("识别年度"), validators=[validate_year])
    exit_year = models.PositiveSmallIntegerField(
        _("脱贫年度"), null=True, blank=True, validators=[validate_year]
    )
    food_clothing_secure = models.BooleanField(_("不愁吃穿"), null=True, blank=True)
    housing_safe = models.BooleanField(_("住房安全"), null=True, blank=True)
    water_safe = models.BooleanField(_("饮水安全"), null=True, blank=True)
    electricity = models.BooleanField(_("生活用电"), null=True, blank=True)
    radio_tv = models.BooleanField(_("广播电视"), null=True, blank=True)
    relocated = models.BooleanField(_("已易地搬迁"), default=False)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[validate_phone])
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("贫困户")
        verbose_name_plural = _("贫困户")
        ordering = ["household_no"]
        indexes = [models.Index(fields=["village", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(exit_year__isnull=True) | Q(exit_year__gte=models.F("registered_year")),
                name="household_exit_not_before_registration",
            )
        ]

    def __str__(self) -> str:
        return self.household_no

    @property
    def other_cause_list(self) -> list[str]:
        return [c for c in self.other_causes.split(";") if c]


class Member(models.Model):
    """A person in a household. An ID number stands in one household only, registry-wide."""

    SCOPE_REGION = "household__village__code"
    SCOPE_HOUSEHOLD = "household_id"

    household = models.ForeignKey(
        Household,
        verbose_name=_("户"),
        on_delete=models.CASCADE,
        related_name="members",
        db_index=False,  # member_household_facts below leads with it
    )
    # Unique by a constraint in Meta, not `unique=True`, and `name` not indexed: on
    # PostgreSQL each field option adds a second `varchar_pattern_ops` index for LIKE 'x%',
    # which nothing here asks (ID numbers are looked up whole, names searched by contains),
    # and those three indexes were most of a county load's index building (docs/benchmarks.md).
    # Collated "C" on PostgreSQL: its unique index builds with memcmp (jingzhun.core.fields).
    id_number = BytewiseCharField(_("证件号码"), max_length=18)
    id_warning = models.CharField(_("证件号码提示"), max_length=200, blank=True)
    name = models.CharField(_("姓名"), max_length=50)
    relation = models.CharField(_("与户主关系"), max_length=12, choices=choices(RELATION))
    sex = models.CharField(_("性别"), max_length=6, choices=choices(SEX))
    birth_date = models.DateField(_("出生日期"))
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True)
    education = models.CharField(
        _("文化程度"), max_length=12, choices=choices(EDUCATION), blank=True
    )
    student = models.CharField(
        _("在校生状况"), max_length=12, choices=choices(STUDENT), default="none"
    )
    dropout = models.BooleanField(_("辍学"), null=True, blank=True)
    health = models.CharField(
        _("健康状况"), max_length=10, choices=choices(HEALTH), default="healthy"
    )
    disability_grade = models.PositiveSmallIntegerField(_("残疾等级"), null=True, blank=True)
    labour = models.CharField(_("劳动能力"), max_length=10, choices=choices(LABOUR), blank=True)
    migrant_months = models.PositiveSmallIntegerField(_("务工时间(月)"), null=True, blank=True)
    medical_insurance = models.BooleanField(_("参加基本医疗保险"), null=True, blank=True)
    pension_insurance = models.BooleanField(_("参加养老保险"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        ordering = ["household_id", "id"]
        indexes = [
            # The household's members, carrying what the whole-registry assessment counts
            # (jingzhun.policy.members): on PostgreSQL an index-only scan in household order
            # feeds it without touching the table. SQLite ignores INCLUDE: a plain index.
            models.Index(
                fields=["household"],
                include=["birth_date", "dropout", "student", "medical_insurance"],
                name="member_household_facts",
            )
        ]
        constraints = [
            # An ID number stands in one household only, registry-wide. On PostgreSQL its
            # index also carries household_id and id (migration 0006, database only: Django
            # would skip the whole constraint on SQLite if `include` were declared here).
            models.UniqueConstraint(fields=["id_number"], name="member_id_number_unique"),
            # At most one head in the database; "at least one" is the services' rule.
            models.UniqueConstraint(
                fields=["household"], condition=Q(relation="head"), name="one_head_per_household"
            ),
            models.CheckConstraint(
                condition=Q(disability_grade__isnull=True)
                | Q(disability_grade__gte=1, disability_grade__lte=4),
                name="member_disability_grade_1_to_4",
            ),
            models.CheckConstraint(
                condition=Q(migrant_months__isnull=True) | Q(migrant_months__lte=12),
                name="member_migrant_months_at_most_12",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Income(models.Model):
    """A household's income for one year, in fen. Net = the four incomes − production costs."""

    SCOPE_REGION = "household__village__code"
    SCOPE_HOUSEHOLD = "household_id"
    AMOUNT_FIELDS = (
        "wage_fen",
        "production_fen",
        "property_fen",
        "transfer_fen",
        "production_cost_fen",
        "medical_expense_fen",
        "education_expense_fen",
    )

    household = models.ForeignKey(
        Household, verbose_name=_("户"), on_delete=models.CASCADE, related_name="incomes"
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=[validate_year])
    wage_fen = models.BigIntegerField(_("工资性收入"), default=0)
    production_fen = models.BigIntegerField(_("生产经营性收入"), default=0)
    property_fen = models.BigIntegerField(_("财产性收入"), default=0)
    transfer_fen = models.BigIntegerField(_("转移性收入"), default=0)
    production_cost_fen = models.BigIntegerField(_("生产经营性支出"), default=0)
    medical_expense_fen = models.BigIntegerField(_("医疗支出"), null=True, blank=True)
    education_expense_fen = models.BigIntegerField(_("教育支出"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("收入")
        verbose_name_plural = _("收入")
        ordering = ["household_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="one_income_per_year"),
            models.CheckConstraint(
                condition=Q(wage_fen__gte=0)
                & Q(production_fen__gte=0)
                & Q(property_fen__gte=0)
                & Q(transfer_fen__gte=0)
                & Q(production_cost_fen__gte=0),
                name="income_components_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}"

    @property
    def net_fen(self) -> int:
        return (
            self.wage_fen
            + self.production_fen
            + self.property_fen
            + self.transfer_fen
            - self.production_cost_fen
        )
