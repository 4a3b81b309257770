"""For every shipped rule: a builder of a record that breaks it and one of a record that does not.

Each builder takes the village and returns the object the rule reports (a Household or a
Member). tests/quality/test_rules.py fails for a shipped rule with no entry here, so a new rule
cannot ship without its cases. Pending rules map to None.
Reference: income year 2018, ages at 2018-12-31.
"""

from __future__ import annotations

import itertools

from tests.factories import HouseholdFactory, IncomeFactory, MemberFactory, make_id_number

_numbers = itertools.count(1)


def hh(village, **kw):
    kw.setdefault("household_no", f"Q{next(_numbers):08d}")
    return HouseholdFactory(village=village, **kw)


def person(household, birth="19800101", sex="male", **kw):
    kw.setdefault("relation", "head")
    return MemberFactory(household=household, id_number=make_id_number(birth=birth, sex=sex), **kw)


def with_head(village, birth="19800101", hkw=None, **mkw):
    household = hh(village, **(hkw or {}))
    return household, person(household, birth, **mkw)


def couple(village, **hkw):
    household = hh(village, **hkw)
    person(household, "19700101")
    person(household, "19720202", sex="female", relation="spouse")
    return household


def _household(hkw=None, **mkw):
    return lambda v: with_head(v, hkw=hkw, **mkw)[0]


def _member(birth="19800101", hkw=None, **mkw):
    return lambda v: with_head(v, birth, hkw=hkw, **mkw)[1]


def _child(birth, **mkw):
    def build(v):
        household, _head = with_head(v)
        return person(household, birth, relation="child", **mkw)

    return build


def _reported(event: str, date: str):
    """A member whose ID number a department's match file reported with `event` on `date`."""

    def build(v):
        import datetime as dt

        from jingzhun.monitoring.models import RiskEvent

        household, member = with_head(v)
        RiskEvent.objects.create(
            household=household,
            member=member,
            id_number=member.id_number,
            kind=event,
            source="civil_affairs",
            date=dt.date.fromisoformat(date),
        )
        return member

    return build


def _members(*relations):
    def build(v):
        household = hh(v)
        for i, relation in enumerate(relations):
            person(household, f"19{70 + i}0101", relation=relation)
        return household

    return build


def _income(hkw=None, persons=1, **ikw):
    def build(v):
        household = hh(v, **(hkw or {}))
        for i in range(persons):
            person(household, f"19{70 + i}0101", relation="head" if i == 0 else "child")
        IncomeFactory(household=household, year=2018, **ikw)
        return household

    return build


def _duplicate_head(v):
    first = with_head(v, "19700505", name="重名户主")[1]
    with_head(v, "19700505", name="重名户主")
    return first


def _exited(insured: bool):
    def build(v):
        household = couple(
            v, status="exited", exit_year=2018, registered_year=2014, relocated=False
        )
        household.members.update(medical_insurance=insured)
        IncomeFactory(household=household, year=2018, wage_fen=800_000, production_fen=0)
        return household

    return build


ZERO = {"wage_fen": 0, "production_fen": 0, "property_fen": 0, "transfer_fen": 0}

CASES = {
    "illness-cause-all-healthy": (
        _household({"main_cause": "illness"}, health="healthy"),
        _household({"main_cause": "illness"}, health="chronic"),
    ),
    "disability-cause-no-disabled": (
        _household({"main_cause": "disability"}, health="healthy"),
        _household({"main_cause": "disability"}, health="disabled", disability_grade=2),
    ),
    "single-member-not-head": (_members("spouse"), _members("head")),
    "no-head": (_members("spouse", "child"), _members("head", "spouse")),
    "household-without-members": (lambda v: hh(v), _members("head")),
    "exited-without-exit-year": (
        _household({"status": "exited", "exit_year": None}),
        _household({"status": "exited", "exit_year": 2017}),
    ),
    "poor-with-exit-year": (
        _household({"status": "poor", "exit_year": 2017}),
        _household({"status": "returned", "exit_year": 2017}),
    ),
    "tekun-with-able-member": (
        _member("19780101", {"attribute": "tekun"}, labour="ordinary"),
        _member("19780101", {"attribute": "tekun"}, labour="none"),
    ),
    "exit-standard-failed": (_exited(False), _exited(True)),
    "school-age-not-in-school": (
        _child("20080101", student="none"),
        _child("20080101", student="primary"),
    ),
    "student-stage-age": (
        _child("19980101", student="primary"),
        _child("20080101", student="primary"),
    ),
    "head-under-16": (_member("20050101"), _member("19800101")),
    "member-over-100": (_member("19150101"), _member("19300101")),
    "grade-without-disability": (
        _member(health="healthy", disability_grade=2),
        _member(health="disabled", disability_grade=2),
    ),
    "disabled-without-grade": (
        _member(health="disabled", disability_grade=None),
        _member(health="disabled", disability_grade=1),
    ),
    "migrant-without-labour": (
        _member(labour="none", migrant_months=6),
        _member(labour="ordinary", migrant_months=6),
    ),
    "medical-insurance-missing": (
        _member(medical_insurance=False),
        _member(medical_insurance=True),
    ),
    "dropout-adult": (_child("19900101", dropout=True), _child("20060101", dropout=True)),
    "dropout-in-school": (
        _child("20060101", dropout=True, student="junior"),
        _child("20060101", dropout=True, student="none"),
    ),
    "pension-missing-over-60": (
        _member("19500101", pension_insurance=False),
        _member("19500101", pension_insurance=True),
    ),
    "preschool-education-adult": (
        _member("19800101", education="preschool"),
        _child("20150101", education="preschool"),
    ),
    "head-duplicated": (_duplicate_head, _member(name="独一无二")),
    "id-region-unknown": (
        _member(id_warning="区划代码999999在1980年不存在，请核实"),
        _member(id_warning=""),
    ),
    "low-income-no-allowance": (
        _income(
            {"attribute": "general"},
            persons=2,
            wage_fen=300_000,
            production_fen=0,
            transfer_fen=0,
            production_cost_fen=0,
        ),
        _income(
            {"attribute": "dibao"},
            persons=2,
            wage_fen=300_000,
            production_fen=0,
            transfer_fen=0,
            production_cost_fen=0,
        ),
    ),
    "poor-income-far-above-line": (
        _income({"status": "poor"}, wage_fen=800_000, production_fen=0, transfer_fen=0),
        _income({"status": "poor"}, wage_fen=400_000, production_fen=0, transfer_fen=0),
    ),
    "exited-income-all-zero": (
        _income({"status": "exited", "exit_year": 2017}, **ZERO),
        _income({"status": "exited", "exit_year": 2017}),
    ),
    "no-income-record": (_members("head"), _income()),
    "costs-exceed-income": (
        _income(wage_fen=100, production_fen=0, transfer_fen=0, production_cost_fen=200_000),
        _income(),
    ),
    "deceased-still-counted": (
        _reported("death", "2018-06-01"),  # dead before the check date, still a member
        _reported("death", "2019-02-01"),  # after the check date (2018-12-31): not yet
    ),
}
