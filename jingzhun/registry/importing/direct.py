"""The direct load: a large first load of members COPYed straight into registry_member.

The careful fast path (base._write_fast) copies the spool into a staging table, checks it with
set-based SQL and moves it with `INSERT … SELECT`: at 1M members the staging COPY, the checks
and the insert were most of the import (docs/benchmarks.md). For the load that dominates a
county's first day — more incoming rows than the table holds, into households that have no
members yet — most of that work has nothing to find:

* the upsert is a pure insert (none of the file's households has a member, so none of the
  file's ID numbers is registered in its own household);
* an ID number registered in another household, or twice in the file, is refused by the
  unique constraint on ID numbers, rebuilt after the load;
* the one-head rule needs only the file's own rows: heads per household, counted column-wise.

So phase 1 (vectorised.validate) runs in a producer thread (Polars releases the GIL), and each
batch's good rows, their household numbers resolved to ids from one read of the households
table and their ids taken in row order from the table's sequence, are COPYed into the table by
the main thread while the next batch is read. The table's indexes, unique constraints and own
foreign keys are dropped first and rebuilt after (importing/indexes.py), as the careful path
does for a load of this size.

Everything happens inside a savepoint of the import's transaction. Anything that is not a
clean load — a row with a problem, an unknown household, a household without exactly one head
in the file, a constraint or foreign key that refuses at the rebuild, a registered member in
one of the file's households, a database error during the COPY — rolls the savepoint back,
and the import runs phase 1 again, spool and all, for the careful path, which reports exactly
what it always has. (The direct attempt writes no spool: a clean load needs none, and that
saves phase 1 a tenth of its work. The attempt stops at the first batch that shows a reason.)
A refused file costs its careful import plus the wasted attempt; a clean one about
max(phase 1, COPY) plus the rebuild.

PostgreSQL only, members only (MemberImporter.direct), engine `auto` only (`fast` keeps the
staging path, `orm` the reference).
"""

from __future__ import annotations

import io
import queue
import threading
import time
from pathlib import Path
from typing import Any

import polars as pl
import psycopg
from django.db import DatabaseError, connection, transaction

from jingzhun.registry.models import Household

from . import indexes, vectorised
from .spool import frame_rows

# Blocks of COPY data (one per phase-1 batch, ~25 MB each at 200,000 members) waiting for
# the main thread: the producer runs at most this far ahead, so memory stays bounded.
QUEUE_BLOCKS = 2
# The households' (number, id) are read whole while the table holds at most this many per
# incoming row; a province's table loaded county by county takes the careful path instead.
HOUSEHOLDS_PER_ROW = 4
ENABLED = True
# The latest attempt of this thread: route, reason, timings (the import reads phase 1's time
# from it, the benchmark prints it, tests read the route). Per thread, so two imports served
# at once by a threaded server never read each other's.
_latest = threading.local()


def last_run() -> dict[str, Any]:
    """The record of this thread's latest direct attempt (empty before the first)."""
    return getattr(_latest, "record", {})


def _run() -> dict[str, Any]:
    return _latest.record


# What `load` returns as `present` when phase 1 is to be run again, spool and all.
RERUN: Any = object()


class _Abandon(Exception):  # noqa: N818 - a signal: roll the savepoint back, go the careful way
    def __init__(self, present, reason: str) -> None:
        super().__init__(reason)
        self.present = present


class _Stop(Exception):  # noqa: N818 - raised by the sink: phase 1 need not go on
    pass


class _Households:
    """The households' ids by number, sorted once and looked up per batch by binary search.
    A hash join per batch built its table from every household each time: at 10M persons
    (2.76M households) 0.3–0.7 s a batch, a third of phase 1's time in the import; the
    search takes 0.01 s a batch at any size (docs/benchmarks.md)."""

    def __init__(self, frame: pl.DataFrame) -> None:
        frame = frame.sort("household_no")
        self.numbers = frame.get_column("household_no")
        self.ids = frame.get_column("household_id")

    def ids_of(self, numbers: pl.Series) -> pl.Series:
        """Each number's household id, None where no household has it (or it is None)."""
        if self.numbers.is_empty():
            return pl.Series(values=[None] * len(numbers), dtype=pl.Int64)
        at = self.numbers.search_sorted(numbers, side="left").clip(0, len(self.numbers) - 1)
        return pl.select(
            pl.when(self.numbers.gather(at) == numbers).then(self.ids.gather(at))
        ).to_series()


def applies(importer, engine: str) -> bool:
    return (
        ENABLED
        and engine == "auto"
        and connection.vendor == "postgresql"
        and getattr(importer, "direct", False)
    )


def _lines(path: Path) -> int:
    count = 0
    with path.open("rb") as fh:
        while block := fh.read(1 << 22):
            count += block.count(b"\n")
    return count


def load(importer, source: Path, log, spool, progress):
    """Phase 1 of the CSV `source` and, where the load qualifies, the load itself, inside the
    caller's transaction. Returns (present, (inserted, updated)) when the rows are in;
    (present, None) when phase 1 ran as always and the careful path is to write its spool;
    (RERUN, None) when the direct attempt wrote no spool (it needs none when it succeeds) and
    phase 1 is to run again for the careful path. Raises what phase 1 raises."""
    _latest.record = {"route": "careful"}
    started = time.perf_counter()
    # Rows of the file at most (one per line): bounds the counts below.
    estimate = _lines(source) + 1
    _run()["counted"] = round(time.perf_counter() - started, 3)
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                return _load(cursor, importer, source, log, spool, progress, estimate, started)
        except _Abandon as abandon:
            _run()["reason"] = str(abandon)
            return abandon.present, None
        except vectorised.NotPlain:  # the caller writes the file out plainly and comes back
            _run()["reason"] = "not plainly quoted"
            raise
        finally:
            _run()["seconds"] = round(time.perf_counter() - started, 3)


def _plain(importer, source, log, spool, progress, reason: str):
    _run()["reason"] = reason
    return vectorised.validate(importer, source, log, spool, progress), None


def _load(cursor, importer, source, log, spool, progress, estimate: int, started: float):
    model = importer.model
    q = connection.ops.quote_name
    table, household_table = q(model._meta.db_table), q(Household._meta.db_table)
    if estimate < indexes.REBUILD_AT_LEAST:
        return _plain(importer, source, log, spool, progress, "a small file")
    limit = HOUSEHOLDS_PER_ROW * estimate
    if indexes._rows_at_most(cursor, household_table, limit + 1) > limit:
        return _plain(importer, source, log, spool, progress, "too many households to read")
    existing = indexes._rows_at_most(cursor, table, estimate)
    # Ids in row order from the table's own sequence, as `INSERT … SELECT … ORDER BY row`
    # takes them; the drops below lock the table, so no one else takes one meanwhile.
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
    sequence = cursor.fetchone()[0]
    cursor.execute(
        f"SELECT s.last_value, s.is_called, p.seqincrement, (SELECT max(id) FROM {table}) "
        f"FROM {sequence} AS s, pg_sequence AS p WHERE p.seqrelid = %s::regclass",
        [sequence],
    )
    last_value, is_called, increment, max_id = cursor.fetchone()
    first_id = last_value + 1 if is_called else last_value
    if increment != 1 or (max_id is not None and max_id >= first_id):
        return _plain(importer, source, log, spool, progress, "ids not from the sequence")
    steps = indexes.dropped_for_load(cursor, model, estimate)
    if steps is None:
        return _plain(importer, source, log, spool, progress, "the table keeps its indexes")

    _run()["dropped"] = round(time.perf_counter() - started, 3)
    stored = importer.stored()
    targets = [
        "id",
        "household_id",
        *(model._meta.get_field(importer.field_of(n)).column for n in stored),
        "version",
    ]
    state: dict[str, Any] = {"abandon": None, "next_id": first_id, "heads": []}
    ready = threading.Event()
    blocks: queue.Queue[bytes | None] = queue.Queue(maxsize=QUEUE_BLOCKS)

    def abandon(reason: str) -> None:
        if state["abandon"] is None:
            state["abandon"] = reason

    def sink(good: pl.DataFrame) -> None:
        """Producer thread: one batch's good rows, row-ordered, to COPY data."""
        if log.total:
            abandon("rows with problems")
        ready.wait()
        if state["abandon"]:
            raise _Stop
        frame = good.with_columns(
            household_id=state["households"].ids_of(good.get_column("v_household_no"))
        )
        if frame.get_column("household_id").null_count():
            abandon("an unknown household")
            raise _Stop
        state["heads"].append(
            frame.group_by("household_id").agg(heads=(pl.col("v_relation") == "head").sum())
        )
        rows = frame.select(
            (pl.int_range(frame.height, dtype=pl.Int64) + state["next_id"]).alias("id"),
            "household_id",
            *(f"v_{n}" for n in stored),
            version=pl.lit("1"),
        )
        state["next_id"] += frame.height
        blocks.put(frame_rows(rows))

    def produce() -> None:
        try:
            # No spool: a clean load needs none, and anything else runs phase 1 again.
            state["present"] = vectorised.validate(importer, source, log, None, progress, sink)
            if state["present"] is not None and log.total:
                abandon("rows with problems")
        except _Stop:
            pass
        except BaseException as exc:  # noqa: BLE001 - re-raised by the main thread
            state["error"] = exc
        finally:
            state["phase1"] = time.perf_counter()
            blocks.put(None)

    producer = threading.Thread(target=produce, name="jingzhun-import-phase1", daemon=True)
    producer.start()
    finished = False  # the producer's end was taken from the queue
    try:
        try:
            # The households, while the first batch is read: (number as the spool writes it,
            # escaped as COPY text, and id), in one value (a COPY TO would cost a Python
            # object per household, and this thread shares the GIL with phase 1).
            cursor.execute(
                "SELECT string_agg(replace(replace(replace(replace(household_no, "
                "E'\\\\', E'\\\\\\\\'), E'\\t', E'\\\\t'), E'\\n', E'\\\\n'), "
                "E'\\r', E'\\\\r') || E'\\t' || id, E'\\n') "
                f"FROM {household_table}"
            )
            data = (cursor.fetchone()[0] or "").encode()
            schema = {"household_no": pl.String, "household_id": pl.Int64}
            state["households"] = _Households(
                pl.read_csv(
                    io.BytesIO(data),
                    has_header=False,
                    separator="\t",
                    quote_char=None,
                    schema=schema,
                )
                if data
                else pl.DataFrame(schema=schema)
            )
            del data
        except BaseException:
            abandon("the households could not be read")
            raise
        finally:
            ready.set()
            _run()["households_read"] = round(time.perf_counter() - started, 3)
        columns = ", ".join(map(q, targets))
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            while (block := blocks.get()) is not None:
                if not state["abandon"]:
                    copy.write(block)
            finished = True
    except (psycopg.Error, DatabaseError) as exc:
        abandon(f"the COPY failed: {exc}")
    finally:
        # The producer ends before anything else happens (an abandoned attempt stops it at
        # its next batch): it shares the log and the importer.
        while not finished:
            finished = blocks.get() is None
        producer.join()
    _run()["phase1"] = round(state["phase1"] - started, 3)
    _run()["copied"] = round(time.perf_counter() - started, 3)
    if "error" in state:
        raise state["error"]
    if state["abandon"]:
        raise _Abandon(RERUN, state["abandon"])
    present = state["present"]
    if present is None:  # the header was unusable: its problems are logged
        raise _Abandon(None, "an unusable header")
    rows = state["next_id"] - first_id
    if rows <= existing:
        raise _Abandon(RERUN, "not a larger load than the table")
    heads = pl.concat(state["heads"]).group_by("household_id").agg(pl.col("heads").sum())
    if heads.filter(pl.col("heads") != 1).height:
        raise _Abandon(RERUN, "a household without exactly one head")
    timings = []
    try:
        for _, create in steps:
            mark = time.perf_counter()
            cursor.execute(create)
            timings.append((create.split(" (")[0][:90], round(time.perf_counter() - mark, 3)))
    except DatabaseError as exc:
        raise _Abandon(RERUN, f"the rebuilt constraints refused: {exc}") from None
    _run()["rebuild"] = timings
    if existing:
        # The rows already there: none may be in one of the file's households.
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {table} AS o JOIN {table} AS n "
            f"ON n.household_id = o.household_id WHERE o.id < %s AND n.id >= %s)",
            [first_id, first_id],
        )
        if cursor.fetchone()[0]:
            raise _Abandon(RERUN, "a household with members already")
    if rows:
        cursor.execute("SELECT setval(%s, %s)", [sequence, first_id + rows - 1])
    spool.rows = rows
    _run()["route"] = "direct"
    _run()["rebuilt"] = round(time.perf_counter() - started, 3)
    return present, (rows, 0)
