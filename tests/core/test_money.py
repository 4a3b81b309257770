from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jingzhun.core.money import (
    MoneyError,
    fen_to_wan,
    fen_to_yuan_str,
    per_capita_yuan,
    wan_to_fen,
    yuan_to_fen,
)


def test_yuan_with_two_decimals_becomes_exact_fen():
    assert yuan_to_fen("26720000.00") == 2_672_000_000
    assert yuan_to_fen("0.01") == 1
    assert yuan_to_fen(Decimal("3535")) == 353_500


def test_wan_with_six_decimals_becomes_exact_fen():
    assert wan_to_fen("2569") == 2_569_000_000
    assert wan_to_fen("0.000001") == 1


@pytest.mark.parametrize("raw", ["1.001", "abc", "", "NaN", 1.5])
def test_amounts_that_are_not_exact_fen_are_refused(raw):
    with pytest.raises(MoneyError):
        yuan_to_fen(raw)


def test_wan_with_seven_decimals_is_refused():
    with pytest.raises(MoneyError):
        wan_to_fen("0.0000001")


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_fen_round_trips_through_yuan_and_wan_without_drift(fen):
    assert yuan_to_fen(fen_to_yuan_str(fen)) == fen
    assert wan_to_fen(fen_to_wan(fen)) == fen


def test_per_capita_income_is_net_over_members_to_the_fen():
    assert per_capita_yuan(1_000_000, 3) == Decimal("3333.33")
    assert per_capita_yuan(100, 0) is None
