"""Forms for the monitoring pages: field parsing only; the rules live in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.assistance.forms import apply_errors, date_field
from jingzhun.core.labels import choices
from jingzhun.core.money import MoneyError, yuan_to_fen

from .vocab import EVENT, LEVEL, SOURCE, STATUS

__all__ = ["AlertFilterForm", "NoteForm", "RiskEventForm", "VerifyForm", "apply_errors"]

CADRE_SOURCES = [(k, v) for k, v in choices(SOURCE) if k in ("cadre", "self_report")]


class RiskEventForm(forms.Form):
    kind = forms.ChoiceField(label=_("风险类型"), choices=choices(EVENT))
    date = date_field(_("发生日期"))
    source = forms.ChoiceField(label=_("来源"), choices=CADRE_SOURCES)
    member = forms.ModelChoiceField(label=_("涉及成员"), queryset=None, required=False)
    amount = forms.CharField(label=_("金额(元)"), max_length=20, required=False)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = household.members.all()

    def clean_amount(self):
        raw = self.cleaned_data["amount"].strip()
        if not raw:
            return None
        try:
            fen = yuan_to_fen(raw)
        except MoneyError as exc:
            raise forms.ValidationError(str(exc)) from None
        if fen < 0:
            raise forms.ValidationError(_("金额不能为负"))
        return fen


class VerifyForm(forms.Form):
    visited_on = date_field(_("核实日期"))
    found = forms.CharField(label=_("核实情况"), widget=forms.Textarea(attrs={"rows": 3}))
    risk_confirmed = forms.BooleanField(label=_("风险属实"), required=False)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class AlertFilterForm(forms.Form):
    level = forms.ChoiceField(
        label=_("预警等级"), choices=[("", _("全部"))] + choices(LEVEL), required=False
    )
    status = forms.ChoiceField(
        label=_("状态"),
        choices=[("", _("全部")), ("open", _("未办结"))] + choices(STATUS),
        required=False,
    )
    overdue = forms.BooleanField(label=_("只看逾期"), required=False)
    year = forms.IntegerField(label=_("年度"), min_value=2014, max_value=2100, required=False)
