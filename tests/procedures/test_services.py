"""The engine's rules: order, roles, scope, notices, objections, the frozen exit standard."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from jingzhun.assessments import selectors as assessments
from jingzhun.audit import services as audit
from jingzhun.audit.models import AuditEntry
from jingzhun.core.errors import ConflictError, PermissionDenied
from jingzhun.policy import clear_cache, get_pack
from jingzhun.procedures import selectors, services
from jingzhun.procedures.kinds import get_kind
from jingzhun.procedures.models import Case, CaseEvent, Notice
from jingzhun.registry.models import Income
from tests.procedures.conftest import ROLE_OF_STEP, params_for

pytestmark = pytest.mark.django_db

PERSONAS = ("county_admin", "township_officer", "village_officer", "cadre", "auditor", "department")


def open_exit(personas, household, **params):
    return services.case_open(
        by=personas["village_officer"], kind="exit", household=household, year=2018, params=params
    )


def open_identification(personas, household):
    # Household A1b is outside the village officer's village; A1a is inside: move it there.
    return services.case_open(
        by=personas["village_officer"], kind="identification", household=household, year=2018
    )


@pytest.fixture
def applicant(households):
    """Household A1a (the village officer's village), under monitoring: it may apply."""
    household = households["A1a"]
    household.status = "monitored"
    household.save()
    return household


EXIT_STEPS = [s for s in get_kind("exit").steps[1:]]
IDENTIFICATION_STEPS = [s for s in get_kind("identification").steps[1:]]


@pytest.mark.parametrize("step", [s.key for s in EXIT_STEPS if s.key != "township_notice"])
def test_each_exit_step_is_refused_to_every_other_role_and_taken_by_its_own(
    personas, exitable, walk, clock, step
):
    case = walk(open_exit(personas, exitable), until=step)
    if services.current_notice(case) is not None:
        clock.advance(days=8)
    for persona in PERSONAS:
        if persona == ROLE_OF_STEP[step]:
            continue
        with pytest.raises(PermissionDenied):
            services.step_take(by=personas[persona], case=case, step=step, params=params_for(step))
    case.refresh_from_db()
    assert services.next_step(case).key == step  # nothing moved
    case = services.step_take(
        by=personas[ROLE_OF_STEP[step]], case=case, step=step, params=params_for(step)
    )
    assert case.step == step


@pytest.mark.parametrize("step", [s.key for s in IDENTIFICATION_STEPS])
def test_each_identification_step_is_refused_to_every_other_role_and_taken_by_its_own(
    personas, applicant, walk, clock, step
):
    case = walk(open_identification(personas, applicant), until=step)
    if services.current_notice(case) is not None:
        clock.advance(days=8)
    for persona in PERSONAS:
        if persona != ROLE_OF_STEP[step]:
            with pytest.raises(PermissionDenied):
                services.step_take(
                    by=personas[persona], case=case, step=step, params=params_for(step)
                )
    case = services.step_take(
        by=personas[ROLE_OF_STEP[step]], case=case, step=step, params=params_for(step)
    )
    assert case.step == step


def test_only_the_village_may_open_a_case(personas, exitable):
    for persona in PERSONAS:
        if persona == "village_officer":
            continue
        with pytest.raises(PermissionDenied):
            services.case_open(by=personas[persona], kind="exit", household=exitable, year=2018)
    assert not Case.objects.exists()


def test_a_county_officer_of_another_county_takes_no_step(personas, exitable, walk):
    case = walk(open_exit(personas, exitable), until="county_approval")
    with pytest.raises(PermissionDenied):
        services.step_take(
            by=personas["outsider"],
            case=case,
            step="county_approval",
            params=params_for("county_approval"),
        )


def test_a_village_officer_cannot_open_a_case_for_another_village(personas, households):
    with pytest.raises(PermissionDenied):
        services.case_open(
            by=personas["village_officer"], kind="exit", household=households["A1b"], year=2018
        )


def test_a_superuser_without_a_role_takes_no_step(personas, exitable, django_user_model):
    root = django_user_model.objects.create(username="root", is_superuser=True, is_staff=True)
    with pytest.raises(PermissionDenied):
        services.case_open(by=root, kind="exit", household=exitable, year=2018)


def test_no_step_can_be_skipped(personas, exitable, walk, clock):
    case = open_exit(personas, exitable)
    with pytest.raises(ValidationError, match="不能跳过"):
        services.step_take(
            by=personas["county_admin"],
            case=case,
            step="county_approval",
            params=params_for("county_approval"),
        )
    with pytest.raises(ValidationError, match="不能跳过"):
        services.step_take(by=personas["village_officer"], case=case, step="village_notice")
    case = walk(case, until="village_notice")
    with pytest.raises(ValidationError, match="不能跳过"):
        services.step_take(
            by=personas["village_officer"], case=case, step="meeting", params=params_for("meeting")
        )


def test_every_step_writes_an_event_and_an_audit_entry_and_the_chain_holds(
    personas, exitable, walk
):
    case = walk(open_exit(personas, exitable))
    events = list(case.events.values_list("action", "step"))
    assert [step for action, step in events if action in ("open", "step")] == case.plan
    assert events[-1] == ("decided", "county_approval")
    entries = AuditEntry.objects.filter(object_type="case", object_id=str(case.pk))
    assert entries.count() == len(case.plan)
    assert audit.verify().ok


def test_the_decision_goes_through_the_registry_services(personas, exitable, walk):
    walk(open_exit(personas, exitable))
    change = AuditEntry.objects.get(action="household.update", household_no=exitable.household_no)
    assert change.after == {"status": "exited", "exit_year": 2018}
    assert change.actor == "county_admin"


@pytest.mark.parametrize(
    ("kind", "status", "after"),
    [
        ("identification", "monitored", {"status": "poor", "registered_year": 2018}),
        ("return", "exited", {"status": "returned"}),
        ("removal", "poor", {"status": "removed"}),
    ],
)
def test_each_kind_decided_sets_the_household_status(
    personas, households, walk, kind, status, after
):
    household = households["A1a"]
    household.status = status
    household.exit_year = 2016 if status == "exited" else None
    household.save()
    params = {"reason": "death", "evidence": "死亡证明"} if kind == "removal" else {}
    case = services.case_open(
        by=personas["village_officer"], kind=kind, household=household, year=2018, params=params
    )
    case = walk(case)
    household.refresh_from_db()
    assert case.status == "decided"
    for field, value in after.items():
        assert getattr(household, field) == value


def test_a_removal_needs_a_reason_and_its_evidence(personas, households):
    with pytest.raises(ValidationError) as refused:
        services.case_open(
            by=personas["village_officer"], kind="removal", household=households["A1a"], year=2018
        )
    assert set(refused.value.message_dict) == {"reason", "evidence"}


def test_a_household_has_one_open_case_at_a_time(personas, exitable):
    open_exit(personas, exitable)
    with pytest.raises(ValidationError, match="已有办理中"):
        services.case_open(
            by=personas["village_officer"],
            kind="removal",
            household=exitable,
            year=2018,
            params={"reason": "moved", "evidence": "户口迁移证明"},
        )


def test_a_case_opens_only_from_the_statuses_its_kind_allows(personas, households):
    with pytest.raises(ValidationError, match="不能办理"):
        services.case_open(
            by=personas["village_officer"],
            kind="identification",
            household=households["A1a"],  # already poor
            year=2018,
        )


def test_a_meeting_without_a_majority_in_favour_rejects_the_case(personas, exitable):
    case = open_exit(personas, exitable)
    case = services.step_take(
        by=personas["village_officer"],
        case=case,
        step="meeting",
        params={"attended": 30, "votes_for": 15, "votes_against": 10, "abstained": 5},
    )
    assert case.status == "rejected"
    assert case.events.last().action == "rejected"
    assert services.next_step(case) is None


def test_a_meeting_with_more_votes_than_people_is_refused(personas, exitable):
    case = open_exit(personas, exitable)
    with pytest.raises(ValidationError, match="超过参会人数"):
        services.step_take(
            by=personas["village_officer"],
            case=case,
            step="meeting",
            params={"attended": 10, "votes_for": 9, "votes_against": 2, "abstained": 0},
        )


def test_the_exit_needs_the_households_signed_agreement(personas, exitable, walk):
    case = walk(open_exit(personas, exitable), until="household_agreement")
    with pytest.raises(ValidationError):
        services.step_take(
            by=personas["village_officer"],
            case=case,
            step="household_agreement",
            params={"agrees": False, "signed_by": "张大山"},
        )


def test_the_exit_decision_needs_every_sign_off_the_pack_names(personas, exitable, walk):
    case = walk(open_exit(personas, exitable), until="county_approval")
    params = params_for("county_approval")
    del params["sign_offs"]["帮扶责任人"]
    with pytest.raises(ValidationError, match="帮扶责任人"):
        services.step_take(
            by=personas["county_admin"], case=case, step="county_approval", params=params
        )
    case.refresh_from_db()
    assert case.status == "open"


def test_a_township_refusal_rejects_the_case_with_its_reasons(personas, exitable, walk):
    case = walk(open_exit(personas, exitable), until="township_review")
    with pytest.raises(ValidationError, match="理由"):
        services.step_take(
            by=personas["township_officer"],
            case=case,
            step="township_review",
            params={"approved": False},
        )
    case = services.step_take(
        by=personas["township_officer"],
        case=case,
        step="township_review",
        params={"approved": False, "opinion": "收入核算有误"},
    )
    assert case.status == "rejected"


def test_a_stale_version_is_a_conflict(personas, exitable):
    case = open_exit(personas, exitable)
    with pytest.raises(ConflictError):
        services.step_take(
            by=personas["village_officer"],
            case=case,
            step="meeting",
            params=params_for("meeting"),
            expected_version=case.version + 1,
        )


def test_a_withdrawn_case_takes_no_more_steps(personas, exitable):
    case = open_exit(personas, exitable)
    case = services.case_withdraw(by=personas["village_officer"], case=case, reason="农户撤回申请")
    assert case.status == "withdrawn"
    with pytest.raises(ValidationError, match="已办结"):
        services.step_take(
            by=personas["village_officer"], case=case, step="meeting", params=params_for("meeting")
        )


# --- notice periods with a fake clock ---------------------------------------------------------


def at_village_notice(personas, exitable, walk):
    case = walk(open_exit(personas, exitable), until="village_notice")
    return services.step_take(
        by=personas["village_officer"],
        case=case,
        step="village_notice",
        params={"where_to_object": "村委会，电话 0828-1234567"},
    )


def test_a_notice_runs_for_the_packs_seven_days(personas, exitable, walk, clock):
    case = at_village_notice(personas, exitable, walk)
    notice = services.current_notice(case)
    assert notice.level == "village" and notice.region_id == exitable.village_id
    assert (notice.ends_at - notice.starts_at).days == 7
    assert notice.starts_at == clock.at


def test_the_next_step_waits_until_the_notice_period_is_over(personas, exitable, walk, clock):
    case = at_village_notice(personas, exitable, walk)
    review = params_for("township_review")
    clock.advance(days=6, hours=23, minutes=59)
    with pytest.raises(ValidationError, match="公示期未满"):
        services.step_take(
            by=personas["township_officer"], case=case, step="township_review", params=review
        )
    clock.advance(minutes=1)
    case = services.step_take(
        by=personas["township_officer"], case=case, step="township_review", params=review
    )
    assert case.step == "township_review"


def test_an_objection_is_taken_during_the_notice_period_only(personas, exitable, walk, clock):
    case = at_village_notice(personas, exitable, walk)
    notice = services.current_notice(case)
    services.objection_lodge(notice=notice, case=case, name="村民甲", text="家中有车")
    clock.advance(days=7)
    with pytest.raises(ValidationError, match="不在公示期内"):
        services.objection_lodge(notice=notice, case=case, name="村民乙", text="迟到的异议")


def test_an_unresolved_objection_blocks_the_next_step(personas, exitable, walk, clock):
    case = at_village_notice(personas, exitable, walk)
    notice = services.current_notice(case)
    objection = services.objection_lodge(
        notice=notice, case=case, name="村民甲", contact="139****0000", text="收入未如实申报"
    )
    clock.advance(days=8)
    review = params_for("township_review")
    with pytest.raises(ValidationError, match="未处理的异议"):
        services.step_take(
            by=personas["township_officer"], case=case, step="township_review", params=review
        )
    with pytest.raises(PermissionDenied):  # the county does not resolve village objections
        services.objection_resolve(
            by=personas["county_admin"], objection=objection, upheld=False, reasons="经核实不属实"
        )
    with pytest.raises(ValidationError, match="理由"):
        services.objection_resolve(
            by=personas["township_officer"], objection=objection, upheld=False, reasons=" "
        )
    services.objection_resolve(
        by=personas["township_officer"],
        objection=objection,
        upheld=False,
        reasons="经入户核实，收入申报属实",
    )
    case = services.step_take(
        by=personas["township_officer"], case=case, step="township_review", params=review
    )
    assert case.step == "township_review"
    actions = list(case.events.values_list("action", flat=True))
    assert "objection_lodged" in actions and "objection_dismissed" in actions


def test_an_upheld_objection_sends_the_case_back_to_its_application(
    personas, exitable, walk, clock
):
    case = at_village_notice(personas, exitable, walk)
    notice = services.current_notice(case)
    objection = services.objection_lodge(
        notice=notice, case=case, name="村民甲", text="家庭成员有财政供养人员"
    )
    services.objection_resolve(
        by=personas["village_officer"], objection=objection, upheld=True, reasons="经核实属实"
    )
    case.refresh_from_db()
    assert case.status == "open"
    assert case.step == "proposal"
    assert services.next_step(case).key == "meeting"
    clock.advance(days=8)
    with pytest.raises(ValidationError, match="不能跳过"):
        services.step_take(
            by=personas["township_officer"],
            case=case,
            step="township_review",
            params=params_for("township_review"),
        )


def test_one_notice_lists_several_households_of_a_village(personas, places, walk, clock):
    from tests.factories import HouseholdFactory, IncomeFactory, MemberFactory
    from tests.procedures.conftest import MEETING

    cases = []
    for _ in range(3):
        household = HouseholdFactory(village=places["A1a"])
        MemberFactory(household=household)
        IncomeFactory(household=household, year=2018, wage_fen=2_000_000)
        case = open_exit(personas, household)
        case = services.step_take(
            by=personas["village_officer"], case=case, step="meeting", params=dict(MEETING)
        )
        case = services.step_take(
            by=personas["village_officer"],
            case=case,
            step="household_agreement",
            params=params_for("household_agreement"),
        )
        cases.append(case)
    notice = services.notice_publish(by=personas["village_officer"], cases=cases)
    assert notice.cases.count() == 3
    assert {c.step for c in Case.objects.filter(pk__in=[c.pk for c in cases])} == {"village_notice"}
    pages = selectors.notice_pages(notice=notice)
    assert len(pages) == 1 and len(pages[0].rows) == 3


def test_a_notice_for_households_at_different_steps_is_refused(personas, exitable, places):
    from tests.factories import HouseholdFactory, MemberFactory

    other = HouseholdFactory(village=places["A1a"])
    MemberFactory(household=other)
    first = open_exit(personas, exitable)
    second = open_exit(personas, other)
    with pytest.raises(ValidationError):
        services.notice_publish(by=personas["village_officer"], cases=[first, second])
    assert not Notice.objects.exists()


# --- the exit standard, frozen ----------------------------------------------------------------


def test_the_county_cannot_approve_an_exit_that_fails_the_standard(personas, households, walk):
    household = households["A1a"]  # no income recorded: the income criterion is not met
    case = walk(open_exit(personas, household), until="county_approval")
    preview = case.events.get(action="open").params["assessment_preview"]
    assert preview["passed"] is not True  # the proposal warned
    with pytest.raises(ValidationError, match="未达到退出标准"):
        services.step_take(
            by=personas["county_admin"],
            case=case,
            step="county_approval",
            params=params_for("county_approval"),
        )
    case.refresh_from_db()
    household.refresh_from_db()
    assert case.status == "open" and case.assessment is None
    assert household.status == "poor"


def test_the_assessment_at_decision_is_frozen_into_the_case(personas, exitable, walk):
    case = walk(open_exit(personas, exitable))
    frozen = case.assessment
    assert frozen["passed"] is True
    assert frozen["pack_id"] == assessments.active_pack_id(
        region_code=exitable.village_id, year=2018
    )
    income = next(c for c in frozen["criteria"] if c["key"] == "income")
    assert income["passed"] is True and income["value"]
    # The data change afterwards: the household would now fail, the case still shows the pass.
    Income.objects.filter(household=exitable, year=2018).update(wage_fen=0)
    _, now = assessments.assess_household(household=exitable, year=2018)
    assert now.passed is False
    case.refresh_from_db()
    assert case.assessment == frozen


def test_a_pack_sets_the_period_and_adds_the_township_notice(
    personas, exitable, walk, clock, tmp_path, settings, monkeypatch
):
    (tmp_path / "test-county-2018.toml").write_text(
        """
id = "test-county-2018"
name = "测试县标准"
name_en = "Test county standard"
year = 2018
extends = "cn-national-2018"

[[source]]
title = "test"

[parameters.notice_days]
value = 5
source = "test"

[parameters.township_notice_for]
value = ["identification", "exit"]
source = "test"

[parameters.sign_offs]
value = ["户主", "县"]
source = "test"
""",
        encoding="utf-8",
    )
    settings.JINGZHUN_POLICY_DIRS = [str(tmp_path)]
    clear_cache()
    monkeypatch.setattr(assessments, "active_pack_id", lambda **kw: "test-county-2018")
    try:
        assert get_pack("test-county-2018", [str(tmp_path)]).value("notice_days") == 5
        case = open_exit(personas, exitable)
        assert "township_notice" in case.plan
        assert case.pack_id == "test-county-2018"
        case = walk(case, until="township_review")
        notice = case.notices.get(step="village_notice")
        assert (notice.ends_at - notice.starts_at).days == 5
        case = walk(case, until="county_approval")
        assert case.notices.filter(step="township_notice", level="township").exists()
        case = services.step_take(
            by=personas["county_admin"],
            case=case,
            step="county_approval",
            params={"approved": True, "sign_offs": {"户主": "张大山", "县": "县扶贫办"}},
        )
        assert case.status == "decided"
        assert CaseEvent.objects.filter(
            case=case, step="county_approval", action="step"
        ).get().params["sign_offs"] == {"户主": "张大山", "县": "县扶贫办"}
    finally:
        clear_cache()


def test_the_default_exit_has_no_township_notice_and_identification_has_one(personas, households):
    exit_plan = get_kind("exit")
    pack = assessments.pack_get(
        assessments.active_pack_id(region_code=households["A1a"].village_id, year=2018)
    )
    from jingzhun.procedures.kinds import plan_for

    assert plan_for(exit_plan, pack) == [
        "proposal",
        "meeting",
        "household_agreement",
        "village_notice",
        "township_review",
        "county_approval",
    ]
    assert plan_for(get_kind("identification"), pack) == [
        "application",
        "meeting",
        "village_notice",
        "township_review",
        "township_notice",
        "county_approval",
    ]


def test_the_decision_posts_the_county_announcement(personas, exitable, walk):
    case = walk(open_exit(personas, exitable))
    announcement = case.notices.get(level="county")
    assert announcement.region_id == "512021000000"
    assert announcement.kind == "exit"


def test_an_auditor_cannot_record_an_objection_but_anyone_may_bring_one(personas, exitable, walk):
    case = walk(open_exit(personas, exitable), until="village_notice")
    case = services.step_take(by=personas["village_officer"], case=case, step="village_notice")
    notice = services.current_notice(case)
    with pytest.raises(PermissionDenied):
        services.objection_lodge(
            notice=notice, case=case, name="村民", text="异议", by=personas["auditor"]
        )
    services.objection_lodge(notice=notice, case=case, name="村民", text="异议")
    assert case.objections.count() == 1
