"""The fast path (COPY / executemany into a staging table, set-based SQL) and the ORM path
must leave the same rows and refuse the same files with the same problems.

On PostgreSQL every test runs twice: once as it comes, and once with every load treated as a
large one: no indexes on the staging table (importing/base.py), and, for a load larger than its
table, the target's indexes, unique constraints and foreign keys dropped and rebuilt around the
insert (importing/indexes.py); the rebuilt schema must be the ORM path's.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import connection, transaction

from jingzhun.registry.importing import (
    ImportRefused,
    base,
    direct,
    import_file,
    indexes,
    vectorised,
)
from jingzhun.registry.models import Member
from tests.conftest import TOWNSHIP_A1, VILLAGE_A1A
from tests.factories import make_id_number

from .conftest import KINDS, household_row, income_row, member_row, schema, snapshot

pytestmark = pytest.mark.django_db


def run(engine: str, steps, *, own_transactions: bool = False) -> tuple[list, dict]:
    """Import each (kind, path) in turn, note each outcome, snapshot, and roll it all back.

    `own_transactions`: before each import, run the deferred checks earlier writes of the
    test's transaction queued, and defer again, as if each import were its own transaction
    (as `jingzhun import` runs them); PostgreSQL alters no table with checks still queued."""
    outcomes = []
    with transaction.atomic():
        for kind, path in steps:
            if kind == "call":  # a change made outside the imports
                path()
                continue
            if own_transactions:
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            try:
                s = import_file(kind, path, engine=engine)
                outcomes.append((kind, s.rows, s.inserted, s.updated, s.warnings))
            except ImportRefused as refused:
                outcomes.append((kind, "refused", refused.total, refused.problems))
        contents = {**snapshot(), "schema": schema()}
        transaction.set_rollback(True)
    return outcomes, contents


@pytest.fixture(params=["as it comes", "as a large load"])
def assert_same(request, monkeypatch):
    """assert_same(steps) → the outcomes, after checking both engines agree on them."""
    rebuilt: list[bool] = []
    if request.param == "as a large load":
        if connection.vendor != "postgresql":
            pytest.skip("the index rebuild is PostgreSQL's")
        monkeypatch.setattr(indexes, "REBUILD_AT_LEAST", 1)
        monkeypatch.setattr(base, "STAGE_INDEXES_BELOW", 0)
        real = indexes.built_after

        @contextmanager
        def spy(cursor, model, incoming):
            with real(cursor, model, incoming) as dropped:
                rebuilt.append(dropped)
                yield dropped

        monkeypatch.setattr(indexes, "built_after", spy)

    def check(steps) -> list:
        own = request.param == "as a large load"
        fast = run("fast", steps, own_transactions=own)
        orm = run("orm", steps, own_transactions=own)
        assert fast[0] == orm[0]
        assert fast[1] == orm[1]
        if request.param == "as a large load":
            assert any(rebuilt), "no load took the rebuild path"
        return fast[0]

    return check


def test_a_synthetic_county_loads_and_reloads_the_same_both_ways(synth_county, assert_same):
    steps = [(kind, synth_county / f"{kind}.csv") for kind in KINDS]
    outcomes = assert_same(steps + steps)
    assert [o[2] for o in outcomes[:4]] == [o[1] for o in outcomes[:4]]  # all inserted
    # The same files again change nothing, so nothing is rewritten (versions stay 1).
    assert [(o[2], o[3]) for o in outcomes[4:]] == [(0, 0)] * 4
    assert set(Member.objects.values_list("version", flat=True)) <= {1}


def test_a_reload_rewrites_exactly_the_rows_that_changed_both_ways(
    synth_county, tmp_path, assert_same
):
    lines = (synth_county / "members.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    name = header.index("name")
    edited = [lines[0]]
    for i, line in enumerate(lines[1:]):
        cells = line.split(",")
        if i % 3 == 0:  # every third member renamed, the rest as loaded
            cells[name] += "改"
        edited.append(",".join(cells))
    changed = tmp_path / "members-edited.csv"
    changed.write_text("\n".join(edited) + "\n", encoding="utf-8")
    steps = [(kind, synth_county / f"{kind}.csv") for kind in KINDS]
    outcomes = assert_same([*steps, ("members", changed)])
    renamed = len(range(0, len(lines) - 1, 3))
    assert outcomes[-1][2:4] == (0, renamed)


def test_bad_files_are_refused_with_the_same_problems(places, write, assert_same):
    households = write(
        "h.csv",
        [
            household_row("H1"),
            household_row("H2"),
            household_row("H3", village_code=TOWNSHIP_A1),
            household_row("H1"),
            household_row("H4", village_code="512021009009"),
        ],
    )
    good = write("h-good.csv", [household_row("G1"), household_row("G2")])
    shared = make_id_number()
    members = write(
        "m.csv",
        [
            member_row("G1", "head", id_number=shared),
            member_row("G1", "head"),
            member_row("G2", "spouse"),
            member_row("G2", "child", id_number=shared),
            member_row("NOPE", "head"),
            member_row("G1", "spouse", id_number="512021198001010000"),
        ],
    )
    registered = write("m-ok.csv", [member_row("G1", "head"), member_row("G2", "head")])
    elsewhere = write("m-else.csv", [member_row("G2", "head", id_number=shared)])
    incomes = write(
        "i.csv", [income_row("G1"), income_row("G1"), income_row("NOPE"), income_row("G2")]
    )
    regions = write(
        "r.csv",
        [
            {"code": "512021002001", "name": "无镇之村"},
            {"code": "512021003", "name": "新镇"},
            {"code": "512021003", "name": "新镇"},
            {"code": "512021003001", "name": "新村"},
        ],
    )
    steps = [
        ("households", households),
        ("households", good),
        ("members", members),
        ("incomes", incomes),
        ("regions", regions),
        ("members", write("m-first.csv", [member_row("G1", "head", id_number=shared)])),
        ("members", elsewhere),
        ("members", registered),
    ]
    outcomes = assert_same(steps)
    refused = [o for o in outcomes if o[1] == "refused"]
    assert len(refused) == 6
    assert [(p.row, p.column) for p in outcomes[0][3]] == [
        (5, "household_no"),
        (4, "village_code"),
        (6, "village_code"),
    ]


def test_a_head_handover_and_partial_columns_update_the_same_both_ways(places, write, assert_same):
    rows = [member_row("H1", "head"), member_row("H1", "spouse")]
    steps = [
        (
            "households",
            write(
                "h.csv", [household_row("H1", attribute="低保脱贫户", status="", exit_year="2016")]
            ),
        ),
        ("members", write("m.csv", rows)),
        (
            "members",
            write("m2.csv", [{**rows[0], "relation": "spouse"}, {**rows[1], "relation": "head"}]),
        ),
        (
            "households",
            write(
                "h2.csv",
                [
                    {
                        "household_no": "H1",
                        "village_code": VILLAGE_A1A,
                        "attribute": "dibao",
                        "main_cause": "labour",
                        "registered_year": "2014",
                    }
                ],
            ),
        ),
    ]
    outcomes = assert_same(steps)
    assert outcomes[2][2:4] == (0, 2)


def test_workbooks_are_checked_column_wise_and_load_and_refuse_as_row_by_row(
    places, write, assert_same, monkeypatch
):
    """A county's Excel export goes through the column-wise pass (written out as CSV first);
    the ORM engine reads it row by row. Same rows, same problems, the sheet's row numbers."""
    from jingzhun.registry.importing import vectorised

    checked: list[str] = []
    real = vectorised.validate

    def spy(importer, path, *args):
        checked.append(path.suffix)
        return real(importer, path, *args)

    monkeypatch.setattr(vectorised, "validate", spy)
    households = write(
        "h.xlsx",
        [
            household_row("G1", registered_year=2014),
            {},  # a blank row: skipped, still counted
            household_row("G2", registered_year=2015),
            household_row("G1"),
            household_row("H4", village_code="512021009009"),
        ],
    )
    good = write("h-good.xlsx", [household_row("G1"), household_row("G2")])
    shared = make_id_number()
    members = write(
        "m.xlsx",
        [
            member_row("G1", "head", id_number=shared),
            member_row("G2", "head"),
            member_row("G2", "child", id_number=shared),
        ],
    )
    fine = write("m-ok.xlsx", [member_row("G1", "head"), member_row("G2", "head")])
    incomes = write("i.xlsx", [income_row("G1", 2018, wage=5000.5, production=2000)])
    outcomes = assert_same(
        [
            ("households", households),
            ("households", good),
            ("members", members),
            ("members", fine),
            ("incomes", incomes),
        ]
    )
    assert [(p.row, p.column) for p in outcomes[0][3]] == [(5, "household_no"), (6, "village_code")]
    assert outcomes[2][1] == "refused" and [p.row for p in outcomes[2][3]] == [4]  # 2nd use
    assert outcomes[1][:3] == ("households", 2, 2)
    assert outcomes[3][:3] == ("members", 2, 2) and outcomes[4][:3] == ("incomes", 1, 1)
    assert checked and set(checked) == {".csv"}


def test_a_workbook_with_a_cell_past_its_header_is_read_row_by_row_and_refused(places, write):
    path = write("h.xlsx", [[*household_row("G1").values(), "stray"]], header=list(household_row()))
    with pytest.raises(ImportRefused) as refused:
        import_file("households", path)
    assert refused.value.problems


# --- the direct load (importing/direct.py) ------------------------------------------------------


@pytest.fixture
def three_ways(monkeypatch):
    """three_ways(steps) → (outcomes, routes): every load counted as large; the ORM, the fast
    (staging) path and `auto` (the direct load where it qualifies) must agree on rows and
    refusals. `routes` lists, per members import under `auto`, (route, reason)."""
    if connection.vendor != "postgresql":
        pytest.skip("the direct load is PostgreSQL's")
    monkeypatch.setattr(indexes, "REBUILD_AT_LEAST", 1)
    monkeypatch.setattr(base, "STAGE_INDEXES_BELOW", 0)
    # Batches of 2 rows: households, heads and ids cross batch borders.
    monkeypatch.setattr(vectorised, "BATCH_ROWS", 2)
    monkeypatch.setattr(vectorised, "BLOCK_BYTES", 50)  # and blocks shorter than a row
    routes: list[tuple[str, str | None]] = []
    real = direct.load

    def spy(*args, **kwargs):
        try:
            return real(*args, **kwargs)
        finally:
            routes.append((direct.last_run()["route"], direct.last_run().get("reason")))

    monkeypatch.setattr(direct, "load", spy)

    def check(steps):
        orm = run("orm", steps, own_transactions=True)
        fast = run("fast", steps, own_transactions=True)
        routes.clear()
        auto = run("auto", steps, own_transactions=True)
        assert fast == orm
        assert auto == orm
        return auto[0], list(routes)

    return check


def _households(write, name="h.csv", suffix=""):
    return ("households", write(name, [household_row(f"H{i}{suffix}") for i in (1, 2, 3)]))


def test_a_clean_first_load_goes_direct_and_loads_as_the_careful_paths(places, write, three_ways):
    members = write(
        "m.csv",
        [
            member_row("H1", "head"),
            member_row("H2", "head"),
            member_row("H1", "spouse", disability_grade="", health="disabled", dropout=""),
            member_row("H3", "head", name="王\\五\t六"),  # escapes survive the COPY
            member_row("H3", "child", name='多行\n"引号", 姓名'),  # quoted, read in blocks
            member_row("H3", "child", student="primary", dropout="0"),
            # Left to the per-row code by the column-wise pass, and good: in among the others.
            member_row("H2", "child", birth_date="1980-01-01 00:00:00"),
        ],
    )
    outcomes, routes = three_ways([_households(write), ("members", members)])
    assert outcomes[1][:4] == ("members", 7, 7, 0)
    assert routes == [("direct", None)]


def test_a_file_quoted_otherwise_than_plainly_goes_direct_once_written_out_plainly(
    places, write, three_ways
):
    path = write("m.csv", [member_row(f"H{i}", "head", name="NAME") for i in (1, 2, 3)])
    path.write_bytes(path.read_bytes().replace(b"NAME", '王"五'.encode(), 1))
    outcomes, routes = three_ways([_households(write), ("members", path)])
    assert outcomes[1][:4] == ("members", 3, 3, 0)
    assert routes == [("careful", "not plainly quoted"), ("direct", None)]


def test_a_workbook_goes_direct_too(places, write, three_ways):
    clean = write("m.xlsx", [member_row("H1", "head"), member_row("H2", "head")])
    twice = make_id_number()
    bad = write(
        "m2.xlsx",
        [member_row("H3", "head", id_number=twice), member_row("H3", "child", id_number=twice)],
    )
    outcomes, routes = three_ways([_households(write), ("members", clean), ("members", bad)])
    assert outcomes[1][:3] == ("members", 2, 2)
    assert outcomes[2][1] == "refused"
    assert routes[0] == ("direct", None) and routes[1][0] == "careful"


@pytest.mark.parametrize(
    "case",
    [
        "duplicate ID",
        "unknown household",
        "two heads",
        "no head",
        "bad row",
        "ID elsewhere",
        "household has members",
        "reload",
    ],
)
def test_what_the_direct_load_cannot_take_is_refused_or_loaded_as_the_careful_paths(
    places, write, three_ways, case
):
    """Each case leaves the direct load at its own check (the reason noted), rolls back to
    the savepoint, and the careful path gives the reference's rows or problems."""
    shared = make_id_number()
    first = ("members", write("m0.csv", [member_row("H1", "head", id_number=shared)]))
    files = {
        "duplicate ID": [
            member_row("H1", "head", id_number=shared),
            member_row("H2", "head", id_number=shared),
        ],
        "unknown household": [member_row("H1", "head"), member_row("NOPE", "head")],
        "two heads": [member_row("H1", "head"), member_row("H1", "head"), member_row("H2", "head")],
        "no head": [member_row("H1", "head"), member_row("H2", "spouse")],
        "bad row": [
            member_row("H1", "head"),
            member_row("H2", "head", id_number="512021198001010000"),
        ],
        "ID elsewhere": [member_row("H2", "head", id_number=shared), member_row("H3", "head")],
        "household has members": [
            member_row("H1", "head"),
            member_row("H2", "head"),
            member_row("H3", "head"),
        ],
        "reload": [
            member_row("H1", "head", id_number=shared, name="李四"),
            member_row("H2", "head"),
            member_row("H3", "head"),
        ],
    }
    before = [first] if case in ("ID elsewhere", "household has members", "reload") else []
    if case == "household has members":  # a household with a member but no head (a service
        # removed it): nothing but the direct load's own check sees it
        before.append(("call", lambda: Member.objects.update(relation="spouse")))
    steps = [_households(write), *before, ("members", write("m.csv", files[case]))]
    outcomes, routes = three_ways(steps)
    reasons = {
        "duplicate ID": "the rebuilt constraints refused",
        "unknown household": "an unknown household",
        "two heads": "a household without exactly one head",
        "no head": "a household without exactly one head",
        "bad row": "rows with problems",
        "ID elsewhere": "the rebuilt constraints refused",
        "household has members": "a household with members already",
        "reload": "the rebuilt constraints refused",  # its ID numbers are registered
    }
    route, reason = routes[-1]
    assert route == "careful" and reason.startswith(reasons[case])
    if before:
        assert routes[0] == ("direct", None)
    if case == "reload":
        assert outcomes[-1][:4] == ("members", 3, 2, 1)
    elif case == "household has members":  # the careful path loads it: H1 gets its head
        assert outcomes[-1][:4] == ("members", 3, 3, 0)
    else:
        assert outcomes[-1][1] == "refused" and outcomes[-1][3]


def test_the_direct_attempts_record_is_each_threads_own():
    import threading

    direct._latest.record = {"route": "direct", "phase1": 1.0}
    seen: list[dict] = []
    worker = threading.Thread(target=lambda: seen.append(direct.last_run()))
    worker.start()
    worker.join()
    assert seen == [{}]  # another thread (another request) sees none of it
    assert direct.last_run() == {"route": "direct", "phase1": 1.0}


def test_the_direct_load_finds_each_households_id_by_its_number_or_none():
    import polars as pl

    table = direct._Households(
        pl.DataFrame(
            {
                "household_no": ["H5", "H1", "甲3", "H3", "h1", "乙2"],
                "household_id": [50, 10, 3, 30, 1, 2],
            }
        )
    )
    numbers = pl.Series(["H3", "H0", "H1", "H2", "H5", "H9", None, "H1", "乙2", "甲3", "丙", "h1"])
    assert table.ids_of(numbers).to_list() == [
        *(30, None, 10, None, 50, None, None, 10),
        *(2, 3, None, 1),
    ]
    empty = direct._Households(
        pl.DataFrame(schema={"household_no": pl.String, "household_id": pl.Int64})
    )
    assert empty.ids_of(pl.Series(["H1", None])).to_list() == [None, None]
