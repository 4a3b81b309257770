"""Forms for the procedure pages: field parsing only; the rules live in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.assistance.forms import DateInput, apply_errors

from .decisions import REMOVAL_REASONS
from .kinds import AGREEMENT, DECIDE, MEETING, NOTICE, REVIEW, VERIFY, Step

__all__ = ["apply_errors", "OpenForm", "step_form", "ObjectionForm", "ResolveForm", "WithdrawForm"]

APPROVAL = [("1", _("同意")), ("0", _("不同意"))]


class OpenForm(forms.Form):
    kind = forms.ChoiceField(label=_("程序"))
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    note = forms.CharField(label=_("申请/提名情况"), widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.ChoiceField(
        label=_("减少原因（自然减少/错评清退）"),
        required=False,
        choices=[("", "—"), *((key, _(label)) for key, label in REMOVAL_REASONS.items())],
    )
    evidence = forms.CharField(label=_("证明材料"), required=False, max_length=300)

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds

    def params(self) -> dict:
        data = {"note": self.cleaned_data["note"]}
        if self.cleaned_data["kind"] == "removal":
            data |= {
                "reason": self.cleaned_data["reason"],
                "evidence": self.cleaned_data["evidence"],
            }
        return data


class MeetingForm(forms.Form):
    held_on = forms.DateField(label=_("评议日期"), widget=DateInput())
    attended = forms.IntegerField(label=_("参会人数"), min_value=1)
    votes_for = forms.IntegerField(label=_("赞成票"), min_value=0)
    votes_against = forms.IntegerField(label=_("反对票"), min_value=0)
    abstained = forms.IntegerField(label=_("弃权票"), min_value=0, initial=0)
    chair = forms.CharField(label=_("主持人"), max_length=50, required=False)
    minutes = forms.CharField(
        label=_("评议记录"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class AgreementForm(forms.Form):
    agrees = forms.BooleanField(label=_("农户同意并签字"))
    signed_by = forms.CharField(label=_("签字人"), max_length=50)
    signed_on = forms.DateField(label=_("签字日期"), widget=DateInput(), required=False)


class NoticeForm(forms.Form):
    where_to_object = forms.CharField(
        label=_("异议受理（地点、电话）"),
        max_length=300,
        required=False,
        help_text=_("公示期由适用标准确定，发布后开始计算。"),
    )


class ReviewForm(forms.Form):
    approved = forms.TypedChoiceField(
        label=_("审核结论"), choices=APPROVAL, coerce=lambda v: v == "1", widget=forms.RadioSelect
    )
    opinion = forms.CharField(
        label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class VerifyForm(forms.Form):
    visited_on = forms.DateField(label=_("核实日期"), widget=DateInput(), required=False)
    findings = forms.CharField(label=_("核实情况"), widget=forms.Textarea(attrs={"rows": 3}))


class DecideForm(ReviewForm):
    def __init__(self, *args, sign_offs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sign_off_labels = tuple(sign_offs)
        for index, label in enumerate(self.sign_off_labels):
            self.fields[f"sign_off_{index}"] = forms.CharField(
                label=_("签字：%(who)s") % {"who": label}, max_length=50, required=False
            )

    def params(self) -> dict:
        data = {k: self.cleaned_data[k] for k in ("approved", "opinion")}
        if self.sign_off_labels:
            data["sign_offs"] = {
                label: self.cleaned_data.get(f"sign_off_{i}", "")
                for i, label in enumerate(self.sign_off_labels)
            }
        return data


FORMS = {
    MEETING: MeetingForm,
    AGREEMENT: AgreementForm,
    NOTICE: NoticeForm,
    REVIEW: ReviewForm,
    VERIFY: VerifyForm,
}


def step_form(step: Step, data=None, *, sign_offs=()) -> forms.Form:
    if step.action == DECIDE:
        return DecideForm(data, sign_offs=sign_offs if step.sign_offs else (), prefix="step")
    return FORMS[step.action](data, prefix="step")


def step_params(form: forms.Form) -> dict:
    if isinstance(form, DecideForm):
        return form.params()
    return {
        k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in form.cleaned_data.items()
    }


class ObjectionForm(forms.Form):
    name = forms.CharField(label=_("异议人"), max_length=100)
    contact = forms.CharField(label=_("联系方式"), max_length=100, required=False)
    text = forms.CharField(label=_("异议内容"), widget=forms.Textarea(attrs={"rows": 3}))


class ResolveForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("处理结果"),
        choices=[("0", _("异议不成立")), ("1", _("异议成立（退回重新评议）"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    reasons = forms.CharField(label=_("处理理由"), widget=forms.Textarea(attrs={"rows": 2}))


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因"), max_length=300)
