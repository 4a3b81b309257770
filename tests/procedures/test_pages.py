"""The procedure pages: lists, the case page and its forms, notices in print and XLSX, the
yearly adjustment screen. Every write goes through the services: a wrong role gets 403."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from jingzhun.core.idnumber import mask_id_number
from jingzhun.procedures import services
from jingzhun.procedures.models import Case
from tests.procedures.conftest import MEETING, params_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture
def as_user(client, personas):
    def sign_in(name: str):
        client.force_login(personas[name])
        return client

    return sign_in


def open_exit(personas, household):
    return services.case_open(
        by=personas["village_officer"], kind="exit", household=household, year=2018
    )


def test_the_village_officer_opens_an_exit_from_the_households_page(as_user, exitable):
    client = as_user("village_officer")
    page = client.get(f"/procedures/households/{exitable.household_no}/")
    assert page.status_code == 200 and "登记申请/提名" in page.content.decode()
    response = client.post(
        f"/procedures/households/{exitable.household_no}/",
        {"kind": "exit", "year": 2018, "note": "收入稳定超过标准线"},
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response.url == f"/procedures/cases/{case.reference}/"
    assert case.events.get().params["note"] == "收入稳定超过标准线"


def test_other_roles_cannot_open_a_case_from_the_page(as_user, exitable):
    client = as_user("township_officer")
    response = client.post(
        f"/procedures/households/{exitable.household_no}/",
        {"kind": "exit", "year": 2018, "note": "x"},
    )
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_the_case_page_shows_the_timeline_and_the_next_step_as_a_form(as_user, personas, exitable):
    case = open_exit(personas, exitable)
    body = as_user("village_officer").get(f"/procedures/cases/{case.reference}/").content.decode()
    assert "办理记录" in body and "民主评议" in body
    assert 'name="step" value="meeting"' in body


def test_the_case_page_tells_another_role_why_it_cannot_act(as_user, personas, exitable):
    case = open_exit(personas, exitable)
    body = as_user("township_officer").get(f"/procedures/cases/{case.reference}/").content.decode()
    assert 'id="step-form"' not in body
    assert "须由" in body


def test_a_step_posted_by_the_wrong_role_is_forbidden(as_user, personas, exitable):
    case = open_exit(personas, exitable)
    response = as_user("township_officer").post(
        f"/procedures/cases/{case.reference}/step/",
        {
            "step": "meeting",
            **{f"step-{k}": v for k, v in MEETING.items()},
            "step-held_on": "2019-02-01",
        },
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.step == "proposal"


def test_the_meeting_form_records_attendance_and_votes(as_user, personas, exitable):
    case = open_exit(personas, exitable)
    response = as_user("village_officer").post(
        f"/procedures/cases/{case.reference}/step/",
        {
            "step": "meeting",
            "version": case.version,
            "step-held_on": "2019-02-01",
            **{f"step-{k}": v for k, v in MEETING.items()},
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.step == "meeting"
    event = case.events.get(step="meeting")
    assert event.params["attended"] == 30 and event.params["votes_for"] == 25
    assert event.params["held_on"] == "2019-02-01"


def test_a_refused_step_is_shown_as_a_message_and_changes_nothing(
    as_user, personas, exitable, walk
):
    case = walk(open_exit(personas, exitable), until="village_notice")
    client = as_user("village_officer")
    client.post(f"/procedures/cases/{case.reference}/step/", {"step": "village_notice"})
    case.refresh_from_db()
    # Before the period is over the township review is refused with the reason.
    response = as_user("township_officer").post(
        f"/procedures/cases/{case.reference}/step/",
        {"step": "township_review", "step-approved": "1", "step-opinion": "同意"},
        follow=True,
    )
    assert "公示期未满" in response.content.decode()
    case.refresh_from_db()
    assert case.step == "village_notice"


def test_an_objection_is_recorded_and_resolved_from_the_case_page(
    as_user, personas, exitable, walk
):
    case = walk(open_exit(personas, exitable), until="village_notice")
    case = services.step_take(by=personas["village_officer"], case=case, step="village_notice")
    client = as_user("village_officer")
    body = client.get(f"/procedures/cases/{case.reference}/").content.decode()
    assert 'id="objection-form"' in body
    client.post(
        f"/procedures/cases/{case.reference}/objections/",
        {"objection-name": "村民甲", "objection-contact": "", "objection-text": "有小汽车"},
    )
    objection = case.objections.get()
    response = as_user("county_admin").post(
        f"/procedures/objections/{objection.pk}/resolve/",
        {"resolve-upheld": "0", "resolve-reasons": "车辆系亲属所有"},
    )
    assert response.status_code == 403
    as_user("township_officer").post(
        f"/procedures/objections/{objection.pk}/resolve/",
        {"resolve-upheld": "0", "resolve-reasons": "车辆系亲属所有"},
    )
    objection.refresh_from_db()
    assert objection.resolution == "dismissed"


def test_a_case_out_of_scope_answers_404(as_user, personas, exitable):
    case = open_exit(personas, exitable)
    assert as_user("outsider").get(f"/procedures/cases/{case.reference}/").status_code == 404


def test_the_frozen_assessment_is_shown_on_the_decided_case(as_user, personas, exitable, walk):
    case = walk(open_exit(personas, exitable))
    body = as_user("auditor").get(f"/procedures/cases/{case.reference}/").content.decode()
    assert 'id="frozen-assessment"' in body and case.assessment["pack_id"] in body


def test_the_region_list_shows_the_cases_and_exports_them(as_user, personas, exitable):
    case = open_exit(personas, exitable)
    client = as_user("county_admin")
    body = client.get("/procedures/regions/512021000000/").content.decode()
    assert case.reference in body
    xlsx = client.get("/procedures/regions/512021000000/?format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[2]][0] == case.reference


def _noticed(personas, exitable, walk):
    case = walk(open_exit(personas, exitable), until="village_notice")
    case = services.step_take(
        by=personas["village_officer"],
        case=case,
        step="village_notice",
        params={"where_to_object": "长河村村委会 0828-1234567"},
    )
    return case, services.current_notice(case)


def test_the_notice_page_lists_the_household_with_its_id_masked_for_every_role(
    as_user, personas, exitable, walk
):
    case, notice = _noticed(personas, exitable, walk)
    head = exitable.members.get(relation="head")
    body = as_user("county_admin").get(f"/procedures/notices/{notice.pk}/").content.decode()
    assert mask_id_number(head.id_number) in body
    assert head.id_number not in body
    assert head.name in body and "长河村村委会 0828-1234567" in body
    assert "公示期" in body and "@page" not in body  # print CSS is a separate file


def test_the_notice_downloads_as_xlsx_with_the_same_rows(as_user, personas, exitable, walk):
    case, notice = _noticed(personas, exitable, walk)
    head = exitable.members.get(relation="head")
    response = as_user("village_officer").get(f"/procedures/notices/{notice.pk}/?format=xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[1][:4] == (
        "长河村",
        exitable.household_no,
        head.name,
        mask_id_number(head.id_number),
    )
    assert rows[1][4] == 2


def test_several_households_are_listed_in_one_notice_from_the_region_page(
    as_user, personas, places, walk
):
    from tests.factories import HouseholdFactory, MemberFactory

    references = []
    for _ in range(2):
        household = HouseholdFactory(village=places["A1a"])
        MemberFactory(household=household)
        case = walk(open_exit(personas, household), until="village_notice")
        references.append(case.reference)
    response = as_user("village_officer").post(
        "/procedures/regions/512021001001/notice/",
        {"case": references, "where_to_object": "村委会"},
    )
    assert response.status_code == 302
    assert {c.step for c in Case.objects.all()} == {"village_notice"}


def test_the_adjustment_screen_lists_exit_candidates_and_opens_their_cases(
    as_user, personas, exitable, households
):
    client = as_user("village_officer")
    body = client.get("/procedures/regions/512021001001/adjustment/2018/").content.decode()
    assert exitable.household_no in body and 'id="candidates-exit"' in body
    response = client.post(
        "/procedures/regions/512021001001/adjustment/2018/",
        {"kind": "exit", "household": [exitable.household_no]},
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.kind == "exit" and case.household == exitable and case.year == 2018
    # Opened: no longer a candidate.
    body = client.get("/procedures/regions/512021001001/adjustment/2018/").content.decode()
    assert f'value="{exitable.household_no}"' not in body


def test_the_adjustment_screen_lists_exited_households_whose_income_fell(
    as_user, personas, households
):
    from tests.factories import IncomeFactory

    household = households["A1a"]
    household.status, household.exit_year = "exited", 2017
    household.save()
    IncomeFactory(household=household, year=2018, wage_fen=0, production_fen=0, transfer_fen=0)
    body = as_user("county_admin").get("/procedures/regions/512021000000/adjustment/2018/")
    text = body.content.decode()
    assert 'id="candidates-return"' in text
    section = text.split('id="candidates-return"')[1].split("</section>")[0]
    assert household.household_no in section


def test_the_household_and_region_pages_link_to_the_procedures(as_user, exitable):
    client = as_user("county_admin")
    assert (
        f"/procedures/households/{exitable.household_no}/"
        in client.get(f"/households/{exitable.household_no}/").content.decode()
    )
    assert (
        "/procedures/regions/512021000000/" in client.get("/regions/512021000000/").content.decode()
    )


def test_a_step_of_a_decided_case_is_refused(as_user, personas, exitable, walk):
    case = walk(open_exit(personas, exitable))
    response = as_user("county_admin").post(
        f"/procedures/cases/{case.reference}/step/",
        {
            "step": "county_approval",
            **{f"step-{k}": v for k, v in params_for("township_review").items()},
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "decided"


def test_the_case_page_reads_in_english(client, personas, exitable):
    case = open_exit(personas, exitable)
    client.force_login(personas["village_officer"])
    client.cookies["django_language"] = "en"
    body = client.get(f"/procedures/cases/{case.reference}/").content.decode()
    assert "Timeline" in body and "Village assessment meeting" in body


def test_the_adjustment_screen_lists_households_a_department_reports_dead(as_user, households):
    import datetime as dt

    from jingzhun.monitoring.models import RiskEvent

    household = households["A1a"]
    for member in household.members.all():
        RiskEvent.objects.create(
            household=household,
            member=member,
            id_number=member.id_number,
            kind="death",
            source="civil_affairs",
            date=dt.date(2018, 5, 1),
        )
    partly = households["A1b"]  # one of two members dead: the household goes on
    head = partly.members.get(relation="head")
    RiskEvent.objects.create(
        household=partly,
        member=head,
        id_number=head.id_number,
        kind="death",
        source="civil_affairs",
        date=dt.date(2018, 5, 1),
    )
    text = (
        as_user("county_admin")
        .get("/procedures/regions/512021000000/adjustment/2018/")
        .content.decode()
    )
    section = text.split('id="candidates-removal"')[1].split("</section>")[0]
    assert household.household_no in section
    assert partly.household_no not in section


def test_the_frozen_assessment_stays_as_decided_when_the_active_pack_changes(
    as_user, personas, exitable, walk, monkeypatch
):
    from jingzhun.assessments import selectors as assessments

    case = walk(open_exit(personas, exitable))
    decided_under = case.assessment["pack_id"]
    monkeypatch.setattr(assessments, "active_pack_id", lambda **kw: "cn-national-2014")
    body = as_user("county_admin").get(f"/procedures/cases/{case.reference}/").content.decode()
    frozen = body.split('id="frozen-assessment"')[1].split("</section>")[0]
    assert decided_under != "cn-national-2014"
    assert decided_under in frozen and "cn-national-2014" not in frozen
