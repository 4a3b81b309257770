"""Roles and what each may do. One table, read by the scoping layer, pages, API and commands."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Role:
    key: str
    label: str
    sees_registry: bool  # may list households in its scope
    writes_registry: bool  # may register and edit households in its scope
    sees_id_numbers: bool  # sees resident ID numbers whole
    sees_phones: bool
    reads_audit: bool
    region_level: str | None  # the level of region the role is bound to; None: bound otherwise


ROLES: dict[str, Role] = {
    r.key: r
    for r in (
        Role("county_admin", _("县扶贫办"), True, True, True, True, True, "county"),
        Role("township_officer", _("乡镇工作人员"), True, True, True, True, False, "township"),
        Role("village_officer", _("村干部/驻村工作队"), True, True, True, True, False, "village"),
        Role("cadre", _("帮扶责任人"), True, False, False, True, False, None),
        Role("auditor", _("审计/督查"), True, False, False, False, True, None),
        Role("department", _("行业部门"), False, False, False, False, False, None),
    )
}

ROLE_CHOICES = [(key, role.label) for key, role in ROLES.items()]


def role_of(user) -> Role | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return ROLES.get(getattr(user, "role", "") or "")
