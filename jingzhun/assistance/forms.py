"""Forms for the assistance pages: field parsing only; the rules live in services."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jingzhun.core.labels import choices
from jingzhun.core.money import MoneyError, yuan_to_fen
from jingzhun.registry.rules import validate_phone

from .vocab import CRITERION, MEASURE_STATUS, MEASURE_TYPE, SEVERITY


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def date_field(label, required=True):
    return forms.DateField(label=label, required=required, widget=DateInput())


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names, else on the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            target = name if name in form.fields else None
            for error in errors:
                form.add_error(target, error.messages if hasattr(error, "messages") else error)
    else:
        form.add_error(None, exc.messages)


class CadreForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    unit = forms.CharField(label=_("工作单位"), max_length=100, required=False)
    position = forms.CharField(label=_("职务"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("联系电话"), max_length=20, required=False, validators=[validate_phone]
    )
    region = forms.ModelChoiceField(label=_("所在区划"), queryset=None)

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions


class PairingForm(forms.Form):
    cadre = forms.ModelChoiceField(label=_("帮扶责任人"), queryset=None)
    household_no = forms.CharField(label=_("户编号"), max_length=32)
    start = date_field(_("开始日期"))
    end = date_field(_("结束日期"), required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, cadres, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = cadres


class EndForm(forms.Form):
    end = date_field(_("结束日期"))


class WorkTeamForm(forms.Form):
    village = forms.ModelChoiceField(label=_("村"), queryset=None)
    unit = forms.CharField(label=_("派出单位"), max_length=100)
    start = date_field(_("进驻日期"))
    end = date_field(_("撤离日期"), required=False)
    leader = forms.CharField(label=_("队长"), max_length=50, required=False)
    members = forms.CharField(
        label=_("队员（每行一人：姓名,单位,电话）"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages

    def member_rows(self) -> list[dict]:
        rows = []
        if self.cleaned_data.get("leader"):
            rows.append({"name": self.cleaned_data["leader"], "role": "leader"})
        for line in (self.cleaned_data.get("members") or "").splitlines():
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if parts and parts[0]:
                rows.append(
                    {
                        "name": parts[0],
                        "unit": parts[1] if len(parts) > 1 else "",
                        "phone": parts[2] if len(parts) > 2 else "",
                        "role": "member",
                    }
                )
        return rows


class FirstSecretaryForm(forms.Form):
    village = forms.ModelChoiceField(label=_("村"), queryset=None)
    name = forms.CharField(label=_("姓名"), max_length=50)
    unit = forms.CharField(label=_("派出单位"), max_length=100, required=False)
    phone = forms.CharField(
        label=_("联系电话"), max_length=20, required=False, validators=[validate_phone]
    )
    start = date_field(_("任职日期"))
    end = date_field(_("离任日期"), required=False)

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages


class VisitForm(forms.Form):
    date = date_field(_("走访日期"))
    found = forms.CharField(label=_("发现的情况"), widget=forms.Textarea(attrs={"rows": 3}))
    done = forms.CharField(
        label=_("帮扶的事项"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    photo = forms.FileField(
        label=_("照片（可选）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


class YuanField(forms.CharField):
    """An amount in yuan typed by a person, kept as integer fen."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in ("", None):
            return 0
        try:
            fen = yuan_to_fen(value)
        except MoneyError as exc:
            raise ValidationError(_("金额格式不正确（元，最多两位小数）")) from exc
        if fen < 0:
            raise ValidationError(_("金额不能为负"))
        return fen


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("措施类型"), choices=choices(MEASURE_TYPE))
    criterion = forms.ChoiceField(
        label=_("针对的短板"), choices=[("", "—"), *choices(CRITERION)], required=False
    )
    description = forms.CharField(label=_("措施内容"), max_length=300)
    amount = YuanField(label=_("金额（元）"), required=False)
    start = date_field(_("开始日期"))
    status = forms.ChoiceField(label=_("状态"), choices=choices(MEASURE_STATUS), initial="planned")


class MeasureStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=choices(MEASURE_STATUS))
    done_on = date_field(_("完成日期"), required=False)


class ExplanationForm(forms.Form):
    criterion = forms.ChoiceField(label=_("短板"), choices=choices(CRITERION))
    text = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}))


class TargetForm(forms.Form):
    region = forms.ModelChoiceField(label=_("区划"), queryset=None)
    year = forms.IntegerField(label=_("年度"), min_value=2014, max_value=2100)
    persons = forms.IntegerField(label=_("减贫人数"), min_value=0)
    households = forms.IntegerField(label=_("减贫户数"), min_value=0, initial=0)
    villages = forms.IntegerField(label=_("退出贫困村数"), min_value=0, initial=0)

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions


class SplitForm(forms.Form):
    """One row of three figures per child region, named `<code>-persons` and so on."""

    FIGURES = ("persons", "households", "villages")

    def __init__(self, *args, children, initial_rows=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.children = children
        initial_rows = initial_rows or {}
        for child in children:
            for figure in self.FIGURES:
                self.fields[f"{child.code}-{figure}"] = forms.IntegerField(
                    min_value=0,
                    required=False,
                    initial=initial_rows.get(child.code, {}).get(figure, 0),
                    label=f"{child.name} {figure}",
                )

    def rows(self):
        for child in self.children:
            yield child, [self[f"{child.code}-{figure}"] for figure in self.FIGURES]

    def shares(self) -> dict:
        return {
            child.code: {
                figure: self.cleaned_data.get(f"{child.code}-{figure}") or 0
                for figure in self.FIGURES
            }
            for child in self.children
        }


class InspectionForm(forms.Form):
    region = forms.ModelChoiceField(label=_("督查对象（乡镇或村）"), queryset=None)
    date = date_field(_("督查日期"))
    inspectors = forms.CharField(label=_("督查组"), max_length=200)
    summary = forms.CharField(
        label=_("督查情况"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions


class FindingForm(forms.Form):
    description = forms.CharField(label=_("问题"), widget=forms.Textarea(attrs={"rows": 2}))
    severity = forms.ChoiceField(label=_("严重程度"), choices=choices(SEVERITY), initial="general")
    responsible_unit = forms.CharField(label=_("责任单位"), max_length=100)
    deadline = date_field(_("整改时限"))


class RectifyForm(forms.Form):
    rectified_on = date_field(_("整改完成日期"))
    rectification = forms.CharField(label=_("整改情况"), widget=forms.Textarea(attrs={"rows": 2}))


class GradingRuleForm(forms.Form):
    good_min_percent = forms.DecimalField(
        label=_("“好”：整改率不低于(%)"), min_value=0, max_value=100, decimal_places=2
    )
    medium_min_percent = forms.DecimalField(
        label=_("“中”：整改率不低于(%)"), min_value=0, max_value=100, decimal_places=2
    )
    good_max_open_serious = forms.IntegerField(
        label=_("“好”：允许未整改的严重问题数"), min_value=0, initial=0
    )
