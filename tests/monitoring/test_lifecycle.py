from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jingzhun.assistance.models import Measure, Plan
from jingzhun.audit.models import AuditEntry
from jingzhun.monitoring import selectors, services
from jingzhun.monitoring.models import Alert, AlertEvent, RiskEvent
from jingzhun.monitoring.scan import scan
from tests.conftest import COUNTY_A
from tests.factories import IncomeFactory
from tests.monitoring.conftest import YEAR, exited

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(places, personas, clock):
    household = exited(places["A1a"], members=2, net=3_000_000, prev=3_000_000)
    RiskEvent.objects.create(
        household=household, kind="serious_illness", source="medical", date=dt.date(YEAR, 6, 1)
    )
    scan(region_code=COUNTY_A, year=YEAR)
    return Alert.objects.get(household=household)


def identified(alert, personas, walk):
    alert = services.alert_verify(
        by=personas["village_officer"],
        alert=alert,
        visited_on=alert.raised_on,
        found="住院治疗，自付8万元",
        risk_confirmed=True,
    )
    assert alert.identification_case.kind == "monitoring_identification"
    walk(alert.identification_case)
    alert.refresh_from_db()
    return alert


def eliminated(alert, personas, walk):
    alert = services.alert_request_elimination(by=personas["village_officer"], alert=alert)
    walk(alert.elimination_case)
    alert.refresh_from_db()
    return alert


def with_done_measure(alert):
    plan = Plan.objects.create(household=alert.household)
    Measure.objects.create(
        plan=plan,
        batch="social_security",
        kind="health",
        description="大病救助",
        start=alert.raised_on,
        status="done",
        done_on=alert.raised_on,
    )


def test_an_alert_goes_through_every_step_and_each_leaves_an_event_and_an_audit_entry(
    alert, personas, clock, walk
):
    alert = identified(alert, personas, walk)
    assert alert.status == "decided" and alert.identified_on == dt.date(2024, 3, 9)
    assert alert.identification_case.status == "decided"
    with_done_measure(alert)
    alert = services.alert_measures(by=personas["village_officer"], alert=alert)
    alert = services.alert_review(by=personas["village_officer"], alert=alert, note="已报销")
    clock.advance(days=190)
    income_above_threshold(alert.household)
    alert = eliminated(alert, personas, walk)
    assert alert.status == "eliminated" and alert.closed_on == dt.date(2024, 9, 23)
    assert alert.elimination_case.assessment["passed"] is True
    steps = [e.step for e in selectors.alert_timeline(alert=alert)]
    assert steps == [
        "raised",
        "verified",
        "submitted",
        "decided",
        "measures",
        "reviewed",
        "elimination_requested",
        "eliminated",
    ]
    actions = AuditEntry.objects.filter(object_type="monitoring.Alert", object_id=str(alert.pk))
    assert actions.count() == 7  # "raised" is in the scan's one entry


def income_above_threshold(household):
    IncomeFactory(
        household=household,
        year=YEAR + 1,
        wage_fen=3_000_000,
        production_fen=0,
        transfer_fen=0,
        production_cost_fen=0,
    )


def test_risk_elimination_is_refused_before_the_minimum_period(alert, personas, clock, walk):
    alert = identified(alert, personas, walk)
    with_done_measure(alert)
    alert = services.alert_measures(by=personas["village_officer"], alert=alert)
    clock.advance(days=150)  # five months after the identification
    income_above_threshold(alert.household)
    with pytest.raises(ValidationError) as refused:
        services.alert_request_elimination(by=personas["village_officer"], alert=alert)
    assert any("未满6个月" in m for m in refused.value.messages)
    alert.refresh_from_db()
    assert alert.status == "measures" and alert.elimination_case is None


def test_the_county_cannot_approve_elimination_once_a_criterion_fails_again(
    alert, personas, clock, walk
):
    alert = identified(alert, personas, walk)
    with_done_measure(alert)
    alert = services.alert_measures(by=personas["village_officer"], alert=alert)
    clock.advance(days=200)
    income_above_threshold(alert.household)
    alert = services.alert_request_elimination(by=personas["village_officer"], alert=alert)
    case = walk(alert.elimination_case, until="county_approval")
    alert.household.members.update(medical_insurance=False)  # found at the county's check
    with pytest.raises(ValidationError):
        walk(case)
    alert.refresh_from_db()
    assert alert.status == "measures"


def test_risk_elimination_is_refused_without_a_measure_carried_out(alert, personas, clock, walk):
    alert = identified(alert, personas, walk)
    with_done_measure(alert)
    Measure.objects.update(status="in_progress", done_on=None)
    alert = services.alert_measures(by=personas["village_officer"], alert=alert)
    clock.advance(days=200)
    income_above_threshold(alert.household)
    with pytest.raises(ValidationError) as refused:
        services.alert_request_elimination(by=personas["village_officer"], alert=alert)
    assert any("no measure carried out" in m for m in refused.value.messages)


def test_a_household_without_working_age_labour_is_not_marked_eliminated(
    alert, personas, clock, walk
):
    alert = identified(alert, personas, walk)
    with_done_measure(alert)
    alert.household.members.update(labour="none")
    alert = services.alert_measures(by=personas["village_officer"], alert=alert)
    clock.advance(days=200)
    income_above_threshold(alert.household)
    with pytest.raises(ValidationError) as refused:
        services.alert_request_elimination(by=personas["village_officer"], alert=alert)
    assert any("no working-age labour" in m for m in refused.value.messages)


def test_income_at_or_below_the_threshold_blocks_risk_elimination(alert, personas, clock, walk):
    alert = identified(alert, personas, walk)
    with_done_measure(alert)
    alert = services.alert_measures(by=personas["village_officer"], alert=alert)
    clock.advance(days=200)
    IncomeFactory(
        household=alert.household,
        year=YEAR + 1,
        wage_fen=2 * 600_000,  # exactly the threshold per person: not "stably above"
        production_fen=0,
        transfer_fen=0,
        production_cost_fen=0,
    )
    with pytest.raises(ValidationError) as refused:
        services.alert_request_elimination(by=personas["village_officer"], alert=alert)
    assert any("income" in m for m in refused.value.messages)


def test_a_rejection_in_the_procedure_closes_the_alert_and_keeps_the_record(
    alert, personas, clock, walk
):
    alert = services.alert_verify(
        by=personas["village_officer"],
        alert=alert,
        visited_on=alert.raised_on,
        found="住院",
        risk_confirmed=True,
    )
    walk(alert.identification_case, decision={"approved": False, "opinion": "已有商业保险"})
    alert.refresh_from_db()
    assert alert.status == "closed" and alert.closed_on == dt.date(2024, 3, 9)
    assert AlertEvent.objects.filter(alert=alert, step="closed").exists()


def test_a_cadres_visit_leaves_the_submission_to_the_village(households, personas, clock):
    household = households["A1a"]  # the cadre's paired household
    household.status, household.exit_year = "exited", 2019
    household.save()
    RiskEvent.objects.create(
        household=household, kind="accident", source="cadre", date=dt.date(YEAR, 8, 1)
    )
    scan(region_code=COUNTY_A, year=YEAR)
    alert = services.alert_verify(
        by=personas["cadre"],
        alert=Alert.objects.get(household=household),
        visited_on=dt.date(2024, 3, 1),
        found="属实",
        risk_confirmed=True,
    )
    assert alert.status == "verified" and alert.identification_case is None
    alert = services.alert_submit(by=personas["village_officer"], alert=alert)
    assert alert.identification_case is not None


def test_a_verification_that_finds_no_risk_is_closed_by_the_village(alert, personas):
    alert = services.alert_verify(
        by=personas["village_officer"],
        alert=alert,
        visited_on=alert.raised_on,
        found="已由商业保险报销",
        risk_confirmed=False,
    )
    with pytest.raises(ValidationError):
        services.alert_close(by=personas["village_officer"], alert=alert, note="")
    alert = services.alert_close(by=personas["village_officer"], alert=alert, note="无返贫风险")
    assert alert.status == "closed"
    assert Alert.objects.filter(pk=alert.pk).exists()


def test_an_outsider_cannot_touch_the_alert(alert, personas):
    with pytest.raises(PermissionDenied):
        services.alert_verify(
            by=personas["outsider"],
            alert=alert,
            visited_on=alert.raised_on,
            found="x",
            risk_confirmed=True,
        )


def test_overdue_alerts_escalate_one_tier_at_a_time_and_a_rerun_changes_nothing(
    alert, personas, clock
):
    clock.advance(days=15)
    assert services.escalate_overdue() == 0  # due today, not yet overdue
    clock.advance(days=1)
    assert services.escalate_overdue() == 1
    assert services.escalate_overdue() == 0
    alert.refresh_from_db()
    assert (alert.tier, alert.region_id, alert.escalations) == ("township", "512021001000", 1)
    assert alert.due_on == dt.date(2024, 4, 1)
    clock.advance(days=16)
    assert services.escalate_overdue() == 1
    alert.refresh_from_db()
    assert (alert.tier, alert.region_id) == ("county", "512021000000")
    clock.advance(days=60)
    assert services.escalate_overdue() == 0  # the county is the top
    events = AlertEvent.objects.filter(alert=alert, step="escalated").order_by("id")
    assert [(e.params["from"], e.params["to"]) for e in events] == [
        ("village", "township"),
        ("township", "county"),
    ]
    assert AuditEntry.objects.filter(action="monitoring.escalate").count() == 2


def test_a_verified_alert_escalates_when_the_decision_is_late(alert, personas, clock):
    services.alert_verify(
        by=personas["village_officer"],
        alert=alert,
        visited_on=alert.raised_on,
        found="属实",
        risk_confirmed=True,
    )
    clock.advance(days=30)
    assert services.escalate_overdue() == 0
    clock.advance(days=1)
    assert services.escalate_overdue() == 1


def test_a_cadre_records_a_risk_event_for_a_paired_household(households, personas, clock):
    event = services.risk_event_record(
        by=personas["cadre"],
        household=households["A1a"],
        kind="accident",
        date=dt.date(2024, 2, 1),
        amount_fen=1_000_000,
    )
    assert event.source == "cadre" and event.entered_by == personas["cadre"]
    assert AuditEntry.objects.filter(action="monitoring.risk_event").count() == 1


@pytest.mark.parametrize(("age", "counted"), [(15, False), (16, True), (60, True), (61, False)])
def test_the_packs_working_age_band_decides_who_counts_as_labour_inclusively(
    alert, personas, clock, walk, age, counted
):
    from jingzhun.policy.members import years_before
    from jingzhun.registry.models import Member

    alert = identified(alert, personas, walk)
    with_done_measure(alert)
    alert = services.alert_measures(by=personas["village_officer"], alert=alert)
    clock.advance(days=200)
    income_above_threshold(alert.household)
    day = clock.now().date()
    alert.household.members.update(labour="none")
    worker = alert.household.members.order_by("pk").first()
    # Born `age` years ago today: `age` on the day judged (cn-monitoring-2023: 16–60).
    Member.objects.filter(pk=worker.pk).update(labour="ordinary", birth_date=years_before(day, age))
    problems = services.elimination_check(alert, on=day)["problems"]
    assert any("no working-age labour, 16–60" in p for p in problems) is not counted
