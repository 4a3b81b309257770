"""The forms write through registry.services: valid data lands, refusals are shown beside
the fields with nothing typed lost, and a stale version is a conflict, never an overwrite."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jingzhun.audit.models import AuditEntry
from jingzhun.registry import services
from jingzhun.registry.models import Household, Income, Member
from tests.factories import make_id_number

from .conftest import HOUSEHOLD, REGION

pytestmark = pytest.mark.django_db

CONFLICT = "记录已被他人修改"


def _management(total: int) -> dict:
    return {
        "members-TOTAL_FORMS": str(total),
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "1000",
    }


def _member(index: int, id_number: str, name: str, relation: str) -> dict:
    p = f"members-{index}-"
    return {
        p + "id_number": id_number,
        p + "name": name,
        p + "relation": relation,
        p + "student": "none",
        p + "health": "healthy",
        p + "labour": "ordinary",
        p + "medical_insurance": "true",
    }


def _registration(no="5120210010010099", members=None) -> dict:
    members = members or [
        (make_id_number(), "陈有福", "head"),
        (make_id_number(sex="female", birth="19850607"), "刘秀英", "spouse"),
    ]
    data = {
        "household_no": no,
        "group": "三组",
        "attribute": "general",
        "main_cause": "illness",
        "other_causes": ["skills", "capital"],
        "status": "poor",
        "registered_year": "2016",
        "housing_safe": "true",
        "water_safe": "false",
        "relocated": "",
        **_management(len(members)),
    }
    for i, (id_number, name, relation) in enumerate(members):
        data.update(_member(i, id_number, name, relation))
    return data


def _register(client, data):
    return client.post(reverse("household_register", args=[REGION["A1a"]]), data)


def test_registering_a_household_with_its_members(as_user):
    response = _register(as_user("village_officer"), _registration())
    assert response.status_code == 302
    household = Household.objects.get(household_no="5120210010010099")
    assert response["Location"] == reverse("household", args=[household.household_no])
    assert household.other_causes == "skills;capital"
    assert household.housing_safe is True and household.water_safe is False
    head = household.members.get(relation="head")
    assert head.name == "陈有福" and head.sex == "male"
    spouse = household.members.get(relation="spouse")
    assert spouse.sex == "female" and spouse.birth_date.isoformat() == "1985-06-07"
    entry = AuditEntry.objects.get(action="household.register")
    assert entry.actor == "village_officer" and entry.source.startswith("web:")


def test_a_bad_check_digit_is_refused_beside_the_field_and_the_input_is_kept(as_user):
    good = make_id_number()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    data = _registration(members=[(bad, "陈有福", "head")])
    response = _register(as_user("village_officer"), data)
    assert response.status_code == 200
    row = response.context["formset"].forms[0]
    assert "校验位" in str(row.errors["id_number"])
    assert "校验位" in response.text
    assert f'value="{bad}"' in response.text
    assert 'value="陈有福"' in response.text
    assert 'value="三组"' in response.text
    assert not Household.objects.filter(household_no="5120210010010099").exists()


def test_a_registration_year_out_of_range_is_refused_beside_the_field_and_kept(as_user):
    data = dict(_registration(), registered_year="99999")
    response = _register(as_user("village_officer"), data)
    assert response.status_code == 200
    assert "1900到2100" in str(response.context["form"].errors["registered_year"])
    assert 'value="99999"' in response.text
    assert not Household.objects.filter(household_no="5120210010010099").exists()


def test_every_field_refused_in_a_registration_is_marked_at_once(as_user):
    data = dict(_registration(), household_no="", registered_year="99999", phone="abc")
    response = _register(as_user("village_officer"), data)
    assert response.status_code == 200
    assert {"household_no", "registered_year", "phone"} <= set(response.context["form"].errors)


def test_two_heads_are_refused_above_the_member_rows(as_user):
    data = _registration(
        members=[(make_id_number(), "甲", "head"), (make_id_number(), "乙", "head")]
    )
    response = _register(as_user("village_officer"), data)
    assert response.status_code == 200
    assert any("户主" in e for e in response.context["member_errors"])
    assert "有且仅有一名户主" in response.text
    assert 'value="乙"' in response.text
    assert not Household.objects.filter(household_no="5120210010010099").exists()


def test_an_id_already_in_another_household_is_refused_naming_it(as_user, households):
    taken = households["A1b"].members.get(relation="head").id_number
    data = _registration(members=[(taken, "冒名", "head")])
    response = _register(as_user("county_admin"), data)
    assert response.status_code == 200
    assert HOUSEHOLD["A1b"] in str(response.context["formset"].forms[0].errors["id_number"])
    assert not Household.objects.filter(household_no="5120210010010099").exists()


def test_a_taken_id_is_placed_on_the_row_that_carries_it(as_user, households):
    taken = households["A1b"].members.get(relation="head").id_number
    data = _registration(members=[(make_id_number(), "陈有福", "head"), (taken, "冒名", "child")])
    response = _register(as_user("county_admin"), data)
    rows = response.context["formset"].forms
    assert not rows[0].errors and HOUSEHOLD["A1b"] in str(rows[1].errors["id_number"])


def test_a_duplicate_household_number_is_refused_beside_the_field(as_user):
    response = _register(as_user("county_admin"), _registration(no=HOUSEHOLD["A1a"]))
    assert response.status_code == 200
    assert response.context["form"].errors.get("household_no")


def test_adding_a_member_row_keeps_what_was_typed(as_user):
    data = _registration(members=[(make_id_number(), "陈有福", "head")])
    data["add_member"] = "1"
    response = _register(as_user("village_officer"), data)
    assert response.status_code == 200
    assert len(response.context["formset"].forms) == 2
    assert 'value="陈有福"' in response.text and 'value="三组"' in response.text
    assert 'value="5120210010010099"' in response.text
    assert not response.context["form"].is_bound  # no errors shown for a half-filled form


def test_an_empty_extra_row_is_ignored(as_user):
    data = _registration(members=[(make_id_number(), "陈有福", "head")])
    data.update(_management(2))
    data.update({"members-1-student": "none", "members-1-health": "healthy"})
    response = _register(as_user("village_officer"), data)
    assert response.status_code == 302
    assert Household.objects.get(household_no="5120210010010099").members.count() == 1


def _household_post(household, **overrides) -> dict:
    data = {
        "group": household.group,
        "attribute": household.attribute,
        "main_cause": household.main_cause,
        "status": household.status,
        "registered_year": household.registered_year,
        "food_clothing_secure": "true",
        "housing_safe": "false",
        "water_safe": "true",
        "electricity": "true",
        "radio_tv": "true",
        "phone": household.phone,
        "version": household.version,
    }
    data.update(overrides)
    return data


def test_editing_a_household(as_user, households):
    household = households["A1a"]
    url = reverse("household_edit", args=[household.household_no])
    response = as_user("village_officer").post(url, _household_post(household, attribute="dibao"))
    assert response.status_code == 302
    household.refresh_from_db()
    assert (household.attribute, household.housing_safe, household.version) == ("dibao", False, 2)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"status": "exited"}, "exit_year", "脱贫年度"),
        ({"status": "exited", "exit_year": "20199"}, "exit_year", "1900到2100"),
        ({"registered_year": "99999"}, "registered_year", "1900到2100"),
        ({"phone": "abc"}, "phone", "联系电话"),
    ],
)
def test_a_refused_household_edit_is_shown_beside_the_field_and_nothing_changes(
    as_user, households, changes, field, message
):
    household = households["A1a"]
    url = reverse("household_edit", args=[household.household_no])
    response = as_user("village_officer").post(url, _household_post(household, **changes))
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    household.refresh_from_db()
    assert (household.status, household.exit_year, household.phone, household.version) == (
        "poor",
        None,
        "13800001234",
        1,
    )


def test_a_stale_household_edit_is_a_conflict_not_an_overwrite(as_user, personas, households):
    household = households["A1a"]
    stale = _household_post(household, attribute="tekun")
    services.household_update(
        by=personas["county_admin"],
        household=Household.objects.get(pk=household.pk),
        expected_version=household.version,
        attribute="dibao",
    )
    url = reverse("household_edit", args=[household.household_no])
    response = as_user("village_officer").post(url, stale)
    assert response.status_code == 200
    assert CONFLICT in response.text
    assert 'value="tekun" selected' in response.text  # what was typed is still there
    household.refresh_from_db()
    assert household.attribute == "dibao"


def _member_post(member, **overrides) -> dict:
    data = {
        "id_number": member.id_number,
        "name": member.name,
        "relation": member.relation,
        "student": member.student,
        "health": member.health,
        "medical_insurance": "true",
        "version": member.version,
    }
    data.update(overrides)
    return data


def test_editing_a_member(as_user, households):
    member = households["A1a"].members.get(relation="spouse")
    url = reverse("member_edit", args=[HOUSEHOLD["A1a"], member.pk])
    response = as_user("village_officer").post(url, _member_post(member, name="张王氏"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.name == "张王氏" and member.version == 2
    page = as_user("village_officer").get(reverse("household", args=[HOUSEHOLD["A1a"]]))
    change = page.context["history"][0].changes[0]
    assert (change.label, change.old, change.new) == ("姓名", "张大山之妻", "张王氏")


def test_a_stale_member_edit_is_a_conflict(as_user, personas, households):
    member = households["A1a"].members.get(relation="spouse")
    stale = _member_post(member, name="甲")
    services.member_update(
        by=personas["county_admin"],
        member=Member.objects.get(pk=member.pk),
        expected_version=member.version,
        data={"name": "乙"},
    )
    url = reverse("member_edit", args=[HOUSEHOLD["A1a"], member.pk])
    response = as_user("village_officer").post(url, stale)
    assert response.status_code == 200
    assert CONFLICT in response.text
    member.refresh_from_db()
    assert member.name == "乙"


def test_changing_a_members_id_number_rederives_sex_and_birth_date(as_user, households):
    member = households["A1a"].members.get(relation="spouse")
    new_id = make_id_number(birth="19700203", sex="male")
    url = reverse("member_edit", args=[HOUSEHOLD["A1a"], member.pk])
    response = as_user("village_officer").post(url, _member_post(member, id_number=new_id))
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.sex, member.birth_date.isoformat()) == ("male", "1970-02-03")


def test_adding_a_second_head_is_refused(as_user, households):
    url = reverse("member_add", args=[HOUSEHOLD["A1a"]])
    data = {
        "id_number": make_id_number(),
        "name": "二户主",
        "relation": "head",
        "student": "none",
        "health": "healthy",
    }
    response = as_user("village_officer").post(url, data)
    assert response.status_code == 200
    assert "已有户主" in str(response.context["form"].errors["relation"])


def test_adding_a_member(as_user, households):
    url = reverse("member_add", args=[HOUSEHOLD["A1a"]])
    data = {
        "id_number": make_id_number(birth="20100101"),
        "name": "张小山",
        "relation": "child",
        "student": "primary",
        "health": "healthy",
    }
    response = as_user("village_officer").post(url, data)
    assert response.status_code == 302
    assert households["A1a"].members.filter(name="张小山", student="primary").exists()


def test_a_disability_grade_for_a_healthy_member_is_refused_beside_the_field(as_user, households):
    member = households["A1a"].members.get(relation="spouse")
    url = reverse("member_edit", args=[HOUSEHOLD["A1a"], member.pk])
    response = as_user("village_officer").post(url, _member_post(member, disability_grade="2"))
    assert response.status_code == 200
    assert response.context["form"].errors["disability_grade"]


def _income_post(year=2019, **overrides) -> dict:
    data = {
        "year": year,
        "wage_fen": "5000",
        "production_fen": "1234.56",
        "property_fen": "0",
        "transfer_fen": "800.5",
        "production_cost_fen": "300",
        "medical_expense_fen": "",
        "education_expense_fen": "",
    }
    data.update(overrides)
    return data


def test_recording_income_in_yuan_stores_fen(as_user, households):
    url = reverse("income_set", args=[HOUSEHOLD["A1a"]])
    response = as_user("village_officer").post(url, _income_post())
    assert response.status_code == 302
    income = Income.objects.get(household=households["A1a"], year=2019)
    assert (income.wage_fen, income.production_fen, income.transfer_fen) == (
        500_000,
        123_456,
        80_050,
    )
    assert income.medical_expense_fen is None
    page = as_user("village_officer").get(reverse("household", args=[HOUSEHOLD["A1a"]]))
    assert "6735.06" in page.text  # net: 5000 + 1234.56 + 800.50 − 300
    assert "3367.53" in page.text  # per capita, two members


def test_an_amount_with_three_decimals_is_refused_and_kept(as_user):
    url = reverse("income_set", args=[HOUSEHOLD["A1a"]])
    response = as_user("village_officer").post(url, _income_post(wage_fen="12.345"))
    assert response.status_code == 200
    assert response.context["form"].errors["wage_fen"]
    assert 'value="12.345"' in response.text
    assert not Income.objects.exists()


def test_the_income_form_prefills_an_existing_year(as_user, households):
    url = reverse("income_set", args=[HOUSEHOLD["A1a"]])
    client = as_user("village_officer")
    client.post(url, _income_post())
    page = client.get(url + "?year=2019")
    assert page.context["form"].initial["production_fen"] == "1234.56"
    client.post(url, _income_post(wage_fen="6000"))
    assert Income.objects.get(year=2019).wage_fen == 600_000
