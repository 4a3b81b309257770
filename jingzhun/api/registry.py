"""Regions, households, members, statistics and alerts. Handlers are thin: they validate,
call a selector or service, and present the result for the caller's role."""

from __future__ import annotations

from typing import Literal

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest
from ninja import Query, Router, Status

from jingzhun.core import scoping
from jingzhun.regions import codes
from jingzhun.registry import selectors, services, stats
from jingzhun.registry.models import Member

from . import presenters
from .paging import PageParams, page_of
from .permissions import require_registry_writer
from .schemas import (
    AlertsOut,
    ConflictOut,
    HouseholdIn,
    HouseholdNo,
    HouseholdOut,
    HouseholdPage,
    HouseholdPatch,
    MemberOut,
    MemberPatch,
    MessageOut,
    ObjectId,
    RegionCode,
    RegionOut,
    StatsOut,
    StatusKey,
    ValidationErrorOut,
    Year,
    text,
)

router = Router()

NOT_FOUND = {404: MessageOut}
INVALID = {422: ValidationErrorOut}
WRITE_ERRORS = {403: MessageOut, 404: MessageOut, 409: ConflictOut, 422: ValidationErrorOut}


def _region(user, code: str):
    """A region the user may see, or 404 (a malformed code was refused by the schema)."""
    return selectors.region_get(user=user, code=codes.normalize_code(code))


@router.get(
    "/regions/{code}",
    response={200: RegionOut, **NOT_FOUND, **INVALID},
    tags=["regions"],
    summary="A region with the summary of each child region in your scope",
)
def region_detail(request: HttpRequest, code: RegionCode):
    return presenters.region(request.auth, _region(request.auth, code))


@router.get(
    "/stats/{code}",
    response={200: StatsOut, **NOT_FOUND, **INVALID},
    tags=["regions"],
    summary="The region's roll-up for a year (INTERFACES §3 stats)",
)
def region_stats(request: HttpRequest, code: RegionCode, year: Year):
    return stats.region_stats(user=request.auth, code=codes.normalize_code(code), year=year)


class AlertFilters(PageParams):
    region: RegionCode | None = None
    level: Literal["red", "orange", "yellow"] | None = None
    status: text(12) | None = None
    overdue: bool | None = None
    year: Year | None = None


@router.get(
    "/alerts",
    response={200: AlertsOut, **NOT_FOUND, **INVALID},
    tags=["regions"],
    summary="Monitoring alerts in a region, filtered and paged",
    description=(
        "Return-to-poverty alerts (jingzhun.monitoring) in your scope, newest first. `status` "
        "is one of raised, verified, decided, measures, reviewed, eliminated, closed, or `open` "
        "for any of the first five; `overdue=true` keeps the open alerts past their deadline. "
        "A `region` outside your scope answers 404."
    ),
)
def alerts(request: HttpRequest, filters: Query[AlertFilters]):
    from jingzhun.monitoring import selectors as monitoring
    from jingzhun.monitoring.presenters import alert_row

    user = request.auth
    if filters.region:
        _region(user, filters.region)
    rows = monitoring.alert_list(
        user=user,
        region_code=codes.normalize_code(filters.region) if filters.region else None,
        level=filters.level,
        status=filters.status,
        overdue=filters.overdue,
        year=filters.year,
    )
    return page_of(rows, filters, alert_row)


class HouseholdFilters(PageParams):
    region: RegionCode | None = None
    status: StatusKey | None = None
    q: text(100) | None = None


@router.get(
    "/households",
    response={200: HouseholdPage, **NOT_FOUND, **INVALID},
    tags=["households"],
    summary="Households in your scope, filtered and paged",
    description=(
        "`q` matches a household number (prefix), a whole ID number, or a member's name. "
        "A `region` outside your scope answers 404."
    ),
)
def household_list(request: HttpRequest, filters: Query[HouseholdFilters]):
    user = request.auth
    if filters.region:
        _region(user, filters.region)
    households = selectors.household_list(
        user=user,
        region_code=codes.normalize_code(filters.region) if filters.region else None,
        status=filters.status,
        q=filters.q,
    ).annotate(
        head_name=Subquery(
            Member.objects.filter(household=OuterRef("pk"), relation="head").values("name")[:1]
        )
    )
    return page_of(households, filters, presenters.household_row)


@router.get(
    "/households/{household_no}",
    response={200: HouseholdOut, **NOT_FOUND, **INVALID},
    tags=["households"],
    summary="One household: members, incomes, conditions, assessments and history",
)
def household_detail(request: HttpRequest, household_no: HouseholdNo):
    household = selectors.household_get(user=request.auth, household_no=household_no)
    return presenters.household(request.auth, household)


@router.post(
    "/households",
    response={201: HouseholdOut, **WRITE_ERRORS},
    tags=["households"],
    summary="Register a household with its members (exactly one head)",
)
def household_register(request: HttpRequest, payload: HouseholdIn):
    user = request.auth
    require_registry_writer(user)
    data = payload.model_dump()
    try:
        village = _region(user, data.pop("village"))
    except Http404 as exc:  # missing and out of scope read the same
        raise ValidationError({"village": ["未知的村 (unknown village)"]}) from exc
    data["other_causes"] = ";".join(data["other_causes"])
    household = services.household_register(by=user, village=village, **data)
    household = selectors.household_get(user=user, household_no=household.household_no)
    return Status(201, presenters.household(user, household))


@router.patch(
    "/households/{household_no}",
    response={200: HouseholdOut, **WRITE_ERRORS},
    tags=["households"],
    summary="Change a household; send the version you read (stale → 409)",
)
def household_update(request: HttpRequest, household_no: HouseholdNo, payload: HouseholdPatch):
    user = request.auth
    household = selectors.household_get(user=user, household_no=household_no)
    require_registry_writer(user)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    if "other_causes" in changes:
        changes["other_causes"] = ";".join(changes["other_causes"] or [])
    for field in ("group", "phone"):
        if field in changes and changes[field] is None:
            changes[field] = ""
    services.household_update(by=user, household=household, expected_version=version, **changes)
    return presenters.household(user, selectors.household_get(user=user, household_no=household_no))


@router.patch(
    "/members/{member_id}",
    response={200: MemberOut, **WRITE_ERRORS},
    tags=["households"],
    summary="Change a member; send the version you read (stale → 409)",
)
def member_update(request: HttpRequest, member_id: ObjectId, payload: MemberPatch):
    user = request.auth
    member = scoping.get_visible_or_404(
        user, Member.objects.select_related("household"), pk=member_id
    )
    require_registry_writer(user)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version")
    for field in ("ethnicity", "education", "labour"):
        if field in data and data[field] is None:
            data[field] = ""
    services.member_update(by=user, member=member, expected_version=version, data=data)
    member.refresh_from_db()
    return presenters.member(user, member)
