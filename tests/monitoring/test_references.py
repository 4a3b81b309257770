"""The references of classes and alerts, checked per statement on PostgreSQL
(jingzhun.core.references, docs/decisions.md §16), hold what the foreign keys held."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from jingzhun.core import references
from jingzhun.monitoring.models import Alert, Classification, RiskEvent
from jingzhun.registry.models import Household
from tests.conftest import COUNTY_A
from tests.monitoring.conftest import LINE, YEAR, exited, postgresql_only

pytestmark = pytest.mark.django_db

by_trigger = postgresql_only("SQLite keeps Django's foreign-key constraints")

REFERENCES = [
    (Classification, "household"),
    (Alert, "household"),
    (Alert, "region"),
    (Alert, "owner_cadre"),
    (Alert, "identification_case"),
    (Alert, "elimination_case"),
    (RiskEvent, "household"),
    (RiskEvent, "alert"),
]


def scanned(places):
    """A household with a class and an alert of YEAR."""
    from jingzhun.monitoring.scan import scan

    household = exited(places["A1a"], members=2, net=2 * LINE)
    scan(region_code=COUNTY_A, year=YEAR)
    assert Alert.objects.filter(household=household).exists()
    assert Classification.objects.filter(household=household).exists()
    return household


def raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@by_trigger
@pytest.mark.parametrize(("model", "field"), REFERENCES)
def test_each_reference_has_its_four_triggers_and_no_constraint(model, field):
    ref = references.reference_of(model, field)
    with connection.cursor() as cursor:
        assert references.constraint_names(cursor, ref) == []
        assert references.installed(cursor, ref) == {
            f"{ref.name}_{suffix}" for suffix in references.TRIGGERS
        }


@by_trigger
def test_an_alert_naming_a_missing_household_is_refused(places, clock):
    alert = Alert.objects.get(household=scanned(places), rule="income_below_line")
    with pytest.raises(IntegrityError, match='is not present in table "registry_household"'):
        raw("UPDATE monitoring_alert SET household_id = %s WHERE id = %s", [10**9, alert.pk])
    with pytest.raises(IntegrityError, match="monitoring_alert_household_id"):
        raw(
            "INSERT INTO monitoring_alert (household_id, year, rule, level, reason, reason_en,"
            " data, policy, status, tier, region_id, raised_on, verify_by, decide_by,"
            " escalations, version) SELECT %s, year, 'other', level, reason, reason_en, data,"
            " policy, status, tier, region_id, raised_on, verify_by, decide_by, 0, 1"
            " FROM monitoring_alert WHERE id = %s",
            [10**9, alert.pk],
        )


@by_trigger
def test_an_alert_answered_by_a_missing_region_is_refused(places, clock):
    alert = Alert.objects.get(household=scanned(places), rule="income_below_line")
    with pytest.raises(IntegrityError, match='is not present in table "regions_region"'):
        raw("UPDATE monitoring_alert SET region_id = %s WHERE id = %s", ["999999999999", alert.pk])
    alert.refresh_from_db()
    assert alert.region_id == places["A1a"].code


@by_trigger
def test_many_alerts_at_once_with_one_missing_region_or_cadre_are_refused(places, clock):
    # The region's and the cadre's checks hash their parent (migration 0013): a statement of
    # several rows is refused by the one that names no parent.
    alert = Alert.objects.get(household=scanned(places), rule="income_below_line")
    copies = (
        "INSERT INTO monitoring_alert (household_id, year, rule, level, reason, reason_en, data,"
        " policy, status, tier, region_id, owner_cadre_id, raised_on, verify_by, decide_by,"
        " escalations, version) SELECT household_id, year, 'copy' || n, level, reason,"
        " reason_en, data, policy, status, tier, {region}, {cadre}, raised_on, verify_by,"
        " decide_by, 0, 1 FROM monitoring_alert, generate_series(1, 5) AS n WHERE id = %s"
    )
    missing_region = "CASE WHEN n = 3 THEN '999999999999' ELSE region_id END"
    missing_cadre = "CASE WHEN n = 3 THEN CAST(1000000000 AS bigint) END"
    for region, cadre, table in (
        (missing_region, "NULL", "regions_region"),
        ("region_id", missing_cadre, "assistance_cadre"),
    ):
        with pytest.raises(IntegrityError, match=f'is not present in table "{table}"'):
            raw(copies.format(region=region, cadre=cadre), [alert.pk])
    raw(copies.format(region="region_id", cadre="NULL"), [alert.pk])
    assert Alert.objects.filter(rule__startswith="copy").count() == 5


@by_trigger
def test_the_region_and_cadre_checks_hash_their_parent_and_the_household_check_probes_it():
    with connection.cursor() as cursor:
        for field, probes in (("region", False), ("owner_cadre", False), ("household", True)):
            ref = references.reference_of(Alert, field)
            cursor.execute("SELECT pg_get_functiondef(%s::regproc)", [f"{ref.name}_child"])
            assert ("LIMIT 1" in cursor.fetchone()[0]) is probes


@by_trigger
def test_a_class_naming_a_missing_household_is_refused(places, clock):
    household = scanned(places)
    with pytest.raises(IntegrityError, match="monitoring_classification_household_id"):
        raw(
            "UPDATE monitoring_classification SET household_id = %s WHERE household_id = %s",
            [10**9, household.pk],
        )


@by_trigger
def test_deleting_a_household_with_alerts_by_raw_sql_is_refused(places, clock):
    household = scanned(places)
    with pytest.raises(IntegrityError, match='is still referenced from table "monitoring_'):
        raw(
            "DELETE FROM registry_member WHERE household_id = %s;"
            " DELETE FROM registry_income WHERE household_id = %s;"
            " DELETE FROM registry_household WHERE id = %s",
            [household.pk, household.pk, household.pk],
        )
    assert Household.objects.filter(pk=household.pk).exists()


@by_trigger
def test_changing_a_referenced_household_id_is_refused(places, clock):
    household = scanned(places)
    with pytest.raises(IntegrityError, match="still referenced"):
        raw("UPDATE registry_household SET id = %s WHERE id = %s", [10**9, household.pk])


@by_trigger
def test_a_household_deletion_waits_for_writers_of_alerts_and_classes(places, clock):
    # The parent's trigger locks the children against writers before it looks for them: a
    # scan in progress (ROW EXCLUSIVE) is waited for, a new one waits.
    household = exited(places["A1b"], members=1, net=10 * LINE)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM registry_member WHERE household_id = %s", [household.pk])
        cursor.execute("DELETE FROM registry_income WHERE household_id = %s", [household.pk])
        cursor.execute("DELETE FROM registry_household WHERE id = %s", [household.pk])
        cursor.execute(
            "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
            " WHERE l.pid = pg_backend_pid() AND l.mode = 'ShareRowExclusiveLock'"
        )
        locked = {row[0] for row in cursor.fetchall()}
        transaction.set_rollback(True)
    assert {"monitoring_alert", "monitoring_classification", "monitoring_riskevent"} <= locked


@by_trigger
def test_a_risk_event_naming_a_missing_household_is_refused(places, clock):
    household = exited(places["A1a"], members=1, net=10 * LINE)
    event = RiskEvent.objects.create(
        household=household, kind="death", source="civil_affairs", date=dt.date(YEAR, 6, 1)
    )
    with pytest.raises(IntegrityError, match="monitoring_riskevent_household_id"):
        raw("UPDATE monitoring_riskevent SET household_id = %s WHERE id = %s", [10**9, event.pk])
    with pytest.raises(
        IntegrityError, match='is still referenced from table "monitoring_riskevent"'
    ):
        raw(
            "DELETE FROM registry_member WHERE household_id = %s;"
            " DELETE FROM registry_income WHERE household_id = %s;"
            " DELETE FROM registry_household WHERE id = %s",
            [household.pk, household.pk, household.pk],
        )


@by_trigger
def test_a_risk_event_naming_a_missing_alert_is_refused_and_its_alert_kept(places, clock):
    household = exited(places["A1a"], members=1, net=LINE)
    RiskEvent.objects.create(
        household=household, kind="death", source="civil_affairs", date=dt.date(YEAR, 6, 1)
    )
    from jingzhun.monitoring.scan import scan

    scan(region_code=COUNTY_A, year=YEAR)
    event = RiskEvent.objects.get()
    assert event.alert_id is not None
    with pytest.raises(IntegrityError, match="monitoring_riskevent_alert_id"):
        raw("UPDATE monitoring_riskevent SET alert_id = %s WHERE id = %s", [10**9, event.pk])
    with pytest.raises(
        IntegrityError, match='is still referenced from table "monitoring_riskevent"'
    ):
        raw("DELETE FROM monitoring_alert WHERE id = %s", [event.alert_id])
    # Through Django the event lets go of it first (SET_NULL), as with the constraint.
    Alert.objects.filter(pk=event.alert_id).delete()
    event.refresh_from_db()
    assert event.alert_id is None


def test_a_household_deletion_through_django_locks_risk_events_first(places, clock):
    # Every writer takes risk events before alerts and classes (monitoring.apps); the
    # household's own triggers would take them last, so its pre_delete takes them first.
    household = exited(places["A1b"], members=1, net=10 * LINE)
    order = []
    with transaction.atomic():
        with connection.execute_wrapper(
            lambda execute, sql, *args: order.append(sql) or execute(sql, *args)
        ):
            household.delete()
        transaction.set_rollback(True)
    locks = [sql for sql in order if sql.startswith("LOCK TABLE")]
    deletes = [i for i, sql in enumerate(order) if sql.startswith("DELETE")]
    if connection.vendor == "postgresql":
        assert locks and "monitoring_riskevent" in locks[0]
        assert order.index(locks[0]) < deletes[0]
    else:
        assert locks == []


def test_deleting_a_household_with_alerts_through_django_is_protected(places, clock):
    household = scanned(places)
    with pytest.raises(ProtectedError):
        household.delete()
    assert Household.objects.filter(pk=household.pk).exists()


def test_a_household_without_alerts_or_classes_can_still_be_deleted(places, clock):
    household = exited(places["A1b"], members=1, net=10 * LINE)
    household.delete()
    assert not Household.objects.filter(pk=household.pk).exists()
