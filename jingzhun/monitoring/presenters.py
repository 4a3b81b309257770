"""Alerts as the API and the XLSX lists present them."""

from __future__ import annotations

from . import clock
from .models import Alert


def alert_row(alert: Alert) -> dict:
    village = alert.household.village
    return {
        "id": alert.pk,
        "household_no": alert.household.household_no,
        "village": {"code": village.code, "name": village.name, "level": village.level},
        "year": alert.year,
        "rule": alert.rule,
        "level": alert.level,
        "reason": alert.reason,
        "reason_en": alert.reason_en,
        "data": alert.data,
        "status": alert.status,
        "tier": alert.tier,
        "responsible_region": alert.region_id,
        "owner_cadre": alert.owner_cadre.name if alert.owner_cadre_id else None,
        "raised_on": alert.raised_on,
        "verify_by": alert.verify_by,
        "decide_by": alert.decide_by,
        "due_on": alert.due_on,
        "overdue": alert.is_overdue(clock.today()),
        "escalations": alert.escalations,
        "identified_on": alert.identified_on,
        "closed_on": alert.closed_on,
    }
