"""Reading the audit trail: only roles that read audit, only within their region."""

from __future__ import annotations

from django.db.models import QuerySet

from jingzhun.accounts.roles import role_of
from jingzhun.core import scoping
from jingzhun.core.errors import PermissionDenied
from jingzhun.regions import codes

from .models import AuditEntry


def may_read_audit(user) -> bool:
    if getattr(user, "is_superuser", False) and getattr(user, "is_authenticated", False):
        return True
    role = role_of(user)
    return bool(role and role.reads_audit)


def entry_list(*, user, region_code: str | None = None) -> QuerySet[AuditEntry]:
    """Entries concerning the user's region (newest first), optionally narrowed to a region.

    Entries without a region (a user created without one, say) are seen by superusers only.
    """
    if not may_read_audit(user):
        raise PermissionDenied("该角色不能查看审计记录 (this role may not read the audit trail)")
    entries = scoping.visible(user, AuditEntry.objects.all())
    if region_code:
        entries = entries.filter(region_code__startswith=codes.prefix(region_code))
    return entries.order_by("-seq")
