"""Web personas come from tests/conftest.py: county A (安岳县) with township A1 and villages
A1a, A1b; county B with one village. One household per village; the cadre is paired with A1a's.
"""

from __future__ import annotations

import pytest

from tests.conftest import COUNTY_A, TOWNSHIP_A1, VILLAGE_A1A, VILLAGE_A1B, VILLAGE_B

HOUSEHOLD = {"A1a": "5120210010010001", "A1b": "5120210010020001", "B": "5101040010010001"}
REGION = {"A": COUNTY_A, "A1": TOWNSHIP_A1, "A1a": VILLAGE_A1A, "A1b": VILLAGE_A1B, "B": VILLAGE_B}


@pytest.fixture(autouse=True)
def chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture
def as_user(client, personas):
    def sign_in(name: str):
        client.force_login(personas[name])
        return client

    return sign_in
