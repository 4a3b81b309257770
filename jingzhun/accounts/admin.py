from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from jingzhun.core import scoping
from jingzhun.web.admin_support import AuditedAdminMixin

from .models import User


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    list_display = ("username", "display_name", "role", "region", "is_active", "is_staff")
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("username", "display_name", "region__name", "region__code")
    autocomplete_fields = ("region",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("角色与区划"), {"fields": ("display_name", "role", "region")}),
        (
            _("权限"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("登录记录"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "password1", "password2", "display_name", "role", "region"),
            },
        ),
    )
    audit_object_type = "user"
    audit_fields = (
        "username",
        "display_name",
        "role",
        "region",
        "is_active",
        "is_staff",
        "is_superuser",
    )

    def audit_region_code(self, obj) -> str:
        return obj.region_id or ""

    def get_queryset(self, request):
        return scoping.visible(request.user, super().get_queryset(request))

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: the audit trail names users
