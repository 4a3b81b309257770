"""The four registry kinds: regions, households, members, incomes.

Each importer states its cross-row checks twice, once as set-based SQL over the staging table
(the fast path) and once in Python over ORM queries (the reference path); the tests hold the
two to the same refusals. Problems are reported check by check, each in row order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection

from jingzhun.regions import codes
from jingzhun.regions.models import Region
from jingzhun.registry import rules
from jingzhun.registry.models import Household, Income, Member

from . import cells, indexes
from .base import STAGE, Importer, register
from .columns import HOUSEHOLD_COLUMNS, INCOME_COLUMNS, MEMBER_COLUMNS, REGION_COLUMNS
from .problems import Problem

Row = dict[str, Any]
_CHUNK = 500  # values per `IN (…)`: well under SQLite's bound-parameter limit


# --- messages, shared by both paths so their refusals read the same ---------------------------


def _duplicate(first: int) -> str:
    return f"与第{first}行重复 (duplicates row {first})"


def _no_household(no: str) -> str:
    return f"户编号{no}不存在，请先导入户 (no such household; import households first)"


def _id_elsewhere(no: str) -> str:
    return f"该证件号码已登记在户{no} (ID already registered in household {no})"


def _heads(no: str, in_file: int, in_db: int) -> str:
    total = in_file + in_db
    if total == 0:
        return f"户{no}没有户主 (household {no} has no head)"
    return (
        f"户{no}将有{total}名户主（文件中{in_file}名，已登记{in_db}名），每户须且仅须一名 "
        f"(household {no} would have {total} heads: {in_file} in the file, {in_db} registered; "
        "exactly one)"
    )


def _no_parent(parent: str) -> str:
    return f"上级区划{parent}不存在 (parent region {parent} is neither registered nor in the file)"


def _not_village(code: str, level: str | None) -> str:
    if level is None:
        return f"村代码{code}不存在，请先导入区划 (no such region; import regions first)"
    return f"{code}是{codes.LEVEL_LABEL.get(level, level)}级区划，不是村 (not a village)"


# --- SQL helpers ----------------------------------------------------------------------------


def q(name: str) -> str:
    return connection.ops.quote_name(name)


def table(model) -> str:
    return q(model._meta.db_table)


def column(model, field: str) -> str:
    return q(model._meta.get_field(field).column)


ROW = q("row")
Expr = tuple[str, str, list]  # (target column, SQL expression, parameters)


def _fetch(cursor, sql: str, params: Iterable = ()) -> Iterator[tuple]:
    cursor.execute(sql, list(params))
    while batch := cursor.fetchmany(2000):
        yield from batch


def sql_duplicates(cursor, keys: tuple[str, ...], reported: str) -> Iterator[Problem]:
    """Every row whose key an earlier row already had."""
    key_list = ", ".join(q(k) for k in keys)
    on = " AND ".join(f"f.{q(k)} = s.{q(k)}" for k in keys)
    sql = (
        f"SELECT s.{ROW}, s.{q(reported)}, f.first_row FROM {STAGE} AS s JOIN ("
        f"SELECT {key_list}, MIN({ROW}) AS first_row FROM {STAGE} GROUP BY {key_list} "
        f"HAVING COUNT(*) > 1) AS f ON {on} WHERE s.{ROW} > f.first_row ORDER BY s.{ROW}"
    )
    for row, value, first in _fetch(cursor, sql):
        yield Problem(row, reported, str(value), _duplicate(first))


def orm_duplicates(rows: list[Row], keys: tuple[str, ...], reported: str) -> Iterator[Problem]:
    first: dict[tuple, int] = {}
    for r in rows:
        key = tuple(r[k] for k in keys)
        if key in first:
            yield Problem(r["row"], reported, str(r[reported]), _duplicate(first[key]))
        else:
            first[key] = r["row"]


def sql_missing_households(cursor) -> Iterator[Problem]:
    sql = (
        f"SELECT s.{ROW}, s.household_no FROM {STAGE} AS s WHERE NOT EXISTS ("
        f"SELECT 1 FROM {table(Household)} AS h WHERE h.household_no = s.household_no) "
        f"ORDER BY s.{ROW}"
    )
    for row, no in _fetch(cursor, sql):
        yield Problem(row, "household_no", no, _no_household(no))


def _chunks(values: Iterable, size: int = _CHUNK) -> Iterator[list]:
    it = iter(sorted(values))
    while chunk := list(islice(it, size)):
        yield chunk


def household_ids(nos: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(set(nos)):
        found.update(
            Household.objects.filter(household_no__in=chunk).values_list("household_no", "id")
        )
    return found


def orm_missing_households(rows: list[Row], known: dict[str, int]) -> Iterator[Problem]:
    for r in rows:
        if r["household_no"] not in known:
            yield Problem(
                r["row"], "household_no", r["household_no"], _no_household(r["household_no"])
            )


# Set on every write, never compared: a row whose other values are unchanged is not written.
_BOOKKEEPING = frozenset({"version", "updated_at"})


def _update(cursor, model, source: str, match: str, sets: list[Expr], where: str = "") -> int:
    """UPDATE the registered rows the file matches, but only those where a written value
    differs: a county re-loading an export it loaded before rewrites nothing (no version
    bump, no new row versions and index entries), as `_assigned` does for the ORM path."""
    assignments = ", ".join(f"{target} = {expr}" for target, expr, _ in sets)
    params = [p for _, _, ps in sets for p in ps]
    compared = [(t, e, ps) for t, e, ps in sets if t.strip('"') not in _BOOKKEEPING]
    if compared:
        where += " AND (" + " OR ".join(f"t.{t} IS DISTINCT FROM {e}" for t, e, _ in compared) + ")"
        params += [p for _, _, ps in compared for p in ps]
    cursor.execute(
        f"UPDATE {table(model)} AS t SET {assignments} FROM {source} WHERE {match}{where}", params
    )
    return cursor.rowcount


def _assigned(obj, values: dict[str, Any]) -> bool:
    """Set `values` on a registered object; whether any of them changed it (the ORM path's
    counterpart of `_update`'s comparison)."""
    changed = False
    for field, value in values.items():
        if getattr(obj, field) != value:
            setattr(obj, field, value)
            changed = True
    return changed


def _insert(cursor, model, source: str, match: str, values: list[Expr]) -> int:
    targets = ", ".join(target for target, _, _ in values)
    exprs = ", ".join(expr for _, expr, _ in values)
    params = [p for _, _, ps in values for p in ps]
    cursor.execute(f"SELECT count(*) FROM {STAGE}")
    with indexes.built_after(cursor, model, incoming=cursor.fetchone()[0]):
        cursor.execute(
            f"INSERT INTO {table(model)} ({targets}) SELECT {exprs} FROM {source} "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table(model)} AS t WHERE {match}) ORDER BY s.{ROW}",
            params,
        )
        inserted = cursor.rowcount
    return inserted


class _RegistryImporter(Importer):
    """Shared plumbing: staging column → model field, and the copy expressions."""

    model: Any
    derived_fields: dict[str, str] = {}

    def field_of(self, name: str) -> str:
        if name in self.derived_fields:
            return self.derived_fields[name]
        for c in self.columns:
            if c.key == name:
                return c.field
        return name

    def written(self, present: set[str]) -> list[str]:
        return [n for n in super().written(present) if "__" not in self.field_of(n)]

    def stored(self) -> list[str]:
        """Staging columns that are stored as they are (all but the row and joined keys)."""
        return [n for n, _ in self.stage_columns()[1:] if "__" not in self.field_of(n)]

    def copies(self, names: Iterable[str]) -> list[Expr]:
        return [(column(self.model, self.field_of(n)), f"s.{q(n)}", []) for n in names]

    def values_of(self, row: Row, names: Iterable[str]) -> dict[str, Any]:
        return {self.field_of(n): row[n] for n in names}


# --- regions --------------------------------------------------------------------------------


@register("regions")
class RegionImporter(_RegistryImporter):
    """Upsert by code. Level and parent follow from the code; the parent must be registered
    already or come in the same file (in any order: the foreign key is checked at commit)."""

    model = Region
    columns = REGION_COLUMNS
    derived = (("level", "text"), ("parent_code", "text"))
    derived_fields = {"parent_code": "parent_id"}
    keys = ("code",)

    def finish(self, values: Row, raw: dict[str, str]) -> Row:
        try:
            values["level"] = codes.level_of(values["code"])
        except codes.RegionCodeError as exc:
            raise ValidationError({"code": [str(exc)]}) from None
        values["parent_code"] = codes.parent_code(values["code"])
        return values

    def check_sql(self, cursor) -> Iterator[Problem]:
        yield from sql_duplicates(cursor, ("code",), "code")
        sql = (
            f"SELECT s.{ROW}, s.code, s.parent_code FROM {STAGE} AS s "
            f"WHERE s.parent_code IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {STAGE} AS p WHERE p.code = s.parent_code) "
            f"AND NOT EXISTS (SELECT 1 FROM {table(Region)} AS r WHERE r.code = s.parent_code) "
            f"ORDER BY s.{ROW}"
        )
        for row, code, parent in _fetch(cursor, sql):
            yield Problem(row, "code", code, _no_parent(parent))

    def check_orm(self, rows: list[Row]) -> Iterator[Problem]:
        yield from orm_duplicates(rows, ("code",), "code")
        in_file = {r["code"] for r in rows}
        wanted = {r["parent_code"] for r in rows if r["parent_code"]} - in_file
        known: set[str] = set()
        for chunk in _chunks(wanted):
            known.update(Region.objects.filter(code__in=chunk).values_list("code", flat=True))
        for r in rows:
            parent = r["parent_code"]
            if parent and parent not in in_file and parent not in known:
                yield Problem(r["row"], "code", r["code"], _no_parent(parent))

    def load_sql(self, cursor, written: list[str], now) -> tuple[int, int]:
        source, match = f"{STAGE} AS s", "t.code = s.code"
        updated = _update(cursor, Region, source, match, self.copies(written))
        inserted = _insert(cursor, Region, source, match, self.copies(self.stored()))
        return inserted, updated

    def load_orm(self, rows: list[Row], written: list[str], now) -> tuple[int, int]:
        existing: dict[str, Region] = {}
        for chunk in _chunks({r["code"] for r in rows}):
            existing.update(Region.objects.in_bulk(chunk))
        changed, new = [], []
        for r in rows:
            if (region := existing.get(r["code"])) is not None:
                if _assigned(region, self.values_of(r, written)):
                    changed.append(region)
            else:
                new.append(Region(**self.values_of(r, self.stored())))
        fields = [self.field_of(n) for n in written]
        if changed and fields:
            Region.objects.bulk_update(changed, fields, batch_size=_CHUNK)
        Region.objects.bulk_create(sorted(new, key=lambda r: r.code), batch_size=1000)
        return len(new), len(changed)


# --- households -----------------------------------------------------------------------------


@register("households")
class HouseholdImporter(_RegistryImporter):
    """Upsert by household_no (a county re-loads its export). An empty status keeps the
    registered one on update (`poor` on insert) unless a combined national attribute label
    (低保脱贫户) implies one; an explicit status always wins."""

    model = Household
    columns = HOUSEHOLD_COLUMNS
    keys = ("household_no",)
    indexed = ("village_code",)
    always_written = frozenset({"status"})

    def finish(self, values: Row, raw: dict[str, str]) -> Row:
        values["status"] = values["status"] or cells.implied_status(raw["attribute"])
        rules.check_household_years(values)
        return values

    def check_sql(self, cursor) -> Iterator[Problem]:
        yield from sql_duplicates(cursor, ("household_no",), "household_no")
        sql = (
            f"SELECT s.{ROW}, s.village_code, r.level FROM {STAGE} AS s "
            f"LEFT JOIN {table(Region)} AS r ON r.code = s.village_code "
            f"WHERE r.code IS NULL OR r.level <> 'village' ORDER BY s.{ROW}"
        )
        for row, code, level in _fetch(cursor, sql):
            yield Problem(row, "village_code", code, _not_village(code, level))

    def check_orm(self, rows: list[Row]) -> Iterator[Problem]:
        yield from orm_duplicates(rows, ("household_no",), "household_no")
        levels: dict[str, str] = {}
        for chunk in _chunks({r["village_code"] for r in rows}):
            levels.update(Region.objects.filter(code__in=chunk).values_list("code", "level"))
        for r in rows:
            level = levels.get(r["village_code"])
            if level != "village":
                yield Problem(
                    r["row"],
                    "village_code",
                    r["village_code"],
                    _not_village(r["village_code"], level),
                )

    def _sets(self, written: list[str], now) -> list[Expr]:
        sets = [
            (target, "COALESCE(s.status, t.status)" if n == "status" else expr, [])
            for n, (target, expr, _) in zip(written, self.copies(written), strict=True)
        ]
        return [*sets, ("version", "t.version + 1", []), ("updated_at", "%s", [now])]

    def load_sql(self, cursor, written: list[str], now) -> tuple[int, int]:
        source, match = f"{STAGE} AS s", "t.household_no = s.household_no"
        updated = _update(cursor, Household, source, match, self._sets(written, now))
        values = [
            (target, "COALESCE(s.status, 'poor')" if target == q("status") else expr, [])
            for target, expr, _ in self.copies(self.stored())
        ]
        values += [
            ("relocated", "%s", [False]),
            ("version", "1", []),
            ("created_at", "%s", [now]),
            ("updated_at", "%s", [now]),
        ]
        inserted = _insert(cursor, Household, source, match, values)
        return inserted, updated

    def load_orm(self, rows: list[Row], written: list[str], now) -> tuple[int, int]:
        existing: dict[str, Household] = {}
        for chunk in _chunks({r["household_no"] for r in rows}):
            existing.update(Household.objects.in_bulk(chunk, field_name="household_no"))
        changed, new = [], []
        for r in rows:
            values = self.values_of(r, self.stored())
            if (household := existing.get(r["household_no"])) is not None:
                kept = {n for n in written if n == "status" and r[n] is None}
                if _assigned(household, self.values_of(r, [n for n in written if n not in kept])):
                    household.version += 1
                    household.updated_at = now
                    changed.append(household)
            else:
                new.append(Household(**{**values, "status": values["status"] or "poor"}))
        fields = [self.field_of(n) for n in written] + ["version", "updated_at"]
        if changed:
            Household.objects.bulk_update(changed, fields, batch_size=_CHUNK)
        Household.objects.bulk_create(new, batch_size=1000)
        return len(new), len(changed)


# --- members --------------------------------------------------------------------------------


@register("members")
class MemberImporter(_RegistryImporter):
    """Upsert by ID number within its household: an ID registered in another household is
    refused (a move between households is a service, with its history, not a re-load)."""

    model = Member
    columns = MEMBER_COLUMNS
    # A large first load goes straight into the table (importing/direct.py).
    direct = True
    derived = (("id_warning", "text"),)
    keys = ("id_number",)
    indexed = ("household_no",)
    always_written = frozenset({"sex", "birth_date", "id_warning"})

    def finish(self, values: Row, raw: dict[str, str]) -> Row:
        values = rules.check_identity(values)  # the registry's own ID, sex and birth checks
        rules.check_member_consistency(values)
        if values["id_warning"]:
            self.warnings += 1
        return values

    def check_sql(self, cursor) -> Iterator[Problem]:
        yield from sql_duplicates(cursor, ("id_number",), "id_number")
        yield from sql_missing_households(cursor)
        sql = (
            f"SELECT s.{ROW}, s.id_number, h.household_no FROM {STAGE} AS s "
            f"JOIN {table(Member)} AS m ON m.id_number = s.id_number "
            f"JOIN {table(Household)} AS h ON h.id = m.household_id "
            f"WHERE h.household_no <> s.household_no ORDER BY s.{ROW}"
        )
        for row, id_number, other in _fetch(cursor, sql):
            yield Problem(row, "id_number", id_number, _id_elsewhere(other))
        yield from self._sql_heads(cursor)

    def _sql_heads(self, cursor) -> Iterator[Problem]:
        # Heads after the load = heads in the file + registered heads the file does not touch.
        sql = f"""
            WITH f AS (
                SELECT household_no, MIN({ROW}) AS first_row,
                       SUM(CASE WHEN relation = 'head' THEN 1 ELSE 0 END) AS file_heads
                FROM {STAGE} GROUP BY household_no
            ), d AS (
                SELECT h.household_no, COUNT(*) AS db_heads
                FROM {table(Member)} AS m
                JOIN {table(Household)} AS h ON h.id = m.household_id
                JOIN f ON f.household_no = h.household_no
                WHERE m.relation = 'head'
                  AND NOT EXISTS (SELECT 1 FROM {STAGE} AS x WHERE x.id_number = m.id_number)
                GROUP BY h.household_no
            ), c AS (
                SELECT f.household_no, f.first_row, f.file_heads,
                       COALESCE(d.db_heads, 0) AS db_heads
                FROM f
                JOIN {table(Household)} AS h ON h.household_no = f.household_no
                LEFT JOIN d ON d.household_no = f.household_no
                WHERE f.file_heads + COALESCE(d.db_heads, 0) <> 1
            )
            SELECT c.first_row, c.household_no, c.file_heads, c.db_heads, ''
            FROM c WHERE c.file_heads + c.db_heads = 0
            UNION ALL
            SELECT s.{ROW}, c.household_no, c.file_heads, c.db_heads, s.relation
            FROM c JOIN {STAGE} AS s ON s.household_no = c.household_no AND s.relation = 'head'
            WHERE c.file_heads + c.db_heads > 1
            ORDER BY 1
        """
        for row, no, in_file, in_db, value in _fetch(cursor, sql):
            yield Problem(row, "relation", value, _heads(no, in_file, in_db))

    def check_orm(self, rows: list[Row]) -> Iterator[Problem]:
        yield from orm_duplicates(rows, ("id_number",), "id_number")
        known = household_ids(r["household_no"] for r in rows)
        yield from orm_missing_households(rows, known)
        registered: dict[str, str] = {}
        for chunk in _chunks({r["id_number"] for r in rows}):
            registered.update(
                Member.objects.filter(id_number__in=chunk).values_list(
                    "id_number", "household__household_no"
                )
            )
        for r in rows:
            other = registered.get(r["id_number"])
            if other is not None and other != r["household_no"]:
                yield Problem(r["row"], "id_number", r["id_number"], _id_elsewhere(other))
        yield from self._orm_heads(rows, known)

    def _orm_heads(self, rows: list[Row], known: dict[str, int]) -> Iterator[Problem]:
        in_file = {r["id_number"] for r in rows}
        first: dict[str, int] = {}
        file_heads: Counter[str] = Counter()
        for r in rows:
            first.setdefault(r["household_no"], r["row"])
            file_heads[r["household_no"]] += r["relation"] == "head"
        db_heads: Counter[str] = Counter()
        for chunk in _chunks(set(first) & set(known)):
            for no, id_number in Member.objects.filter(
                household__household_no__in=chunk, relation="head"
            ).values_list("household__household_no", "id_number"):
                db_heads[no] += id_number not in in_file
        found: list[Problem] = []
        for no, first_row in first.items():
            if no not in known:
                continue
            total = file_heads[no] + db_heads[no]
            if total == 0:
                found.append(Problem(first_row, "relation", "", _heads(no, 0, 0)))
        for r in rows:
            no = r["household_no"]
            if r["relation"] == "head" and no in known and file_heads[no] + db_heads[no] > 1:
                found.append(
                    Problem(r["row"], "relation", "head", _heads(no, file_heads[no], db_heads[no]))
                )
        yield from sorted(found)

    def load_sql(self, cursor, written: list[str], now) -> tuple[int, int]:
        source = f"{STAGE} AS s JOIN {table(Household)} AS h ON h.household_no = s.household_no"
        match = "t.id_number = s.id_number"
        sets = [*self.copies(written), ("version", "t.version + 1", [])]
        # Demote before promoting, so no household holds two heads even for a moment (the
        # partial unique index is checked row by row).
        updated = _update(cursor, Member, source, match, sets, " AND s.relation <> 'head'")
        updated += _update(cursor, Member, source, match, sets, " AND s.relation = 'head'")
        values = [
            ("household_id", "h.id", []),
            *self.copies(self.stored()),
            ("version", "1", []),
        ]
        inserted = _insert(cursor, Member, source, match, values)
        return inserted, updated

    def load_orm(self, rows: list[Row], written: list[str], now) -> tuple[int, int]:
        ids = household_ids(r["household_no"] for r in rows)
        existing: dict[str, Member] = {}
        for chunk in _chunks({r["id_number"] for r in rows}):
            existing.update(Member.objects.in_bulk(chunk, field_name="id_number"))
        demoted, promoted, new = [], [], []
        for r in rows:
            if (member := existing.get(r["id_number"])) is not None:
                if _assigned(member, self.values_of(r, written)):
                    member.version += 1
                    (promoted if r["relation"] == "head" else demoted).append(member)
            else:
                values = self.values_of(r, self.stored())
                new.append(Member(household_id=ids[r["household_no"]], **values))
        fields = [self.field_of(n) for n in written] + ["version"]
        for batch in (demoted, promoted):
            if batch:
                Member.objects.bulk_update(batch, fields, batch_size=_CHUNK)
        Member.objects.bulk_create(new, batch_size=1000)
        return len(new), len(demoted) + len(promoted)


# --- incomes --------------------------------------------------------------------------------


@register("incomes")
class IncomeImporter(_RegistryImporter):
    """Upsert by household and year."""

    model = Income
    columns = INCOME_COLUMNS
    keys = ("household_no", "year")

    def check_sql(self, cursor) -> Iterator[Problem]:
        yield from sql_duplicates(cursor, ("household_no", "year"), "year")
        yield from sql_missing_households(cursor)

    def check_orm(self, rows: list[Row]) -> Iterator[Problem]:
        yield from orm_duplicates(rows, ("household_no", "year"), "year")
        yield from orm_missing_households(rows, household_ids(r["household_no"] for r in rows))

    def load_sql(self, cursor, written: list[str], now) -> tuple[int, int]:
        source = f"{STAGE} AS s JOIN {table(Household)} AS h ON h.household_no = s.household_no"
        match = "t.household_id = h.id AND t.year = s.year"
        sets = [*self.copies(written), ("version", "t.version + 1", [])]
        updated = _update(cursor, Income, source, match, sets)
        values = [("household_id", "h.id", []), *self.copies(self.stored()), ("version", "1", [])]
        inserted = _insert(cursor, Income, source, match, values)
        return inserted, updated

    def load_orm(self, rows: list[Row], written: list[str], now) -> tuple[int, int]:
        ids = household_ids(r["household_no"] for r in rows)
        existing: dict[tuple[int, int], Income] = {}
        for chunk in _chunks(set(ids.values())):
            for income in Income.objects.filter(household_id__in=chunk):
                existing[(income.household_id, income.year)] = income
        changed, new = [], []
        for r in rows:
            household_id = ids[r["household_no"]]
            if (income := existing.get((household_id, r["year"]))) is not None:
                if _assigned(income, self.values_of(r, written)):
                    income.version += 1
                    changed.append(income)
            else:
                new.append(Income(household_id=household_id, **self.values_of(r, self.stored())))
        fields = [self.field_of(n) for n in written] + ["version"]
        if changed:
            Income.objects.bulk_update(changed, fields, batch_size=_CHUNK)
        Income.objects.bulk_create(new, batch_size=1000)
        return len(new), len(changed)
