"""What the built-in procedures do when decided, through the registry's own services, so the
household's history and the audit trail stay one mechanism."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_noop

from jingzhun.registry import services as registry
from jingzhun.registry.models import Household

from . import clock

# Stored in the case in Chinese (the record's language); the form shows them translated.
REMOVAL_REASONS = {
    "death": gettext_noop("死亡"),
    "moved": gettext_noop("迁出/农转非"),
    "wrongly_registered": gettext_noop("错评清退"),
    "other": gettext_noop("其他"),
}


def _household(case) -> Household:
    # Re-read: the version must be the one in the database, not the one the case was opened with.
    return Household.objects.select_for_update().get(pk=case.household_id)


def _update(case, by, **changes) -> None:
    household = _household(case)
    registry.household_update(
        by=by, household=household, expected_version=household.version, **changes
    )


def identify(*, case, by) -> None:
    _update(case, by, status="poor", registered_year=case.year, exit_year=None)


def exit_household(*, case, by) -> None:
    _update(case, by, status="exited", exit_year=case.year)


def return_to_poverty(*, case, by) -> None:
    _update(case, by, status="returned")


def remove(*, case, by) -> None:
    _update(case, by, status="removed")


def exit_assessment(*, case, household) -> dict:
    """The exit standard under the active pack, as it stands now: frozen into the case."""
    from jingzhun.assessments.selectors import assess_household

    pack, result = assess_household(household=household, year=case.year)
    return {
        "pack_id": pack.id,
        "pack_name": pack.name,
        "year": case.year,
        "assessed_at": clock.now().isoformat(),
        "passed": result.passed,
        "criteria": [
            {
                "key": c.key,
                "label": str(c.label),
                "passed": c.passed,
                "value": c.value,
                "threshold": c.threshold,
            }
            for c in result.criteria
        ],
    }


def check_removal_application(params: dict) -> dict:
    reason = params.get("reason")
    errors = {}
    if reason not in REMOVAL_REASONS:
        errors["reason"] = ["请选择减少原因 (choose the reason): " + ", ".join(REMOVAL_REASONS)]
    if not str(params.get("evidence") or "").strip():
        errors["evidence"] = ["请填写证明材料 (name the evidence: death certificate, transfer ...)"]
    if errors:
        raise ValidationError(errors)
    out = dict(params, reason_label=REMOVAL_REASONS[reason])
    if out.get("event_date") and isinstance(out["event_date"], dt.date):
        out["event_date"] = out["event_date"].isoformat()
    return out
