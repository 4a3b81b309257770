"""The funds report as XLSX: the page's tables, one sheet each, money as exact yuan numbers in
both yuan and 万元 (the workbook's cells hold Decimals, never floats)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from jingzhun.core.money import fen_to_wan, fen_to_yuan
from jingzhun.reports.xlsx import BORDER, MONEY, _header, _save, _title

from .selectors import Report
from .vocab import LEVEL, UNIT

WAN = "#,##0.000000"
QUANTITY = "#,##0.000"


def _sheet(wb, title: str, heading: str, headers: list[str], rows: list[list], formats: list):
    ws = wb.create_sheet(title[:31])
    _title(ws, heading, f"制表时间：{timezone.localtime():%Y-%m-%d %H:%M}", len(headers))
    _header(ws, 3, headers)
    for r, row in enumerate(rows, 4):
        for c, (value, fmt) in enumerate(zip(row, formats, strict=True), 1):
            cell = ws.cell(r, c, value)
            cell.border = BORDER
            if fmt:
                cell.number_format = fmt
    for c in range(1, len(headers) + 1):
        ws.column_dimensions[get_column_letter(c)].width = 22 if c == 1 else 16
    ws.freeze_panes = "A4"
    return ws


def _money(fen: int) -> list:
    return [fen_to_yuan(fen), fen_to_wan(fen)]


def report_workbook(report: Report, *, region_name: str) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    head = f"{region_name}{report.year}年度扶贫资金"
    money_heads = ["金额（元）", "金额（万元）"]
    _sheet(
        wb,
        "预算余额",
        f"{head}预算执行情况",
        [
            "资金级别",
            "资金年度",
            "预算（元）",
            "预算（万元）",
            "已安排（元）",
            "已安排（万元）",
            "以前年度提前安排（元）",
            "剩余（元）",
            "剩余（万元）",
        ],
        [
            [
                LEVEL.label(b.level),
                b.budget_year,
                *_money(b.amount),
                *_money(b.allocated),
                fen_to_yuan(b.credit),
                *_money(b.remaining),
            ]
            for b in report.budgets
        ],
        [None, "0", MONEY, WAN, MONEY, WAN, MONEY, MONEY, WAN],
    )
    for title, label, groups, name in (
        ("按级别", "资金级别", report.by_level, LEVEL.label),
        ("按用途", "用途", report.by_category, str),
        ("按批次", "批次", report.by_batch, str),
    ):
        rows = [[name(key), *_money(fen)] for key, fen in groups.items()]
        rows.append(["合计", *_money(report.total)])
        _sheet(
            wb, title, f"{head}安排情况（{title}）", [label, *money_heads], rows, [None, MONEY, WAN]
        )
    _sheet(
        wb,
        "按项目",
        f"{head}项目资金与实物进度",
        ["项目", "安排（元）", "安排（万元）", "已拨付（元）", "单位", "计划规模", "已完成"],
        [
            [
                p["name"],
                *_money(p["allocated"]),
                fen_to_yuan(p["disbursed"]),
                UNIT.label(p["unit"]),
                Decimal(p["planned_quantity"]),
                Decimal(p["completed_quantity"]),
            ]
            for p in report.by_project
        ],
        [None, MONEY, WAN, MONEY, None, QUANTITY, QUANTITY],
    )
    return _save(wb)
