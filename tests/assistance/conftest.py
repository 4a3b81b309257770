"""Assistance fixtures on top of the shared places and personas (tests/conftest.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from jingzhun.assistance.models import Cadre
from tests.factories import HouseholdFactory, MemberFactory, make_id_number

TODAY = dt.date(2019, 6, 30)  # the fake clock every rule here is tested with


@pytest.fixture
def today():
    return TODAY


@pytest.fixture
def cadre(personas):
    """The shared cadre persona's record (paired with household A1a since 2018-01-01)."""
    return Cadre.objects.get(user=personas["cadre"])


@pytest.fixture
def other_cadre(places, personas, django_user_model):
    """A second signed-in cadre in township A1, paired with nothing yet."""
    user = django_user_model.objects.create(username="cadre2", role="cadre", region=places["A1"])
    return Cadre.objects.create(name="钱帮扶", unit="县教育局", region=places["A1"], user=user)


@pytest.fixture
def make_household(places):
    def make(village_key="A1a", *, status="poor", persons=2, exit_year=None, **extra):
        household = HouseholdFactory(
            village=places[village_key], status=status, exit_year=exit_year, **extra
        )
        for index in range(persons):
            MemberFactory(
                household=household,
                relation="head" if index == 0 else "child",
                id_number=make_id_number(birth=f"19{70 + index % 30:02d}0101"),
            )
        return household

    return make
