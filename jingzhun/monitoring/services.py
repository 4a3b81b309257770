"""Writes: risk events entered by cadres, and each step of an alert's life.

raised → verified (home visit) → decided (the identification procedure: village review and
notice, township review, county decision, run by jingzhun.procedures) → measures → reviewed
(repeatable) → eliminated (the risk-elimination procedure), or closed when the verification
or the procedure finds no risk.
Every step writes an `AlertEvent` and an audit entry in the same transaction (the raising is
the scan's: the alert row and its scan are that step, and the scan's audit entry); nothing is
deleted. Overdue alerts escalate, set-based, to the next tier (`escalate_overdue`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Q

from jingzhun import policy
from jingzhun.accounts.roles import role_of
from jingzhun.assessments import facts
from jingzhun.audit import services as audit
from jingzhun.core import scoping
from jingzhun.policy.members import years_before
from jingzhun.registry.models import Household, Member

from . import clock
from .apps import lock_for_writing
from .models import Alert, AlertEvent, RiskEvent
from .procedures import ELIMINATION, IDENTIFICATION
from .rules import Figures
from .scan import monitoring_pack
from .vocab import NEXT_TIER

# 劳动年龄: the registry's working-age band (both sexes); a household with nobody of this age
# able to work is not marked risk-eliminated (POLICY.md), it stays under social protection.
WORKING_LABOUR = ("ordinary", "skilled", "weak")
VERIFIERS = ("cadre", "village_officer", "township_officer", "county_admin")

# Who may decide at each tier: the role bound to that level of region.
DECIDER_ROLE = {
    "village": "village_officer",
    "township": "township_officer",
    "county": "county_admin",
}


def _actor(by) -> str:
    return getattr(by, "username", "") or "system"


def _step(alert: Alert, *, by, step: str, params: dict[str, Any], note: str = "") -> AlertEvent:
    """The timeline row and the audit entry of one step, in the caller's transaction."""
    event = AlertEvent.objects.create(
        alert=alert,
        step=step,
        at=clock.now(),
        by=by if getattr(by, "pk", None) else None,
        actor=_actor(by),
        params=audit._jsonable(params),
        note=note,
    )
    audit.record(
        by=by,
        action=f"monitoring.alert.{step}",
        object_type="monitoring.Alert",
        object_id=alert.pk,
        household_no=alert.household.household_no,
        region_code=alert.household.village_id,
        after={"status": alert.status, "tier": alert.tier, **params, "note": note},
    )
    return event


def _locked(alert: Alert) -> Alert:
    """The alert re-read under a row lock, so two officers cannot take the same step twice."""
    return Alert.objects.select_for_update().select_related("household").get(pk=alert.pk)


def _expect(alert: Alert, *statuses: str) -> None:
    if alert.status not in statuses:
        raise ValidationError(
            {
                "status": [
                    f"预警当前为“{alert.get_status_display()}”，不能进行此操作 "
                    f"(the alert is {alert.status}; expected {' or '.join(statuses)})"
                ]
            }
        )


def _require_role(user, roles: tuple[str, ...], what: str) -> None:
    role = role_of(user)
    if role is None or role.key not in roles:
        raise PermissionDenied(f"{what}: {', '.join(roles)}")


def _require_scope(user, alert: Alert) -> None:
    if not scoping.visible(user, Alert.objects.filter(pk=alert.pk)).exists():
        raise PermissionDenied


# --- risk events ----------------------------------------------------------------------------


@transaction.atomic
def risk_event_record(
    *,
    by,
    household: Household,
    kind: str,
    date: dt.date,
    source: str = "cadre",
    amount_fen: int | None = None,
    note: str = "",
    member: Member | None = None,
) -> RiskEvent:
    """A risk a cadre found or a household reported. The next scan raises its alert."""
    if member is not None:
        # The member is read again under the writers' lock (apps.py): removed meanwhile, it
        # is refused; removed later, the removal waits for this entry and clears its member.
        with connection.cursor() as cursor:
            lock_for_writing(cursor)
        if not Member.objects.filter(pk=member.pk, household_id=household.pk).exists():
            raise ValidationError({"member": ["该成员不在本户 (not a member of this household)"]})
    event = RiskEvent(
        household=household,
        member=member,
        id_number=member.id_number if member else "",
        kind=kind,
        source=source,
        date=date,
        amount_fen=amount_fen,
        note=note,
        entered_by=by if getattr(by, "pk", None) else None,
    )
    if date > clock.today():
        raise ValidationError({"date": ["日期不能晚于今天 (the date is in the future)"]})
    event.full_clean()
    event.save()
    audit.record(
        by=by,
        action="monitoring.risk_event",
        object_type="monitoring.RiskEvent",
        object_id=event.pk,
        household_no=household.household_no,
        region_code=household.village_id,
        after={
            "kind": kind,
            "source": source,
            "date": date,
            "amount_fen": amount_fen,
            "member": member.pk if member else None,
            "note": note,
        },
    )
    return event


# --- the life cycle -------------------------------------------------------------------------


@transaction.atomic
def alert_verify(
    *, by, alert: Alert, visited_on: dt.date, found: str, risk_confirmed: bool
) -> Alert:
    """The verification visit (入户核实). The decision is due by the alert's decide_by."""
    _require_scope(by, alert)
    _require_role(by, VERIFIERS, "入户核实")
    alert = _locked(alert)
    _expect(alert, "raised")
    if not found.strip():
        raise ValidationError({"found": ["请填写核实情况 (what the visit found is required)"]})
    if visited_on > clock.today() or visited_on < alert.raised_on:
        raise ValidationError(
            {"visited_on": ["核实日期须在预警日期与今天之间 (between the alert and today)"]}
        )
    alert.status = "verified"
    alert.due_on = alert.decide_by
    alert.version = F("version") + 1
    alert.save(update_fields=["status", "due_on", "version"])
    alert.refresh_from_db()
    _step(
        alert,
        by=by,
        step="verified",
        params={"visited_on": visited_on, "risk_confirmed": risk_confirmed},
        note=found,
    )
    role = role_of(by)
    if risk_confirmed and role is not None and role.key == "village_officer":
        alert = alert_submit(by=by, alert=alert, note=found)
    return alert


def _open_case(*, by, alert: Alert, kind: str, note: str):
    from jingzhun.procedures import services as procedures

    return procedures.case_open(
        by=by,
        kind=kind,
        household=alert.household,
        year=alert.year,
        params={"note": note or alert.reason, "alert": alert.pk},
        subject=f"monitoring.alert:{alert.pk}",
    )


def _open_identification(household: Household):
    from jingzhun.procedures.models import Case

    return Case.objects.filter(household=household, kind=IDENTIFICATION, status="open").first()


@transaction.atomic
def alert_submit(*, by, alert: Alert, note: str = "") -> Alert:
    """Put a verified alert before the identification procedure (监测对象认定: village review,
    village notice, township review, county decision — jingzhun.procedures). A household with
    an identification already open joins it: the decision is about the household."""
    _require_scope(by, alert)
    alert = _locked(alert)
    _expect(alert, "verified")
    if alert.identification_case_id is not None:
        raise ValidationError({"status": ["已提交认定 (already submitted)"]})
    case = _open_identification(alert.household) or _open_case(
        by=by, alert=alert, kind=IDENTIFICATION, note=note
    )
    alert.identification_case = case
    alert.version = F("version") + 1
    alert.save(update_fields=["identification_case", "version"])
    alert.refresh_from_db()
    _step(alert, by=by, step="submitted", params={"case": case.reference}, note=note)
    return alert


@transaction.atomic
def alert_close(*, by, alert: Alert, note: str) -> Alert:
    """The verification found no risk to monitor (核实无风险): closed, never deleted."""
    _require_scope(by, alert)
    alert = _locked(alert)
    _expect(alert, "raised", "verified")
    role = role_of(by)
    if role is None or role.key not in ("village_officer", "township_officer", "county_admin"):
        raise PermissionDenied("核实无风险须由村、乡镇或县经办人确认")
    if alert.identification_case_id is not None:
        raise ValidationError({"status": ["已提交认定，由认定程序决定 (the procedure decides)"]})
    if not note.strip():
        raise ValidationError({"note": ["请说明理由 (a reason is required)"]})
    alert.status, alert.closed_on, alert.due_on = "closed", clock.today(), None
    alert.version = F("version") + 1
    alert.save(update_fields=["status", "closed_on", "due_on", "version"])
    alert.refresh_from_db()
    _step(alert, by=by, step="closed", params={}, note=note)
    return alert


def _waiting(case, field: str, status: tuple[str, ...]):
    return (
        Alert.objects.select_for_update()
        .select_related("household")
        .filter(**{field: case}, status__in=status)
        .order_by("pk")
    )


def on_identification_decided(*, case, by) -> None:
    """The county identified the household: its waiting alerts are decided from today."""
    today = clock.today()
    for alert in _waiting(case, "identification_case", ("verified",)):
        alert.status, alert.identified_on, alert.due_on = "decided", today, None
        alert.version += 1
        alert.save(update_fields=["status", "identified_on", "due_on", "version"])
        _step(alert, by=by, step="decided", params={"case": case.reference})


def on_identification_closed(*, case, by) -> None:
    """Rejected or withdrawn: the alerts waiting on it close, and stay on record."""
    today = clock.today()
    for alert in _waiting(case, "identification_case", ("verified",)):
        alert.status, alert.closed_on, alert.due_on = "closed", today, None
        alert.version += 1
        alert.save(update_fields=["status", "closed_on", "due_on", "version"])
        _step(
            alert, by=by, step="closed", params={"case": case.reference, "case_status": case.status}
        )


def household_measures(household: Household):
    from jingzhun.assistance.models import Measure

    return Measure.objects.filter(plan__household=household).exclude(status="cancelled")


@transaction.atomic
def alert_measures(*, by, alert: Alert, note: str = "") -> Alert:
    """Assistance measures are in place (一户一策 in jingzhun.assistance): at least one."""
    _require_scope(by, alert)
    _require_role(by, VERIFIERS, "帮扶措施落实")
    alert = _locked(alert)
    _expect(alert, "decided")
    measures = list(household_measures(alert.household).values_list("pk", flat=True))
    if not measures:
        raise ValidationError(
            {"measures": ["该户一户一策中还没有帮扶措施 (the household's plan has no measure)"]}
        )
    alert.status = "measures"
    alert.version = F("version") + 1
    alert.save(update_fields=["status", "version"])
    alert.refresh_from_db()
    _step(alert, by=by, step="measures", params={"measures": measures}, note=note)
    return alert


@transaction.atomic
def alert_review(*, by, alert: Alert, note: str) -> Alert:
    """A periodic review visit (回访); may repeat."""
    _require_scope(by, alert)
    _require_role(by, VERIFIERS, "回访")
    alert = _locked(alert)
    _expect(alert, "measures", "reviewed")
    if not note.strip():
        raise ValidationError({"note": ["请填写回访情况 (what the review found is required)"]})
    alert.status = "reviewed"
    alert.version = F("version") + 1
    alert.save(update_fields=["status", "version"])
    alert.refresh_from_db()
    _step(alert, by=by, step="reviewed", params={"on": clock.today()}, note=note)
    return alert


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from `start` to `end` (the policy engine counts the same way)."""
    return (end.year - start.year) * 12 + end.month - start.month - (start.day > end.day)


def _working_age_labour(household: Household, on: dt.date, working_age: tuple[int, int]) -> bool:
    low, high = working_age
    return household.members.filter(
        birth_date__lte=years_before(on, low),
        birth_date__gt=years_before(on, high + 1),
        labour__in=WORKING_LABOUR,
    ).exists()


def elimination_check(alert: Alert, *, on: dt.date | None = None) -> dict[str, Any]:
    """Whether the risk may be marked eliminated, criterion by criterion (for the page too)."""
    on = on or clock.today()
    pack = monitoring_pack(alert.year, alert.policy)
    fig = Figures.of(pack)
    household = alert.household
    problems: list[str] = []
    if alert.identified_on is None:
        problems.append("尚未认定为监测对象 (not identified)")
        months = 0
    else:
        months = months_between(alert.identified_on, on)
        if months < fig.min_months:
            problems.append(
                f"纳入监测{months}个月，未满{fig.min_months}个月 "
                f"(monitored {months} months, at least {fig.min_months} required)"
            )
    year = household.incomes.order_by("-year").values_list("year", flat=True).first()
    criteria: list[dict[str, Any]] = []
    if year is None:
        problems.append("没有收入记录 (no income on record)")
    else:
        frames = facts.household_frames(
            prefix=household.village_id, year=year, household_ids=[household.pk]
        )
        frames["households"] = frames["households"].with_columns(
            pl.lit(alert.identified_on or on, dtype=pl.Date).alias("monitoring_since")
        )
        result = policy.assess(pack, "household", frames, on=on)
        entity = policy.entity_results(pack, "household", result)[0]
        for c in entity.criteria:
            criteria.append({"key": c.key, "label": c.label, "passed": c.passed, "value": c.value})
            if c.passed is not True and c.key != "months_monitored":
                state = "未达标" if c.passed is False else "未登记"
                problems.append(f"{c.label}{state} ({c.key}: {c.value or 'unknown'})")
    done = household_measures(household).filter(status="done").count()
    if done == 0:
        problems.append("尚无已完成的帮扶措施 (no measure carried out)")
    if not _working_age_labour(household, on, fig.working_age):
        low, high = fig.working_age
        problems.append(
            f"家庭无劳动年龄（{low}–{high}岁）内有劳动能力的成员，不标注风险消除 "
            f"(no working-age labour, {low}–{high})"
        )
    return {
        "ok": not problems,
        "problems": problems,
        "months": months,
        "min_months": fig.min_months,
        "income_year": year,
        "criteria": criteria,
        "measures_done": done,
    }


@transaction.atomic
def alert_request_elimination(*, by, alert: Alert, note: str = "") -> Alert:
    """Open the risk-elimination procedure (风险消除: home verification and application, village
    notice, county decision). Refused before the pack's minimum period or with any criterion
    unmet; the county's decision checks the same again."""
    _require_scope(by, alert)
    alert = _locked(alert)
    _expect(alert, "measures", "reviewed")
    if alert.elimination_case_id is not None:
        raise ValidationError({"status": ["风险消除程序办理中 (already requested)"]})
    check = elimination_check(alert)
    if not check["ok"]:
        raise ValidationError({"__all__": check["problems"]})
    case = _open_case(by=by, alert=alert, kind=ELIMINATION, note=note)
    alert.elimination_case = case
    alert.version = F("version") + 1
    alert.save(update_fields=["elimination_case", "version"])
    alert.refresh_from_db()
    _step(
        alert,
        by=by,
        step="elimination_requested",
        params={"case": case.reference, **_check_params(check)},
        note=note,
    )
    return alert


def _check_params(check: dict[str, Any]) -> dict[str, Any]:
    return {k: check[k] for k in ("months", "min_months", "income_year", "measures_done")}


def elimination_assessment(*, case) -> dict[str, Any] | None:
    """The criteria at the county's decision, frozen into the case; unmet refuses it."""
    alert = Alert.objects.select_related("household").filter(elimination_case=case).first()
    if alert is None:
        return None
    check = elimination_check(alert)
    return {
        "passed": check["ok"],
        "criteria": [{"label": p, "passed": False} for p in check["problems"]]
        or [{"label": c["label"], "passed": c["passed"]} for c in check["criteria"]],
        **_check_params(check),
    }


def on_elimination_decided(*, case, by) -> None:
    today = clock.today()
    for alert in _waiting(case, "elimination_case", ("measures", "reviewed")):
        alert.status, alert.closed_on = "eliminated", today
        alert.version += 1
        alert.save(update_fields=["status", "closed_on", "version"])
        _step(alert, by=by, step="eliminated", params={"case": case.reference})


def on_elimination_closed(*, case, by) -> None:
    """Rejected or withdrawn: monitoring goes on; a later request may open a new case."""
    for alert in _waiting(case, "elimination_case", ("measures", "reviewed")):
        alert.elimination_case = None
        alert.version += 1
        alert.save(update_fields=["elimination_case", "version"])
        _step(
            alert,
            by=by,
            step="elimination_refused",
            params={"case": case.reference, "case_status": case.status},
        )


# --- escalation -----------------------------------------------------------------------------

_CHUNK = 500


def _overdue_q(today: dt.date) -> Q:
    return Q(status__in=("raised", "verified"), due_on__lt=today) & ~Q(tier="county")


@transaction.atomic
def escalate_overdue(*, by=None, region_code: str = "") -> int:
    """Move every overdue alert (not verified, or not decided, in time) up one tier, with a
    fresh period of the pack's verify days for the new tier. Idempotent: an alert escalated
    today is not due again today. Returns how many were escalated."""
    today = clock.today()
    overdue = Alert.objects.filter(_overdue_q(today))
    if region_code:
        overdue = overdue.filter(household__village__code__startswith=region_code)
    ids_by_policy: dict[str, list[int]] = {}
    for pk, policy_id in overdue.select_for_update().values_list("pk", "policy"):
        ids_by_policy.setdefault(policy_id, []).append(pk)
    total = 0
    at = connection.ops.adapt_datetimefield_value(clock.now())
    for policy_id, ids in ids_by_policy.items():
        fig = Figures.of(monitoring_pack(0, policy_id))
        due = today + dt.timedelta(days=fig.verify_days)
        for start in range(0, len(ids), _CHUNK):
            part = ids[start : start + _CHUNK]
            marks = ", ".join(["%s"] * len(part))
            with connection.cursor() as cursor:
                # The timeline rows first, while tier and region still say where it came from.
                cursor.execute(
                    f"""
                    INSERT INTO monitoring_alertevent (alert_id, step, at, by_id, actor, params, note)
                    SELECT id, 'escalated', %s, %s, %s, {_escalation_params()}, ''
                    FROM monitoring_alert WHERE id IN ({marks})
                    """,
                    [at, getattr(by, "pk", None), _actor(by), due, *part],
                )
                cursor.execute(
                    f"""
                    UPDATE monitoring_alert SET
                        tier = CASE tier WHEN 'village' THEN 'township' ELSE 'county' END,
                        region_id = CASE tier WHEN 'village' THEN SUBSTR(region_id, 1, 9) || '000'
                                    ELSE SUBSTR(region_id, 1, 6) || '000000' END,
                        escalations = escalations + 1, due_on = %s, version = version + 1
                    WHERE id IN ({marks})
                    """,
                    [due, *part],
                )
            total += len(part)
    if total:
        audit.record(
            by=by,
            action="monitoring.escalate",
            object_type="monitoring.Alert",
            object_id="",
            region_code=region_code,
            after={
                "on": today,
                "escalated": total,
                "alerts": sorted(i for ids in ids_by_policy.values() for i in ids)[:1000],
            },
        )
    return total


def _escalation_params() -> str:
    """{"from", "to", "due_on"} of each row, built in SQL from the row's own tier."""
    to = (
        f"CASE tier WHEN 'village' THEN '{NEXT_TIER['village']}' ELSE '{NEXT_TIER['township']}' END"
    )
    if connection.vendor == "postgresql":
        return f"json_build_object('from', tier, 'to', {to}, 'due_on', %s::date)::jsonb"
    return f"json_object('from', tier, 'to', {to}, 'due_on', %s)"
