"""Monitoring fixtures: exited households with the income a rule needs, and a fixed clock."""

from __future__ import annotations

import datetime as dt

import pytest

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
    from jingzhun.monitoring import clock as module

    fake = FakeClock(dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC))
    monkeypatch.setattr(module, "now", fake.now)
    return fake
