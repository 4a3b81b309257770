"""Forms for the funds pages: field parsing only; the rules live in services and standards."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jingzhun.assistance.forms import date_field
from jingzhun.core.labels import choices
from jingzhun.core.money import MoneyError, wan_to_fen, yuan_to_fen

from . import standards
from .vocab import LEVEL, UNIT

MONEY_UNITS = (("yuan", _("元")), ("wan", _("万元")))
LARGEST_FEN = 2**63 - 1  # the amount columns are bigint


def amount_fen(raw: str, unit: str) -> int:
    """An amount typed in yuan (two decimals) or 万元 (six decimals), as exact fen."""
    try:
        return wan_to_fen(raw) if unit == "wan" else yuan_to_fen(raw)
    except MoneyError as exc:
        raise ValidationError(str(exc)) from exc


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("项目名称"), max_length=200)
    category = forms.CharField(label=_("用途类别"), max_length=50)
    location = forms.ChoiceField(label=_("实施地点"))
    year = forms.IntegerField(label=_("项目年度"), min_value=2000, max_value=2100)
    planned_quantity = forms.DecimalField(
        label=_("计划建设规模"), min_value=Decimal("0.001"), max_digits=14, decimal_places=3
    )
    unit = forms.ChoiceField(label=_("单位"), choices=choices(UNIT))
    standard = forms.ChoiceField(label=_("补助标准"), required=False)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args, places=(), **kwargs):
        """`places`: the regions a project may be placed in (the writer's, in code order)."""
        super().__init__(*args, **kwargs)
        indent = {"township": "\u3000", "village": "\u3000\u3000"}
        self.fields["location"].choices = [
            (r.code, f"{indent.get(r.level, '')}{r.name}（{r.code}）") for r in places
        ]
        self.fields["standard"].choices = [
            ("", _("（不适用）")),
            *((sid, standards.load(sid).title) for sid in standards.available()),
        ]


class RoadCalculatorForm(forms.Form):
    """The subsidy calculator on the project form: the length is the planned quantity in km."""

    prefix = "calc"

    width_m = forms.ChoiceField(label=_("路面宽度（米）"), choices=(("3.5", "3.5"), ("4.5", "4.5")))
    road_class = forms.ChoiceField(label=_("道路类别"), choices=())
    cost = forms.CharField(label=_("工程造价（可不填）"), max_length=24, required=False)
    cost_unit = forms.ChoiceField(label=_("造价单位"), choices=MONEY_UNITS, initial="wan")

    def __init__(self, *args, standard_id: str = "anyue-2018-roads", **kwargs):
        super().__init__(*args, **kwargs)
        self.standard = standards.load(standard_id)
        self.fields["road_class"].choices = list(self.standard.road_classes.items())

    def clean(self):
        data = super().clean()
        raw = (data.get("cost") or "").strip()
        data["cost_fen"] = None
        if raw:
            try:
                data["cost_fen"] = amount_fen(raw, data.get("cost_unit", "wan"))
            except ValidationError as exc:
                self.add_error("cost", exc)
        return data


class ProgressForm(forms.Form):
    date = date_field(_("日期"))
    quantity = forms.DecimalField(
        label=_("本期完成"), min_value=Decimal("0.001"), max_digits=14, decimal_places=3
    )
    note = forms.CharField(label=_("备注"), max_length=300, required=False)


class BeneficiaryForm(forms.Form):
    prefix = "benefit"

    household_no = forms.CharField(label=_("户编号"), max_length=30)
    year = forms.IntegerField(label=_("受益年度"), min_value=2000, max_value=2100)
    amount = forms.CharField(label=_("受益金额（元，可为0）"), max_length=24, initial="0")
    note = forms.CharField(label=_("受益内容"), max_length=300, required=False)

    def clean_amount(self):
        return amount_fen(self.cleaned_data["amount"], "yuan")


class MoneyFields(forms.Form):
    """An amount typed in yuan or 万元 (six decimals), cleaned to exact fen as `amount_fen`."""

    amount = forms.CharField(label=_("金额"), max_length=24)
    unit = forms.ChoiceField(label=_("金额单位"), choices=MONEY_UNITS, initial="wan")

    def clean(self):
        data = super().clean()
        if data.get("amount") and data.get("unit"):
            try:
                fen = amount_fen(data["amount"], data["unit"])
            except ValidationError as exc:
                self.add_error("amount", exc)
                return data
            # Refused here, in the unit typed: the service's own refusal names the fen.
            if fen <= 0:
                self.add_error("amount", _("金额须大于零 (amount must be positive)"))
            elif fen > LARGEST_FEN:
                self.add_error("amount", _("金额过大，无法记录 (amount too large to record)"))
            else:
                data["amount_fen"] = fen
        return data


class BudgetForm(MoneyFields):
    level = forms.ChoiceField(label=_("资金级别"), choices=choices(LEVEL))
    budget_year = forms.IntegerField(label=_("资金年度"), min_value=2000, max_value=2100)
    source = forms.CharField(label=_("文件"), max_length=200, required=False)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    field_order = ["level", "budget_year", "amount", "unit", "source", "note"]


class AllocationForm(MoneyFields):
    level = forms.ChoiceField(label=_("资金级别"), choices=choices(LEVEL))
    budget_year = forms.IntegerField(label=_("资金年度"), min_value=2000, max_value=2100)
    year = forms.IntegerField(label=_("安排年度"), min_value=2000, max_value=2100)
    batch = forms.CharField(label=_("批次"), max_length=20)
    category = forms.CharField(label=_("用途"), max_length=50)
    project = forms.TypedChoiceField(label=_("项目（可不选）"), required=False, coerce=int)
    advance_for_year = forms.IntegerField(
        label=_("提前安排用于年度（可不填）"), min_value=2000, max_value=2100, required=False
    )
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    field_order = [
        "level",
        "budget_year",
        "year",
        "batch",
        "category",
        "project",
        "amount",
        "unit",
        "advance_for_year",
        "note",
    ]

    def __init__(self, *args, projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [
            ("", _("（不选）")),
            *((p.pk, f"{p.year} {p.name}") for p in projects),
        ]
