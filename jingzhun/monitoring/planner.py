"""PostgreSQL planner settings for a few statements whose best plan the planner does not find
on its own (the scan's facts read, the match's join); measured in docs/benchmarks.md."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def planner(cursor, **settings: str) -> Iterator[None]:
    """Set PostgreSQL planner settings for the statements inside and put the previous values
    back after them. Transaction-local (`set_config(…, true)`, as SET LOCAL): they never
    outlive the caller's transaction either. Nothing on SQLite."""
    if connection.vendor != "postgresql":
        yield
        return
    before = {}
    for name, value in settings.items():
        cursor.execute("SELECT current_setting(%s), set_config(%s, %s, true)", [name, name, value])
        before[name] = cursor.fetchone()[0]
    try:
        yield
    finally:
        for name, value in before.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
