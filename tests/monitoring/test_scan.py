from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction

from jingzhun.audit.models import AuditEntry
from jingzhun.monitoring import scan as scan_module
from jingzhun.monitoring import selectors
from jingzhun.monitoring.models import Alert, AlertEvent, Classification, RiskEvent
from jingzhun.monitoring.scan import ScanError, scan
from jingzhun.regions import codes
from tests.conftest import COUNTY_A, COUNTY_B
from tests.monitoring.conftest import (
    LINE,
    THRESHOLD,
    YEAR,
    exited,
    one_waits_for_another,
    postgresql_only,
)

pytestmark = pytest.mark.django_db


def rules_of(household) -> set[str]:
    return set(Alert.objects.filter(household=household).values_list("rule", flat=True))


def run():
    return scan(region_code=COUNTY_A, year=YEAR)


def test_income_exactly_at_the_line_per_person_raises_a_red_alert(places, clock):
    at = exited(places["A1a"], members=2, net=2 * LINE)
    above = exited(places["A1a"], members=2, net=2 * LINE + 1)
    run()
    alert = Alert.objects.get(household=at, rule="income_below_line")
    assert alert.level == "red"
    assert "4000.00" in alert.reason and "cn-monitoring-2023" in alert.reason
    assert alert.reason_en == (
        "income at or below the line (4000.00 yuan per person a year), cn-monitoring-2023"
    )
    assert alert.data == {"net_fen": 2 * LINE, "members": 2, "prev_net_fen": None}
    assert "income_below_line" not in rules_of(above)
    assert "income_below_threshold" in rules_of(above)


def test_income_at_the_threshold_is_monitored_and_one_fen_above_is_not(places, clock):
    at = exited(places["A1a"], members=3, net=3 * THRESHOLD)
    above = exited(places["A1a"], members=3, net=3 * THRESHOLD + 1)
    run()
    assert rules_of(at) == {"income_below_threshold"}
    assert rules_of(above) == set()
    assert Classification.objects.get(household=at, year=YEAR).category == "unstable_exited"
    assert not Classification.objects.filter(household=above, category__gt="").exists()


def test_an_income_drop_fires_only_above_the_share(places, clock):
    # Share 0.5: a fall of exactly half does not fire, a fen more does.
    half = exited(places["A1a"], members=1, net=1_000_000, prev=2_000_000)
    more = exited(places["A1a"], members=1, net=999_999, prev=2_000_000)
    run()
    assert "income_drop" not in rules_of(half)
    assert "income_drop" in rules_of(more)
    assert Alert.objects.get(household=more, rule="income_drop").level == "orange"


def test_rigid_expenses_fire_above_last_years_income(places, clock):
    equal = exited(places["A1a"], members=1, net=1_000_000, prev=800_000)
    over = exited(places["A1a"], members=1, net=1_000_000, prev=800_000)
    for household, medical in ((equal, 500_000), (over, 500_001)):
        income = household.incomes.get(year=YEAR)
        income.medical_expense_fen = medical
        income.education_expense_fen = 300_000
        income.save()
    run()
    assert "rigid_expense" not in rules_of(equal)
    assert "rigid_expense" in rules_of(over)
    # Above the threshold, the expense makes it a sudden-hardship household.
    assert Classification.objects.get(household=over, year=YEAR).category == "sudden_hardship"


def test_a_risk_event_of_the_year_raises_an_alert_of_its_level_and_is_linked(places, clock):
    household = exited(places["A1a"], members=2, net=2_000_000)
    event = RiskEvent.objects.create(
        household=household, kind="serious_illness", source="medical", date=dt.date(YEAR, 5, 1)
    )
    last_year = RiskEvent.objects.create(
        household=household, kind="accident", source="cadre", date=dt.date(YEAR - 1, 5, 1)
    )
    run()
    alert = Alert.objects.get(household=household)
    assert (alert.rule, alert.level) == ("event:serious_illness", "red")
    event.refresh_from_db()
    last_year.refresh_from_db()
    assert event.alert == alert and last_year.alert is None


def test_the_alert_is_owned_by_the_paired_cadre_with_the_packs_deadlines(
    places, households, personas, clock
):
    household = households["A1a"]  # paired with the cadre persona
    household.status, household.exit_year = "exited", 2019
    household.save()
    RiskEvent.objects.create(
        household=household, kind="death", source="civil_affairs", date=dt.date(YEAR, 2, 1)
    )
    scan(region_code=COUNTY_A, year=YEAR, on=dt.date(2024, 3, 1))
    alert = Alert.objects.get(household=household)
    assert alert.owner_cadre.user == personas["cadre"]
    assert alert.region_id == household.village_id and alert.tier == "village"
    assert alert.verify_by == dt.date(2024, 3, 16)
    assert alert.decide_by == dt.date(2024, 3, 31)
    assert alert.due_on == alert.verify_by


def test_a_second_scan_raises_nothing_new(places, clock):
    exited(places["A1a"], members=2, net=2 * LINE)
    exited(places["A1b"], members=1, net=THRESHOLD)
    first = run().scan
    second = run().scan
    assert first.raised == 2 and second.raised == 0
    assert Alert.objects.count() == 2
    # The alert row and its scan are the "raised" step: no timeline row is stored for it.
    assert not AlertEvent.objects.exists()
    for alert in Alert.objects.select_related("scan"):
        (step,) = selectors.alert_timeline(alert=alert)
        assert (step.step, step.params) == ("raised", {"scan": first.pk, "policy": alert.policy})
        assert (step.at, step.actor, step.note) == (first.started_at, "system", alert.reason)
    assert Classification.objects.filter(year=YEAR).count() == 2
    assert AuditEntry.objects.filter(action="monitoring.scan").count() == 2


def test_an_alert_with_its_raised_row_stored_shows_it_once(places, clock):
    # Alerts raised before migration 0005 have their "raised" step as a timeline row.
    exited(places["A1a"], members=2, net=2 * LINE)
    run()
    alert = Alert.objects.get()
    AlertEvent.objects.create(
        alert=alert, step="raised", at=clock.now(), actor="system", note=alert.reason
    )
    steps = selectors.alert_timeline(alert=alert)
    assert [e.step for e in steps] == ["raised"] and isinstance(steps[0], AlertEvent)


def test_a_household_that_recovered_loses_its_class_but_keeps_its_alert(places, clock):
    household = exited(places["A1a"], members=1, net=THRESHOLD)
    run()
    income = household.incomes.get(year=YEAR)
    income.wage_fen = THRESHOLD * 2
    income.save()
    run()
    assert not Classification.objects.filter(household=household, category__gt="").exists()
    assert Alert.objects.filter(household=household, status="raised").count() == 1


def test_exited_households_are_banded_by_the_city_multiples(places, clock):
    marginal = exited(places["A1a"], members=1, net=LINE * 12 // 10)
    key = exited(places["A1a"], members=1, net=LINE * 12 // 10 + 1)
    run()
    assert Classification.objects.get(household=marginal).band == "marginal"
    assert Classification.objects.get(household=key).band == "key"


def test_the_scan_stays_inside_its_region(places, clock):
    exited(places["B"], members=1, net=LINE)
    assert run().scan.raised == 0


def test_a_year_without_a_monitoring_pack_is_a_usage_error(places, clock):
    with pytest.raises(ScanError):
        scan(region_code=COUNTY_A, year=2019)


def test_a_class_lists_every_rule_that_fired_in_order(places, clock):
    household = exited(places["A1a"], members=1, net=THRESHOLD, prev=THRESHOLD * 3)
    income = household.incomes.get(year=YEAR)
    income.medical_expense_fen = THRESHOLD * 4
    income.save()
    for kind, source in (("unsafe_house", "housing"), ("death", "civil_affairs")):
        RiskEvent.objects.create(
            household=household, kind=kind, source=source, date=dt.date(YEAR, 6, 1)
        )
    first = run().scan
    fired = [
        "event:death",
        "event:unsafe_house",
        "income_below_threshold",
        "income_drop",
        "rigid_expense",
    ]
    assert Classification.objects.get(household=household, year=YEAR).rules == fired
    assert rules_of(household) == set(fired)
    death = Alert.objects.get(household=household, rule="event:death")
    assert death.data == {"events": 1, "first": f"{YEAR}-06-01", "amount_fen": None}
    drop = Alert.objects.get(household=household, rule="income_drop")
    assert drop.data == {"net_fen": THRESHOLD, "members": 1, "prev_net_fen": THRESHOLD * 3}
    assert run().scan.raised == 0
    # Nothing changed: the class is the first scan's row, not rewritten by the second.
    assert Classification.objects.get(household=household, year=YEAR).scan == first


def test_the_scan_counts_every_candidate_even_those_nothing_applies_to(places, clock):
    exited(places["A1a"], members=2, net=2 * LINE)
    exited(places["A1a"], members=2, net=20 * THRESHOLD, prev=20 * THRESHOLD)
    exited(places["A1b"], members=1)  # no income on record
    outcome = run().scan
    assert (outcome.households, outcome.classified, outcome.raised) == (3, 1, 1)


def test_the_scan_references_of_classes_and_alerts_name_the_scan_and_follow_its_deletion(
    places, clock
):
    # No database constraint (docs/decisions.md §14): the scan names its own row, and
    # Django's SET_NULL still clears the references if a scan is deleted through the ORM.
    exited(places["A1a"], members=2, net=2 * LINE)
    record = run().scan
    assert set(Alert.objects.values_list("scan_id", flat=True)) == {record.pk}
    assert set(Classification.objects.values_list("scan_id", flat=True)) == {record.pk}
    record.delete()
    assert set(Alert.objects.values_list("scan_id", flat=True)) == {None}
    assert set(Classification.objects.values_list("scan_id", flat=True)) == {None}


def test_a_class_that_changed_is_rewritten_in_place_by_the_next_scan(places, clock):
    household = exited(places["A1a"], members=1, net=THRESHOLD)
    first = run().scan
    income = household.incomes.get(year=YEAR)
    income.wage_fen = LINE
    income.save()
    second = run().scan
    (stored,) = Classification.objects.filter(household=household, year=YEAR)
    assert (stored.per_capita_fen, stored.rules, stored.scan) == (
        LINE,
        ["income_below_line"],
        second,
    )
    assert second.raised == 1 and first.raised == 1  # the line's alert is new


def stored_outcome() -> tuple[list, list]:
    classes = Classification.objects.order_by("household_id").values_list(
        "household_id", "category", "band", "per_capita_fen", "rules"
    )
    alerts = Alert.objects.order_by("household_id", "rule").values_list(
        "household_id", "rule", "level", "data", "region_id"
    )
    return list(classes), list(alerts)


@postgresql_only("SQLite reads the facts in one piece")
def test_a_region_read_in_pieces_classes_and_alerts_as_one_read_does(places, clock, monkeypatch):
    households = [
        exited(places["A1a"], members=2, net=2 * LINE),
        exited(places["A1b"], members=1, net=THRESHOLD, prev=THRESHOLD * 3),
        exited(places["A1a"], members=3, net=30 * THRESHOLD),
        exited(places["A1b"], members=1),
        exited(places["A1a"], members=2, net=LINE * 2 * 12 // 10),
    ]
    RiskEvent.objects.create(
        household=households[2], kind="death", source="civil_affairs", date=dt.date(YEAR, 6, 1)
    )
    whole = run().scan
    expected = stored_outcome()
    Alert.objects.all().delete()
    Classification.objects.all().delete()
    RiskEvent.objects.update(alert=None)

    monkeypatch.setattr(scan_module, "PARALLEL_AT_LEAST", 1)
    monkeypatch.setattr(scan_module, "PIECES", 3)
    with connection.cursor() as cursor:
        found = scan_module.candidates(cursor, codes.prefix(COUNTY_A))
    ids = sorted(h.pk for h in households)
    assert found.count == 5 and len(found.pieces) == 3
    assert found.pieces[0][0] == ids[0] and found.pieces[-1][1] == ids[-1]
    assert all(a[1] + 1 == b[0] for a, b in zip(found.pieces, found.pieces[1:], strict=False))
    pieces = run().scan
    assert (pieces.households, pieces.classified, pieces.raised) == (
        whole.households,
        whole.classified,
        whole.raised,
    )
    assert stored_outcome() == expected


def test_a_household_moved_in_with_a_class_of_the_year_is_reclassed_in_place(places, clock):
    # Its class of the year was stored by the scan of the county it came from: the next
    # scan of its new county rewrites that row (the one class per household and year).
    moved = exited(places["B"], members=1, net=THRESHOLD)
    scan(region_code=COUNTY_B, year=YEAR)
    stayed = exited(places["A1a"], members=1, net=THRESHOLD)
    moved.village = places["A1a"]
    moved.save()
    income = moved.incomes.get(year=YEAR)
    income.wage_fen = LINE
    income.save()
    second = run().scan
    assert second.classified == 2
    (stored,) = Classification.objects.filter(household=moved, year=YEAR)
    assert (stored.rules, stored.scan) == (["income_below_line"], second)
    assert Classification.objects.get(household=stayed, year=YEAR).scan == second


@postgresql_only("SQLite runs one writing transaction at a time")
def test_a_scan_keeps_other_scans_out_until_it_ends(places, clock):
    # SHARE ROW EXCLUSIVE conflicts with itself: a second scan waits for this one to commit
    # and then sees its classes and alerts, so neither insert needs ON CONFLICT.
    exited(places["A1a"], members=2, net=2 * LINE)
    with transaction.atomic(), connection.cursor() as cursor:
        run()
        cursor.execute(
            "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
            " WHERE l.pid = pg_backend_pid() AND c.relname LIKE 'monitoring_%%'"
        )
        held = set(cursor.fetchall())
    assert ("monitoring_classification", "ShareRowExclusiveLock") in held
    assert ("monitoring_alert", "RowExclusiveLock") in held


@postgresql_only("SQLite runs one writing transaction at a time")
@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_raise_each_alert_once(places, clock):
    # The second scan starts while the first holds its lock: it waits for the commit, then
    # finds the first one's classes and alerts and raises nothing (decision 17).
    exited(places["A1a"], members=2, net=2 * LINE)
    exited(places["A1b"], members=1, net=THRESHOLD)
    raised, blocked = one_waits_for_another(
        lambda: run().scan.raised, lock_on="monitoring_classification"
    )
    assert blocked, "the second scan did not wait for the first"
    assert raised == [2, 0]
    assert Alert.objects.count() == 2
    assert Classification.objects.filter(year=YEAR).count() == 2
