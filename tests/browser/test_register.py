"""A village officer registers a household: a refusal keeps the input, htmx adds a row."""

from __future__ import annotations

import pytest

from jingzhun.registry.models import Household
from tests.conftest import PASSWORD, VILLAGE_A1A
from tests.factories import make_id_number

from .conftest import ARTIFACTS, CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
]


def test_register_a_household_with_a_refusal_and_an_added_row(
    browser_page, live_server, transactional_db, personas
):
    from playwright.sync_api import expect

    page = browser_page
    page.goto(live_server.url + "/login/")
    page.get_by_label("用户名").fill("village_officer")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("长河村")
    page.get_by_role("link", name="登记新贫困户").click()

    page.get_by_label("户编号").fill("5120210010010077")
    page.get_by_label("组/社").fill("二组")
    page.get_by_label("贫困户属性").select_option("dibao")
    page.get_by_label("主要致贫原因").select_option("disability")
    page.get_by_label("缺技术").check()
    page.get_by_label("识别年度").fill("2017")
    head_id = make_id_number(birth="19650412")
    wrong = head_id[:-1] + ("1" if head_id[-1] == "0" else "0")
    page.locator("#id_members-0-id_number").fill(wrong)
    page.locator("#id_members-0-name").fill("周大福")
    page.locator("#id_members-0-relation").select_option("head")

    # htmx: one more row, the typed values stay.
    page.get_by_role("button", name="再添加一名成员").click()
    expect(page.locator("#id_members-1-id_number")).to_be_visible()
    expect(page.locator("#id_members-0-name")).to_have_value("周大福")
    expect(page.get_by_label("组/社")).to_have_value("二组")
    page.locator("#id_members-1-id_number").fill(make_id_number(sex="female", birth="19680101"))
    page.locator("#id_members-1-name").fill("吴秀兰")
    page.locator("#id_members-1-relation").select_option("spouse")

    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator(".member-row").first).to_contain_text("校验位")
    expect(page.locator("#id_members-1-name")).to_have_value("吴秀兰")
    page.screenshot(path=ARTIFACTS / "10-register-refused.png", full_page=True)

    page.locator("#id_members-0-id_number").fill(head_id)
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("5120210010010077")
    expect(page.locator("#members")).to_contain_text("吴秀兰")
    page.screenshot(path=ARTIFACTS / "11-registered.png", full_page=True)
    household = Household.objects.get(household_no="5120210010010077")
    assert household.village_id == VILLAGE_A1A
    assert household.other_causes == "skills"
    assert household.members.count() == 2
