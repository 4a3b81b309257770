"""What a role may do through the API, beyond what it may see (that is core.scoping)."""

from __future__ import annotations

from jingzhun.accounts.roles import role_of
from jingzhun.core.errors import PermissionDenied


def require_registry_writer(user) -> None:
    if getattr(user, "is_superuser", False):
        return
    role = role_of(user)
    if role is None or not role.writes_registry:
        raise PermissionDenied("该角色不能修改登记信息 (this role may not change the registry)")
