"""The audit trail in the admin: strictly read-only, bounded by the viewer's region."""

import json

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.roles import role_of
from jingzhun.core import scoping
from jingzhun.web.admin_support import ReadOnlyAdminMixin, masked_json

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "seq",
        "at",
        "actor",
        "source",
        "action",
        "object_type",
        "object_id",
        "household_no",
    )
    list_filter = ("action", "object_type")
    search_fields = ("household_no", "actor", "object_id")
    ordering = ("-seq",)
    list_per_page = 100
    actions = None
    exclude = ("before", "after")

    def get_readonly_fields(self, request, obj=None):
        # before/after hold ID numbers and phones: shown masked for roles that need it.
        def before(entry):
            return json.dumps(masked_json(request.user, entry.before), ensure_ascii=False, indent=1)

        def after(entry):
            return json.dumps(masked_json(request.user, entry.after), ensure_ascii=False, indent=1)

        before.short_description = _("原值")
        after.short_description = _("新值")
        return (*super().get_readonly_fields(request, obj), before, after)

    def get_queryset(self, request):
        return scoping.visible(request.user, super().get_queryset(request))

    def has_view_permission(self, request, obj=None):
        if request.user.is_superuser:
            return True
        role = role_of(request.user)
        return bool(role and role.reads_audit) and super().has_view_permission(request, obj)

    def has_module_permission(self, request):
        return self.has_view_permission(request)
