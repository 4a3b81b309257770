"""安岳县 2018 (seed 003) as a ledger, built through the services (`jingzhun.funds.seed003`,
which the demo loads too)."""

from __future__ import annotations

import pytest

from jingzhun.funds.seed003 import (  # noqa: F401 - the figures the tests reconcile
    COUNTY_BUDGET_2017,
    COUNTY_FIRST_BATCH,
    COUNTY_FIRST_BATCH_PUBLISHED,
    PROVINCIAL_FIRST_BATCH,
    STATED,
    load_ledger,
)


@pytest.fixture
def anyue_2018(places):
    return load_ledger(by=None, county=places["A"])
