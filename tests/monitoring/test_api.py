from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from jingzhun.monitoring.models import RiskEvent
from jingzhun.monitoring.scan import scan
from jingzhun.monitoring.selectors import alert_counts
from tests.conftest import COUNTY_A, COUNTY_B, VILLAGE_A1B
from tests.monitoring.conftest import LINE, THRESHOLD, YEAR, exited

pytestmark = pytest.mark.django_db


@pytest.fixture
def raised(places, households, personas, clock):
    paired = households["A1a"]
    paired.status, paired.exit_year = "exited", 2019
    paired.save()
    RiskEvent.objects.create(
        household=paired, kind="disaster", source="emergency", date=dt.date(YEAR, 7, 1)
    )
    exited(places["A1b"], members=1, net=THRESHOLD)
    exited(places["B"], members=1, net=LINE)
    scan(region_code=COUNTY_A, year=YEAR)
    scan(region_code=COUNTY_B, year=YEAR)
    return personas


def get(user, **params):
    client = Client()
    client.force_login(user)
    return client.get("/api/v1/alerts", params)


def test_the_alert_list_is_scoped_and_paged(raised):
    body = get(raised["county_admin"]).json()
    assert body["count"] == 2 and body["page_size"] == 50
    assert {a["rule"] for a in body["items"]} == {"event:disaster", "income_below_threshold"}
    assert get(raised["cadre"]).json()["count"] == 1
    assert get(raised["village_officer"]).json()["count"] == 1
    assert get(raised["outsider"]).json()["count"] == 1


def test_a_region_outside_the_scope_answers_404(raised):
    assert get(raised["village_officer"], region=VILLAGE_A1B).status_code == 404


def test_the_list_filters_by_level_and_overdue(raised, clock):
    admin = raised["county_admin"]
    body = get(admin, region=COUNTY_A, level="red").json()
    assert [a["rule"] for a in body["items"]] == ["event:disaster"]
    assert body["items"][0]["owner_cadre"] == "赵帮扶"
    assert get(admin, overdue="true").json()["count"] == 0
    clock.advance(days=16)
    assert get(admin, overdue="true").json()["count"] == 2


def test_alert_counts_are_flat_by_level_for_the_dashboards(raised):
    assert alert_counts(user=raised["county_admin"], code=COUNTY_A, year=YEAR) == {
        "red": 1,
        "orange": 0,
        "yellow": 1,
    }
    assert alert_counts(user=raised["cadre"], code=COUNTY_A, year=YEAR)["yellow"] == 0
