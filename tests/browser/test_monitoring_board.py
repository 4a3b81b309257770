"""A county officer opens the region's alert board: the counts by level and age and the monthly
trend draw as charts from the page's own script and data, beside their tables, and the
overdue alert heads the list. Screenshot in tests/artifacts/."""

from __future__ import annotations

import datetime as dt

import pytest

from jingzhun.monitoring.models import Alert
from jingzhun.monitoring.scan import scan
from tests.conftest import COUNTY_A, PASSWORD
from tests.monitoring.conftest import LINE, THRESHOLD, YEAR, clock, exited  # noqa: F401

from .conftest import ARTIFACTS, CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
]


def test_the_board_draws_its_charts_and_puts_the_overdue_alert_first(
    browser_page,
    live_server,
    transactional_db,
    places,
    personas,
    clock,  # noqa: F811
):
    from playwright.sync_api import expect

    late = exited(places["A1a"], members=1, net=LINE)
    scan(region_code=COUNTY_A, year=YEAR)
    Alert.objects.filter(household=late).update(identified_on=dt.date(2024, 2, 20))
    clock.advance(days=20)
    fresh = exited(places["A1b"], members=1, net=THRESHOLD)
    scan(region_code=COUNTY_A, year=YEAR)

    page, base = browser_page, live_server.url
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(base + "/login/")
    page.get_by_label("用户名").fill("county_admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"{base}/monitoring/{COUNTY_A}/")
    expect(page.locator("html")).to_have_attribute("data-charts-ready", "1")
    for key in ("board", "monitored"):
        assert page.locator(f'canvas[data-chart="{key}"]').evaluate("c => !!c.chart")
    board = page.locator('table[data-table="board"]')
    expect(board).to_contain_text("已逾期")
    expect(board.locator("tfoot")).to_contain_text("2")
    expect(page.locator('table[data-table="monitored"]')).to_contain_text("2024-03")
    rows = page.locator("section[aria-labelledby=h-alerts] tbody tr")
    expect(rows.first).to_contain_text(late.household_no)
    expect(rows.first).to_contain_text("已逾期")
    expect(rows.nth(1)).to_contain_text(fresh.household_no)
    page.screenshot(path=ARTIFACTS / "50-monitoring-board.png", full_page=True)
    assert errors == []
