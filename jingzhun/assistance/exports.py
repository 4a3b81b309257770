"""Every list of the assistance pages exports to XLSX with Chinese headers."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date | int | str):
        return value
    return str(value)  # Decimal and the rest: exact text, never a float


def xlsx_bytes(title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(list(headers))
    widths = [len(str(h)) * 2 + 2 for h in headers]
    for row in rows:
        values = [_cell(v) for v in row]
        sheet.append(values)
        for i, v in enumerate(values[: len(widths)]):
            widths[i] = min(max(widths[i], len(str(v)) + 2), 60)
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, title: str, headers: Sequence[str], rows: Iterable[Sequence]):
    response = HttpResponse(xlsx_bytes(title, headers, rows), content_type=XLSX_TYPE)
    ascii_name = filename.encode("ascii", "ignore").decode() or "export"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}.xlsx\"; filename*=UTF-8''{quote(filename)}.xlsx"
    )
    return response
