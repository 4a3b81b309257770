"""What the pages show: drill-down, labels, search, incomes, history, masking, language."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jingzhun.registry import services
from tests.factories import HouseholdFactory, IncomeFactory, MemberFactory

from .conftest import HOUSEHOLD, REGION

pytestmark = pytest.mark.django_db


def test_the_county_page_lists_townships_with_counts(as_user):
    page = as_user("county_admin").get(reverse("region", args=[REGION["A"]]))
    assert "岳阳镇" in page.text
    row = page.context["children"][0]
    assert (row["households"], row["persons"], row["poor_households"]) == (2, 4, 2)
    assert reverse("region", args=[REGION["A1"]]) in page.text


def test_the_breadcrumbs_stop_at_what_the_user_may_see(as_user):
    page = as_user("village_officer").get(reverse("region", args=[REGION["A1a"]]))
    assert [r.code for r in page.context["breadcrumbs"]] == [REGION["A1a"]]
    page = as_user("county_admin").get(reverse("region", args=[REGION["A1a"]]))
    assert [r.name for r in page.context["breadcrumbs"]] == ["安岳县", "岳阳镇", "长河村"]


def test_the_village_page_lists_its_households_with_chinese_labels(as_user):
    page = as_user("county_admin").get(reverse("region", args=[REGION["A1a"]]))
    assert HOUSEHOLD["A1a"] in page.text
    assert HOUSEHOLD["A1b"] not in page.text
    for label in ("一般贫困户", "因病", "贫困"):
        assert label in page.text


def test_the_village_page_is_paged_by_fifty(as_user, places):
    for n in range(55):
        HouseholdFactory(village=places["A1a"], household_no=f"X{n:04d}")
    client = as_user("county_admin")
    first = client.get(reverse("region", args=[REGION["A1a"]]))
    assert len(first.context["page"].object_list) == 50
    second = client.get(reverse("region", args=[REGION["A1a"]]) + "?page=2")
    assert len(second.context["page"].object_list) == 6
    assert "?page=1" in second.text


@pytest.mark.parametrize("by", ["name", "number", "id"])
def test_search_finds_a_household_by_name_number_or_id(as_user, households, by):
    household = households["A1a"]
    head = household.members.get(relation="head")
    q = {"name": "张大", "number": household.household_no[:12], "id": head.id_number}[by]
    page = as_user("county_admin").get(reverse("search"), {"q": q})
    assert [h.household_no for h in page.context["page"].object_list] == [household.household_no]


def test_search_stays_within_scope(as_user):
    page = as_user("county_admin").get(reverse("search"), {"q": "王东风"})
    assert list(page.context["page"].object_list) == []
    assert "没有找到" in page.text


def test_the_household_page_shows_incomes_net_and_per_capita(as_user, households):
    IncomeFactory(household=households["A1a"], year=2018)  # 8000 − 500 = 7500 yuan net
    page = as_user("county_admin").get(reverse("household", args=[HOUSEHOLD["A1a"]]))
    assert "7500.00" in page.text
    assert "3750.00" in page.text  # two members
    assert "张大山" in page.text and "户主" in page.text
    assert "住房安全" in page.text


def test_the_history_shows_who_what_and_old_to_new_with_chinese_labels(
    as_user, personas, households
):
    household = households["A1a"]
    services.household_update(
        by=personas["county_admin"],
        household=household,
        expected_version=household.version,
        attribute="dibao",
        housing_safe=False,
    )
    page = as_user("county_admin").get(reverse("household", args=[household.household_no]))
    entry = page.context["history"][0]
    assert entry.actor == "county_admin"
    assert entry.action == "修改户信息"
    assert entry.source.startswith("web:") or entry.source.startswith("cli:")
    changes = {c.label: (c.old, c.new) for c in entry.changes}
    assert changes["贫困户属性"] == ("一般贫困户", "低保贫困户")
    assert changes["住房安全"] == ("是", "否")


def test_the_assessment_slot_is_there_for_the_policy_panel():
    from django.template.loader import get_template

    source = get_template("web/household_detail.html").template.source
    assert "{% block assessment %}" in source


@pytest.mark.parametrize("persona", ["cadre", "auditor"])
def test_roles_without_need_see_masked_id_numbers(as_user, households, persona):
    head = households["A1a"].members.get(relation="head")
    page = as_user(persona).get(reverse("household", args=[HOUSEHOLD["A1a"]]))
    masked = head.id_number[:6] + "********" + head.id_number[-4:]
    assert masked in page.text
    assert head.id_number not in page.text
    assert head.birth_date.isoformat() not in page.text


def test_masking_reaches_the_history_too(as_user, personas, households):
    household = households["A1a"]
    member = services.member_add(
        by=personas["county_admin"],
        household=household,
        data={"id_number": "11010519491231002X", "name": "新成员", "relation": "parent"},
    )
    page = as_user("auditor").get(reverse("household", args=[household.household_no]))
    assert member.id_number not in page.text
    assert "110105********002X" in page.text


def test_the_auditor_sees_masked_phones_and_officers_see_them_whole(as_user):
    auditor = as_user("auditor").get(reverse("household", args=[HOUSEHOLD["A1a"]]))
    assert "138****1234" in auditor.text
    officer = as_user("village_officer").get(reverse("household", args=[HOUSEHOLD["A1a"]]))
    assert "13800001234" in officer.text


def test_officers_see_whole_id_numbers(as_user, households):
    head = households["A1a"].members.get(relation="head")
    page = as_user("village_officer").get(reverse("household", args=[HOUSEHOLD["A1a"]]))
    assert head.id_number in page.text


def test_english_is_one_click_away(as_user):
    client = as_user("county_admin")
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get(reverse("household", args=[HOUSEHOLD["A1a"]]))
    assert "Members" in page.text
    assert "ordinary poor household" in page.text
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "家庭成员" in client.get(reverse("household", args=[HOUSEHOLD["A1a"]])).text


def test_the_registration_form_offers_its_choices_in_the_language_chosen(as_user):
    client = as_user("village_officer")
    url = reverse("household_register", args=[REGION["A1a"]])
    assert '<option value="general">一般贫困户</option>' in client.get(url).text
    client.cookies["django_language"] = "en"
    page = client.get(url).text
    assert '<option value="general">ordinary poor household</option>' in page
    assert "一般贫困户" not in page


def test_a_browser_that_prefers_english_still_gets_chinese_until_english_is_chosen(as_user):
    client = as_user("county_admin")
    url = reverse("household", args=[HOUSEHOLD["A1a"]])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "家庭成员" in page.text and '<html lang="zh-CN">' in page.text
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Members" in client.get(url, HTTP_ACCEPT_LANGUAGE="zh-CN").text


def test_no_page_links_to_a_cdn(as_user):
    page = as_user("county_admin").get(reverse("household", args=[HOUSEHOLD["A1a"]]))
    assert "http://" not in page.text and "https://" not in page.text
    assert "/static/web/vendor/htmx/htmx.min.js" in page.text


def test_a_user_without_a_region_is_told_so(client, django_user_model, places):
    user = django_user_model.objects.create(username="lost", role="county_admin")
    client.force_login(user)
    page = client.get(reverse("home"))
    assert page.status_code == 200
    assert "未分配区划" in page.text


def test_member_rows_list_the_head_first(as_user, households):
    MemberFactory(
        household=households["A1a"],
        name="老父亲",
        relation="parent",
        id_number="110105194912310029",
    )
    page = as_user("county_admin").get(reverse("household", args=[HOUSEHOLD["A1a"]]))
    assert page.context["members"][0].member.relation == "head"
