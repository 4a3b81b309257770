"""Cases, events, notices and objections in the admin: read-only and scoped. A case moves only
through the services (the pages, the API and `jingzhun procedure`), never through here."""

from django.contrib import admin

from jingzhun.web.admin_support import ReadOnlyAdminMixin, ScopedAdminMixin

from .models import Case, CaseEvent, Notice, Objection


class _ReadOnly(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    actions = None
    list_per_page = 100


class CaseEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CaseEvent
    fields = ("seq", "at", "action", "step", "by_name", "params")
    readonly_fields = fields
    extra = 0


@admin.register(Case)
class CaseAdmin(_ReadOnly):
    list_display = ("reference", "kind", "household", "year", "step", "status", "opened_at")
    list_filter = ("kind", "status", "year")
    search_fields = ("reference", "household__household_no")
    list_select_related = ("household",)
    inlines = [CaseEventInline]


@admin.register(Notice)
class NoticeAdmin(_ReadOnly):
    list_display = ("id", "level", "region", "kind", "step", "starts_at", "ends_at")
    list_filter = ("level", "kind")


@admin.register(Objection)
class ObjectionAdmin(_ReadOnly):
    list_display = ("id", "case", "lodged_by_name", "lodged_at", "resolution", "resolved_at")
    list_filter = ("resolution",)
