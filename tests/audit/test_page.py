"""The audit trail's page: county admins and auditors read it within their region, masked as
their role requires, and export it through the API's (audited) CSV."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from jingzhun.audit.models import AuditEntry
from jingzhun.registry import services
from tests.conftest import COUNTY_A, VILLAGE_A1A, VILLAGE_B

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"
MASKED = "110105********002X"


@pytest.fixture
def trail(personas, households):
    """Two writes in county A (one carrying an ID number) and one in county B."""
    services.member_add(
        by=personas["county_admin"],
        household=households["A1a"],
        data={"id_number": ID_NUMBER, "name": "新成员", "relation": "parent"},
    )
    services.income_set(
        by=personas["outsider"],
        household=households["B"],
        year=2018,
        amounts_fen={"wage_fen": 100_000},
    )
    return personas


def _page(personas, persona: str, **query):
    client = Client()
    client.force_login(personas[persona])
    return client.get(reverse("audit:index"), query)


def test_the_auditor_reads_the_countys_entries_with_id_numbers_masked(trail):
    page = _page(trail, "auditor")
    assert page.status_code == 200
    assert "member.add" in page.text and "5120210010010001" in page.text
    assert MASKED in page.text and ID_NUMBER not in page.text
    assert "5101040010010001" not in page.text  # county B's write


def test_the_county_admin_sees_the_id_number_whole(trail):
    page = _page(trail, "county_admin")
    assert ID_NUMBER in page.text


@pytest.mark.parametrize("persona", ["township_officer", "village_officer", "cadre", "department"])
def test_roles_that_do_not_read_the_trail_are_refused(trail, persona):
    assert _page(trail, persona).status_code == 403


def test_the_other_countys_admin_sees_only_its_own_entries(trail):
    page = _page(trail, "outsider")
    assert "5101040010010001" in page.text
    assert "5120210010010001" not in page.text


def test_a_region_outside_the_scope_is_refused_like_a_missing_one(trail):
    outside = _page(trail, "auditor", region=VILLAGE_B)
    missing = _page(trail, "auditor", region="512021009009")
    assert outside.status_code == missing.status_code == 404
    inside = _page(trail, "auditor", region=VILLAGE_A1A)
    assert inside.status_code == 200 and "member.add" in inside.text


def test_the_page_is_paged_newest_first(trail, households, personas):
    for year in range(2000, 2060):
        services.income_set(
            by=personas["county_admin"],
            household=households["A1b"],
            year=year,
            amounts_fen={"wage_fen": 1},
        )
    first = _page(trail, "auditor")
    newest = AuditEntry.objects.filter(region_code__startswith="512021").order_by("-seq")
    assert f">{newest[0].seq}<" in first.text
    assert f">{newest[50].seq}<" not in first.text
    second = _page(trail, "auditor", page=2)
    assert f">{newest[50].seq}<" in second.text


def test_the_export_link_downloads_the_csv_and_the_download_is_audited(trail):
    page = _page(trail, "auditor", region=COUNTY_A)
    link = f"/api/v1/audit/export?region={COUNTY_A}"
    assert link in page.text
    client = Client()
    client.force_login(trail["auditor"])
    response = client.get(link)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert MASKED in body and ID_NUMBER not in body
    assert AuditEntry.objects.order_by("-seq").first().action == "audit.export"


def test_the_link_to_the_page_is_shown_only_to_roles_that_read_it(trail):
    for persona, shown in (("auditor", True), ("county_admin", True), ("village_officer", False)):
        client = Client()
        client.force_login(trail[persona])
        home = client.get(reverse("region", args=[trail[persona].region_id]))
        assert (reverse("audit:index") in home.text) is shown, persona


def test_the_page_reads_in_english_too(trail):
    client = Client()
    client.force_login(trail["auditor"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/audit/"})
    page = client.get(reverse("audit:index"))
    assert "Audit trail" in page.text and "Export CSV" in page.text
