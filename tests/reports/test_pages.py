"""The page, its JSON and the XLSX tables agree; scoping: 404 out of scope, 403 without roll-ups."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jingzhun.registry.models import Household
from jingzhun.registry.stats import registered_q
from jingzhun.reports import selectors, services

from .conftest import COUNTY, TODAY, YEAR


@pytest.fixture
def refreshed(county):
    services.refresh(year=YEAR, today=TODAY)
    services.refresh(year=YEAR - 1, today=TODAY)
    return county


def _get(client, user, name, code=COUNTY, year=YEAR):
    client.force_login(user)
    return client.get(reverse(f"reports:{name}", args=[code]) + f"?year={year}")


def _table(html: str, key: str) -> list[list[str]]:
    """Rows of a dashboard table as text cells (tags stripped)."""
    body = re.search(rf'data-table="{key}".*?</table>', html, re.S).group(0)
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
        rows.append([re.sub(r"<[^>]+>", "", c).strip() for c in cells])
    return rows


def _n(text: str) -> int:
    return int(text.replace(",", ""))


def test_page_json_and_xlsx_agree(client, refreshed, users):
    admin = users["county_admin"]
    data = _get(client, admin, "figures_json").json()
    page = _get(client, admin, "dashboard")
    assert page.status_code == 200
    html = page.content.decode()
    assert "chart.umd.min.js" in html and "//cdn" not in html and "https://" not in html

    poor = _table(html, "children-poor")
    children = data["children"]
    assert len(poor) == 1 + len(children) + 1  # header, children, total
    for cells, child in zip(poor[1:-1], children, strict=True):
        assert cells[0] == child["name"]
        assert _n(cells[1]) == child["poor_persons"]
        assert _n(cells[2]) == child["rural_population"]
        assert cells[3] == (child["incidence"] or "—")
    assert _n(poor[-1][1]) == data["poor_persons"]
    status = _table(html, "children-status")
    assert [_n(row[-1]) for row in status[1:-1]] == [c["households"] for c in children]
    causes = {row[0]: _n(row[1]) for row in _table(html, "causes")[1:-1]}
    assert sum(causes.values()) == data["households"]
    assert f'id="kf-poor_persons"><dt>未脱贫人数</dt><dd>{data["poor_persons"]:,}</dd>' in html

    book = load_workbook(io.BytesIO(_get(client, admin, "summary_xlsx").content))
    sheet = book.active
    assert sheet["A1"].value == f"安岳县{YEAR}年脱贫攻坚统计汇总表（按乡镇）"
    assert "A1:S1" in {str(r) for r in sheet.merged_cells.ranges}
    headers = [c.value for c in sheet[3]]
    assert headers[:6] == [
        "乡镇",
        "区划代码",
        "建档立卡户数",
        "建档立卡人数",
        "未脱贫户数",
        "未脱贫人数",
    ]
    assert sheet["C4"].number_format == "#,##0"
    assert sheet["H4"].number_format == "0.00"
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert len(rows) == len(children) + 1
    for values, child in zip(rows, [*children, data], strict=True):
        assert values[1] == child["region_code"]
        assert values[2:7] == (
            child["households"],
            child["persons"],
            child["poor_households"],
            child["poor_persons"],
            child["rural_population"],
        )
        assert values[7] == (float(child["incidence"]) if child["incidence"] else None)
        assert values[9] == child["exited"]["households"]
        assert values[17] == child["education"]["students"]
        assert values[18] == child["education"]["dropouts"]
    assert rows[-1][0] == "合计"


def test_township_summary_by_village(client, refreshed, users):
    township = refreshed.children.order_by("code").first()
    response = _get(client, users["township_officer"], "summary_xlsx", code=township.code)
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value.endswith("年脱贫攻坚统计汇总表（按村）")
    assert sheet["A3"].value == "村"
    assert sheet.max_row == 3 + township.children.count() + 1


def test_household_list(client, refreshed, users):
    response = _get(client, users["county_admin"], "households_xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == f"安岳县{YEAR}年建档立卡贫困户明细表"
    assert "A1:P1" in {str(r) for r in sheet.merged_cells.ranges}
    assert [c.value for c in sheet[3]][:6] == [
        "户编号",
        "乡镇",
        "村",
        "组/社",
        "户主姓名",
        "家庭人口",
    ]
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    registered = Household.objects.filter(registered_q(YEAR))
    assert [r[0] for r in rows] == sorted(registered.values_list("household_no", flat=True))
    with_industry = [r for r in rows if r[14] and "产业扶持" in r[14]]
    assert with_industry and all(r[15] >= 1500 for r in with_industry)
    assert not any(r[14] and "已取消" in r[14] for r in rows)  # cancelled measures are left out
    assert sheet.cell(4, 16).number_format == "#,##0.00"


def test_year_selector_and_as_of(client, refreshed, users, monkeypatch):
    # a module that offers no figures shows a dash, not a zero
    monkeypatch.setattr(selectors, "procedure_figures", lambda **kw: None)
    monkeypatch.setattr(selectors, "alert_figures", lambda **kw: None)
    html = _get(client, users["county_admin"], "dashboard", year=YEAR - 1).content.decode()
    assert f'<option value="{YEAR - 1}" selected>' in html
    assert f'<option value="{YEAR}">' in html
    assert "数据截至" in html
    assert "实时计算" not in html
    assert 'id="kf-alerts"><dt>防返贫监测预警</dt><dd>—</dd>' in html
    assert 'id="kf-procedures"><dt>识别/退出程序（件）</dt><dd>—</dd>' in html


def test_drill_down_links_open_the_child_dashboard(client, refreshed, users):
    html = _get(client, users["county_admin"], "dashboard").content.decode()
    township = refreshed.children.order_by("code").first()
    link = reverse("reports:dashboard", args=[township.code]) + f"?year={YEAR}"
    assert f'href="{link}"' in html
    child = client.get(link)
    assert child.status_code == 200 and township.name in child.content.decode()


@pytest.mark.parametrize("name", ["dashboard", "figures_json", "summary_xlsx", "households_xlsx"])
def test_out_of_scope_is_404_and_roles_without_roll_ups_are_403(client, refreshed, users, name):
    assert _get(client, users["outsider"], name).status_code == 404
    assert _get(client, users["township_officer"], name).status_code == 404  # the county
    assert _get(client, users["county_admin"], name, code="999999").status_code == 404
    assert _get(client, users["cadre"], name).status_code == 403
    assert _get(client, users["department"], name).status_code == 403
    assert _get(client, users["auditor"], name).status_code == 200
    client.logout()
    response = client.get(reverse(f"reports:{name}", args=[COUNTY]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_bad_year_is_404(client, refreshed, users):
    client.force_login(users["county_admin"])
    url = reverse("reports:dashboard", args=[COUNTY])
    assert client.get(url + "?year=abc").status_code == 404


def test_index_opens_the_users_region(client, refreshed, users):
    client.force_login(users["township_officer"])
    response = client.get(reverse("reports:index"))
    assert response.status_code == 302
    assert response["Location"].endswith(f"/reports/{users['township_officer'].region_id}/")


def test_without_stored_figures_the_page_computes_live(client, county, users):
    html = _get(client, users["county_admin"], "dashboard").content.decode()
    assert "统计尚未生成，本页为实时计算" in html


def test_procedure_counts_and_alerts_plug_in_when_their_modules_offer_them(
    client, refreshed, users, monkeypatch
):
    import sys
    import types

    calls = []

    def procedure_counts(*, user, code, year):
        calls.append((user.username, code, year))
        return {"exit.decided": 4, "identification.open": 7, "other": 1}

    def alert_counts(*, user, code, year):
        return {"red": 2, "yellow": 3}

    for name, attr, fn in (
        ("jingzhun.procedures.selectors", "procedure_counts", procedure_counts),
        ("jingzhun.monitoring.selectors", "alert_counts", alert_counts),
    ):
        fake = types.ModuleType(name)
        setattr(fake, attr, fn)
        monkeypatch.setitem(sys.modules, name, fake)
    html = _get(client, users["county_admin"], "dashboard").content.decode()
    assert calls == [("county_admin", COUNTY, YEAR)]
    assert 'id="kf-procedures"><dt>识别/退出程序（件）</dt><dd>12</dd>' in html
    # the procedures module's own labels; a key it does not know is shown as it is
    assert _table(html, "procedures")[1:] == [
        ["贫困户退出 · 已批准", "4"],
        ["贫困户识别 · 办理中", "7"],
        ["other", "1"],
    ]
    assert 'id="kf-alerts"><dt>防返贫监测预警</dt><dd>5</dd>' in html
    # the monitoring module's level names, not its keys
    assert _table(html, "alerts")[1:] == [["红色预警", "2"], ["黄色预警", "3"]]
