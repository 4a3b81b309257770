"""Several writers editing one household at once, on PostgreSQL (SQLite serialises writers)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from jingzhun.audit.models import AuditEntry
from jingzhun.audit.services import verify
from jingzhun.core.errors import ConflictError
from jingzhun.registry import services
from jingzhun.registry.models import Household

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite takes one writer at a time, so there is no race",
    ),
]

WRITERS = 8
ROUNDS = 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_with_the_same_version_let_exactly_one_win_and_lose_no_update(
    personas, households
):
    admin = personas["county_admin"]
    number = households["A1a"].household_no
    for round_no in range(ROUNDS):
        start = Household.objects.get(household_no=number)
        barrier = threading.Barrier(WRITERS)
        outcomes: list[tuple[int, str]] = []
        lock = threading.Lock()

        def write(i, start=start, barrier=barrier, outcomes=outcomes, lock=lock, r=round_no):
            try:
                household = Household.objects.get(pk=start.pk)  # read in this thread
                barrier.wait()
                try:
                    services.household_update(
                        by=admin,
                        household=household,
                        expected_version=start.version,
                        group=f"r{r}-w{i}",
                    )
                    result = "won"
                except ConflictError:
                    result = "conflict"
                with lock:
                    outcomes.append((i, result))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        winners = [i for i, result in outcomes if result == "won"]
        assert len(outcomes) == WRITERS
        assert len(winners) == 1, outcomes
        final = Household.objects.get(pk=start.pk)
        assert final.version == start.version + 1
        assert final.group == f"r{round_no}-w{winners[0]}"
        last = AuditEntry.objects.filter(household_no=number).order_by("-seq").first()
        assert last.after == {"group": final.group}
        assert last.before == {"group": start.group}

    updates = AuditEntry.objects.filter(household_no=number, action="household.update")
    assert updates.count() == ROUNDS
    assert verify().ok
