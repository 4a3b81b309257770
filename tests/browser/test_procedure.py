"""A household walks from its application to the county announcement with three users (the
village, the township, the county), the notice period on the engine's fake clock; the village
notice is printed to PDF by Chromium and carries the head's ID number masked."""

from __future__ import annotations

import io
import unicodedata

import pytest

from jingzhun.core.idnumber import mask_id_number
from jingzhun.procedures.models import Case
from tests.conftest import PASSWORD
from tests.procedures.conftest import clock  # noqa: F401 - the engine's fake clock fixture

from .conftest import ARTIFACTS, CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
]


def sign_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def take(page, step_label: str) -> None:
    from playwright.sync_api import expect

    page.get_by_role("button", name=f"办理：{step_label}").click()
    expect(page.get_by_role("status")).to_contain_text(f"已办理：{step_label}")


def test_identification_from_application_to_county_announcement_by_three_users(
    browser_page,
    live_server,
    transactional_db,
    personas,
    households,
    clock,  # noqa: F811
):
    from playwright.sync_api import expect
    from pypdf import PdfReader

    page, base = browser_page, live_server.url
    household = households["A1a"]
    household.status = "monitored"
    household.save()
    head = household.members.get(relation="head")

    # The village: the application, the assessment meeting, the village notice.
    sign_in(page, base, "village_officer")
    page.goto(f"{base}/households/{household.household_no}/")
    page.get_by_role("link", name="识别退出程序").click()
    page.get_by_label("程序").select_option("identification")
    page.get_by_label("年度").fill("2018")
    page.get_by_label("申请/提名情况").fill("因病致贫，农户本人申请")
    page.get_by_role("button", name="开始办理").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("贫困户识别")
    page.get_by_label("评议日期").fill("2019-03-01")
    page.get_by_label("参会人数").fill("32")
    page.get_by_label("赞成票").fill("29")
    page.get_by_label("反对票").fill("2")
    page.get_by_label("弃权票").fill("1")
    take(page, "民主评议")
    page.get_by_label("异议受理（地点、电话）").fill("长河村村委会，电话 0828-1234567")
    take(page, "村公示")
    case_url = page.url

    page.get_by_role("link", name="村公示 · 长河村").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("长河村贫困户识别公示")
    expect(page.locator(".notice-table")).to_contain_text(mask_id_number(head.id_number))
    page.emulate_media(media="print")
    page.screenshot(path=ARTIFACTS / "40-village-notice-print.png", full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    (ARTIFACTS / "40-village-notice.pdf").write_bytes(pdf)
    # NFKC: the CJK fonts map some characters to their Kangxi-radical twins (⼤ for 大).
    text = unicodedata.normalize(
        "NFKC", "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    )
    assert mask_id_number(head.id_number) in text
    assert head.id_number not in text
    assert head.name in text and "公示期" in text
    page.emulate_media(media="screen")

    # The township: refused while the notice runs; reviews and posts its own notice after.
    sign_in(page, base, "township_officer")
    page.goto(case_url)
    expect(page.locator("#next-step")).to_contain_text("公示期未满")
    clock.advance(days=7, minutes=1)
    page.goto(case_url)
    page.get_by_label("同意", exact=True).check()
    page.get_by_label("意见").fill("经审核，情况属实")
    take(page, "乡镇审核")
    take(page, "乡镇公示")
    clock.advance(days=7, minutes=1)

    # The county: approves and announces.
    sign_in(page, base, "county_admin")
    page.goto(case_url)
    page.get_by_label("同意", exact=True).check()
    page.get_by_label("意见").fill("同意纳入建档立卡")
    take(page, "县审批公告")
    expect(page.locator("h1 .status")).to_have_text("已批准")
    page.screenshot(path=ARTIFACTS / "41-case-decided.png", full_page=True)
    page.get_by_role("link", name="县公告 · 安岳县").click()
    expect(page.locator(".notice-table")).to_contain_text(mask_id_number(head.id_number))

    case = Case.objects.get()
    household.refresh_from_db()
    assert case.status == "decided" and household.status == "poor"
    assert household.registered_year == 2018
    assert {e.by_name for e in case.events.all()} == {
        "village_officer",
        "township_officer",
        "county_admin",
    }
