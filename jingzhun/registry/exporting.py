"""Export the registry's files (INTERFACES §2) for a region: the import's own column tables
read backwards, so an export loads back unchanged.

Rows stream from the database in chunks (`QuerySet.iterator`) into csv.writer or openpyxl's
write-only workbook; a county of millions never sits in memory. A region export also carries
the region's ancestors, so the file loads into an empty database.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path

from django.db.models import Q, QuerySet

from jingzhun.regions import codes
from jingzhun.regions.models import Region
from jingzhun.registry.importing.columns import COLUMNS, Column
from jingzhun.registry.models import Household, Income, Member

FORMATS = ("csv", "xlsx")
HEADERS = ("en", "zh")


def _regions(prefix: str, code: str) -> QuerySet:
    scope = Q(code__startswith=prefix) | Q(code__in=codes.ancestors(code))
    return Region.objects.filter(scope).order_by("code")


def _households(prefix: str, code: str) -> QuerySet:
    return Household.objects.filter(village__code__startswith=prefix).order_by("household_no")


def _members(prefix: str, code: str) -> QuerySet:
    # Each household's members in registration order.
    return Member.objects.filter(household__village__code__startswith=prefix).order_by(
        "household__household_no", "id"
    )


def _incomes(prefix: str, code: str) -> QuerySet:
    return Income.objects.filter(household__village__code__startswith=prefix).order_by(
        "household__household_no", "year"
    )


# kind → the rows in scope. Other apps may add kinds (their columns go into COLUMNS too).
EXPORTERS: dict[str, Callable[[str, str], QuerySet]] = {
    "regions": _regions,
    "households": _households,
    "members": _members,
    "incomes": _incomes,
}


class ExportError(ValueError):
    pass


def scope_code(raw: str) -> str:
    try:
        code = codes.normalize_code(raw)
    except codes.RegionCodeError as exc:
        raise ExportError(str(exc)) from None
    if not Region.objects.filter(code=code).exists():
        raise ExportError(f"区划{code}不存在 (no such region)")
    return code


def header(columns: tuple[Column, ...], language: str = "en") -> list[str]:
    return [c.zh if language == "zh" else c.key for c in columns]


def rows(kind: str, region: str, *, chunk_size: int = 2000) -> Iterator[list[str]]:
    """The export's data rows as text, in import order."""
    columns = COLUMNS[kind]
    code = scope_code(region)
    queryset = EXPORTERS[kind](codes.prefix(code), code)
    formatters = [c.export for c in columns]
    for values in queryset.values_list(*(c.field for c in columns)).iterator(chunk_size):
        yield [f(v) for f, v in zip(formatters, values, strict=True)]


def export_file(
    kind: str, *, region: str, out: Path | str, fmt: str = "csv", headers: str = "en"
) -> int:
    """Write the file; returns the number of data rows. Raises KeyError for an unknown kind,
    ExportError for an unknown region."""
    if kind not in EXPORTERS:
        raise KeyError(kind)
    if fmt not in FORMATS or headers not in HEADERS:
        raise ValueError(f"format must be one of {FORMATS}, headers one of {HEADERS}")
    data = rows(kind, region)  # checks the region before a file is created
    first = next(data, None)
    names = header(COLUMNS[kind], headers)
    out = Path(out)
    count = 0
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        # Every cell as text: ID numbers and codes keep all their digits in Excel.
        sheet = workbook.create_sheet(kind)
        sheet.append(names)
        if first is not None:
            sheet.append(first)
            count = 1
        for row in data:
            sheet.append(row)
            count += 1
        workbook.save(out)
        return count
    # Chinese headers mean a county office opening the file in Excel, which needs the BOM.
    encoding = "utf-8-sig" if headers == "zh" else "utf-8"
    with out.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(names)
        if first is not None:
            writer.writerow(first)
            count = 1
        for row in data:
            writer.writerow(row)
            count += 1
    return count
