"""Test data builders shared by every test folder."""

from __future__ import annotations

import datetime as dt
import itertools

import factory
from stdnum.cn import ric

from jingzhun.regions.models import Region
from jingzhun.registry.models import Household, Income, Member

_sequence = itertools.count(1)


def make_id_number(region: str = "512021", birth: str = "19800101", sex: str = "male") -> str:
    """A valid resident ID (the check character computed by python-stdnum)."""
    order = next(_sequence) % 500
    order_digit = order * 2 + (1 if sex == "male" else 0)  # odd men, even women
    body = f"{region}{birth}{order_digit:03d}"
    return body + ric.calc_check_digit(body + "0")


def region_chain(village_code: str, names: dict[str, str] | None = None) -> Region:
    """Create (or reuse) the province → village chain for a 12-digit village code."""
    from jingzhun.regions import codes

    names = names or {}
    parent = None
    for code in [*codes.ancestors(village_code), village_code]:
        region, _ = Region.objects.get_or_create(
            code=code,
            defaults={
                "name": names.get(code, f"区划{code}"),
                "level": codes.level_of(code),
                "parent": parent,
                "rural_population": 1000 if codes.level_of(code) == "village" else None,
            },
        )
        parent = region
    return parent


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    household_no = factory.Sequence(lambda n: f"H{n:08d}")
    attribute = "general"
    main_cause = "illness"
    status = "poor"
    registered_year = 2014
    food_clothing_secure = True
    housing_safe = True
    water_safe = True
    electricity = True
    radio_tv = True
    phone = "13800001234"


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    household = factory.SubFactory(HouseholdFactory)
    id_number = factory.LazyFunction(make_id_number)
    name = factory.Sequence(lambda n: f"成员{n}")
    relation = "head"
    sex = factory.LazyAttribute(lambda m: "male" if int(m.id_number[16]) % 2 else "female")
    birth_date = factory.LazyAttribute(
        lambda m: dt.date(int(m.id_number[6:10]), int(m.id_number[10:12]), int(m.id_number[12:14]))
    )
    medical_insurance = True


class IncomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Income

    household = factory.SubFactory(HouseholdFactory)
    year = 2018
    wage_fen = 500_000
    production_fen = 200_000
    property_fen = 0
    transfer_fen = 100_000
    production_cost_fen = 50_000
