"""The per-region pages: counts, drill-down linked to the household page, scoping."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jingzhun.quality.models import CheckRun
from tests.conftest import COUNTY_A, PASSWORD, VILLAGE_A1A, VILLAGE_B
from tests.quality.cases import _member

RULE = "medical-insurance-missing"


@pytest.fixture
def checked(personas, places, check):
    bad = _member(medical_insurance=False)(places["A1a"])
    outside = _member(medical_insurance=False)(places["B"])
    check([RULE])
    check([RULE], region=VILLAGE_B)
    return bad, outside


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_region_page_counts_and_drill_down(client, personas, checked):
    bad, _ = checked
    login(client, personas["county_admin"])
    page = client.get(reverse("quality:region", args=[COUNTY_A]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "数据核查" in text and "长河村" in text
    assert reverse("quality:rule", args=[COUNTY_A, RULE]) in text
    detail = client.get(reverse("quality:rule", args=[COUNTY_A, RULE]))
    assert detail.status_code == 200
    body = detail.content.decode()
    assert f'href="/households/{bad.household.household_no}/"' in body
    assert bad.name in body
    # each open finding links to the form that corrects it, for those who may correct it
    edit = reverse("member_edit", args=[bad.household.household_no, bad.pk])
    assert f'href="{edit}"' in body
    login(client, personas["auditor"])
    audited = client.get(reverse("quality:rule", args=[COUNTY_A, RULE])).content.decode()
    assert bad.name in audited and "去修改" not in audited
    by_village = client.get(
        reverse("quality:rule", args=[COUNTY_A, RULE]), {"village": VILLAGE_A1A}
    )
    assert bad.household.household_no in by_village.content.decode()


def test_outsider_gets_404(client, personas, checked):
    login(client, personas["outsider"])
    assert client.get(reverse("quality:region", args=[COUNTY_A])).status_code == 404
    assert client.get(reverse("quality:rule", args=[COUNTY_A, RULE])).status_code == 404
    # their own county works and shows only their record
    own = client.get(reverse("quality:rule", args=[VILLAGE_B, RULE]))
    assert own.status_code == 200
    assert checked[1].household.household_no in own.content.decode()
    assert checked[0].household.household_no not in own.content.decode()


def test_village_officer_sees_only_their_village(client, personas, checked, places):
    other = _member(medical_insurance=False)(places["A1b"])
    from jingzhun.quality.services import run_checks

    run_checks(COUNTY_A, rule_ids=[RULE], year=2018)
    login(client, personas["village_officer"])
    assert client.get(reverse("quality:region", args=[COUNTY_A])).status_code == 404
    page = client.get(reverse("quality:rule", args=[VILLAGE_A1A, RULE]))
    assert checked[0].household.household_no in page.content.decode()
    assert other.household.household_no not in page.content.decode()


def test_unknown_rule_is_404_and_signed_out_redirects(client, personas, checked):
    assert client.get(reverse("quality:region", args=[COUNTY_A])).status_code == 302
    login(client, personas["county_admin"])
    assert client.get(reverse("quality:rule", args=[COUNTY_A, "nope"])).status_code == 404


def test_run_from_the_page(client, personas, checked):
    login(client, personas["county_admin"])
    before = CheckRun.objects.count()
    response = client.post(reverse("quality:run", args=[COUNTY_A]))
    assert response.status_code == 302
    assert CheckRun.objects.count() == before + 1
    assert CheckRun.objects.first().by == personas["county_admin"]
    login(client, personas["auditor"])  # reads, may not run
    assert client.post(reverse("quality:run", args=[COUNTY_A])).status_code == 404


def test_index_redirects_to_home_region(client, personas):
    login(client, personas["township_officer"])
    response = client.get(reverse("quality:index"))
    assert response.status_code == 302 and response.url.endswith("/512021001000/")


@pytest.mark.parametrize(
    ("rule_id", "form"),
    [
        ("head-under-16", "member"),
        ("illness-cause-all-healthy", "household"),
        ("costs-exceed-income", "income"),
    ],
)
def test_a_finding_is_corrected_on_the_form_of_what_the_rule_reads(rule_id, form):
    from jingzhun.quality.rulebook import shipped_rules
    from jingzhun.quality.views import _edit_target

    assert _edit_target(shipped_rules()[rule_id]) == form
