"""Page forms. They only shape input: every rule lives in registry.rules / registry.services.

Fields are taken from the models (labels, choices, lengths) so a page can never drift from
the data model; sex and birth date are not asked for, they are derived from the ID number.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from jingzhun.core.labels import choices
from jingzhun.core.money import MoneyError, fen_to_yuan_str, yuan_to_fen
from jingzhun.registry import rules
from jingzhun.registry.models import Household, Income, Member
from jingzhun.vocab import CAUSE

# What a page may edit; household_no and village are fixed once registered.
HOUSEHOLD_EDIT_FIELDS = (
    "group",
    "attribute",
    "main_cause",
    "other_causes",
    "status",
    "registered_year",
    "exit_year",
    "phone",
)
CONDITION_FIELDS = (
    "food_clothing_secure",
    "housing_safe",
    "water_safe",
    "electricity",
    "radio_tv",
    "relocated",
)
MEMBER_FORM_FIELDS = tuple(f for f in rules.MEMBER_FIELDS if f not in ("sex", "birth_date"))
INCOME_FORM_FIELDS = Income.AMOUNT_FIELDS
OPTIONAL_AMOUNTS = ("medical_expense_fen", "education_expense_fen")


def apply_domain_errors(form: forms.Form, exc: ValidationError) -> list[str]:
    """Put a domain ValidationError next to the fields it names.

    Returns the messages for keys the form has no field for (e.g. `members`), so the caller
    can show them where they belong.
    """
    leftover: list[str] = []
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return leftover
    for field, messages in exc.message_dict.items():
        if field in form.fields:
            form.add_error(field, messages)
        elif field == "village_id" or field == "village":
            form.add_error(None, messages)
        else:
            leftover.extend(messages)
    return leftover


class _ModelFieldsForm(forms.Form):
    model: type = Household
    model_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        generated = fields_for_model(self.model, fields=self.model_fields)
        for name in self.model_fields:
            if name not in self.fields and generated.get(name) is not None:
                self.fields[name] = generated[name]
                # The model's own rules (a year's range, a phone's characters) on the field
                # too, so they show with every other error at once, not a round later when
                # the service's full_clean runs.
                self.fields[name].validators.extend(self.model._meta.get_field(name)._validators)
        self.order_fields(self.model_fields)


class HouseholdForm(_ModelFieldsForm):
    """Household fields and living conditions. `version` carries the optimistic lock."""

    model = Household
    model_fields = ("household_no", *HOUSEHOLD_EDIT_FIELDS, *CONDITION_FIELDS)

    other_causes = forms.MultipleChoiceField(
        label=_("其他致贫原因"),
        choices=choices(CAUSE),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, registering: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not registering:
            del self.fields["household_no"]
        else:
            del self.fields["version"]

    @classmethod
    def initial_for(cls, household: Household) -> dict:
        data = {f: getattr(household, f) for f in (*HOUSEHOLD_EDIT_FIELDS, *CONDITION_FIELDS)}
        data["other_causes"] = household.other_cause_list
        data["version"] = household.version
        return data

    def clean_other_causes(self) -> str:
        return ";".join(self.cleaned_data.get("other_causes") or [])

    def clean(self):
        data = super().clean()
        try:
            rules.check_household_years(data)
        except ValidationError as exc:
            apply_domain_errors(self, exc)
        return data

    def changes(self) -> dict:
        """The service's keyword arguments (without household_no and version)."""
        return {k: v for k, v in self.cleaned_data.items() if k not in ("household_no", "version")}


class MemberForm(_ModelFieldsForm):
    """One member; the identity check is the registry's own (rules.check_identity)."""

    model = Member
    model_fields = MEMBER_FORM_FIELDS
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, with_version: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["id_number"].widget.attrs.update(
            {"autocomplete": "off", "spellcheck": "false", "inputmode": "text"}
        )
        self.fields["id_number"].help_text = _("18位居民身份证号；性别和出生日期由号码自动得出")
        if not with_version:
            del self.fields["version"]

    @classmethod
    def initial_for(cls, member: Member) -> dict:
        data = {f: getattr(member, f) for f in MEMBER_FORM_FIELDS}
        data["version"] = member.version
        return data

    def clean(self):
        data = super().clean()
        if self.errors.get("id_number") or not data.get("id_number"):
            return data
        try:
            checked = rules.check_identity({"id_number": data["id_number"]})
            data["id_number"] = checked["id_number"]
            rules.check_member_consistency(data)
        except ValidationError as exc:
            apply_domain_errors(self, exc)
        return data

    def member_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class RegisterMemberForm(MemberForm):
    def __init__(self, *args, **kwargs):
        kwargs["with_version"] = False
        super().__init__(*args, **kwargs)
        self.fields["relation"].initial = None


class BaseMemberFormSet(forms.BaseFormSet):
    """Member rows of a registration. The head rule itself is the service's.

    Every row beyond the first may be left empty; so no row counts as an "initial" form.
    """

    def initial_form_count(self):
        return super().initial_form_count() if self.is_bound else 0


def member_formset(data=None, *, initial: list[dict] | None = None) -> BaseMemberFormSet:
    """The registration's member rows: as many as `initial` names, at least one."""
    rows = max(len(initial or []), 1)
    formset_class = forms.formset_factory(
        RegisterMemberForm,
        formset=BaseMemberFormSet,
        extra=rows - 1,
        min_num=1,
        validate_min=True,
    )
    return formset_class(data, prefix="members", initial=initial)


class IncomeForm(forms.Form):
    """A year's income, typed in yuan and stored in fen (core.money.yuan_to_fen)."""

    year = forms.IntegerField(label=_("年度"), min_value=1980, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in INCOME_FORM_FIELDS:
            label = Income._meta.get_field(name).verbose_name
            self.fields[name] = forms.CharField(
                label=label,
                required=name not in OPTIONAL_AMOUNTS,
                help_text=_("单位：元，最多两位小数"),
                widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "money"}),
            )

    @classmethod
    def initial_for(cls, income: Income | None, year: int) -> dict:
        data: dict = {"year": year}
        if income is not None:
            data.update({f: fen_to_yuan_str(getattr(income, f)) for f in INCOME_FORM_FIELDS})
        return data

    def clean(self):
        data = super().clean()
        for name in INCOME_FORM_FIELDS:
            raw = data.get(name)
            if raw in (None, ""):
                data[name] = None
                continue
            try:
                fen = yuan_to_fen(raw)
            except MoneyError:
                self.add_error(name, _("请输入以元为单位的金额，最多两位小数，如 1234.50"))
                continue
            if fen < 0:
                self.add_error(name, _("金额不能为负"))
                continue
            data[name] = fen
        return data

    def amounts_fen(self) -> dict:
        return {f: self.cleaned_data.get(f) for f in INCOME_FORM_FIELDS}


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("用户名"), max_length=150, widget=forms.TextInput(attrs={"autofocus": True})
    )
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput)
