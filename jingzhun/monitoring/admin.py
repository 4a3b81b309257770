"""Admin: monitoring records are read-only and scoped; every change goes through the services
(and the scan), which keep the timeline and the audit trail."""

from django.contrib import admin

from jingzhun.web.admin_support import ReadOnlyAdminMixin, ScopedAdminMixin

from .models import Alert, AlertEvent, Classification, RiskEvent, Scan


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("household", "year", "rule", "level", "status", "tier", "raised_on", "due_on")
    list_filter = ("level", "status", "tier", "year")
    search_fields = ("household__household_no", "rule")


@admin.register(AlertEvent)
class AlertEventAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("alert", "step", "at", "actor")
    list_filter = ("step",)


@admin.register(RiskEvent)
class RiskEventAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("household", "kind", "source", "date", "alert")
    list_filter = ("kind", "source")
    search_fields = ("household__household_no",)


@admin.register(Classification)
class ClassificationAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("household", "year", "category", "band", "per_capita_fen")
    list_filter = ("year", "category", "band")


@admin.register(Scan)
class ScanAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("region", "year", "policy", "on", "households", "classified", "raised")
