"""`jingzhun import funds FILE`: the funds file of INTERFACES §2, through the shared pipeline.

The registry's pipeline (jingzhun.registry.importing) reads the file, maps the headers, parses
each cell and refuses the whole file on any problem, listed as `row,column,value,message`. This
module gives it the funds columns and the row rules, and registers the kind `funds` (from
FundsConfig.ready()).

Phase 2 is not set-based here: a funds file holds hundreds of lines, not millions, and each line
must pass the ledger's own checks in order (an allocation may draw on a budget a row above it,
never beyond what remains). So the rows are applied through the services, budgets first, then
allocations, then disbursements, each in file order, all inside the import's one transaction;
each refusal becomes a problem naming the row, and any problem rolls the whole file back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from jingzhun.core.money import MoneyError, fen_to_wan, fen_to_yuan_str, wan_to_fen
from jingzhun.regions import codes
from jingzhun.regions.models import Region
from jingzhun.registry.importing import cells
from jingzhun.registry.importing.base import STAGE, Importer, import_file, register
from jingzhun.registry.importing.columns import Column
from jingzhun.registry.importing.problems import Problem

from . import services
from .models import Allocation, Project
from .vocab import KIND, LEVEL


def wan(raw: str) -> int:
    """万元 with at most six decimals (0.000001 万元 = 1 fen), never negative, to integer fen."""
    try:
        fen = wan_to_fen(raw)
    except MoneyError as exc:
        raise cells.CellError(f"金额无效 (invalid amount): {exc}") from None
    if fen < 0:
        raise cells.CellError("金额不能为负 (must not be negative)")
    return fen


FUNDS_COLUMNS: tuple[Column, ...] = (
    Column("kind", "类型", cells.enum(KIND), required=True, blank=False, aliases=("类别",)),
    Column("budget_year", "资金年度", cells.year, "integer", required=True, blank=False),
    Column("year", "安排年度", cells.year, "integer"),
    Column("batch", "批次", cells.text(20), default=""),
    Column(
        "level",
        "资金级别",
        cells.enum(LEVEL),
        required=True,
        blank=False,
        aliases=("级次", "资金级次", "资金来源"),
    ),
    Column("category", "用途", cells.text(50), default=""),
    Column("project", "项目", cells.text(200), default="", aliases=("项目名称",)),
    Column(
        "region_code",
        "区划代码",
        cells.region_code,
        required=True,
        blank=False,
        aliases=("区划",),
    ),
    Column("amount_yuan", "金额(元)", cells.yuan, "bigint", aliases=("元", "金额（元）")),
    Column("amount_wan", "金额(万元)", wan, "bigint", aliases=("万元", "金额（万元）")),
    Column("date", "日期", cells.date, "date", aliases=("拨付日期",)),
    Column("payee", "收款单位", cells.text(200), default="", aliases=("收款人",)),
    Column("location_code", "实施地点代码", cells.region_code, aliases=("实施地点",)),
    Column("advance_for_year", "提前安排用于年度", cells.year, "integer"),
    Column("source", "文件", cells.text(200), default="", aliases=("来源", "文号")),
    Column("note", "备注", cells.text(300), default=""),
)


@register("funds")
class FundsImporter(Importer):
    columns = FUNDS_COLUMNS
    derived = (("amount_fen", "bigint"),)

    def finish(self, values: dict[str, Any], raw: dict[str, str]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        yuan, wan_ = values.get("amount_yuan"), values.get("amount_wan")
        if yuan is None and wan_ is None:
            errors["amount_yuan"] = ["须填写 amount_yuan(元) 或 amount_wan(万元) 之一 (no amount)"]
        elif yuan is not None and wan_ is not None and yuan != wan_:
            errors["amount_wan"] = ["元与万元金额不一致 (amount_yuan and amount_wan disagree)"]
        amount = yuan if yuan is not None else wan_
        if amount is not None and amount <= 0:
            errors["amount_yuan" if yuan is not None else "amount_wan"] = [
                "金额须大于零 (must be positive)"
            ]
        kind = values["kind"]
        if kind in ("allocation", "disbursement"):
            for key, zh in (("year", "安排年度"), ("batch", "批次"), ("category", "用途")):
                if values.get(key) in (None, ""):
                    errors.setdefault(key, []).append(f"{KIND.label(kind)}须填写{zh} (required)")
        if kind == "disbursement":
            if values.get("date") is None:
                errors.setdefault("date", []).append("拨付须填写日期 (required)")
            if not values.get("payee"):
                errors.setdefault("payee", []).append("拨付须填写收款单位 (required)")
        if kind != "allocation" and values.get("advance_for_year") is not None:
            errors.setdefault("advance_for_year", []).append(
                "只有资金安排可以提前安排 (only an allocation can be an advance)"
            )
        if errors:
            raise ValidationError(errors)
        return {**values, "amount_fen": amount}

    # Both engines end here: the stage (fast) or the spool (orm) gives the same rows.
    def check_sql(self, cursor) -> Iterator[Problem]:
        names = [name for name, _ in self.stage_columns()]
        quoted = ", ".join(f'"{n}"' for n in names)
        cursor.execute(f'SELECT {quoted} FROM {STAGE} ORDER BY "row"')
        rows = [dict(zip(names, record, strict=True)) for record in cursor.fetchall()]
        yield from self._apply([_typed(r) for r in rows])

    def check_orm(self, rows: list[dict[str, Any]]) -> Iterator[Problem]:
        yield from self._apply([_typed(r) for r in rows])

    def load_sql(self, cursor, written, now) -> tuple[int, int]:
        return self._inserted, 0

    def load_orm(self, rows, written, now) -> tuple[int, int]:
        return self._inserted, 0

    def _apply(self, rows: list[dict[str, Any]]) -> Iterator[Problem]:
        self._inserted = 0
        regions = {
            r.code: r
            for r in Region.objects.filter(
                code__in={r["region_code"] for r in rows}
                | {r["location_code"] for r in rows if r["location_code"]}
            )
        }
        order = {key: i for i, key in enumerate(KIND.keys)}
        for row in sorted(rows, key=lambda r: (order[r["kind"]], r["row"])):
            region = regions.get(row["region_code"])
            if region is None:
                yield Problem(
                    row["row"], "region_code", row["region_code"], "区划不存在 (no such region)"
                )
                continue
            try:
                self._apply_row(row, region, regions)
            except ValidationError as exc:
                for field, messages in _messages(exc):
                    column = _COLUMN_OF.get(field, field)
                    if column == "amount":
                        column = "amount_yuan" if row["amount_yuan"] is not None else "amount_wan"
                    yield Problem(row["row"], column, _shown(row, column), "; ".join(messages))
            else:
                self._inserted += 1

    def _apply_row(self, row: dict[str, Any], region: Region, regions: dict[str, Region]):
        kind = row["kind"]
        if kind == "budget":
            services.budget_create(
                by=None,
                region=region,
                level=row["level"],
                budget_year=row["budget_year"],
                amount_fen=row["amount_fen"],
                source=row["source"] or "",
                note=row["note"] or "",
            )
            return
        project = _project(row, region)
        if kind == "allocation":
            location = None
            if row["location_code"]:
                location = regions.get(row["location_code"])
                if location is None:
                    raise ValidationError({"location_code": ["区划不存在 (no such region)"]})
            services.allocation_create(
                by=None,
                region=region,
                level=row["level"],
                budget_year=row["budget_year"],
                year=row["year"],
                batch=row["batch"],
                category=row["category"],
                amount_fen=row["amount_fen"],
                project=project,
                location=location,
                advance_for_year=row["advance_for_year"],
                note=row["note"] or "",
            )
            return
        matches = list(
            Allocation.objects.filter(
                region=region,
                level=row["level"],
                budget_year=row["budget_year"],
                year=row["year"],
                batch=row["batch"],
                category=row["category"],
                project=project,
            )[:2]
        )
        if len(matches) != 1:
            found = "没有" if not matches else "有多条"
            raise ValidationError(
                {
                    "category": [
                        f"{found}匹配的资金安排（区划、级别、资金年度、安排年度、批次、用途、项目）"
                        f" ({'no' if not matches else 'more than one'} matching allocation)"
                    ]
                }
            )
        services.disbursement_create(
            by=None,
            allocation=matches[0],
            date=row["date"],
            amount_fen=row["amount_fen"],
            payee=row["payee"],
            note=row["note"] or "",
        )


# Service field → the file's column that carries it.
_COLUMN_OF = {
    "amount_fen": "amount",
    "budget": "budget_year",
    "region": "region_code",
    "location": "location_code",
    "__all__": "",
}


def _shown(row: dict[str, Any], column: str) -> str:
    if column == "amount_yuan" and row.get("amount_yuan") is not None:
        return fen_to_yuan_str(row["amount_yuan"])
    if column == "amount_wan" and row.get("amount_wan") is not None:
        return format(fen_to_wan(row["amount_wan"]).normalize(), "f")
    value = row.get(column)
    return "" if value is None else str(value)


def _messages(exc: ValidationError) -> list[tuple[str, list[str]]]:
    if hasattr(exc, "error_dict"):
        return list(exc.message_dict.items())
    return [("__all__", exc.messages)]


def _project(row: dict[str, Any], region: Region) -> Project | None:
    name = (row.get("project") or "").strip()
    if not name:
        return None
    found = Project.objects.filter(location_id__startswith=codes.prefix(region.code))
    found = found.filter(Q(name=name) | (Q(pk=int(name)) if name.isdigit() else Q(pk__in=[])))
    matches = list(found[:2])
    if len(matches) != 1:
        raise ValidationError(
            {
                "project": [
                    (
                        "项目库中没有此项目，请先建立项目"
                        if not matches
                        else "项目名称不唯一，请填写项目编号"
                    )
                    + " (the project must exist in the project library, uniquely named)"
                ]
            }
        )
    return matches[0]


_INTS = (
    "row",
    "budget_year",
    "year",
    "advance_for_year",
    "amount_yuan",
    "amount_wan",
    "amount_fen",
)


def _typed(row: dict[str, Any]) -> dict[str, Any]:
    """Stage values come back typed on PostgreSQL and as SQLite's affinities: make them one."""
    out = dict(row)
    for key in _INTS:
        if out.get(key) is not None:
            out[key] = int(out[key])
    if isinstance(out.get("date"), str):
        out["date"] = dt.date.fromisoformat(out["date"])
    for key in ("batch", "category", "project", "payee", "source", "note"):
        if out.get(key) is None:
            out[key] = ""
    return out


def import_funds(path: Path | str, *, by=None, engine: str = "auto"):
    """Import a funds file whole or not at all; raises ImportRefused listing the problems."""
    return import_file("funds", path, by=by, engine=engine)
