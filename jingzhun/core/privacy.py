"""What a role may see of a person: one place for masking, used by pages, API, exports, notices."""

from __future__ import annotations

from jingzhun.accounts.roles import role_of

from .idnumber import mask_id_number, mask_phone


def sees_id_numbers(user) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    role = role_of(user)
    return bool(role and role.sees_id_numbers)


def sees_phones(user) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    role = role_of(user)
    return bool(role and role.sees_phones)


def shown_id_number(user, number: str | None) -> str:
    return (number or "") if sees_id_numbers(user) else mask_id_number(number)


def shown_phone(user, phone: str | None) -> str:
    return (phone or "") if sees_phones(user) else mask_phone(phone)
