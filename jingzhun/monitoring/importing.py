"""`jingzhun import match FILE`: a department's list keyed by ID number (INTERFACES §2), matched
against the whole registry.

Columns: source, id_number, event, date, amount (yuan, optional), note. Through the shared
pipeline: phase 1 parses each row (a malformed cell still refuses the whole file), phase 2
stages the rows and matches them in one join of the staging table with registry_member on its
unique id_number index (a hash or merge join, never a query per row). Matched rows become risk
events (`INSERT … SELECT … ON CONFLICT DO NOTHING`: the same list imported twice adds nothing);
ID numbers that match no member are not an error — a department's list covers everyone, the
registry only its households — but they are reported, every one, in the summary count and in
`--errors`. The next `monitor scan` raises the alerts.

The check letter is compared upper-case (x and X are the same number), as the registry keeps it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from jingzhun.registry.importing import cells
from jingzhun.registry.importing.base import STAGE, Importer, register
from jingzhun.registry.importing.columns import Column
from jingzhun.registry.importing.kinds import orm_duplicates, sql_duplicates
from jingzhun.registry.importing.problems import Problem
from jingzhun.registry.models import Member

from .models import RiskEvent
from .vocab import EVENT, SOURCE

_ID = re.compile(r"[0-9]{17}[0-9X]")
UNKNOWN = "证件号码未在建档立卡系统中找到 (no registered member has this ID number)"
KEYS = ("id_number", "event", "date", "source")


def id_number(raw: str) -> str:
    """18 characters, the last a digit or X (either case). The check character is not verified
    here: a number that fails it matches nobody and is reported with the unknown ones."""
    text = raw.strip().replace(" ", "").upper()
    if not _ID.fullmatch(text):
        raise cells.CellError("证件号码应为18位数字，末位可为X (18 digits, the last may be X)")
    return text


MATCH_COLUMNS: tuple[Column, ...] = (
    Column("source", "来源部门", cells.enum(SOURCE), required=True, blank=False, aliases=("来源",)),
    Column("id_number", "证件号码", id_number, required=True, blank=False, aliases=("身份证号",)),
    Column("event", "事件", cells.enum(EVENT), required=True, blank=False, aliases=("风险类型",)),
    Column("date", "日期", cells.date, "date", required=True, blank=False, aliases=("发生日期",)),
    Column("amount", "金额(元)", cells.yuan, "bigint", aliases=("金额", "金额（元）")),
    Column("note", "备注", cells.text(300), default="", aliases=("说明",)),
)


@register("match")
class MatchImporter(Importer):
    columns = MATCH_COLUMNS
    keys = ("id_number",)

    # --- phase 2, fast path: set-based SQL over the staging table --------------------------

    def check_sql(self, cursor) -> Iterator[Problem]:
        yield from sql_duplicates(cursor, KEYS, "id_number")

    def load_sql(self, cursor, written, now) -> tuple[int, int]:
        member, event = Member._meta.db_table, RiskEvent._meta.db_table
        cursor.execute(
            f"""
            INSERT INTO {event}
                (household_id, member_id, id_number, kind, source, date, amount_fen, note,
                 created_at)
            SELECT m.household_id, m.id, s.id_number, s.event, s.source, s.date, s.amount,
                   s.note, %s
            FROM {STAGE} s JOIN {member} m ON m.id_number = s.id_number
            WHERE 1 = 1
            ON CONFLICT (household_id, kind, date, source, id_number) DO NOTHING
            """,
            [now],
        )
        inserted = cursor.rowcount
        cursor.execute(
            f'SELECT s."row", s.id_number FROM {STAGE} s WHERE NOT EXISTS '
            f'(SELECT 1 FROM {member} m WHERE m.id_number = s.id_number) ORDER BY s."row"'
        )
        while batch := cursor.fetchmany(5000):
            self.notices.extend(Problem(row, "id_number", number, UNKNOWN) for row, number in batch)
        return max(inserted, 0), 0

    # --- phase 2, ORM path: the reference the tests hold the fast path to -------------------

    def check_orm(self, rows: list[dict[str, Any]]) -> Iterator[Problem]:
        yield from orm_duplicates(rows, KEYS, "id_number")

    def load_orm(self, rows, written, now) -> tuple[int, int]:
        members: dict[str, tuple[int, int]] = {}
        numbers = sorted({r["id_number"] for r in rows})
        for start in range(0, len(numbers), 500):
            part = numbers[start : start + 500]
            members.update(
                (n, (pk, hh))
                for n, pk, hh in Member.objects.filter(id_number__in=part).values_list(
                    "id_number", "pk", "household_id"
                )
            )
        events = []
        for r in rows:
            found = members.get(r["id_number"])
            if found is None:
                self.notices.append(Problem(r["row"], "id_number", r["id_number"], UNKNOWN))
                continue
            events.append(
                RiskEvent(
                    household_id=found[1],
                    member_id=found[0],
                    id_number=r["id_number"],
                    kind=r["event"],
                    source=r["source"],
                    date=r["date"],
                    amount_fen=r["amount"],
                    note=r["note"] or "",
                )
            )
        before = RiskEvent.objects.count()
        RiskEvent.objects.bulk_create(events, batch_size=2000, ignore_conflicts=True)
        return RiskEvent.objects.count() - before, 0
