"""Read-only admin views of the registry; writes go through the pages and registry.services."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from jingzhun.web.admin_support import ReadOnlyAdminMixin, ScopedAdminMixin, masked_column

from .models import Household, Income, Member


class RegistryAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_per_page = 100


@admin.register(Household)
class HouseholdAdmin(RegistryAdmin):
    list_display = (
        "household_no",
        "village",
        "attribute",
        "main_cause",
        "status",
        "registered_year",
    )
    list_filter = ("status", "attribute", "main_cause", "registered_year")
    search_fields = ("household_no",)
    list_select_related = ("village",)
    exclude = ("phone",)

    def get_readonly_fields(self, request, obj=None):
        return (
            *super().get_readonly_fields(request, obj),
            masked_column(request, "phone", _("联系电话")),
        )


@admin.register(Member)
class MemberAdmin(RegistryAdmin):
    search_fields = ("name", "household__household_no")
    list_filter = ("relation", "sex", "health")
    list_select_related = ("household",)
    exclude = ("id_number",)

    def get_list_display(self, request):
        return (
            "name",
            masked_column(request, "id_number", _("证件号码")),
            "relation",
            "sex",
            "household",
        )

    def get_readonly_fields(self, request, obj=None):
        return (
            *super().get_readonly_fields(request, obj),
            masked_column(request, "id_number", _("证件号码")),
        )


@admin.register(Income)
class IncomeAdmin(RegistryAdmin):
    list_display = ("household", "year", "wage_fen", "production_fen", "transfer_fen")
    list_filter = ("year",)
    search_fields = ("household__household_no",)
    list_select_related = ("household",)
