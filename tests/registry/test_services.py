import pytest
from django.core.exceptions import ValidationError

from jingzhun.audit.models import AuditEntry
from jingzhun.core.errors import ConflictError
from jingzhun.registry import services
from jingzhun.registry.models import Household, Member
from tests.factories import IncomeFactory, make_id_number

pytestmark = pytest.mark.django_db


def register(village, no="H1", members=None):
    members = members or [
        {"id_number": make_id_number(), "name": "张三", "relation": "head"},
        {"id_number": make_id_number(sex="female"), "name": "李四", "relation": "spouse"},
    ]
    return services.household_register(
        by=None,
        household_no=no,
        village=village,
        attribute="general",
        main_cause="illness",
        registered_year=2014,
        members=members,
    )


def test_registration_derives_sex_and_birth_date_from_the_id(places):
    household = register(places["A1a"])
    head = household.members.get(relation="head")
    assert head.sex == "male"
    assert head.birth_date.year == 1980


def test_a_household_without_a_head_is_refused_and_nothing_is_written(places):
    with pytest.raises(ValidationError, match="户主"):
        register(
            places["A1a"],
            members=[{"id_number": make_id_number(), "name": "甲", "relation": "spouse"}],
        )
    assert not Household.objects.exists()


def test_a_household_with_two_heads_is_refused(places):
    members = [
        {"id_number": make_id_number(), "name": "甲", "relation": "head"},
        {"id_number": make_id_number(), "name": "乙", "relation": "head"},
    ]
    with pytest.raises(ValidationError, match="户主"):
        register(places["A1a"], members=members)


def test_an_id_registered_in_another_household_is_refused(places):
    first = register(places["A1a"], no="H1")
    taken = first.members.get(relation="head").id_number
    with pytest.raises(ValidationError, match="H1"):
        register(
            places["A1b"],
            no="H2",
            members=[{"id_number": taken, "name": "冒名", "relation": "head"}],
        )
    assert Household.objects.count() == 1


def test_a_sex_that_contradicts_the_id_is_refused(places):
    members = [
        {"id_number": make_id_number(sex="male"), "name": "甲", "relation": "head", "sex": "female"}
    ]
    with pytest.raises(ValidationError, match="性别"):
        register(places["A1a"], members=members)


def test_a_household_cannot_be_registered_above_village_level(places):
    with pytest.raises(ValidationError, match="村"):
        register(places["A1"])


def test_a_second_head_cannot_be_added(places):
    household = register(places["A1a"])
    with pytest.raises(ValidationError, match="户主"):
        services.member_add(
            by=None,
            household=household,
            data={"id_number": make_id_number(), "name": "丙", "relation": "head"},
        )


def test_the_head_cannot_leave_without_a_new_head(places):
    household = register(places["A1a"])
    with pytest.raises(ValidationError):
        services.member_remove(
            by=None, member=household.members.get(relation="head"), reason="迁出"
        )


def test_a_stale_member_edit_is_refused_and_the_newer_value_stays(places):
    household = register(places["A1a"])
    spouse = household.members.get(relation="spouse")
    stale = Member.objects.get(pk=spouse.pk)
    services.member_update(by=None, member=spouse, expected_version=1, data={"name": "新名"})
    with pytest.raises(ConflictError):
        services.member_update(by=None, member=stale, expected_version=1, data={"name": "旧名"})
    assert Member.objects.get(pk=spouse.pk).name == "新名"


def test_every_change_is_in_the_history_with_old_and_new_values(places):
    household = register(places["A1a"])
    services.household_update(by=None, household=household, expected_version=1, housing_safe=False)
    entry = AuditEntry.objects.filter(household_no="H1", action="household.update").get()
    assert entry.before == {"housing_safe": True} or entry.before == {"housing_safe": None}
    assert entry.after == {"housing_safe": False}


def test_per_capita_net_income_is_the_four_incomes_less_costs_over_members(places):
    household = register(places["A1a"])
    income = IncomeFactory(
        household=household,
        wage_fen=500_000,
        production_fen=200_000,
        property_fen=10_000,
        transfer_fen=100_000,
        production_cost_fen=60_000,
    )
    assert income.net_fen == 750_000
    from jingzhun.registry.selectors import household_incomes

    row = household_incomes(household=household)[0]
    assert str(row["per_capita"]) == "3750.00"


def test_income_components_may_not_be_negative(places):
    household = register(places["A1a"])
    with pytest.raises(ValidationError):
        services.income_set(by=None, household=household, year=2018, amounts_fen={"wage_fen": -1})
