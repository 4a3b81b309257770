"""Streaming readers: a header and then `(row number, cells as text)`, one row at a time.

CSV is read in UTF-8 with or without a byte-order mark; XLSX through openpyxl's read-only mode,
which parses the sheet as it goes. Cells become stripped text here, so the parsers see the same
thing whichever the format: an Excel date cell becomes `YYYY-MM-DD`, a whole number typed as a
number loses its `.0`. Entirely empty rows are skipped (row numbers still count them).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Row = tuple[int, list[str]]


class FileFormatError(ValueError):
    def __init__(self, message: str, row: int = 0) -> None:
        super().__init__(message)
        self.row = row


@dataclass
class Table:
    header: list[str]
    rows: Iterator[Row]
    fraction_done: Any  # () -> float | None: how far through the file the reader is


def is_xlsx(path: Path) -> bool:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return True
    with path.open("rb") as fh:
        return fh.read(4) == b"PK\x03\x04"  # a zip archive: a workbook saved as .csv by mistake


@contextmanager
def open_table(path: Path | str) -> Iterator[Table]:
    path = Path(path)
    opener = _open_xlsx if is_xlsx(path) else _open_csv
    with opener(path) as table:
        yield table


@contextmanager
def _open_csv(path: Path) -> Iterator[Table]:
    size = os.path.getsize(path) or 1
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        number = 1
        try:
            header = next(reader, None)
        except UnicodeDecodeError:
            raise FileFormatError(_NOT_UTF8, 1) from None
        if header is None:
            raise FileFormatError("文件为空 (the file is empty)", 1)

        def rows() -> Iterator[Row]:
            nonlocal number
            try:
                for cells in reader:
                    number += 1
                    stripped = [c.strip() for c in cells]
                    if any(stripped):
                        yield number, stripped
            except UnicodeDecodeError:
                raise FileFormatError(_NOT_UTF8, number + 1) from None
            except csv.Error as exc:
                raise FileFormatError(f"CSV格式错误 (malformed CSV): {exc}", number + 1) from None

        yield Table([h.strip() for h in header], rows(), lambda: raw.tell() / size)


_NOT_UTF8 = "文件不是UTF-8编码，请另存为“CSV UTF-8” (the file is not UTF-8; save it as CSV UTF-8)"


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


@contextmanager
def _open_xlsx(path: Path) -> Iterator[Table]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise FileFormatError(f"无法读取XLSX文件 (cannot read the workbook): {exc}", 0) from None
    try:
        sheet = workbook.worksheets[0]
        total = sheet.max_row or 0
        values = sheet.iter_rows(values_only=True)
        first = next(values, None)
        if first is None:
            raise FileFormatError("文件为空 (the file is empty)", 1)
        header = [cell_text(v) for v in first]
        while header and not header[-1]:
            header.pop()
        done = 1

        def rows() -> Iterator[Row]:
            nonlocal done
            for cells in values:
                done += 1
                text = [cell_text(v) for v in cells]
                if any(text):
                    yield done, text

        yield Table(header, rows(), lambda: done / total if total else None)
    finally:
        workbook.close()


def as_plain_csv(path: Path, out: Path, progress=None) -> bool:
    """Write the table `open_table` reads from `path` — a workbook's first sheet, or a CSV file
    quoted otherwise than plainly — to `out` as a plainly quoted UTF-8 CSV of the very cell
    texts that reader gives, so that the column-wise pass (vectorised.py) reads at CSV speed
    what it could not read itself: a county's Excel export; a CSV with a quote inside an
    unquoted cell, text after a closing quote or a quoted cell never closed, which polars and
    the csv module read differently.

    Every row up to the last non-empty one becomes a line, blank rows as empty fields, so the
    CSV's row numbers are the source's. False (nothing to rely on in `out`) where a row holds
    a cell past the header, or the source cannot be read to its end (not UTF-8, malformed):
    only the row-by-row reader reports those as it should, with the problems of the rows
    before them.
    """
    try:
        with open_table(path) as table, out.open("w", encoding="utf-8", newline="") as fh:
            width = len(table.header)
            blank = [""] * width
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(table.header)
            last = 1
            for number, cells in table.rows:
                if any(cells[width:]):
                    return False
                for _ in range(number - last - 1):
                    writer.writerow(blank)  # csv writes a lone empty field as "", not a void line
                writer.writerow(cells[:width] + blank[len(cells) :])
                last = number
                if progress and number % 20_000 == 0:
                    progress("read", number - 1, table.fraction_done())
    except FileFormatError:
        return False
    return True
