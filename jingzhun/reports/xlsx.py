"""The standard report tables as XLSX (openpyxl): Chinese headers, merged title rows, number
formats. The summaries read the dashboard's rows (so the page, the JSON and the workbook agree);
the household list reads the registry and the plans through the scoping layer.
"""

from __future__ import annotations

import io
from decimal import Decimal

from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from jingzhun.assistance.models import Measure, Pairing, current_q
from jingzhun.assistance.vocab import MEASURE_TYPE
from jingzhun.core import scoping
from jingzhun.core.money import fen_to_yuan
from jingzhun.regions import codes
from jingzhun.regions.models import Region
from jingzhun.registry.models import Household, Member
from jingzhun.registry.stats import registered_q
from jingzhun.vocab import ATTRIBUTE, CAUSE, STATUS

from . import presenters

INTEGER = "#,##0"
PERCENT = "0.00"
PERCENT1 = "0.0"
MONEY = "#,##0.00"
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="DDE3EA")


def _number(value):
    if value is None:
        return None
    if isinstance(value, str):
        return float(Decimal(value))
    return value


def _title(ws, title: str, subtitle: str, width: int) -> None:
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.cell(1, 1, title).font = Font(size=16, bold=True)
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    ws.cell(2, 1, subtitle).alignment = Alignment(horizontal="right")


def _header(ws, row: int, headers: list[str]) -> None:
    for col, text in enumerate(headers, 1):
        cell = ws.cell(row, col, text)
        cell.font = Font(bold=True)
        cell.fill = HEAD_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[row].height = 36


def summary_workbook(dashboard: dict) -> bytes:
    """The region's children (county → townships, township → villages) with a total row."""
    children = dashboard["children"]
    level = codes.LEVEL_LABEL.get(children[0]["level"], "区划") if children else "区划"
    columns = presenters.summary_columns()
    headers = [level, "区划代码", *(label for _, label in columns)]
    wb = Workbook()
    ws = wb.active
    ws.title = f"{dashboard['year']}年按{level}汇总"
    as_of = timezone.localtime(presenters_as_of(dashboard)).strftime("%Y-%m-%d %H:%M")
    _title(
        ws,
        f"{dashboard['name']}{dashboard['year']}年脱贫攻坚统计汇总表（按{level}）",
        f"数据截至：{as_of}    单位：户、人、%",
        len(headers),
    )
    _header(ws, 3, headers)
    rows = [*children, {**dashboard, "name": "合计", "region_code": dashboard["region_code"]}]
    for offset, child in enumerate(rows):
        r = 4 + offset
        values = presenters.summary_values(child)
        ws.cell(r, 1, child["name"]).border = BORDER
        ws.cell(r, 2, child["region_code"]).border = BORDER
        for col, (key, _label) in enumerate(columns, 3):
            cell = ws.cell(r, col, _number(values[key]))
            cell.border = BORDER
            cell.number_format = (
                PERCENT if key == "incidence" else PERCENT1 if key.endswith("_percent") else INTEGER
            )
        if child is rows[-1]:
            for col in range(1, len(headers) + 1):
                ws.cell(r, col).font = Font(bold=True)
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 15
    for col in range(3, len(headers) + 1):
        ws.column_dimensions[get_column_letter(col)].width = 11
    ws.freeze_panes = "C4"
    return _save(wb)


def presenters_as_of(dashboard: dict):
    import datetime as dt

    return dt.datetime.fromisoformat(dashboard["as_of"])


HOUSEHOLD_HEADERS = [
    "户编号",
    "乡镇",
    "村",
    "组/社",
    "户主姓名",
    "家庭人口",
    "贫困户属性",
    "主要致贫原因",
    "其他致贫原因",
    "状态",
    "识别年度",
    "脱贫年度",
    "帮扶责任人",
    "帮扶措施(项)",
    "帮扶措施",
    "措施金额(元)",
]


def household_workbook(*, user, region: Region, year: int) -> bytes:
    """Registered households of the region in `year` with attributes and assistance measures."""
    today = timezone.localdate()
    head = Member.objects.filter(household=OuterRef("pk"), relation="head").values("name")[:1]
    cadre = (
        Pairing.objects.filter(household=OuterRef("pk"))
        .filter(current_q(today))
        .order_by("-start")
        .values("cadre__name")[:1]
    )
    households = (
        scoping.visible(user, Household.objects.all())
        .filter(village__code__startswith=region.prefix)
        .filter(registered_q(year))
        .annotate(
            head_name=Subquery(head),
            cadre_name=Subquery(cadre),
            persons=Count("members", distinct=True),
        )
        .values(
            "id",
            "household_no",
            "village_id",
            "village__name",
            "village__parent__name",
            "group",
            "head_name",
            "persons",
            "attribute",
            "main_cause",
            "other_causes",
            "status",
            "registered_year",
            "exit_year",
            "cadre_name",
        )
        .order_by("household_no")
    )
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(f"{year}年贫困户明细")
    widths = [20, 12, 12, 8, 10, 8, 14, 12, 18, 8, 8, 8, 10, 10, 40, 12]
    for col, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    from openpyxl.cell import WriteOnlyCell

    def cell(value, *, fmt=None, bold=False, fill=False, size=None):
        c = WriteOnlyCell(ws, value)
        if fmt:
            c.number_format = fmt
        if bold or size:
            c.font = Font(bold=bold, size=size or 11)
        if fill:
            c.fill = HEAD_FILL
            c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.border = BORDER if (fill or fmt) else Border()
        return c

    width = len(HOUSEHOLD_HEADERS)
    ws.append([cell(f"{region.name}{year}年建档立卡贫困户明细表", bold=True, size=16)])
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    ws.append([cell(f"导出时间：{stamp}    单位：户、人、元")])
    # Write-only sheets write these ranges as <mergeCells> when saved.
    ws.merged_cells.add(f"A1:{get_column_letter(width)}1")
    ws.merged_cells.add(f"A2:{get_column_letter(width)}2")
    ws.append([cell(h, bold=True, fill=True) for h in HOUSEHOLD_HEADERS])

    chunk: list[dict] = []
    for item in households.iterator(chunk_size=2000):
        chunk.append(item)
        if len(chunk) == 2000:
            _household_rows(ws, cell, chunk, user)
            chunk = []
    if chunk:
        _household_rows(ws, cell, chunk, user)
    return _save(wb)


def _household_rows(ws, cell, chunk: list[dict], user) -> None:
    ids = [h["id"] for h in chunk]
    measures: dict[int, list[tuple[str, str, int]]] = {}
    for m in (
        scoping.visible(user, Measure.objects.all())
        .filter(plan__household_id__in=ids)
        .exclude(status="cancelled")
        .values_list("plan__household_id", "kind", "description", "amount_fen")
        .order_by("plan__household_id", "start", "id")
    ):
        measures.setdefault(m[0], []).append(m[1:])
    for h in chunk:
        ms = measures.get(h["id"], [])
        text = "；".join(f"{MEASURE_TYPE.label(k)}：{d}" for k, d, _ in ms)
        amount = fen_to_yuan(sum(a for _, _, a in ms)) if ms else None
        ws.append(
            [
                cell(h["household_no"], fmt="@"),
                cell(h["village__parent__name"], fmt="@"),
                cell(h["village__name"], fmt="@"),
                cell(h["group"], fmt="@"),
                cell(h["head_name"], fmt="@"),
                cell(h["persons"], fmt=INTEGER),
                cell(ATTRIBUTE.label(h["attribute"]), fmt="@"),
                cell(CAUSE.label(h["main_cause"]), fmt="@"),
                cell("、".join(CAUSE.label(c) for c in h["other_causes"].split(";") if c), fmt="@"),
                cell(STATUS.label(h["status"]), fmt="@"),
                cell(h["registered_year"], fmt="0"),
                cell(h["exit_year"], fmt="0"),
                cell(h["cadre_name"], fmt="@"),
                cell(len(ms), fmt=INTEGER),
                cell(text, fmt="@"),
                cell(amount, fmt=MONEY),
            ]
        )


def _save(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
