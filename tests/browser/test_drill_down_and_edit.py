"""A clerk signs in, drills county → township → village, opens a household and edits a member."""

from __future__ import annotations

import re

import pytest

from jingzhun.registry.models import Member
from tests.conftest import PASSWORD

from .conftest import ARTIFACTS, CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
]


def test_sign_in_drill_down_and_edit_a_member(
    browser_page, live_server, transactional_db, personas, households
):
    from playwright.sync_api import expect

    page = browser_page
    base = live_server.url
    household = households["A1a"]

    page.goto(base + "/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.screenshot(path=ARTIFACTS / "01-login.png")
    page.get_by_label("用户名").fill("county_admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("安岳县")
    page.screenshot(path=ARTIFACTS / "02-county.png", full_page=True)
    page.get_by_role("link", name="岳阳镇").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("岳阳镇")
    page.get_by_role("link", name="长河村").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("长河村")
    page.screenshot(path=ARTIFACTS / "03-village.png", full_page=True)

    page.get_by_role("link", name=household.household_no).click()
    expect(page.locator("#members")).to_contain_text("张大山之妻")
    page.get_by_role("link", name="修改张大山之妻").click()

    name = page.get_by_label("姓名")
    expect(name).to_have_value("张大山之妻")
    name.fill("张王氏")
    page.screenshot(path=ARTIFACTS / "04-member-form.png", full_page=True)
    page.get_by_role("button", name="保存").click()

    expect(page).to_have_url(re.compile(rf"/households/{household.household_no}/$"))
    expect(page.get_by_role("status")).to_contain_text("成员信息已保存")
    expect(page.locator("#members")).to_contain_text("张王氏")
    history = page.locator("#history")
    expect(history).to_contain_text("修改成员信息")
    expect(history.locator("td.old").first).to_have_text("张大山之妻")
    expect(history.locator("td.new").first).to_have_text("张王氏")
    expect(history).to_contain_text("county_admin")
    page.screenshot(path=ARTIFACTS / "05-household.png", full_page=True)
    assert Member.objects.filter(household=household, name="张王氏").exists()

    # The same page on a phone, and in English.
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=ARTIFACTS / "06-household-phone.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="English").click()
    expect(page.locator("#h-members")).to_contain_text("Members")
    page.screenshot(path=ARTIFACTS / "07-household-en.png", full_page=True)
