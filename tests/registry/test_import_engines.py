"""The fast path (COPY / executemany into a staging table, set-based SQL) and the ORM path
must leave the same rows and refuse the same files with the same problems."""

from __future__ import annotations

import pytest
from django.db import transaction

from jingzhun.registry.importing import ImportRefused, import_file
from tests.conftest import TOWNSHIP_A1, VILLAGE_A1A
from tests.factories import make_id_number

from .conftest import KINDS, household_row, income_row, member_row, snapshot

pytestmark = pytest.mark.django_db


def run(engine: str, steps) -> tuple[list, dict]:
    """Import each (kind, path) in turn, note each outcome, snapshot, and roll it all back."""
    outcomes = []
    with transaction.atomic():
        for kind, path in steps:
            try:
                s = import_file(kind, path, engine=engine)
                outcomes.append((kind, s.rows, s.inserted, s.updated, s.warnings))
            except ImportRefused as refused:
                outcomes.append((kind, "refused", refused.total, refused.problems))
        contents = snapshot()
        transaction.set_rollback(True)
    return outcomes, contents


def assert_same(steps) -> list:
    fast = run("fast", steps)
    orm = run("orm", steps)
    assert fast[0] == orm[0]
    assert fast[1] == orm[1]
    return fast[0]


def test_a_synthetic_county_loads_and_reloads_the_same_both_ways(synth_county):
    steps = [(kind, synth_county / f"{kind}.csv") for kind in KINDS]
    outcomes = assert_same(steps + steps)  # the second pass updates every row
    assert [o[2] for o in outcomes[:4]] == [o[1] for o in outcomes[:4]]  # all inserted
    assert [o[3] for o in outcomes[4:]] == [o[1] for o in outcomes[4:]]  # all updated


def test_bad_files_are_refused_with_the_same_problems(places, write):
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


def test_a_head_handover_and_partial_columns_update_the_same_both_ways(places, write):
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
