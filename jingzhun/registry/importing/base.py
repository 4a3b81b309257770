"""The import pipeline shared by every kind, and the registry of kinds.

Phase 1 streams the file once: each row is parsed by the kind's column table and checked by
its row rules (`finish`); good rows go to a spool on disk, problems to the log. Nothing but the
current row is in memory. Phase 2, in one transaction, runs the checks that need other rows or
the database, then writes:

* `fast` (the default): the spool is copied into a TEMP staging table (PostgreSQL `COPY`,
  SQLite `executemany`); duplicates, references and the head rule are set-based SQL over it,
  then `UPDATE … FROM` and `INSERT … SELECT` move the rows into the registry.
* `orm`: the spool is read into model objects, checked in Python and written with
  `bulk_update`/`bulk_create`. Slower and memory-bound; it is the reference the tests hold
  the fast path to (same rows, same refusals).

Any problem, in either phase, refuses the whole file: the transaction rolls back.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import datetime as dt
import hashlib
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from jingzhun.audit import services as audit

from . import direct, vectorised
from .cells import CellError
from .columns import Column, header_index, resolve_header
from .problems import ImportRefused, Problem, ProblemLog
from .readers import FileFormatError, Table, as_plain_csv, is_xlsx, open_table
from .spool import Spool

STAGE = "jz_import_stage"
ENGINES = ("auto", "fast", "orm")
ProgressFn = Callable[[str, int, float | None], None]  # (stage, rows so far, fraction or None)
_PROGRESS_EVERY = 5000  # rows between progress calls (the caller decides what to print)
# From this many staged rows on, PostgreSQL's checks and writes hash the staging table whole,
# so indexes on it would be built for nothing (3-4 s of a 1M-member import, docs/benchmarks.md).
STAGE_INDEXES_BELOW = 50_000


@dataclass(frozen=True)
class ImportSummary:
    kind: str
    rows: int
    inserted: int
    updated: int
    warnings: int
    file: str
    sha256: str
    engine: str
    seconds: float
    validate_seconds: float  # phase 1: read, parse, row rules, spool
    # Rows reported but not refused (e.g. `match`: ID numbers found in no household); the
    # command writes them to --errors. Counted in `reported`, left out of the JSON summary.
    reported: int = 0
    notices: tuple[Problem, ...] = field(default=(), repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "notices"
        }


class Importer:
    """One kind of file. Subclasses give the column table, row rules, checks and writes."""

    kind: ClassVar[str]
    columns: ClassVar[tuple[Column, ...]]
    # Staging columns computed by `finish` rather than read: (name, SQL type).
    derived: ClassVar[tuple[tuple[str, str], ...]] = ()
    # Staging columns that identify the row: indexed, and never changed by an update.
    keys: ClassVar[tuple[str, ...]] = ()
    # Further staging columns the checks join on.
    indexed: ClassVar[tuple[str, ...]] = ()
    # Columns written on update even when the file does not have them (derived values).
    always_written: ClassVar[frozenset[str]] = frozenset()

    def __init__(self) -> None:
        self.warnings = 0
        self.notices: list[Problem] = []  # reported, not refused (see ImportSummary)

    @classmethod
    def stage_columns(cls) -> list[tuple[str, str]]:
        return [("row", "integer"), *((c.key, c.sql_type) for c in cls.columns), *cls.derived]

    def finish(self, values: dict[str, Any], raw: dict[str, str]) -> dict[str, Any]:
        """Rules across the columns of one row; raise ValidationError keyed by column."""
        return values

    def written(self, present: set[str]) -> list[str]:
        """The staging columns an update writes: those in the file, less the keys."""
        names = [name for name, _ in self.stage_columns()[1:]]
        return [
            n for n in names if (n in present or n in self.always_written) and n not in self.keys
        ]

    # Phase 2, fast path: `cursor` is Django's cursor inside the import's transaction.
    def check_sql(self, cursor) -> Iterator[Problem]:
        raise NotImplementedError

    def load_sql(self, cursor, written: list[str], now) -> tuple[int, int]:
        raise NotImplementedError

    # Phase 2, ORM path: `rows` are dicts of typed staging values, in file order.
    def check_orm(self, rows: list[dict[str, Any]]) -> Iterator[Problem]:
        raise NotImplementedError

    def load_orm(self, rows: list[dict[str, Any]], written: list[str], now) -> tuple[int, int]:
        raise NotImplementedError


IMPORTERS: dict[str, type[Importer]] = {}


def register(kind: str) -> Callable[[type[Importer]], type[Importer]]:
    """Class decorator: make `jingzhun import KIND` use this importer. Other apps (funds,
    monitoring) register theirs from their AppConfig.ready() or module import."""

    def decorate(cls: type[Importer]) -> type[Importer]:
        cls.kind = kind
        IMPORTERS[kind] = cls
        return cls

    return decorate


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def import_file(
    kind: str,
    path: Path | str,
    *,
    by=None,
    engine: str = "auto",
    progress: ProgressFn | None = None,
    keep_problems: int = 1000,
) -> ImportSummary:
    """Import a whole file or nothing. Raises ImportRefused (nothing written) listing the
    problems, KeyError for an unknown kind, FileNotFoundError for a missing file."""
    importer = IMPORTERS[kind]()
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(path)
    started = time.monotonic()
    # The direct load (importing/direct.py) writes while phase 1 reads: the import's
    # transaction then spans both phases.
    go_direct = engine != "orm" and direct.applies(importer, engine)
    with transaction.atomic() if go_direct else contextlib.nullcontext():
        return _import(importer, path, by, engine, progress, keep_problems, started, go_direct)


def _columnwise(importer, source, log, spool, progress, go_direct, keep_problems):
    """Phase 1 of the CSV `source` column-wise, and the direct load where it goes:
    (present, loaded, log), present _UNREAD where there is no source to read. Raises
    vectorised.Fallback and vectorised.NotPlain."""
    present, loaded = _UNREAD, None
    if source is not None and go_direct:
        present, loaded = direct.load(importer, source, log, spool, progress)
    if present is direct.RERUN:  # the careful path reads it again
        log.close()
        log, present = ProblemLog(keep=keep_problems), _UNREAD
        importer.warnings = 0
    if source is not None and present is _UNREAD:
        present = vectorised.validate(importer, source, log, spool, progress)
    return present, loaded, log


def _import(importer, path, by, engine, progress, keep_problems, started, go_direct):
    kind = importer.kind
    # The file's hash meanwhile, in a thread of its own (hashlib lets go of the GIL).
    hashing = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="jingzhun-sha256")
    digest = hashing.submit(file_sha256, path)
    hashing.shutdown(wait=False)
    log = ProblemLog(keep=keep_problems)
    spool = Spool()
    try:
        try:
            present, loaded = _UNREAD, None
            if engine != "orm" and vectorised.applies(importer, path):
                with tempfile.TemporaryDirectory(prefix="jingzhun-import-") as scratch:

                    def plainly() -> Path | None:
                        # The cells as the per-row reader reads them, as the CSV the
                        # column-wise pass reads.
                        source = Path(scratch) / "plain.csv"
                        return source if as_plain_csv(path, source, progress) else None

                    source = plainly() if is_xlsx(path) else path
                    try:
                        try:
                            present, loaded, log = _columnwise(
                                importer, source, log, spool, progress, go_direct, keep_problems
                            )
                        except vectorised.NotPlain:  # raised before any row is read
                            log.close()
                            log = ProblemLog(keep=keep_problems)
                            present, loaded, log = _columnwise(
                                importer, plainly(), log, spool, progress, go_direct, keep_problems
                            )
                    except vectorised.Fallback:  # start again, row by row
                        log.close()
                        spool.close()
                        log, spool = ProblemLog(keep=keep_problems), Spool()
                        importer.warnings = 0
                        present, loaded = _UNREAD, None
            if present is _UNREAD:
                with open_table(path) as table:
                    present = _validate(importer, table, log, spool, progress)
        except FileFormatError as exc:
            log.add(exc.row, "", "", str(exc))
            raise _refused(kind, log) from None
        if present is None:  # the header was unusable: no row could be read
            raise _refused(kind, log)
        validated = time.monotonic()
        sha256 = digest.result()
        use_orm = engine == "orm"
        if loaded is not None:
            label = f"direct-{connection.vendor}"
        else:
            label = "orm" if use_orm else f"fast-{connection.vendor}"
        try:
            with transaction.atomic():
                if loaded is not None:
                    inserted, updated = loaded
                else:
                    inserted, updated = (_write_orm if use_orm else _write_fast)(
                        importer, spool, log, present, progress
                    )
                summary = ImportSummary(
                    kind=kind,
                    rows=spool.rows,
                    inserted=inserted,
                    updated=updated,
                    warnings=importer.warnings,
                    file=path.name,
                    sha256=sha256,
                    engine=label,
                    seconds=round(time.monotonic() - started, 3),
                    validate_seconds=round(
                        direct.last_run()["phase1"] if loaded else validated - started, 3
                    ),
                    reported=len(importer.notices),
                    notices=tuple(importer.notices),
                )
                # One entry for the batch: the hash names the exact content that was loaded.
                audit.record(
                    by=by,
                    action=f"import.{kind}",
                    object_type="import",
                    object_id=sha256,
                    after={
                        "file": path.name,
                        "sha256": sha256,
                        "rows": spool.rows,
                        "inserted": inserted,
                        "updated": updated,
                        "engine": summary.engine,
                    },
                )
        except IntegrityError as exc:
            # The checks above should leave nothing for the constraints to catch; if one
            # fires anyway the file is refused like any other, not a crash.
            log.add(0, "", "", f"数据库拒绝写入 (the database refused the rows): {exc}")
            raise _refused(kind, log) from None
        if progress:
            progress("done", spool.rows, 1.0)
        log.close()
        return summary
    finally:
        spool.close()


_UNREAD: Any = object()


class _Refuse(Exception):  # noqa: N818 - internal signal to roll the transaction back
    pass


def _refused(kind: str, log: ProblemLog) -> ImportRefused:
    return ImportRefused(kind, list(log.kept), log.total, log)


# --- phase 1 --------------------------------------------------------------------------------


def _map_header(importer: Importer, header: list[str], log: ProblemLog):
    """Column key → cell position; unknown positions → header text; None if unusable."""
    index = header_index(importer.columns)
    positions: dict[str, int] = {}
    unknown: dict[int, str] = {}
    for i, name in enumerate(header):
        column = resolve_header(name, index) if name.strip() else None
        if column is None:
            unknown[i] = name.strip() or f"#{i + 1}"
        elif column.key in positions:
            log.add(1, name, name, f"列重复 (duplicate column: {column.key})")
        else:
            positions[column.key] = i
    missing = [c for c in importer.columns if c.required and c.key not in positions]
    for column in missing:
        log.add(1, column.key, "", f"缺少必需的列“{column.zh}” (required column missing)")
    return (None if missing else positions), unknown


_MEMO_LIMIT = 10_000  # distinct cells remembered per column: memory stays flat


def _memoized(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """Most columns repeat a handful of values (flags, causes, codes, years): parse each
    distinct text once. Parsers are pure, so a remembered error is re-raised as it was."""
    memo: dict[str, tuple[bool, Any]] = {}

    def cached(text: str) -> Any:
        hit = memo.get(text)
        if hit is None:
            try:
                hit = (True, parse(text))
            except CellError as exc:
                hit = (False, str(exc))
            if len(memo) < _MEMO_LIMIT:
                memo[text] = hit
        if hit[0]:
            return hit[1]
        raise CellError(hit[1])

    return cached


def _validate(
    importer: Importer, table: Table, log: ProblemLog, spool: Spool, progress: ProgressFn | None
) -> set[str] | None:
    positions, unknown = _map_header(importer, table.header, log)
    if positions is None:
        return None
    plan = [(c, _memoized(c.parse), positions.get(c.key)) for c in importer.columns]
    order = [name for name, _ in importer.stage_columns()[1:]]
    width = len(table.header)
    unknown_seen: dict[int, tuple[int, str]] = {}  # position → first row and value
    for count, (row, cells) in enumerate(table.rows, 1):
        if len(cells) > width or unknown:
            _note_unknown(cells, width, unknown, unknown_seen, row)
        values, raw, ok = _parse_row(plan, cells, row, log)
        if ok:
            try:
                values = importer.finish(values, raw)
            except ValidationError as exc:
                for column, messages in exc.message_dict.items():
                    for message in messages:
                        log.add(row, column, raw.get(column, ""), message)
                ok = False
        if ok:
            spool.write([row, *(values[name] for name in order)])
        if progress and count % _PROGRESS_EVERY == 0:
            progress("validate", count, table.fraction_done())
    for position, (row, value) in sorted(unknown_seen.items()):
        name = unknown.get(position, f"#{position + 1}")
        log.add(row, name, value, "未知的列，且不为空 (unknown column with values)")
    return set(positions)


def _parse_row(plan, cells: list[str], row: int, log: ProblemLog):
    values: dict[str, Any] = {}
    raw: dict[str, str] = {}
    ok = True
    size = len(cells)
    for column, parse, position in plan:
        text = cells[position] if position is not None and position < size else ""
        raw[column.key] = text
        if not text:
            if not column.blank:
                log.add(row, column.key, "", "必填 (required)")
                ok = False
            values[column.key] = column.default
            continue
        try:
            values[column.key] = parse(text)
        except CellError as exc:
            log.add(row, column.key, text, str(exc))
            ok = False
    return values, raw, ok


def _note_unknown(cells, width, unknown, seen, row) -> None:
    for position in unknown:
        if position not in seen and position < len(cells) and cells[position]:
            seen[position] = (row, cells[position])
    for position in range(width, len(cells)):
        if position not in seen and cells[position]:
            seen[position] = (row, cells[position])


# --- phase 2 --------------------------------------------------------------------------------


def _write_fast(importer, spool, log, present, progress) -> tuple[int, int]:
    names = importer.stage_columns()
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
        columns_sql = ", ".join(f"{q(n)} {t}" for n, t in names)
        cursor.execute(f"CREATE TEMP TABLE {STAGE} ({columns_sql})")
        if progress:
            progress("stage", spool.rows, None)
        _fill_stage(cursor, spool, [n for n, _ in names])
        indexed = connection.vendor != "postgresql" or spool.rows < STAGE_INDEXES_BELOW
        for i, key in enumerate((*importer.keys, *importer.indexed) if indexed else ()):
            cursor.execute(f"CREATE INDEX {STAGE}_k{i} ON {STAGE} ({q(key)})")
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {STAGE}")
        if progress:
            progress("check", spool.rows, None)
        log.extend(importer.check_sql(cursor))
        if log:
            raise _refused(importer.kind, log)
        if progress:
            progress("write", spool.rows, None)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        counts = importer.load_sql(cursor, importer.written(present), now)
        cursor.execute(f"DROP TABLE {STAGE}")
    return counts


def _fill_stage(cursor, spool: Spool, names: list[str]) -> None:
    q = connection.ops.quote_name
    column_list = ", ".join(q(n) for n in names)
    if connection.vendor == "postgresql":
        # Django's cursor wraps psycopg's; COPY streams the spool's bytes as they are.
        with cursor.cursor.copy(f"COPY {STAGE} ({column_list}) FROM STDIN") as copy:
            for block in spool.blocks():
                copy.write(block)
    else:
        marks = ", ".join("?" * len(names))
        raw = connection.connection  # sqlite3: executemany pulls rows from the generator
        raw.executemany(f"INSERT INTO {STAGE} ({column_list}) VALUES ({marks})", iter(spool))


_CONVERT: dict[str, Callable[[str], Any]] = {
    "integer": int,
    "bigint": int,
    "boolean": lambda v: v == "1",
    "date": dt.date.fromisoformat,
}


def typed_rows(importer: Importer, spool: Spool) -> Iterable[dict[str, Any]]:
    names = importer.stage_columns()
    converters = [_CONVERT.get(t) for _, t in names]
    for fields in spool:
        yield {
            name: (value if value is None or conv is None else conv(value))
            for (name, _), conv, value in zip(names, converters, fields, strict=True)
        }


def _write_orm(importer, spool, log, present, progress) -> tuple[int, int]:
    rows = list(typed_rows(importer, spool))
    if progress:
        progress("check", len(rows), None)
    log.extend(importer.check_orm(rows))
    if log:
        raise _refused(importer.kind, log)
    if progress:
        progress("write", len(rows), None)
    return importer.load_orm(rows, importer.written(present), timezone.now())
