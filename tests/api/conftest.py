"""API fixtures on top of the shared places and personas (tests/conftest.py).

`PARAM_VALUES` maps every route parameter name to the fixed records it can name, and
`VISIBLE` says which of them each persona may see. The generated scope tests read the routes
from the NinjaAPI itself: a new route whose parameter is not listed here fails loudly until
someone says what values it takes and who may see them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from jingzhun.registry import services
from tests.conftest import COUNTY_A, COUNTY_B, TOWNSHIP_A1, VILLAGE_A1A, VILLAGE_A1B, VILLAGE_B

PERSONAS = (
    "county_admin",
    "township_officer",
    "village_officer",
    "cadre",
    "auditor",
    "department",
    "outsider",
)

# Route parameter → {record key: value}. Households are the shared fixture's numbers.
PARAM_VALUES: dict[str, dict[str, str]] = {
    "code": {
        "A": COUNTY_A,
        "A1": TOWNSHIP_A1,
        "A1a": VILLAGE_A1A,
        "A1b": VILLAGE_A1B,
        "B": VILLAGE_B,
        "Bcounty": COUNTY_B,
    },
    "household_no": {
        "A1a": "5120210010010001",
        "A1b": "5120210010020001",
        "B": "5101040010010001",
    },
}

# Procedure cases: one exit case per household (made by `seeded`), named by reference.
PARAM_VALUES["reference"] = {
    k: f"exit-2018-{no}-1" for k, no in PARAM_VALUES["household_no"].items()
}

# A well-formed key that names nothing: its 404 body is what out of scope must look like.
MISSING: dict[str, str] = {
    "code": "512021009009",
    "household_no": "5120219999999999",
    "reference": "exit-2018-5120219999999999-1",
}

# Query parameters a route requires, and the value to send.
QUERY_VALUES: dict[str, object] = {"year": 2018}

_COUNTY_A_REGIONS = {"A", "A1", "A1a", "A1b"}
VISIBLE: dict[str, dict[str, set[str]]] = {
    "county_admin": {"code": _COUNTY_A_REGIONS, "household_no": {"A1a", "A1b"}},
    "township_officer": {"code": {"A1", "A1a", "A1b"}, "household_no": {"A1a", "A1b"}},
    "village_officer": {"code": {"A1a"}, "household_no": {"A1a"}},
    # A cadre is bound to a township for regions and to paired households for records.
    "cadre": {"code": {"A1", "A1a", "A1b"}, "household_no": {"A1a"}},
    "auditor": {"code": _COUNTY_A_REGIONS, "household_no": {"A1a", "A1b"}},
    "department": {"code": _COUNTY_A_REGIONS, "household_no": set()},
    "outsider": {"code": {"B", "Bcounty"}, "household_no": {"B"}},
}

for _seen in VISIBLE.values():  # a case is seen exactly where its household is
    _seen["reference"] = _seen["household_no"]

# Roles that may read the audit trail (403 for the others).
READS_AUDIT = {"county_admin", "auditor", "outsider"}


@pytest.fixture
def seeded(personas, households):
    """Personas plus an income per household written through the services, so that each
    household has history in the audit trail."""
    admin_a, admin_b = personas["county_admin"], personas["outsider"]
    for key, household in households.items():
        services.income_set(
            by=admin_b if key == "B" else admin_a,
            household=household,
            year=2018,
            amounts_fen={"wage_fen": 600_000, "production_fen": 150_050, "transfer_fen": 20_000},
        )
    from jingzhun.procedures.models import Case

    for key, household in households.items():
        Case.objects.create(
            reference=PARAM_VALUES["reference"][key],
            kind="exit",
            household=household,
            year=2018,
            plan=["proposal", "meeting", "household_agreement", "village_notice"],
            step="proposal",
            opened_at=dt.datetime(2019, 3, 1, tzinfo=dt.UTC),
        )
    return {"personas": personas, "households": households}


@pytest.fixture
def client_for(seeded):
    """A signed-in (session) client for a persona."""

    def make(persona: str, *, enforce_csrf: bool = False) -> Client:
        client = Client(enforce_csrf_checks=enforce_csrf)
        client.force_login(seeded["personas"][persona])
        return client

    return make


def out_of_scope_markers(households, persona: str) -> set[str]:
    """Strings that must never appear in any answer to `persona`: the household numbers, head
    names and ID numbers of households the persona may not see."""
    hidden = set(PARAM_VALUES["household_no"]) - VISIBLE[persona]["household_no"]
    markers = set()
    for key in hidden:
        household = households[key]
        markers.add(household.household_no)
        for member in household.members.all():
            markers.add(member.id_number)
            markers.add(member.name)
    return markers
