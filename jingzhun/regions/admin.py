from django.contrib import admin

from jingzhun.web.admin_support import AuditedAdminMixin, ScopedAdminMixin

from .models import Region


@admin.register(Region)
class RegionAdmin(AuditedAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Reference data: the division tree and the village attributes."""

    list_display = ("code", "name", "level", "poor_village", "exit_year", "rural_population")
    list_filter = ("level", "poor_village")
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)
    ordering = ("code",)
    list_per_page = 100
    audit_object_type = "region"
    audit_fields = (
        "code",
        "name",
        "level",
        "parent",
        "rural_population",
        "poor_village",
        "exit_year",
        "collective_income_fen",
        "hardened_road",
        "clinic",
        "culture_room",
        "network",
        "central_school",
        "health_center",
        "service_center",
    )

    def audit_region_code(self, obj) -> str:
        return obj.code

    def get_readonly_fields(self, request, obj=None):
        # The code is the key every record hangs on: fixed once created.
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False
