"""Procedure fixtures on top of the shared places and personas (tests/conftest.py).

`clock` replaces the engine's one time source (jingzhun.procedures.clock.now), so notice
periods are checked by moving a fake clock, never by sleeping. `walk` takes a case through
its steps as the right personas, stopping before a named step.
"""

from __future__ import annotations

import datetime as dt

import pytest

from jingzhun.procedures import clock as clock_module
from jingzhun.procedures import services
from tests.factories import IncomeFactory

START = dt.datetime(2019, 3, 1, 9, 0, tzinfo=dt.UTC)

MEETING = {"attended": 30, "votes_for": 25, "votes_against": 3, "abstained": 2}
SIX = ["户主", "帮扶责任人", "驻村工作队长/第一书记", "村党支部书记/村委会主任", "乡镇", "县"]

ROLE_OF_STEP = {
    "meeting": "village_officer",
    "household_agreement": "village_officer",
    "village_notice": "village_officer",
    "township_review": "township_officer",
    "township_notice": "township_officer",
    "county_approval": "county_admin",
}


class FakeClock:
    def __init__(self, start: dt.datetime):
        self.at = start

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, **delta) -> None:
        self.at += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock(START)
    monkeypatch.setattr(clock_module, "now", fake)
    return fake


def params_for(step: str) -> dict:
    if step == "meeting":
        return dict(MEETING)
    if step == "household_agreement":
        return {"agrees": True, "signed_by": "张大山"}
    if step == "county_approval":
        return {"approved": True, "opinion": "同意", "sign_offs": {s: f"{s}签名" for s in SIX}}
    if step == "township_review":
        return {"approved": True, "opinion": "情况属实"}
    return {}


@pytest.fixture
def walk(personas, clock):
    def take(case, *, until: str | None = None):
        """Take every next step as its role (waiting out notices) until `until` is next."""
        while (step := services.next_step(case)) is not None and step.key != until:
            if services.current_notice(case) is not None:
                clock.advance(days=8)
            case = services.step_take(
                by=personas[ROLE_OF_STEP[step.key]],
                case=case,
                step=step.key,
                params=params_for(step.key),
            )
        if services.current_notice(case) is not None:
            clock.advance(days=8)  # stop with the notice period over, so the step can be taken
        return case

    return take


@pytest.fixture
def exitable(households):
    """Household A1a with a 2018 income well above the line: it passes the exit standard."""
    household = households["A1a"]
    IncomeFactory(household=household, year=2018, wage_fen=2_000_000)
    return household


@pytest.fixture
def monitored(households):
    """Household A1b, under monitoring and not registered poor: it can apply."""
    household = households["A1b"]
    household.status = "monitored"
    household.save()
    return household
