"""Forms for the funds pages: field parsing only; the rules live in services and standards."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jingzhun.assistance.forms import date_field
from jingzhun.core.money import MoneyError, wan_to_fen, yuan_to_fen

from . import standards
from .vocab import UNIT

MONEY_UNITS = (("yuan", _("元")), ("wan", _("万元")))


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
    unit = forms.ChoiceField(label=_("单位"), choices=UNIT.choices())
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
