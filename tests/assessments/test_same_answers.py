"""The same households give the same answers on SQLite and on PostgreSQL.

Both databases are held to one reference that needs no SQL: the pure engine fed with plain
dicts read off the model instances (`policy.assess_one`). On PostgreSQL the frames leave the
server by COPY; that path must also equal the plain-cursor path SQLite takes, edge cases
included (null flags, no income, a negative income, no members, school-age boundaries).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from django.db import connection

from jingzhun import policy
from jingzhun.assessments import facts
from jingzhun.assessments.selectors import assess_region, pack_get
from jingzhun.registry.models import Household
from tests.factories import HouseholdFactory, IncomeFactory, MemberFactory, make_id_number

pytestmark = pytest.mark.django_db

YEAR = 2018
ON = dt.date(YEAR, 12, 31)
PACKS = ["cn-sichuan-2018", "cn-national-2014", "cn-national-2020"]
FLAGS = (
    "food_clothing_secure",
    "housing_safe",
    "relocated",
    "water_safe",
    "electricity",
    "radio_tv",
)


def _income(household, net_fen: int):
    IncomeFactory(
        household=household,
        year=YEAR,
        wage_fen=max(net_fen, 0),
        production_fen=0,
        property_fen=0,
        transfer_fen=0,
        production_cost_fen=max(-net_fen, 0),
    )


@pytest.fixture
def edge_cases(places):
    """Households that differ in exactly the ways a database could read differently."""
    village = places["A1a"]
    line = 353_500  # the 2018 line in fen

    def make(no, *, persons=2, net_per_person=None, members=None, **flags):
        household = HouseholdFactory(village=village, household_no=no, **flags)
        for i, extra in enumerate(members or [{}] * persons):
            MemberFactory(household=household, relation="head" if i == 0 else "child", **extra)
        if net_per_person is not None:
            _income(household, net_per_person * max(persons, len(members or [])))
        return household

    def school_age():
        return make_id_number(birth="20080601")

    make("E01", net_per_person=line + 1)
    make("E02", net_per_person=line)  # on the line: fails
    make("E03")  # no income record: unknown
    make("E04", net_per_person=-10_000)  # costs above income
    make("E05", persons=0, members=[], net_per_person=line * 3)  # no member rows
    make("E06", net_per_person=line * 2, housing_safe=None, water_safe=False, radio_tv=None)
    make("E07", net_per_person=line * 2, housing_safe=False, relocated=True)
    make(
        "E08",
        net_per_person=line * 2,
        members=[
            {},
            {"id_number": school_age(), "dropout": True, "student": "none"},
        ],
    )
    make(
        "E09",
        net_per_person=line * 2,
        members=[{}, {"id_number": school_age(), "dropout": None, "student": "none"}],
    )
    make("E10", net_per_person=line * 2, members=[{}, {"medical_insurance": None}])
    make("E11", net_per_person=line * 2, members=[{}, {"medical_insurance": False}])
    sixteen = make_id_number(birth="20021231")  # 16 on the assessment date: past school age
    make("E12", net_per_person=line * 2, members=[{}, {"id_number": sixteen, "dropout": True}])
    make("E13", net_per_person=line * 2, food_clothing_secure=None, electricity=None)

    def dropout_born(birth: str, **extra):
        return {"id_number": make_id_number(birth=birth), "dropout": True, **extra}

    # The edges of the school-age window (6 to 15 inclusive on 31 December 2018).
    make("E14", net_per_person=line * 2, members=[{}, dropout_born("20121231")])  # 6 today
    make("E15", net_per_person=line * 2, members=[{}, dropout_born("20130101")])  # still 5
    make("E16", net_per_person=line * 2, members=[{}, dropout_born("20030101")])  # 15
    make("E17", net_per_person=line * 2, members=[{}, dropout_born("20040229")])  # leap day
    # An enrolled student (pre-school counts) with no dropout flag has not dropped out.
    enrolled = {"id_number": school_age(), "dropout": None, "student": "primary"}
    make("E18", net_per_person=line * 2, members=[{}, enrolled])
    make(
        "E19",
        net_per_person=line * 2,
        members=[{}, {"id_number": school_age(), "dropout": None, "student": "preschool"}],
    )
    # Several members, several verdicts: one uninsured, one unknown, one dropout of two.
    make(
        "E20",
        net_per_person=line * 2,
        members=[
            {},
            {"medical_insurance": False},
            {"medical_insurance": None},
            dropout_born("20100505"),
            {"id_number": school_age(), "dropout": None},
        ],
    )
    return village


def _plain(household: Household) -> tuple[dict, list[dict]]:
    """The facts of one household as plain Python values, straight off the instances."""
    income = household.incomes.filter(year=YEAR).first()
    record = {"household_no": household.household_no, "members": household.members.count()}
    if income is not None:
        record["net_income_fen"] = (
            income.wage_fen
            + income.production_fen
            + income.property_fen
            + income.transfer_fen
            - income.production_cost_fen
        )
    record.update({flag: getattr(household, flag) for flag in FLAGS})
    members = [
        {
            "household_no": household.household_no,
            "birth_date": m.birth_date,
            "dropout": m.dropout,
            "student": m.student,
            "medical_insurance": m.medical_insurance,
        }
        for m in household.members.all()
    ]
    return record, members


def _as_dict(entity: policy.EntityResult) -> dict:
    return {
        "passed": entity.passed,
        "criteria": [
            {"key": c.key, "passed": c.passed, "value": c.value, "threshold": c.threshold}
            for c in entity.criteria
        ],
    }


@pytest.mark.parametrize("pack_id", PACKS)
def test_the_database_gives_the_answers_of_the_engine_fed_plain_values(edge_cases, pack_id):
    pack = pack_get(pack_id)
    report = assess_region(level="household", pack=pack, year=YEAR, region_code=edge_cases.code)
    from_db = {
        r["household_no"]: {"passed": r["passed"], "criteria": r["criteria"]}
        for r in report["results"]
    }
    expected = {}
    for household in Household.objects.filter(village=edge_cases).order_by("household_no"):
        record, members = _plain(household)
        entity = policy.assess_one(pack, "household", record, members=members, on=ON)
        expected[household.household_no] = _as_dict(entity)
    assert from_db == expected
    # The cases do reach every outcome, so the comparison is not between two empty answers.
    outcomes = {c["passed"] for r in expected.values() for c in r["criteria"]}
    assert outcomes == {True, False, None}


@pytest.mark.parametrize("pack_id", PACKS)
def test_members_counted_in_sql_give_what_the_engine_counts_from_member_rows(edge_cases, pack_id):
    pack = pack_get(pack_id)
    prefix = edge_cases.code
    pushed = facts.household_frames(prefix=prefix, year=YEAR, pack=pack, on=ON)
    rows = facts.household_frames(prefix=prefix, year=YEAR)
    assert set(pushed) == {"households"} and set(rows) == {"households", "members"}
    assert rows["members"].height > pushed["households"].height  # the rows it did not ship
    by_sql = policy.assess(pack, "household", pushed, on=ON)
    by_rows = policy.assess(pack, "household", rows, on=ON)
    assert by_sql.equals(by_rows, null_equal=True)
    education = [
        spec.key
        for spec in pack.criteria["household"]
        if spec.evaluator.name == "compulsory_education"
    ]
    failing = by_sql.filter(pl.col("key").is_in(education) & pl.col("passed").eq(False))
    # The dropouts inside the window are seen (E08, E14, E16, E17, E20), the others not.
    assert set(failing["household_no"]) == {"E08", "E14", "E16", "E17", "E20"}


def test_a_pack_without_its_assessment_date_is_refused(edge_cases):
    with pytest.raises(ValueError, match="on"):
        facts.household_frames(prefix=edge_cases.code, year=YEAR, pack=pack_get(PACKS[0]))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's")
def test_on_postgresql_the_copy_path_reads_exactly_what_a_plain_cursor_reads(
    edge_cases, monkeypatch
):
    prefix = edge_cases.code
    pack = pack_get(PACKS[0])

    def read() -> dict[str, pl.DataFrame]:
        pushed = facts.household_frames(prefix=prefix, year=YEAR, pack=pack, on=ON)
        return {
            **facts.household_frames(prefix=prefix, year=YEAR),
            **facts.village_frame(prefix=prefix, year=YEAR),
            "households counted in SQL": pushed["households"],
        }

    by_copy = read()
    monkeypatch.setattr(connection, "vendor", "sqlite")  # take the generic cursor branch
    by_cursor = read()
    assert set(by_copy) == set(by_cursor)
    for name, frame in by_copy.items():
        other = by_cursor[name]
        key = frame.columns[0]
        assert frame.schema == other.schema, name
        assert frame.sort(pl.all()).equals(other.sort(pl.all()), null_equal=True), name
        assert frame.height > 0 and key in frame.columns


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the split read is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_large_read_in_two_halves_on_two_connections_equals_the_single_read(
    edge_cases, monkeypatch
):
    """Outside a transaction two connections read the two id halves from one snapshot."""
    pack = pack_get(PACKS[0])
    prefix = edge_cases.code
    single = facts.household_frames(prefix=prefix, year=YEAR, pack=pack, on=ON)["households"]
    halves = []
    real = facts._copy_frame

    def spy(raw, sql, params, schema):
        frame = real(raw, sql, params, schema)
        halves.append(frame.height)
        return frame

    monkeypatch.setattr(facts, "SPLIT_MIN_HOUSEHOLDS", 1)
    monkeypatch.setattr(facts, "_copy_frame", spy)
    split = facts.household_frames(prefix=prefix, year=YEAR, pack=pack, on=ON)["households"]
    assert len(halves) == 2 and all(halves) and sum(halves) == single.height
    assert split.equals(single, null_equal=True)


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_read_stays_on_its_own_connection(edge_cases, monkeypatch):
    """A second connection could not see this transaction's own writes."""
    from django.db import transaction

    pack = pack_get(PACKS[0])
    monkeypatch.setattr(facts, "SPLIT_MIN_HOUSEHOLDS", 1)
    with transaction.atomic():
        HouseholdFactory(village=edge_cases, household_no="E99")
        frame = facts.household_frames(prefix=edge_cases.code, year=YEAR, pack=pack, on=ON)
        assert "E99" in frame["households"]["household_no"].to_list()
