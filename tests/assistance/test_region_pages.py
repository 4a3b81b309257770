"""Coverage gaps on the village and county pages (the registry's region pages), and the links
from a region page to its steering, funds, statistics and data-quality pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from jingzhun.assistance.models import FirstSecretary, WorkTeam

pytestmark = pytest.mark.django_db


def _gaps(client, code: str) -> str:
    html = client.get(reverse("region", args=[code])).content.decode()
    found = re.search(r'<section class="panel"[^>]*id="coverage-gaps">(.*?)</section>', html, re.S)
    assert found, "the region page has no coverage panel"
    return found.group(1)


@pytest.fixture
def poor_villages(places):
    for key in ("A1a", "A1b"):
        places[key].poor_village = "province"
        places[key].save()
    # A1a has both; A1b has a first secretary but no work team.
    WorkTeam.objects.create(village=places["A1a"], unit="县农业局", start=dt.date(2018, 1, 1))
    for key in ("A1a", "A1b"):
        FirstSecretary.objects.create(
            village=places[key], name=f"{key}书记", unit="县委组织部", start=dt.date(2018, 1, 1)
        )
    return places


def test_the_county_page_lists_households_without_a_cadre_and_villages_without_a_team(
    client, personas, households, poor_villages
):
    client.force_login(personas["county_admin"])
    gaps = _gaps(client, poor_villages["A"].code)
    assert households["A1b"].household_no in gaps  # poor, nobody paired
    assert households["A1a"].household_no not in gaps  # paired with the cadre persona
    assert "石桥村" in gaps and "无驻村工作队" in gaps and "无第一书记" not in gaps
    assert "长河村" not in gaps
    assert reverse("assistance:coverage", args=[poor_villages["A"].code]) in gaps


def test_the_village_page_lists_its_own_gaps_only(client, personas, households, poor_villages):
    client.force_login(personas["county_admin"])
    covered = _gaps(client, poor_villages["A1a"].code)
    assert "每户贫困户都有帮扶责任人" in covered
    gaps = _gaps(client, poor_villages["A1b"].code)
    assert households["A1b"].household_no in gaps and "无驻村工作队" in gaps


def test_a_region_page_links_to_its_other_pages_for_the_roles_that_may_open_them(
    client, personas, places
):
    code = places["A"].code
    client.force_login(personas["county_admin"])
    html = client.get(reverse("region", args=[code])).content.decode()
    for url in (
        reverse("reports:dashboard", args=[code]),
        f"{reverse('funds:report')}?region={code}",
        reverse("quality:region", args=[code]),
        reverse("assistance:coverage", args=[code]),
    ):
        assert f'href="{url}"' in html
        assert client.get(url).status_code == 200
    client.force_login(personas["cadre"])
    html = client.get(reverse("region", args=[places["A1"].code])).content.decode()
    assert "coverage-gaps" not in html and reverse("funds:report") not in html
