"""Households through the API: masking, money, validation (422), optimistic locking (409)."""

from __future__ import annotations

import pytest

from jingzhun.audit.models import AuditEntry
from jingzhun.registry.models import Household, Member
from tests.conftest import VILLAGE_A1A
from tests.factories import make_id_number

pytestmark = pytest.mark.django_db

NO = "5120210010010001"
URL = f"/api/v1/households/{NO}"


def _detail(client_for, persona):
    response = client_for(persona).get(URL)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize(
    ("persona", "whole_id", "whole_phone"),
    [
        ("county_admin", True, True),
        ("township_officer", True, True),
        ("village_officer", True, True),
        ("cadre", False, True),
        ("auditor", False, False),
    ],
)
def test_id_numbers_phones_and_birth_dates_are_masked_for_roles_that_do_not_need_them(
    client_for, seeded, persona, whole_id, whole_phone
):
    household = Household.objects.get(household_no=NO)
    body = _detail(client_for, persona)
    real = {m.name: m.id_number for m in household.members.all()}
    for member in body["members"]:
        number = real[member["name"]]
        if whole_id:
            assert member["id_number"] == number
            assert member["birth_date"] is not None
        else:
            assert member["id_number"] == number[:6] + "********" + number[-4:]
            assert member["birth_date"] is None
            assert member["age"] > 0
    assert body["phone"] == ("13800001234" if whole_phone else "138****1234")
    text = str(body)
    if not whole_id:
        assert not any(n in text for n in real.values())


def test_history_values_are_masked_too(client_for, seeded):
    admin = client_for("county_admin")
    member = Member.objects.filter(household__household_no=NO, relation="spouse").get()
    new_number = make_id_number(birth="19820305", sex="female")
    response = admin.patch(
        f"/api/v1/members/{member.pk}",
        {"version": member.version, "id_number": new_number},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    history = str(_detail(client_for, "auditor")["history"])
    assert new_number not in history and member.id_number not in history
    assert new_number[:6] + "********" + new_number[-4:] in history
    assert new_number in str(_detail(client_for, "county_admin")["history"])


def test_money_is_decimal_strings_in_yuan(client_for, seeded):
    income = _detail(client_for, "county_admin")["incomes"][0]
    assert income["wage"] == "6000.00"
    assert income["production"] == "1500.50"
    assert income["net"] == "7700.50"
    assert income["per_capita"] == "3850.25"  # two members
    assert income["medical_expense"] is None


def test_detail_has_members_incomes_conditions_history_and_assessments(client_for, seeded):
    body = _detail(client_for, "county_admin")
    assert body["members"][0]["relation"] == "head"
    assert body["conditions"]["housing_safe"] is True
    assert [h["action"] for h in body["history"]] == ["income.add"]


def test_the_assessment_is_the_standard_applied_criterion_by_criterion(client_for, seeded):
    (assessment,) = _detail(client_for, "county_admin")["assessments"]  # one income year
    assert (assessment["policy"], assessment["year"]) == ("cn-sichuan-2018", 2018)
    income = next(c for c in assessment["criteria"] if c["key"] == "income")
    # 7700.50 yuan net over two members against the 2018 line.
    assert income == {
        "key": "income",
        "label": "人均纯收入稳定超过国家扶贫标准",
        "passed": True,
        "value": "3850.25",
        "threshold": "> 3535.00",
    }
    assert [c["key"] for c in assessment["criteria"]] == [
        "income",
        "food_clothing",
        "education",
        "medical",
        "housing",
        "water",
        "electricity",
        "radio_tv",
    ]
    assert assessment["passed"] is True


def test_the_assessment_names_what_the_household_still_lacks(client_for, seeded):
    Household.objects.filter(household_no=NO).update(housing_safe=False, water_safe=None)
    (assessment,) = _detail(client_for, "county_admin")["assessments"]
    verdicts = {c["key"]: c["passed"] for c in assessment["criteria"]}
    assert (verdicts["housing"], verdicts["water"], verdicts["income"]) == (False, None, True)
    assert assessment["passed"] is False


def test_a_stale_version_answers_409_with_a_clear_message_and_changes_nothing(client_for, seeded):
    admin = client_for("county_admin")
    first = admin.patch(URL, {"version": 1, "group": "一组"}, content_type="application/json")
    assert first.status_code == 200
    assert first.json()["version"] == 2
    stale = admin.patch(URL, {"version": 1, "group": "二组"}, content_type="application/json")
    assert stale.status_code == 409
    assert "changed by someone else" in stale.json()["detail"]
    assert stale.json()["current_version"] == 2
    assert Household.objects.get(household_no=NO).group == "一组"


def test_a_stale_member_version_answers_409(client_for, seeded):
    admin = client_for("county_admin")
    member = Member.objects.filter(household__household_no=NO, relation="spouse").get()
    url = f"/api/v1/members/{member.pk}"
    assert (
        admin.patch(url, {"version": 1, "ethnicity": "汉族"}, content_type="application/json")
    ).status_code == 200
    stale = admin.patch(url, {"version": 1, "ethnicity": "藏族"}, content_type="application/json")
    assert stale.status_code == 409
    assert Member.objects.get(pk=member.pk).ethnicity == "汉族"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"version": 1, "status": "bogus"}, "status"),
        ({"version": 1, "registered_year": 99999}, "registered_year"),
        ({"group": "x"}, "version"),
        ({"version": 1, "status": "exited"}, "exit_year"),  # a service rule, not the schema
        ({"version": 1, "exit_year": 2000}, "exit_year"),  # before registration
        ({"version": 1, "phone": "1\x003"}, "phone"),
    ],
)
def test_invalid_household_changes_answer_422_naming_the_field(client_for, seeded, payload, field):
    response = client_for("county_admin").patch(URL, payload, content_type="application/json")
    assert response.status_code == 422, response.content
    locs = [item["loc"] for item in response.json()["detail"]]
    assert ["body", field] in locs, locs


def _registration(**extra):
    data = {
        "household_no": "5120210010019999",
        "village": VILLAGE_A1A,
        "attribute": "dibao",
        "main_cause": "illness",
        "other_causes": ["skills"],
        "registered_year": 2016,
        "phone": "13900001111",
        "members": [
            {"id_number": make_id_number(birth="19700101"), "name": "陈一", "relation": "head"},
            {
                "id_number": make_id_number(birth="20050505", sex="female"),
                "name": "陈二",
                "relation": "child",
                "student": "junior",
            },
        ],
    }
    data.update(extra)
    return data


def test_a_household_is_registered_with_its_members_and_audited(client_for, seeded):
    response = client_for("village_officer").post(
        "/api/v1/households", _registration(), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [m["name"] for m in body["members"]] == ["陈一", "陈二"]
    assert body["other_causes"] == ["skills"]
    assert AuditEntry.objects.order_by("-seq").first().action == "household.register"


def test_a_registration_with_a_bad_member_names_the_member_and_writes_nothing(client_for, seeded):
    data = _registration()
    data["members"][1]["id_number"] = "512021200505050000"
    response = client_for("county_admin").post(
        "/api/v1/households", data, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "members", 1, "id_number"]
    assert not Household.objects.filter(household_no="5120210010019999").exists()


def test_a_registration_in_a_village_outside_the_scope_is_refused_like_an_unknown_one(
    client_for, seeded
):
    outsider = client_for("outsider")
    outside = outsider.post("/api/v1/households", _registration(), content_type="application/json")
    unknown = outsider.post(
        "/api/v1/households",
        _registration(village="510104001999"),
        content_type="application/json",
    )
    assert outside.status_code == unknown.status_code == 422
    assert outside.json() == unknown.json()


@pytest.mark.parametrize("persona", ["cadre", "auditor"])
def test_read_only_roles_may_not_write(client_for, seeded, persona):
    client = client_for(persona)
    assert (
        client.patch(URL, {"version": 1, "group": "x"}, content_type="application/json")
    ).status_code == 403
    assert (
        client.post("/api/v1/households", _registration(), content_type="application/json")
    ).status_code == 403


@pytest.mark.parametrize("persona", ["outsider", "department"])
def test_writing_to_a_household_outside_the_scope_answers_404(client_for, seeded, persona):
    member = Member.objects.filter(household__household_no=NO).first()
    client = client_for(persona)
    assert (
        client.patch(URL, {"version": 1, "group": "x"}, content_type="application/json")
    ).status_code == 404
    assert (
        client.patch(
            f"/api/v1/members/{member.pk}", {"version": 1}, content_type="application/json"
        )
    ).status_code == 404


def test_the_list_is_paged_and_filtered(client_for, seeded):
    admin = client_for("county_admin")
    page = admin.get("/api/v1/households", {"page_size": 1, "page": 2}).json()
    assert (page["count"], page["page"], page["page_size"], len(page["items"])) == (2, 2, 1, 1)
    assert admin.get("/api/v1/households", {"q": "张大山"}).json()["count"] == 1
    assert admin.get("/api/v1/households", {"status": "exited"}).json()["count"] == 0
    assert admin.get("/api/v1/households", {"region": VILLAGE_A1A}).json()["count"] == 1
    bad = admin.get("/api/v1/households", {"page_size": 100000})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "page_size"]


def test_stats_roll_up_the_county_and_its_children(client_for, seeded):
    body = client_for("county_admin").get("/api/v1/stats/512021", {"year": 2018}).json()
    assert body["region_code"] == "512021000000"
    assert (body["households"], body["persons"], body["poor_households"]) == (2, 4, 2)
    assert body["rural_population"] == 2000
    assert body["incidence"] == "0.20"
    assert body["by_cause"]["illness"] == 2
    assert body["by_attribute"]["general"] == 2
    assert [c["region_code"] for c in body["children"]] == ["512021001000"]
    assert body["children"][0]["persons"] == 4


def test_stats_count_only_what_the_caller_sees(client_for, seeded):
    body = client_for("cadre").get("/api/v1/stats/512021001", {"year": 2018}).json()
    assert body["households"] == 1


def test_the_region_shows_its_children_summary(client_for, seeded):
    body = client_for("township_officer").get(f"/api/v1/regions/{VILLAGE_A1A[:9]}").json()
    assert [c["code"] for c in body["children"]] == [VILLAGE_A1A, "512021001002"]
    assert body["children"][0]["households"] == 1
    assert body["breadcrumbs"] == []  # the county is outside a township officer's scope


def test_alerts_are_an_empty_page_before_any_scan(client_for, seeded):
    assert client_for("county_admin").get("/api/v1/alerts").json() == {
        "items": [],
        "count": 0,
        "page": 1,
        "page_size": 50,
    }
