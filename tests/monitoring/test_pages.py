from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from jingzhun.monitoring import selectors
from jingzhun.monitoring.models import Alert, RiskEvent
from jingzhun.monitoring.presenters import alert_data_rows
from jingzhun.monitoring.scan import scan
from tests.conftest import COUNTY_A, TOWNSHIP_A1
from tests.monitoring.conftest import LINE, THRESHOLD, YEAR, exited

pytestmark = pytest.mark.django_db


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def paired_alert(places, households, personas, clock):
    household = households["A1a"]  # the cadre's
    household.status, household.exit_year = "exited", 2019
    household.save()
    RiskEvent.objects.create(
        household=household, kind="serious_illness", source="medical", date=dt.date(YEAR, 5, 1)
    )
    exited(places["A1b"], members=1, net=THRESHOLD)
    scan(region_code=COUNTY_A, year=YEAR)
    return Alert.objects.get(household=household)


def test_the_region_list_filters_by_level_and_overdue(paired_alert, personas, clock):
    page = client(personas["county_admin"]).get(
        reverse("monitoring:region", args=[COUNTY_A]), {"level": "red"}
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert paired_alert.household.household_no in html and "人均纯收入不高于监测范围" not in html
    overdue = client(personas["county_admin"]).get(
        reverse("monitoring:region", args=[COUNTY_A]), {"overdue": "on"}
    )
    assert "没有预警" in overdue.content.decode()


def test_the_alert_page_shows_the_timeline_and_the_cadres_next_step(paired_alert, personas):
    page = client(personas["cadre"]).get(reverse("monitoring:alert", args=[paired_alert.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "发出预警" in html and "入户核实" in html
    assert reverse("monitoring:alert_action", args=[paired_alert.pk, "verify"]) in html


def test_a_cadre_verifies_from_the_page(paired_alert, personas):
    response = client(personas["cadre"]).post(
        reverse("monitoring:alert_action", args=[paired_alert.pk, "verify"]),
        {"visited_on": "2024-03-01", "found": "住院治疗", "risk_confirmed": "on"},
    )
    assert response.status_code == 302
    paired_alert.refresh_from_db()
    assert paired_alert.status == "verified"


def test_an_action_the_role_may_not_take_is_forbidden(paired_alert, personas):
    response = client(personas["auditor"]).post(
        reverse("monitoring:alert_action", args=[paired_alert.pk, "verify"]),
        {"visited_on": "2024-03-01", "found": "x"},
    )
    assert response.status_code == 403
    paired_alert.refresh_from_db()
    assert paired_alert.status == "raised"


def test_the_household_page_shows_its_class_and_alerts(paired_alert, personas):
    page = client(personas["village_officer"]).get(
        reverse("household", args=[paired_alert.household.household_no])
    )
    html = page.content.decode()
    assert "防返贫监测" in html and "突发严重困难户" in html
    assert reverse("monitoring:alert", args=[paired_alert.pk]) in html


def test_a_cadre_records_a_risk_event_on_the_household_page(households, personas, clock):
    url = reverse("monitoring:event_create", args=[households["A1a"].household_no])
    response = client(personas["cadre"]).post(
        url, {"kind": "accident", "date": "2024-02-20", "source": "cadre", "amount": "1200.50"}
    )
    assert response.status_code == 302
    event = RiskEvent.objects.get()
    assert (event.kind, event.amount_fen, event.entered_by) == (
        "accident",
        120_050,
        personas["cadre"],
    )


def test_the_cadres_page_lists_their_open_alerts(paired_alert, personas):
    from jingzhun.assistance.models import Cadre

    cadre = Cadre.objects.get(user=personas["cadre"])
    page = client(personas["cadre"]).get(reverse("assistance:cadre_detail", args=[cadre.pk]))
    assert reverse("monitoring:alert", args=[paired_alert.pk]) in page.content.decode()


def test_a_township_officer_runs_a_scan_from_the_page(places, personas, clock):
    exited(places["A1a"], members=1, net=THRESHOLD)
    response = client(personas["township_officer"]).post(
        reverse("monitoring:scan", args=[TOWNSHIP_A1]), {"year": str(YEAR)}
    )
    assert response.status_code == 302
    assert Alert.objects.count() == 1


def test_the_alert_page_reads_in_english(paired_alert, personas):
    c = client(personas["county_admin"])
    c.cookies["django_language"] = "en"
    html = c.get(reverse("monitoring:alert", args=[paired_alert.pk])).content.decode()
    assert "Red alert" in html and "alert raised" in html and "Timeline" in html
    assert paired_alert.reason_en and paired_alert.reason_en in html


def test_the_alert_page_names_what_fired_it_with_amounts_in_yuan(paired_alert, personas):
    html = (
        client(personas["county_admin"])
        .get(reverse("monitoring:alert", args=[paired_alert.pk]))
        .content.decode()
    )
    assert "风险事件数：1" in html and f"首次发生：{YEAR}-05-01" in html
    assert "<code>events</code>" not in html
    rows = dict(alert_data_rows({"net_fen": 600000, "members": 1, "prev_net_fen": None}))
    assert rows == {"家庭纯收入": "6000.00 元", "家庭人口": "1", "上年家庭纯收入": "—"}


def board_of(user):
    return selectors.alert_board(user=user, code=COUNTY_A)


def test_the_board_counts_open_alerts_by_level_and_age_and_the_overdue(places, personas, clock):
    early = exited(places["A1a"], members=1, net=LINE)  # red
    exited(places["A1b"], members=1, net=THRESHOLD)  # yellow, closed below
    scan(region_code=COUNTY_A, year=YEAR)
    Alert.objects.filter(household__village=places["A1b"]).update(status="closed")
    clock.advance(days=20)  # past the 15 days to verify: the red one is overdue
    exited(places["A1b"], members=1, net=THRESHOLD)  # raised today
    scan(region_code=COUNTY_A, year=YEAR)
    board = {row["level"]: row for row in board_of(personas["county_admin"])["levels"]}
    assert Alert.objects.get(household=early).level == "red"
    assert (board["red"]["total"], board["red"]["overdue"], board["red"]["age1"]) == (1, 1, 1)
    assert (board["yellow"]["total"], board["yellow"]["overdue"], board["yellow"]["age0"]) == (
        1,
        0,
        1,
    )
    assert board["orange"]["total"] == 0
    assert board_of(personas["outsider"])["total"]["total"] == 0


def test_the_region_list_puts_the_overdue_alerts_first(places, personas, clock):
    late = exited(places["A1a"], members=1, net=THRESHOLD)
    scan(region_code=COUNTY_A, year=YEAR)
    clock.advance(days=20)
    fresh = exited(places["A1a"], members=1, net=THRESHOLD)
    scan(region_code=COUNTY_A, year=YEAR)
    newest_first = [a.household_id for a in selectors.alert_list(user=personas["county_admin"])]
    assert newest_first == [fresh.pk, late.pk]
    html = (
        client(personas["county_admin"])
        .get(reverse("monitoring:region", args=[COUNTY_A]))
        .content.decode()
    )
    assert html.index(late.household_no) < html.index(fresh.household_no)
    assert 'id="section-board"' in html and 'id="section-monitored"' in html


def test_the_trend_counts_households_monitored_at_each_months_end_by_class(places, personas, clock):
    exited_ = exited(places["A1a"], members=1, net=THRESHOLD)
    never_poor = exited(places["A1b"], members=1, net=THRESHOLD)
    never_poor.status, never_poor.exit_year = "monitored", None
    never_poor.save()
    waiting = exited(places["A1b"], members=1, net=THRESHOLD)  # raised, never identified
    scan(region_code=COUNTY_A, year=YEAR)
    Alert.objects.filter(household=exited_).update(
        status="decided", identified_on=dt.date(2023, 11, 10)
    )
    Alert.objects.filter(household=never_poor).update(
        status="closed", identified_on=dt.date(2023, 12, 5), closed_on=dt.date(2024, 2, 10)
    )
    assert Alert.objects.filter(household=waiting, identified_on__isnull=True).exists()
    trend = selectors.monitored_trend(user=personas["county_admin"], code=COUNTY_A, months=6)
    assert trend["months"] == [
        dt.date(2023, 10, 31),
        dt.date(2023, 11, 30),
        dt.date(2023, 12, 31),
        dt.date(2024, 1, 31),
        dt.date(2024, 2, 29),
        dt.date(2024, 3, 1),  # today, the clock's
    ]
    assert trend["classes"] == {
        "unstable_exited": [0, 1, 1, 1, 1, 1],
        "marginal": [0, 0, 1, 1, 0, 0],
    }
    assert trend["total"] == [0, 1, 2, 2, 1, 1]
    assert selectors.monitored_trend(user=personas["outsider"], code=COUNTY_A)["classes"] == {}


def test_the_board_reads_in_english(paired_alert, personas):
    c = client(personas["county_admin"])
    c.cookies["django_language"] = "en"
    html = c.get(reverse("monitoring:region", args=[COUNTY_A])).content.decode()
    assert (
        "Open alerts by level and age" in html and "Monitored households by class and month" in html
    )
