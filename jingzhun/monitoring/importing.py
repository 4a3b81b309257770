"""`jingzhun import match FILE`: a department's list keyed by ID number (INTERFACES §2), matched
against the whole registry.

Columns: source, id_number, event, date, amount (yuan, optional), note. Through the shared
pipeline: phase 1 parses each row (a malformed cell still refuses the whole file), phase 2
stages the rows and matches them in one join of the staging table with registry_member on its
unique id_number index (a hash or merge join, never a query per row). Matched rows become risk
events (`INSERT … SELECT` of those not stored yet, one writer at a time: the same list imported
twice adds nothing);
ID numbers that match no member are not an error — a department's list covers everyone, the
registry only its households — but they are reported, every one, in the summary count and in
`--errors`. The next `monitor scan` raises the alerts.

The check letter is compared upper-case (x and X are the same number), as the registry keeps it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import polars as pl
from django.db import connection

from jingzhun.registry.importing import cells, vectorised
from jingzhun.registry.importing.base import STAGE, Importer, register
from jingzhun.registry.importing.columns import Column
from jingzhun.registry.importing.kinds import orm_duplicates, sql_duplicates
from jingzhun.registry.importing.problems import Problem
from jingzhun.registry.models import Member

from .apps import lock_for_writing
from .models import RiskEvent
from .planner import planner
from .vocab import EVENT, SOURCE

_ID = re.compile(r"[0-9]{17}[0-9X]")
UNKNOWN = "证件号码未在建档立卡系统中找到 (no registered member has this ID number)"
KEYS = ("id_number", "event", "date", "source")
MATCHED = "jz_match_found"
PROBE_ROWS = 250_000  # at most this many rows: index lookups, not a hash join (load_sql)


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


class _MatchRules(vectorised._Rules):
    """Phase 1 column-wise (registry/importing/vectorised.py): the ID number normalised as
    `id_number` does it, as one expression; the other columns are the generic pass's. A row
    whose number is not 18 characters goes row by row, so its problem reads as the reference's."""

    special = ("id_number",)

    def columns(self, p, b, distinct) -> None:
        text = p.cell("id_number").fill_null("").str.strip_chars(vectorised._WHITESPACE)
        b.inputs["t_id_number"] = text
        t = pl.col("t_id_number")
        number = t.str.replace_all(" ", "", literal=True).str.to_uppercase()
        b.values["id_number"] = number
        b.refused.append(~number.str.contains(r"^[0-9]{17}[0-9X]$"))
        b.filled.append(t != "")


vectorised.RULES["match"] = _MatchRules


@register("match")
class MatchImporter(Importer):
    columns = MATCH_COLUMNS
    keys = ("id_number",)

    # --- phase 2, fast path: set-based SQL over the staging table --------------------------

    def check_sql(self, cursor) -> Iterator[Problem]:
        yield from sql_duplicates(cursor, KEYS, "id_number")

    def load_sql(self, cursor, written, now) -> tuple[int, int]:
        member, event = Member._meta.db_table, RiskEvent._meta.db_table
        # One join of the list with the registry, kept: the matched rows are inserted from it
        # and the unmatched ones reported from it, instead of a second (anti-)join. A list
        # much smaller than the registry is looked up in the unique id_number index, in the
        # index's order (0.6 s for 100,000 numbers against 3.6M members, where the planner's
        # hash join reads and hashes every member: 1.6-2.1 s); a longer one is hashed.
        # Before the members are read: a member's removal waits for this import (and this
        # import for a removal), as the events' member has no database constraint (apps.py).
        # And one writer of risk events at a time while the list goes in (SHARE ROW EXCLUSIVE
        # conflicts with itself and with a cadre's entry): the anti-join with the stored events
        # is then all there is to "imported twice adds nothing", with no ON CONFLICT, whose
        # speculative insertion cost 0.3 s of 90,000 events (docs/benchmarks.md).
        lock_for_writing(cursor, alone=True)
        cursor.execute(f"SELECT COUNT(*) FROM {STAGE}")
        probes = cursor.fetchone()[0] <= PROBE_ROWS
        cursor.execute(f"DROP TABLE IF EXISTS {MATCHED}")
        knobs = {"enable_hashjoin": "off", "enable_mergejoin": "off"} if probes else {}
        with planner(cursor, **knobs):
            cursor.execute(
                f"""
                CREATE TEMP TABLE {MATCHED} AS
                SELECT s."row", s.id_number, s.event, s.source, s.date, s.amount, s.note,
                       m.id AS member_id, m.household_id
                FROM (SELECT * FROM {STAGE} ORDER BY id_number) s
                LEFT JOIN {member} m ON m.id_number = s.id_number
                """
            )
        # In household order: the new rows' index entries and the foreign-key checks' row
        # locks then reach the registry's pages in the order they lie (1M households: the
        # checks are most of the import, docs/benchmarks.md).
        cursor.execute(
            f"""
            INSERT INTO {event}
                (household_id, member_id, id_number, kind, source, date, amount_fen, note,
                 created_at)
            SELECT household_id, member_id, id_number, event, source, date, amount, note, %s
            FROM {MATCHED} m WHERE member_id IS NOT NULL
              AND NOT EXISTS (
                  SELECT 1 FROM {event} e
                  WHERE e.household_id = m.household_id AND e.kind = m.event
                    AND e.date = m.date AND e.source = m.source AND e.id_number = m.id_number
              )
            ORDER BY household_id, member_id
            """,
            [now],
        )
        inserted = cursor.rowcount
        cursor.execute(
            f'SELECT "row", id_number FROM {MATCHED} WHERE member_id IS NULL ORDER BY "row"'
        )
        while batch := cursor.fetchmany(5000):
            self.notices.extend(Problem(row, "id_number", number, UNKNOWN) for row, number in batch)
        cursor.execute(f"DROP TABLE {MATCHED}")
        return max(inserted, 0), 0

    # --- phase 2, ORM path: the reference the tests hold the fast path to -------------------

    def check_orm(self, rows: list[dict[str, Any]]) -> Iterator[Problem]:
        yield from orm_duplicates(rows, KEYS, "id_number")

    def load_orm(self, rows, written, now) -> tuple[int, int]:
        with connection.cursor() as cursor:
            lock_for_writing(cursor)
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
