"""Admin: a county edits its rule settings here (scoped, validated, audited); runs and findings
are read-only."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from jingzhun.core import scoping
from jingzhun.web.admin_support import ReadOnlyAdminMixin, ScopedAdminMixin

from .models import CheckRun, Finding, RuleSetting
from .services import CheckError, set_rule


class RuleSettingForm(forms.ModelForm):
    class Meta:
        model = RuleSetting
        fields = ("region_code", "rule_id", "enabled", "params", "definition", "note")

    def clean(self):
        data = super().clean()
        user = getattr(self, "user", None)
        code = data.get("region_code") or ""
        if user is not None and not scoping.can_see_region(user, code):
            raise ValidationError({"region_code": "不在您的管辖范围内 (outside your region)"})
        return data


@admin.register(RuleSetting)
class RuleSettingAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = RuleSettingForm
    list_display = ("region_code", "rule_id", "enabled", "note", "updated_at")
    search_fields = ("region_code", "rule_id")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user
        return form

    def save_model(self, request, obj, form, change):
        # through the service: validated against the rule kinds and appended to the audit trail
        try:
            saved = set_rule(
                obj.region_code,
                obj.rule_id,
                by=request.user,
                enabled=obj.enabled,
                params=obj.params,
                definition=obj.definition,
                note=obj.note,
            )
        except CheckError as exc:
            raise ValidationError(str(exc)) from exc
        obj.pk = saved.pk


@admin.register(CheckRun)
class CheckRunAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("region_code", "started_at", "by", "year", "found", "new", "resolved")


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("rule_id", "household_no", "region_code", "first_seen", "resolved_at")
    list_filter = ("rule_id", "level")
    search_fields = ("household_no", "region_code")
