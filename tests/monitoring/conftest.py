"""Monitoring fixtures: exited households with the income a rule needs, and a fixed clock."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from tests.factories import HouseholdFactory, IncomeFactory, MemberFactory, make_id_number

YEAR = 2023  # cn-monitoring-2023: line 4000, threshold 6000 (placeholder), 15/30 days, 6 months
LINE = 400_000
THRESHOLD = 600_000


def exited(village, *, members: int = 2, net: int | None = None, prev: int | None = None, **kw):
    """An exited household whose net income of YEAR (and YEAR-1) is exactly `net` (`prev`)."""
    household = HouseholdFactory(village=village, status="exited", exit_year=2019, **kw)
    MemberFactory(household=household, relation="head", labour="ordinary")
    for _ in range(members - 1):
        MemberFactory(household=household, relation="child", id_number=make_id_number())
    for year, amount in ((YEAR, net), (YEAR - 1, prev)):
        if amount is not None:
            IncomeFactory(
                household=household,
                year=year,
                wage_fen=amount,
                production_fen=0,
                property_fen=0,
                transfer_fen=0,
                production_cost_fen=0,
            )
    return household


class FakeClock:
    def __init__(self, start: dt.datetime) -> None:
        self.current = start

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, **delta) -> None:
        self.current += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    """One fake time for monitoring and for the procedures engine its decisions run in."""
    from jingzhun.monitoring import clock as monitoring_clock
    from jingzhun.procedures import clock as procedures_clock

    fake = FakeClock(dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC))
    monkeypatch.setattr(monitoring_clock, "now", fake.now)
    monkeypatch.setattr(procedures_clock, "now", fake.now)
    return fake


REVIEW = {"approved": True, "opinion": "情况属实"}
ROLE_OF_STEP = {
    "village_review": "village_officer",
    "village_notice": "village_officer",
    "township_review": "township_officer",
    "county_approval": "county_admin",
}


@pytest.fixture
def walk(personas, clock):
    """Take a procedure case through its next steps as the right personas, waiting out the
    notice, until `until` is next (or the case is decided)."""
    from jingzhun.procedures import services

    def take(case, *, until: str | None = None, decision: dict | None = None):
        while (step := services.next_step(case)) is not None and step.key != until:
            if services.current_notice(case) is not None:
                clock.advance(days=8)
            params = {} if step.key == "village_notice" else dict(REVIEW)
            if step.key == "county_approval" and decision is not None:
                params = decision
            case = services.step_take(
                by=personas[ROLE_OF_STEP[step.key]], case=case, step=step.key, params=params
            )
        return case

    return take


def postgresql_only(reason: str):
    """Skip on SQLite, saying why the test means nothing there."""
    return pytest.mark.skipif(connection.vendor != "postgresql", reason=reason)


def _waiting_on(table: str) -> bool:
    """Whether some other backend waits for a lock on `table` (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
            " WHERE NOT l.granted AND c.relname = %s AND l.pid <> pg_backend_pid())",
            [table],
        )
        return cursor.fetchone()[0]


def one_waits_for_another(work: Callable[[], int], *, lock_on: str) -> tuple[list[int], bool]:
    """Run `work` in two threads, the second started while the first's transaction is still
    open; the first commits once the second waits for a lock on `lock_on` (or after 30 s).
    Returns what each returned, in order, and whether the second was seen waiting. Needs
    `django_db(transaction=True)`: each thread has its own connection."""
    done, go_on = threading.Event(), threading.Event()
    results: dict[int, int] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                results[0] = work()
                done.set()
                go_on.wait(30)
        finally:
            done.set()
            connection.close()

    def second() -> None:
        try:
            done.wait(30)
            results[1] = work()
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    done.wait(30)
    deadline = time.monotonic() + 30
    while not (blocked := _waiting_on(lock_on)) and time.monotonic() < deadline:
        time.sleep(0.05)
    go_on.set()
    for thread in threads:
        thread.join(60)
    return [results.get(0, -1), results.get(1, -1)], blocked
