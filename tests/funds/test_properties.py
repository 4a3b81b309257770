"""Totals by any grouping always equal the grand total; money survives every unit round trip."""

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jingzhun.core.money import fen_to_wan, fen_to_yuan, fen_to_yuan_str, wan_to_fen, yuan_to_fen
from jingzhun.funds import selectors, services
from jingzhun.funds.vocab import LEVEL

from .conftest import COUNTY_FIRST_BATCH, PROVINCIAL_FIRST_BATCH, STATED

FEN = st.integers(min_value=0, max_value=10**15)  # up to 10 trillion yuan


@settings(deadline=None)
@given(FEN)
def test_fen_yuan_wan_round_trips_never_drift(fen):
    assert yuan_to_fen(fen_to_yuan_str(fen)) == fen
    assert yuan_to_fen(fen_to_yuan(fen)) == fen
    assert wan_to_fen(fen_to_wan(fen)) == fen
    assert wan_to_fen(str(fen_to_wan(fen))) == fen
    # yuan → 万元 → yuan, through text, as a spreadsheet would carry them
    assert fen_to_yuan(wan_to_fen(str(fen_to_wan(yuan_to_fen(fen_to_yuan_str(fen)))))) == (
        fen_to_yuan(fen)
    )


@settings(deadline=None)
@given(st.decimals(min_value=0, max_value=10**8, places=6, allow_nan=False, allow_infinity=False))
def test_any_wan_amount_with_six_decimals_is_an_exact_number_of_fen(wan):
    fen = wan_to_fen(str(wan))
    assert Decimal(fen) == wan * 1_000_000
    assert fen_to_wan(fen) == wan


def test_every_seed_003_figure_round_trips():
    for _, wan in (
        *PROVINCIAL_FIRST_BATCH,
        *COUNTY_FIRST_BATCH,
        *[(k, v) for k, v in STATED.items()],
    ):
        fen = wan_to_fen(wan)
        assert fen_to_wan(fen) == Decimal(wan)
        assert yuan_to_fen(fen_to_yuan_str(fen)) == fen


LINES = st.lists(
    st.tuples(
        st.sampled_from(LEVEL.keys),
        st.sampled_from(["产业发展", "就业扶持", "危房改造", "通村硬化路", "蓄水池"]),
        st.sampled_from(["1", "2", "3"]),
        st.integers(min_value=1, max_value=10**12),
        st.booleans(),  # drawn on last year's budget rather than this year's
    ),
    min_size=0,
    max_size=25,
)


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(lines=LINES)
def test_totals_by_level_category_and_batch_always_equal_the_grand_total(places, lines):
    county = places["A"]
    with transaction.atomic():
        for level in LEVEL.keys:
            for budget_year in (2017, 2018):
                services.budget_create(
                    by=None, region=county, level=level, budget_year=budget_year, amount_fen=10**14
                )
        for level, category, batch, amount, last_year in lines:
            services.allocation_create(
                by=None,
                region=county,
                level=level,
                budget_year=2017 if last_year else 2018,
                year=2018,
                batch=batch,
                category=category,
                amount_fen=amount,
            )
        report = selectors.funds_report(year=2018, region_code=county.code)
        grand = sum(amount for *_, amount, _ in lines)
        assert report.total == grand
        for grouping in (report.by_level, report.by_category, report.by_batch):
            assert sum(grouping.values()) == grand
        assert sum(b.allocated for b in report.budgets) == grand
        assert all(b.remaining == b.amount - b.allocated for b in report.budgets)
        contract = report.as_contract()["allocations"]
        for key in ("by_level", "by_category", "by_batch"):
            assert sum(yuan_to_fen(v) for v in contract[key].values()) == yuan_to_fen(
                contract["total"]
            )
        transaction.set_rollback(True)
