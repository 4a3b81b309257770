"""The API routes for cases go through the same services: same order, roles and periods."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from jingzhun.procedures.models import Case
from tests.procedures.conftest import MEETING, params_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(personas):
    def client(persona: str):
        c = Client()
        c.force_login(personas[persona])

        def post(path, body):
            return c.post(f"/api/v1{path}", json.dumps(body), content_type="application/json")

        c.post_json = post
        return c

    return client


def test_a_case_is_opened_and_walked_through_the_api_by_three_roles(api, exitable, clock):
    village, township, county = api("village_officer"), api("township_officer"), api("county_admin")
    opened = village.post_json(
        f"/households/{exitable.household_no}/cases", {"kind": "exit", "year": 2018}
    )
    assert opened.status_code == 201, opened.content
    ref = opened.json()["reference"]
    assert opened.json()["next_action"] == {
        "step": "meeting",
        "label": "民主评议",
        "allowed": True,
        "reasons": [],
    }
    for step in ("meeting", "household_agreement", "village_notice"):
        r = village.post_json(f"/cases/{ref}/steps", {"step": step, "params": params_for(step)})
        assert r.status_code == 200, r.content
    early = township.post_json(
        f"/cases/{ref}/steps", {"step": "township_review", "params": params_for("township_review")}
    )
    assert early.status_code == 422 and "公示期未满" in str(early.json())
    clock.advance(days=7)
    r = township.post_json(
        f"/cases/{ref}/steps", {"step": "township_review", "params": params_for("township_review")}
    )
    assert r.status_code == 200, r.content
    r = county.post_json(
        f"/cases/{ref}/steps", {"step": "county_approval", "params": params_for("county_approval")}
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "decided" and body["assessment"]["passed"] is True
    assert [e["action"] for e in body["events"]][-1] == "decided"
    assert {n["level"] for n in body["notices"]} == {"village", "county"}


def test_a_step_for_the_wrong_role_answers_403_and_out_of_order_422(api, exitable):
    village = api("village_officer")
    ref = village.post_json(
        f"/households/{exitable.household_no}/cases", {"kind": "exit", "year": 2018}
    ).json()["reference"]
    wrong = api("township_officer").post_json(
        f"/cases/{ref}/steps", {"step": "meeting", "params": MEETING}
    )
    assert wrong.status_code == 403
    skip = village.post_json(f"/cases/{ref}/steps", {"step": "village_notice", "params": {}})
    assert skip.status_code == 422
    assert Case.objects.get().step == "proposal"


def test_a_stale_version_answers_409(api, exitable):
    village = api("village_officer")
    ref = village.post_json(
        f"/households/{exitable.household_no}/cases", {"kind": "exit", "year": 2018}
    ).json()["reference"]
    r = village.post_json(
        f"/cases/{ref}/steps", {"step": "meeting", "params": MEETING, "expected_version": 9}
    )
    assert r.status_code == 409 and r.json()["current_version"] == 1


def test_an_objection_recorded_through_the_api_blocks_the_next_step(
    api, exitable, walk, personas, clock
):
    from jingzhun.procedures import services

    case = walk(
        services.case_open(
            by=personas["village_officer"], kind="exit", household=exitable, year=2018
        ),
        until="village_notice",
    )
    village = api("village_officer")
    village.post_json(f"/cases/{case.reference}/steps", {"step": "village_notice"})
    r = village.post_json(
        f"/cases/{case.reference}/objections", {"name": "村民甲", "text": "有经营性公司"}
    )
    assert r.status_code == 201, r.content
    clock.advance(days=8)
    blocked = api("township_officer").post_json(
        f"/cases/{case.reference}/steps",
        {"step": "township_review", "params": params_for("township_review")},
    )
    assert blocked.status_code == 422 and "异议" in str(blocked.json())


def test_control_characters_in_parameters_are_refused(api, exitable):
    r = api("village_officer").post_json(
        f"/households/{exitable.household_no}/cases",
        {"kind": "exit", "year": 2018, "params": {"note": "a\x00b"}},
    )
    assert r.status_code == 422
    assert not Case.objects.exists()


def test_an_unknown_kind_answers_422(api, exitable):
    r = api("village_officer").post_json(
        f"/households/{exitable.household_no}/cases", {"kind": "adoption", "year": 2018}
    )
    assert r.status_code == 422


def test_the_case_list_is_bounded_by_scope(api, personas, exitable, households):
    from jingzhun.procedures import services

    services.case_open(by=personas["village_officer"], kind="exit", household=exitable, year=2018)
    assert api("county_admin").get("/api/v1/cases").json()["count"] == 1
    assert api("outsider").get("/api/v1/cases").json()["count"] == 0
    assert api("outsider").get("/api/v1/cases", {"region": "512021000000"}).status_code == 404


def test_another_modules_kind_is_not_opened_through_the_register_routes(api, households):
    household = households["A1a"]
    household.status, household.exit_year = "exited", 2016
    household.save()
    r = api("village_officer").post_json(
        f"/households/{household.household_no}/cases",
        {"kind": "monitoring_identification", "year": 2018},
    )
    assert r.status_code == 422
    assert not Case.objects.exists()
