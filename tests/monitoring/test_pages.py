from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from jingzhun.monitoring.models import Alert, RiskEvent
from jingzhun.monitoring.scan import scan
from tests.conftest import COUNTY_A, TOWNSHIP_A1
from tests.monitoring.conftest import THRESHOLD, YEAR, exited

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
