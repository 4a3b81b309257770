"""A large first load on PostgreSQL drops its target's indexes, constraints and foreign keys
and rebuilds them after the insert (importing/indexes.py). The rebuilt constraints still
refuse; a table with checks already queued, or a load no larger than the table, keeps them."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import IntegrityError, connection, transaction

from jingzhun.registry.importing import ImportRefused, import_file, indexes
from jingzhun.registry.importing.kinds import MemberImporter
from jingzhun.registry.models import Household, Member

from .conftest import household_row, member_row, schema

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's bulk path"),
]


@pytest.fixture
def rebuilds(monkeypatch) -> list[tuple[str, bool]]:
    """Every load counts as large; notes (table, whether its indexes were dropped)."""
    monkeypatch.setattr(indexes, "REBUILD_AT_LEAST", 1)
    noted: list[tuple[str, bool]] = []
    real = indexes.built_after

    @contextmanager
    def spy(cursor, model, incoming):
        with real(cursor, model, incoming) as dropped:
            noted.append((model._meta.db_table, dropped))
            yield dropped

    monkeypatch.setattr(indexes, "built_after", spy)
    return noted


def flush_deferred_checks() -> None:
    """What a commit does to the checks queued so far, without ending the test's transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def test_a_duplicate_id_past_the_checks_is_refused_by_the_rebuilt_unique_constraint(
    places, write, rebuilds, monkeypatch
):
    import_file("households", write("h.csv", [household_row("H1"), household_row("H2")]))
    flush_deferred_checks()
    before = schema()
    twice = member_row("H1", "head")
    monkeypatch.setattr(MemberImporter, "check_sql", lambda self, cursor: iter(()))
    with pytest.raises(ImportRefused) as refused:
        import_file("members", write("m.csv", [twice, {**twice, "household_no": "H2"}]))
    assert ("registry_member", True) in rebuilds
    assert "member_id_number_unique" in refused.value.problems[0].message
    assert Member.objects.count() == 0
    assert schema() == before  # the drops rolled back with the rows


def test_a_table_with_checks_still_queued_keeps_its_indexes_and_loads(places, write, rebuilds):
    import_file("households", write("h.csv", [household_row("H1"), household_row("H2")]))
    # Not flushed: the checks of the places' and the households' inserts are still queued.
    summary = import_file(
        "members", write("m.csv", [member_row("H1", "head"), member_row("H2", "head")])
    )
    assert summary.inserted == 2
    assert ("registry_member", False) in rebuilds
    assert Member.objects.filter(household__household_no__in=["H1", "H2"]).count() == 2


def test_a_load_no_larger_than_the_table_keeps_its_indexes(places, write, rebuilds):
    path = write("h.csv", [household_row("H1"), household_row("H2")])
    flush_deferred_checks()
    import_file("households", path)
    flush_deferred_checks()
    import_file("households", path)
    assert rebuilds == [("registry_household", True), ("registry_household", False)]
    assert Household.objects.count() == 2


def test_the_id_number_index_carries_household_and_id_and_a_large_load_rebuilds_it_so(
    places, write, rebuilds
):
    def definition() -> str:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conname = 'member_id_number_unique'"
            )
            return cursor.fetchone()[0]

    assert definition() == "UNIQUE (id_number) INCLUDE (household_id, id)"
    import_file("households", write("h.csv", [household_row("H1"), household_row("H2")]))
    flush_deferred_checks()
    rows = [member_row("H1", "head"), member_row("H2", "head")]
    import_file("members", write("m.csv", rows), engine="fast")
    assert ("registry_member", True) in rebuilds
    assert definition() == "UNIQUE (id_number) INCLUDE (household_id, id)"


def test_a_large_load_rebuilds_the_members_primary_key_but_keeps_the_households_it_hangs_on(
    places, write, rebuilds, monkeypatch
):
    dropped: list[str] = []
    real = indexes._rebuild_steps

    def noting(cursor, table):
        steps = real(cursor, table)
        dropped.extend(drop for drop, _ in steps)
        return steps

    monkeypatch.setattr(indexes, "_rebuild_steps", noting)
    flush_deferred_checks()
    import_file("households", write("h.csv", [household_row("H1"), household_row("H2")]))
    flush_deferred_checks()
    before = schema()
    rows = [member_row("H1", "head"), member_row("H2", "head")]
    import_file("members", write("m.csv", rows), engine="fast")
    assert rebuilds == [("registry_household", True), ("registry_member", True)]
    assert 'ALTER TABLE "registry_member" DROP CONSTRAINT "registry_member_pkey"' in dropped
    assert not any("registry_household_pkey" in drop for drop in dropped)
    assert schema() == before  # the primary key back as it was, under its own name
    with connection.cursor() as cursor:
        first = Member.objects.order_by("id").values_list("id", flat=True)[0]
        with pytest.raises(IntegrityError), transaction.atomic():
            cursor.execute(
                "INSERT INTO registry_member SELECT * FROM registry_member WHERE id = %s", [first]
            )
