"""Shared pieces for the Django admin: every admin list goes through the scoping layer.

The admin is for reference data (regions, users) and for reading the registry and the audit
trail; registry writes go through the pages (registry.services), never through the admin.
"""

from __future__ import annotations

from jingzhun.audit import services as audit
from jingzhun.core import privacy, scoping


class ScopedAdminMixin:
    """The admin's querysets are the scoping layer's: out-of-scope rows do not exist here."""

    def get_queryset(self, request):
        return scoping.visible(request.user, super().get_queryset(request))


class ReadOnlyAdminMixin:
    """Viewable, never added, changed or deleted from the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedAdminMixin:
    """Reference-data edits in the admin are appended to the audit trail like any write."""

    audit_object_type = ""
    audit_fields: tuple[str, ...] = ()

    def audit_region_code(self, obj) -> str:
        return ""

    def save_model(self, request, obj, form, change):
        changed = [f for f in form.changed_data if f in self.audit_fields]
        before = None
        if change and obj.pk is not None:
            old = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = {f: _plain(getattr(old, f, None)) for f in changed} if old else None
        super().save_model(request, obj, form, change)
        audit.record(
            by=request.user,
            action=f"{self.audit_object_type}.{'update' if change else 'create'}",
            object_type=self.audit_object_type,
            object_id=obj.pk,
            region_code=self.audit_region_code(obj),
            before=before,
            after={
                f: _plain(getattr(obj, f, None)) for f in (changed if change else self.audit_fields)
            },
        )


def _plain(value):
    return getattr(value, "pk", value)


def masked_column(request, attr: str, label):
    """A column / read-only field showing `attr` masked for this request's viewer.

    Built per request (not stored on the shared ModelAdmin) so concurrent viewers with
    different roles never see each other's masking.
    """
    show = privacy.shown_phone if attr == "phone" else privacy.shown_id_number

    def column(obj):
        return show(request.user, getattr(obj, attr))

    column.short_description = label
    column.__name__ = f"shown_{attr}"
    return column


def masked_json(user, value):
    """A JSON value (an audit entry's before/after) with ID numbers and phones masked."""
    if isinstance(value, dict):
        return {k: _masked_item(user, k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked_json(user, v) for v in value]
    return value


def _masked_item(user, key, value):
    if isinstance(value, str) and key in ("id_number", "head"):
        return privacy.shown_id_number(user, value)
    if isinstance(value, str) and key == "phone":
        return privacy.shown_phone(user, value)
    return masked_json(user, value)


__all__ = [
    "AuditedAdminMixin",
    "ReadOnlyAdminMixin",
    "ScopedAdminMixin",
    "masked_column",
    "masked_json",
]
