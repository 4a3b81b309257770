"""Reads: every one through jingzhun.core.scoping, so a cadre sees the alerts of their paired
households only and a township its own villages'."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from jingzhun.accounts.roles import role_of
from jingzhun.core import scoping
from jingzhun.regions import codes
from jingzhun.registry.models import Household

from . import clock
from .models import Alert, AlertEvent, Classification, RiskEvent
from .rules import RULES
from .vocab import LEVEL, OPEN_STATUSES

# Who enters a risk event on a household page: the cadre who visits, and the officers.
EVENT_RECORDERS = ("cadre", "village_officer", "township_officer", "county_admin")


def overdue_q(today: dt.date) -> Q:
    return Q(status__in=OPEN_STATUSES, due_on__lt=today)


def alert_list(
    *,
    user,
    region_code: str | None = None,
    level: str | None = None,
    status: str | None = None,
    overdue: bool | None = None,
    year: int | None = None,
    overdue_first: bool = False,
) -> QuerySet[Alert]:
    """The alerts the user may see, newest first; with `overdue_first`, the overdue ones
    before the rest, the longest overdue first (the region's board)."""
    alerts = scoping.visible(
        user,
        Alert.objects.select_related("household", "household__village", "region", "owner_cadre"),
    )
    if region_code:
        alerts = alerts.filter(household__village__code__startswith=codes.prefix(region_code))
    if level:
        alerts = alerts.filter(level=level)
    if status == "open":
        alerts = alerts.filter(status__in=OPEN_STATUSES)
    elif status:
        alerts = alerts.filter(status=status)
    if year:
        alerts = alerts.filter(year=year)
    if overdue is not None:
        q = overdue_q(clock.today())
        alerts = alerts.filter(q if overdue else ~q)
    if overdue_first:
        late = Case(
            When(overdue_q(clock.today()), then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        overdue_due = Case(When(overdue_q(clock.today()), then="due_on"))
        return alerts.order_by(late, overdue_due, "-raised_on", "-id")
    return alerts.order_by("-raised_on", "-id")


# The board's ages of an open alert, in days since it was raised: the pack's default verify
# (15) and decide (30) periods, then a quarter.
AGE_BANDS = ((0, 15), (16, 30), (31, 90), (91, None))


def alert_board(*, user, code: str, year: int | None = None) -> dict[str, Any]:
    """The region's open alerts by level: how many are overdue, and how many in each age band
    (AGE_BANDS), in one grouped count."""
    today = clock.today()
    counts: dict[str, Any] = {"overdue": Count("id", filter=overdue_q(today))}
    for i, (low, high) in enumerate(AGE_BANDS):
        band = Q(raised_on__lte=today - dt.timedelta(days=low))
        if high is not None:
            band &= Q(raised_on__gte=today - dt.timedelta(days=high))
        counts[f"age{i}"] = Count("id", filter=band)
    rows = (
        alert_list(user=user, region_code=code, status="open", year=year)
        .order_by()
        .values("level")
        .annotate(total=Count("id"), **counts)
    )
    found = {row["level"]: row for row in rows}
    empty = dict.fromkeys(["total", *counts], 0)
    levels = [
        {"level": level, **{k: found.get(level, empty)[k] for k in empty}} for level in LEVEL.keys
    ]
    return {
        "bands": AGE_BANDS,
        "levels": levels,
        "total": {k: sum(row[k] for row in levels) for k in empty},
    }


def month_ends(today: dt.date, months: int) -> list[dt.date]:
    """The last day of each of the `months` months up to today's, today for its own."""
    ends = []
    year, month = today.year, today.month
    for _ in range(months):
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        ends.append(min(following - dt.timedelta(days=1), today))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return ends[::-1]


def monitored_trend(*, user, code: str, months: int = 12) -> dict[str, Any]:
    """Monitored households of the region at each month's end, by class: those with an alert
    identified (认定) by then whose risk was not yet eliminated or the alert closed. The class
    is the household's of the alert's year ('' where no class is stored); a household counts
    once a month in each class it is in, and once in the total."""
    ends = month_ends(clock.today(), months)
    klass = Subquery(
        Classification.objects.filter(
            household=OuterRef("household"), year=OuterRef("year")
        ).values("category")[:1]
    )
    monitored = {
        f"m{i}": Count(
            "household",
            distinct=True,
            filter=Q(identified_on__lte=end) & (Q(closed_on__isnull=True) | Q(closed_on__gt=end)),
        )
        for i, end in enumerate(ends)
    }
    alerts = (
        alert_list(user=user, region_code=code)
        .order_by()
        .filter(identified_on__isnull=False, identified_on__lte=ends[-1])
    )
    rows = alerts.annotate(klass=Coalesce(klass, Value(""))).values("klass").annotate(**monitored)
    by_class = {row["klass"]: [row[f"m{i}"] for i in range(len(ends))] for row in rows}
    total = alerts.aggregate(**monitored)
    return {
        "months": ends,
        "classes": by_class,
        "total": [total[f"m{i}"] for i in range(len(ends))],
    }


def alert_get(*, user, pk: int) -> Alert:
    return scoping.get_visible_or_404(
        user,
        Alert.objects.select_related(
            "household",
            "household__village",
            "region",
            "scan",
            "scan__by",
            "owner_cadre",
            "identification_case",
            "elimination_case",
        ),
        pk=pk,
    )


@dataclass(frozen=True)
class RaisedStep:
    """The "raised" step of an alert's timeline, read from the alert row and its scan: the scan
    writes no timeline row for it (one row per raised alert was a third of a first scan's
    writes, docs/decisions.md §12). The same fields as an `AlertEvent`."""

    at: dt.datetime | None
    by: Any
    actor: str
    params: dict = field(default_factory=dict)
    note: str = ""
    step: str = "raised"


def raised_step(alert: Alert) -> RaisedStep:
    scan = alert.scan
    by = scan.by if scan is not None else None
    return RaisedStep(
        at=scan.started_at if scan is not None else None,
        by=by,
        actor=getattr(by, "username", "") or "system",
        params={"scan": alert.scan_id, "policy": alert.policy},
        note=alert.reason,
    )


def alert_timeline(*, alert: Alert) -> list[AlertEvent | RaisedStep]:
    """Every step of the alert in order: its raising, then the stored steps. An alert raised
    before migration 0005 has its "raised" row stored, and keeps it."""
    stored = list(alert.timeline.select_related("by").order_by("at", "id"))
    if any(e.step == "raised" for e in stored):
        return stored
    return [raised_step(alert), *stored]


def alert_counts(*, user, code: str, year: int) -> dict[str, int]:
    """Alerts raised for `year` under the region, by level (flat), for the dashboards."""
    rows = (
        alert_list(user=user, region_code=code, year=year)
        .order_by()
        .values("level")
        .annotate(n=Count("id"))
    )
    found = {row["level"]: row["n"] for row in rows}
    return {level: found.get(level, 0) for level in LEVEL.keys}


def household_monitoring(*, user, household: Household) -> dict[str, Any]:
    """What the household page shows: its latest class, its alerts and its risk events."""
    classes = scoping.visible(user, Classification.objects.filter(household=household))
    role = role_of(user)
    return {
        "may_record": role is not None and role.key in EVENT_RECORDERS,
        "classification": classes.order_by("-year").first(),
        "alerts": list(
            scoping.visible(user, Alert.objects.filter(household=household)).order_by(
                "-raised_on", "-id"
            )
        ),
        "events": list(
            scoping.visible(user, RiskEvent.objects.filter(household=household)).order_by(
                "-date", "-id"
            )[:50]
        ),
    }


def cadre_open_alerts(*, user, cadre) -> QuerySet[Alert]:
    return (
        scoping.visible(user, Alert.objects.filter(owner_cadre=cadre, status__in=OPEN_STATUSES))
        .select_related("household", "household__village")
        .order_by("due_on", "id")
    )


# What a role may do next on an alert, for the alert page: (action, label) pairs.
def next_actions(*, user, alert: Alert) -> list[str]:
    role = role_of(user)
    key = role.key if role else ""
    actions: list[str] = []
    if alert.status == "raised" and key in (
        "cadre",
        "village_officer",
        "township_officer",
        "county_admin",
    ):
        actions.append("verify")
    if (
        alert.status in ("raised", "verified")
        and alert.identification_case_id is None
        and key
        in (
            "village_officer",
            "township_officer",
            "county_admin",
        )
    ):
        actions.append("close")
    if (
        alert.status == "verified"
        and alert.identification_case_id is None
        and key == ("village_officer")
    ):
        actions.append("submit")
    if alert.status == "decided" and key in ("cadre", "village_officer"):
        actions.append("measures")
    if alert.status in ("measures", "reviewed") and key in (
        "cadre",
        "village_officer",
        "township_officer",
    ):
        actions.append("review")
    if (
        alert.status in ("measures", "reviewed")
        and alert.elimination_case_id is None
        and key == "village_officer"
    ):
        actions.append("eliminate")
    return actions


def rule_label(rule_id: str) -> str:
    rule = RULES.get(rule_id)
    return rule.zh if rule else rule_id
