"""Fixed places and personas shared by every test folder.

County A (安岳县 512021) has township A1 with villages A1a and A1b; county B (510104) has one
village. Personas: county_admin, township_officer, village_officer (A1a), cadre (paired with
one household in A1a), auditor (county A), department (county A) and outsider (county admin
of county B).
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import HouseholdFactory, MemberFactory, make_id_number, region_chain

VILLAGE_A1A = "512021001001"
VILLAGE_A1B = "512021001002"
TOWNSHIP_A1 = "512021001000"
COUNTY_A = "512021000000"
VILLAGE_B = "510104001001"
COUNTY_B = "510104000000"
PASSWORD = "correct-horse-battery-staple-9"


@pytest.fixture
def places(db):
    names = {
        "510000000000": "四川省",
        "512000000000": "资阳市",
        COUNTY_A: "安岳县",
        TOWNSHIP_A1: "岳阳镇",
        VILLAGE_A1A: "长河村",
        VILLAGE_A1B: "石桥村",
        "510100000000": "成都市",
        COUNTY_B: "锦江区",
        "510104001000": "春熙街道",
        VILLAGE_B: "东风村",
    }
    a1a = region_chain(VILLAGE_A1A, names)
    a1b = region_chain(VILLAGE_A1B, names)
    b = region_chain(VILLAGE_B, names)
    return {"A1a": a1a, "A1b": a1b, "B": b, "A1": a1a.parent, "A": a1a.parent.parent}


def _household(village, head_name: str, no: str):
    household = HouseholdFactory(village=village, household_no=no)
    MemberFactory(household=household, name=head_name, relation="head")
    MemberFactory(
        household=household,
        name=f"{head_name}之妻",
        relation="spouse",
        id_number=make_id_number(birth="19820305", sex="female"),
    )
    return household


@pytest.fixture
def households(places):
    """One household per village: the cadre is paired with the first."""
    return {
        "A1a": _household(places["A1a"], "张大山", "5120210010010001"),
        "A1b": _household(places["A1b"], "李小河", "5120210010020001"),
        "B": _household(places["B"], "王东风", "5101040010010001"),
    }


@pytest.fixture
def personas(places, households, django_user_model):
    from jingzhun.assistance.models import Cadre, Pairing

    def user(username, role, region):
        u = django_user_model.objects.create(username=username, role=role, region=region)
        u.set_password(PASSWORD)
        u.save()
        return u

    people = {
        "county_admin": user("county_admin", "county_admin", places["A"]),
        "township_officer": user("township_officer", "township_officer", places["A1"]),
        "village_officer": user("village_officer", "village_officer", places["A1a"]),
        "cadre": user("cadre", "cadre", places["A1"]),
        "auditor": user("auditor", "auditor", places["A"]),
        "department": user("department", "department", places["A"]),
        "outsider": user("outsider", "county_admin", places["B"].parent.parent),
    }
    cadre = Cadre.objects.create(
        name="赵帮扶", unit="县农业局", region=places["A1"], user=people["cadre"]
    )
    Pairing.objects.create(cadre=cadre, household=households["A1a"], start=dt.date(2018, 1, 1))
    return people
