"""Who may write what in assistance and steering. Reads are bounded by `core.scoping`; these
say which roles may write at all (the record must still be in the writer's scope)."""

from __future__ import annotations

from jingzhun.accounts.roles import role_of

MANAGERS = frozenset({"county_admin", "township_officer", "village_officer"})
STEERING = frozenset({"county_admin"})
INSPECTORS = frozenset({"county_admin", "auditor"})


def _role_key(user) -> str | None:
    role = role_of(user)
    return role.key if role else None


def manages_assistance(user) -> bool:
    """Register cadres, pair them, station teams and secretaries, edit plans."""
    return bool(getattr(user, "is_superuser", False) or _role_key(user) in MANAGERS)


def records_visits(user) -> bool:
    """Log visits and measures: the cadre for their own households, and the managers."""
    return manages_assistance(user) or _role_key(user) == "cadre"


def steers(user) -> bool:
    """Set and split targets, set the grading rule: the county office."""
    return bool(getattr(user, "is_superuser", False) or _role_key(user) in STEERING)


def inspects(user) -> bool:
    """Record inspections, findings and rectifications."""
    return bool(getattr(user, "is_superuser", False) or _role_key(user) in INSPECTORS)


def sees_steering(user) -> bool:
    """Targets, rankings, coverage and inspections are for the offices, not for cadres."""
    key = _role_key(user)
    return bool(getattr(user, "is_superuser", False) or (key is not None and key != "cadre"))
