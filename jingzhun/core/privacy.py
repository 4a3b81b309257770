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


# Keys under which the audit trail's before/after values hold ID numbers or phone numbers.
_ID_KEYS = frozenset({"id_number", "head"})
_PHONE_KEYS = frozenset({"phone"})


def shown_values(user, value):
    """An audit entry's before/after (or any JSON) as the user may see it: ID numbers and phone
    numbers masked by key, at any depth."""
    if isinstance(value, dict):
        shown = {}
        for key, item in value.items():
            if key in _ID_KEYS and isinstance(item, str):
                shown[key] = shown_id_number(user, item)
            elif key in _PHONE_KEYS and isinstance(item, str):
                shown[key] = shown_phone(user, item)
            else:
                shown[key] = shown_values(user, item)
        return shown
    if isinstance(value, list):
        return [shown_values(user, item) for item in value]
    return value
