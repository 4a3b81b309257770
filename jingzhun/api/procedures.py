"""Procedure cases: list, detail, open, take a step, record an objection. Handlers are thin:
the services enforce the order, the roles, the scope and the notice periods."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from jingzhun.core import privacy
from jingzhun.procedures import selectors, services
from jingzhun.procedures.kinds import all_kinds, get_kind
from jingzhun.regions import codes
from jingzhun.registry import selectors as registry_selectors

from .paging import PageParams, page_of
from .schemas import (
    ConflictOut,
    HouseholdNo,
    MessageOut,
    RegionCode,
    ValidationErrorOut,
    Version,
    Year,
    text,
)

router = Router(tags=["procedures"])

NOT_FOUND = {404: MessageOut}
INVALID = {422: ValidationErrorOut}
WRITE_ERRORS = {403: MessageOut, 404: MessageOut, 409: ConflictOut, 422: ValidationErrorOut}
Reference = text(64, 1)
Key = text(40, 1)


class StepOut(Schema):
    key: str
    label: str
    action: str
    roles: list[str]
    done: bool


class EventOut(Schema):
    seq: int
    action: str
    step: str
    by: str
    at: dt.datetime
    params: dict[str, Any]


class NoticeOut(Schema):
    id: int
    level: str
    region_code: str
    step: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    where_to_object: str


class ObjectionOut(Schema):
    id: int
    notice_id: int
    lodged_by_name: str
    text: str
    lodged_at: dt.datetime
    resolution: str
    reasons: str
    resolved_at: dt.datetime | None


class NextOut(Schema):
    step: str | None
    label: str | None
    allowed: bool
    reasons: list[str]


class CaseRow(Schema):
    reference: str
    kind: str
    kind_label: str
    household_no: str
    village_code: str
    year: int
    step: str
    status: str
    next_step: str | None
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    version: int


class CaseOut(CaseRow):
    pack_id: str
    subject: str
    plan: list[StepOut]
    assessment: dict[str, Any] | None
    events: list[EventOut]
    notices: list[NoticeOut]
    objections: list[ObjectionOut]
    next_action: NextOut


class CasePage(Schema):
    items: list[CaseRow]
    count: int
    page: int
    page_size: int


class CaseFilters(PageParams):
    region: RegionCode | None = None
    kind: Key | None = None
    status: Key | None = None
    year: Year | None = None


class OpenIn(Schema):
    kind: Key
    year: Year
    params: dict[str, Any] = Field(default_factory=dict)


class StepIn(Schema):
    step: Key
    params: dict[str, Any] = Field(default_factory=dict)
    expected_version: Version | None = None


class ObjectionIn(Schema):
    name: text(100, 1)
    text: text(2000, 1)
    contact: text(100) = ""


def _row(case) -> dict:
    kinds = all_kinds()
    kind = kinds.get(case.kind)
    step = services.next_step(case) if kind else None
    return {
        "reference": case.reference,
        "kind": case.kind,
        "kind_label": str(kind.label) if kind else case.kind,
        "household_no": case.household.household_no,
        "village_code": case.household.village_id,
        "year": case.year,
        "step": case.step,
        "status": case.status,
        "next_step": step.key if step else None,
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "version": case.version,
    }


def _objection(o) -> dict:
    return {
        "id": o.pk,
        "notice_id": o.notice_id,
        "lodged_by_name": o.lodged_by_name,
        "text": o.text,
        "lodged_at": o.lodged_at,
        "resolution": o.resolution,
        "reasons": o.reasons,
        "resolved_at": o.resolved_at,
    }


def _detail(user, case) -> dict:
    kind = get_kind(case.kind)
    done_until = case.plan.index(case.step)
    action = selectors.next_action(user=user, case=case)
    return {
        **_row(case),
        "pack_id": case.pack_id,
        "subject": case.subject,
        "plan": [
            {
                "key": key,
                "label": str(kind.step(key).label),
                "action": kind.step(key).action,
                "roles": sorted(kind.step(key).roles),
                "done": i <= done_until,
            }
            for i, key in enumerate(case.plan)
        ],
        "assessment": case.assessment,
        "events": [
            {
                "seq": e.seq,
                "action": e.action,
                "step": e.step,
                "by": e.by_name,
                "at": e.at,
                "params": privacy.shown_values(user, e.params),
            }
            for e in selectors.case_events(case=case)
        ],
        "notices": [
            {
                "id": n.pk,
                "level": n.level,
                "region_code": n.region_id,
                "step": n.step,
                "starts_at": n.starts_at,
                "ends_at": n.ends_at,
                "where_to_object": n.where_to_object,
            }
            for n in case.notices.order_by("starts_at", "id")
        ],
        "objections": [_objection(o) for o in case.objections.all()],
        "next_action": {
            "step": action.step.key if action.step else None,
            "label": str(action.step.label) if action.step else None,
            "allowed": action.allowed,
            "reasons": [str(r) for r in action.reasons],
        },
    }


@router.get(
    "/cases",
    response={200: CasePage, **NOT_FOUND, **INVALID},
    summary="Procedure cases in your scope (识别/退出/返贫/清退), filtered and paged",
)
def case_list(request: HttpRequest, filters: Query[CaseFilters]):
    user = request.auth
    region = None
    if filters.region:
        region = registry_selectors.region_get(user=user, code=codes.normalize_code(filters.region))
    cases = selectors.case_list(
        user=user,
        region_code=region.code if region else None,
        kind=filters.kind,
        status=filters.status,
        year=filters.year,
    )
    return page_of(cases, filters, _row)


@router.get(
    "/cases/{reference}",
    response={200: CaseOut, **NOT_FOUND, **INVALID},
    summary="One case: its plan, events, notices, objections, frozen assessment, next step",
)
def case_detail(request: HttpRequest, reference: Reference):
    return _detail(request.auth, selectors.case_get(user=request.auth, reference=reference))


@router.get(
    "/households/{household_no}/cases",
    response={200: list[CaseRow], **NOT_FOUND, **INVALID},
    summary="The household's procedure cases",
)
def household_cases(request: HttpRequest, household_no: HouseholdNo):
    household = registry_selectors.household_get(user=request.auth, household_no=household_no)
    cases = selectors.household_cases(user=request.auth, household=household)
    return [_row(c) for c in cases.select_related("household")]


@router.post(
    "/households/{household_no}/cases",
    response={201: CaseOut, **WRITE_ERRORS},
    summary="Open a case: record the application or proposal (the first step)",
    description="`kind`: identification, exit, return, removal (other modules open their own "
    "kinds through their own flows). Removal needs `params.reason` (death, moved, wrongly_registered, other) "
    "and `params.evidence`.",
)
def case_open(request: HttpRequest, household_no: HouseholdNo, payload: OpenIn):
    user = request.auth
    household = registry_selectors.household_get(user=user, household_no=household_no)
    if payload.kind not in services.REGISTER_KINDS:
        raise ValidationError({"kind": [f"未知的程序 (unknown kind): {payload.kind}"]})
    case = services.case_open(
        by=user, kind=payload.kind, household=household, year=payload.year, params=payload.params
    )
    return Status(201, _detail(user, selectors.case_get(user=user, reference=case.reference)))


@router.post(
    "/cases/{reference}/steps",
    response={200: CaseOut, **WRITE_ERRORS},
    summary="Take the case's next step (refused out of order, for the wrong role, while a "
    "notice runs or an objection waits)",
    description="Parameters by step: meeting `attended`, `votes_for`, `votes_against`, "
    "`abstained`; household agreement `agrees`, `signed_by`; notice `where_to_object`; "
    "review and decision `approved`, `opinion`; the exit decision also `sign_offs` "
    "{label: name}. See docs/procedures.md.",
)
def case_step(request: HttpRequest, reference: Reference, payload: StepIn):
    user = request.auth
    case = selectors.case_get(user=user, reference=reference)
    services.step_take(
        by=user,
        case=case,
        step=payload.step,
        params=payload.params,
        expected_version=payload.expected_version,
    )
    return _detail(user, selectors.case_get(user=user, reference=reference))


@router.post(
    "/cases/{reference}/objections",
    response={201: ObjectionOut, **WRITE_ERRORS},
    summary="Record an objection to the notice the case stands at",
)
def objection_lodge(request: HttpRequest, reference: Reference, payload: ObjectionIn):
    user = request.auth
    case = selectors.case_get(user=user, reference=reference)
    services.require_role(user, services.ANY_OFFICE, "登记异议")
    notice = services.current_notice(case)
    if notice is None:
        raise ValidationError("该户当前不在公示中 (the case is not at a notice)")
    o = services.objection_lodge(
        notice=notice,
        case=case,
        name=payload.name,
        contact=payload.contact,
        text=payload.text,
        by=user,
    )
    return Status(201, _objection(o))
