"""A large first load builds the target table's indexes once instead of maintaining them.

Measured at 1M members (docs/benchmarks.md): inserting the rows one by one into
registry_member's seven indexes and queueing one deferred foreign-key check per row cost
~56 s; the same rows into the bare table, then sorted index builds and one set-based
foreign-key validation, a fraction of that. So when a load is larger than the table it goes
into (a county's first load, a fresh database), the indexes, unique constraints and the
table's own foreign keys are dropped, the rows inserted, and all of it rebuilt, inside the
import's transaction: a refusal or a crash rolls the drops back with the rows, and a rebuilt
unique constraint or foreign key still refuses bad rows (as an IntegrityError, which the
import reports like any other constraint).

The price is the lock: DROP INDEX takes ACCESS EXCLUSIVE on the table until the import
commits, so readers of that table wait for the load. That is why it is kept to loads that
outnumber the rows already there, where the table holds little anyone is reading yet.
Any index another table's foreign key uses stays, the households' primary key among them.
A primary key nothing hangs on (the members') goes and comes back like the rest: its ids come
in order, but maintaining it still cost a quarter of the COPY at 1M members (1.9 s against 1.4 s
without it), building it after 0.2 s.
PostgreSQL only; SQLite's executemany path is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import OperationalError, connection, transaction

# Below this many incoming rows, maintaining the indexes costs less than rebuilding them.
REBUILD_AT_LEAST = 50_000
# Local to the import's transaction, and only for the large loads that take this path.
# The careful path's insert sorts by row in memory at 1M rows (~180 MB).
_WORK_MEM = "256MB"
# The index builds sort faster in runs that fit the caches than in one sort in memory.
# PostgreSQL shares this among a build's participants and plans a worker only while each gets
# 32 MB: here two participants of 32 MB. At 10M members the unique index on ID numbers built in
# 6.5–7.1 s with this, 7.6–8.7 s with 256 MB and 10 s with 1 GB; at 1M about the same either
# way (0.66–0.69 s against 0.73–0.80 s; docs/benchmarks.md).
SORT_MEM = "64MB"
_PENDING_TRIGGER_EVENTS = "55006"  # object_in_use: earlier writes of this transaction queued


def _rows_at_most(cursor, table: str, limit: int) -> int:
    # Bounded: a table of 100M rows is not counted to decide about a load of 1M.
    cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT %s) AS t", [limit])
    return cursor.fetchone()[0]


def _rebuild_steps(cursor, table: str) -> list[tuple[str, str]]:
    """(drop, create) for every index, unique constraint and own foreign key that no other
    table's foreign key uses, the primary key included, in the order to create them: foreign
    keys last, so their validation (one join) can use the rebuilt indexes."""
    q = connection.ops.quote_name
    cursor.execute(
        """
        SELECT i.relname, pg_get_indexdef(x.indexrelid), c.conname, pg_get_constraintdef(c.oid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
        WHERE x.indrelid = %s::regclass
          AND NOT EXISTS (
              SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = x.indexrelid
          )
        ORDER BY i.relname
        """,
        [table],
    )
    steps = []
    for index, index_sql, constraint, constraint_sql in cursor.fetchall():
        if constraint is None:
            steps.append((f"DROP INDEX {q(index)}", index_sql))
        else:
            steps.append(_constraint_step(table, constraint, constraint_sql))
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
        [table],
    )
    steps += [_constraint_step(table, name, sql) for name, sql in cursor.fetchall()]
    return steps


def _constraint_step(table: str, name: str, definition: str) -> tuple[str, str]:
    name = connection.ops.quote_name(name)
    return (
        f"ALTER TABLE {table} DROP CONSTRAINT {name}",
        f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}",
    )


def dropped_for_load(cursor, model, incoming: int) -> list[tuple[str, str]] | None:
    """For a load of `incoming` rows into `model`'s table: if it is large enough and the table
    can be altered, drop its indexes (but those another table's foreign key uses), unique
    constraints and own foreign keys and return the (drop, create) steps for `rebuild`; else
    None, and nothing is dropped."""
    table = connection.ops.quote_name(model._meta.db_table)
    if (
        connection.vendor != "postgresql"
        or incoming < REBUILD_AT_LEAST
        or _rows_at_most(cursor, table, incoming) >= incoming
    ):
        return None
    steps = _rebuild_steps(cursor, table)
    try:
        # Its own savepoint: a table with deferred checks already queued in this transaction
        # cannot be altered, and then the load simply goes through the indexes.
        with transaction.atomic():
            for drop, _ in steps:
                cursor.execute(drop)
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != _PENDING_TRIGGER_EVENTS:
            raise
        return None
    cursor.execute(f"SET LOCAL work_mem = '{_WORK_MEM}'")
    cursor.execute(f"SET LOCAL maintenance_work_mem = '{SORT_MEM}'")
    return steps


def rebuild(cursor, steps: list[tuple[str, str]]) -> None:
    for _, create in steps:
        cursor.execute(create)


@contextmanager
def built_after(cursor, model, incoming: int) -> Iterator[bool]:
    """Around an INSERT of up to `incoming` rows into `model`'s table: yields whether the
    indexes were dropped (and will be rebuilt on leaving)."""
    steps = dropped_for_load(cursor, model, incoming)
    yield steps is not None
    if steps is not None:
        rebuild(cursor, steps)
