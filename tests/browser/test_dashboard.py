"""A county officer opens the dashboard with the network blocked, reads the charts, clicks a
township's bar and lands on the township's dashboard. Screenshots go to tests/artifacts/."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from jingzhun.reports import services
from tests.conftest import PASSWORD
from tests.reports.conftest import COUNTY, TODAY, YEAR, county, users  # noqa: F401

from .conftest import ARTIFACTS, CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
]

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


def test_county_dashboard_offline_and_drill_down(
    browser_page,
    live_server,
    transactional_db,
    county,  # noqa: F811
    users,  # noqa: F811
):
    from playwright.sync_api import expect

    for year in (YEAR - 2, YEAR - 1, YEAR):
        services.refresh(year=year, today=TODAY)
    page = browser_page
    blocked: list[str] = []

    def only_local(route):
        host = urlparse(route.request.url).hostname or ""
        if host in LOCAL_HOSTS:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    failed: list[str] = []
    # A navigation cancels the loads still in flight on the page it leaves (net::ERR_ABORTED):
    # that is the browser moving on, not a resource the closed network kept from the page.
    page.on(
        "requestfailed",
        lambda request: (
            None if "ERR_ABORTED" in (request.failure or "") else failed.append(request.url)
        ),
    )
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(live_server.url + "/login/")
    page.get_by_label("用户名").fill("county_admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/reports/{COUNTY}/?year={YEAR}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("安岳县")
    page.wait_for_selector("html[data-charts-ready]")
    drawn = page.evaluate(
        "Array.from(document.querySelectorAll('canvas[data-chart]'))"
        ".filter(c => c.chart && c.width > 0).length"
    )
    assert drawn >= 8
    expect(page.locator("#as-of")).to_contain_text("数据截至")
    page.screenshot(path=ARTIFACTS / "dashboard-county.png", full_page=True)

    # Click the first township's bar in the chart of poor persons by township.
    canvas = page.locator('canvas[data-chart="children-poor"]')
    canvas.scroll_into_view_if_needed()
    point = page.evaluate(
        """() => {
          const c = document.querySelector('canvas[data-chart="children-poor"]');
          const bar = c.chart.getDatasetMeta(0).data[0];
          const box = c.getBoundingClientRect();
          return {x: box.left + bar.x, y: box.top + (bar.y + bar.base) / 2,
                  name: c.chart.data.labels[0]};
        }"""
    )
    page.mouse.click(point["x"], point["y"])
    expect(page.get_by_role("heading", level=1)).to_contain_text(point["name"])
    page.wait_for_selector("html[data-charts-ready]")
    expect(page.locator('table[data-table="children-status"] thead')).to_contain_text("村")
    page.screenshot(path=ARTIFACTS / "dashboard-township.png", full_page=True)
    page.screenshot(path=ARTIFACTS / "dashboard-township-top.png")

    # The year selector reloads the page for another year.
    page.select_option("#year", str(YEAR - 1))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{YEAR - 1}")

    assert blocked == [] and failed == [] and errors == []
