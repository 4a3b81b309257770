"""Writes to the funds ledger. Each is atomic, validated, and audited in its own transaction.

Amounts are integer fen; convert at the edge with `jingzhun.core.money` (yuan_to_fen, wan_to_fen).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from jingzhun.audit import services as audit
from jingzhun.core.money import fen_to_yuan_str
from jingzhun.regions import codes
from jingzhun.regions.models import Region

from .models import (
    Allocation,
    Budget,
    Disbursement,
    Project,
    ProjectBeneficiary,
    ProjectProgress,
)
from .selectors import pool_balance
from .vocab import LEVEL

BUDGET_FIELDS = ("region_id", "level", "budget_year", "amount_fen", "source", "note")
ALLOCATION_FIELDS = (
    "region_id",
    "level",
    "budget_year",
    "year",
    "batch",
    "category",
    "project_id",
    "location_id",
    "amount_fen",
    "advance_for_year",
    "note",
)
DISBURSEMENT_FIELDS = ("allocation_id", "date", "amount_fen", "payee", "note")
PROJECT_FIELDS = (
    "name",
    "category",
    "location_id",
    "year",
    "planned_quantity",
    "unit",
    "status",
    "standard",
    "note",
)


def snapshot(obj, fields) -> dict:
    return {f: getattr(obj, f) for f in fields}


def _full_clean(obj) -> None:
    obj.full_clean(validate_unique=True, validate_constraints=True)


def _check_fen(amount_fen: object, field: str = "amount_fen") -> int:
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        raise ValidationError(
            {field: [f"金额须为整数分 (amount must be integer fen): {amount_fen!r}"]}
        )
    if amount_fen <= 0:
        raise ValidationError({field: [f"金额须大于零 (amount must be positive): {amount_fen}"]})
    return amount_fen


def _quantity(raw: object, field: str) -> Decimal:
    if isinstance(raw, float):
        raise ValidationError({field: [f"{raw!r}: give quantities as text or Decimal, not float"]})
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation as exc:
        raise ValidationError({field: [f"{raw!r} 不是数字 (not a number)"]}) from exc
    if not value.is_finite() or value <= 0:
        raise ValidationError({field: [f"{raw!r}: 须为正数 (must be positive)"]})
    return value


def _within(inner: Region | str, outer: Region | str) -> bool:
    inner_code = inner if isinstance(inner, str) else inner.code
    outer_code = outer if isinstance(outer, str) else outer.code
    return inner_code.startswith(codes.prefix(outer_code))


def _yuan(fen: int) -> str:
    return f"{fen_to_yuan_str(fen)}元"


@transaction.atomic
def budget_create(
    *,
    by,
    region: Region,
    level: str,
    budget_year: int,
    amount_fen: int,
    source: str = "",
    note: str = "",
) -> Budget:
    """Record money received for a pool; several rows (tranches) may make up one pool."""
    _check_fen(amount_fen)
    budget = Budget(
        region=region,
        level=level,
        budget_year=budget_year,
        amount_fen=amount_fen,
        source=source,
        note=note,
    )
    _full_clean(budget)
    budget.save()
    audit.record(
        by=by,
        action="funds.budget.create",
        object_type="budget",
        object_id=budget.pk,
        region_code=region.code,
        after=snapshot(budget, BUDGET_FIELDS),
    )
    return budget


def over_allocation_message(
    *, level: str, budget_year: int, region_code: str, available: int, requested: int
) -> str:
    return (
        f"{budget_year}年度{LEVEL.label(level)}资金余额不足：剩余{_yuan(available)}，"
        f"本次申请安排{_yuan(requested)} "
        f"(over-allocation: {level} budget {budget_year} of {region_code} has "
        f"{fen_to_yuan_str(available)} yuan remaining, {fen_to_yuan_str(requested)} requested)"
    )


@transaction.atomic
def allocation_create(
    *,
    by,
    region: Region,
    level: str,
    budget_year: int,
    year: int,
    batch: str,
    category: str,
    amount_fen: int,
    project: Project | None = None,
    location: Region | None = None,
    advance_for_year: int | None = None,
    note: str = "",
) -> Allocation:
    """Arrange money from the pool (region, level, budget_year); never more than it has left.

    The pool's budget rows are locked (SELECT ... FOR UPDATE) before its balance is read, so two
    concurrent allocations are serialised and cannot both pass the check. On SQLite the
    IMMEDIATE transaction already holds the database's write lock.
    """
    _check_fen(amount_fen)
    if location is not None and not _within(location, region):
        raise ValidationError({"location": [f"实施地点 {location.code} 不在 {region.code} 范围内"]})
    if project is not None and not _within(project.location_id, region):
        raise ValidationError(
            {"project": [f"项目地点 {project.location_id} 不在 {region.code} 范围内"]}
        )
    allocation = Allocation(
        region=region,
        level=level,
        budget_year=budget_year,
        year=year,
        batch=str(batch).strip(),
        category=str(category).strip(),
        project=project,
        location=location,
        amount_fen=amount_fen,
        advance_for_year=advance_for_year,
        note=note,
    )
    if advance_for_year is not None and advance_for_year <= year:
        raise ValidationError(
            {"advance_for_year": ["提前安排须用于以后年度 (must be a later year)"]}
        )
    _full_clean(allocation)

    locked = list(
        Budget.objects.select_for_update()
        .filter(region=region, level=level, budget_year=budget_year)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not locked:
        raise ValidationError(
            {
                "budget": [
                    f"{region.name}没有{budget_year}年度{LEVEL.label(level)}资金预算 "
                    f"(no {level} budget {budget_year} in {region.code})"
                ]
            },
            code="no_budget",
        )
    balance = pool_balance(region_code=region.code, level=level, budget_year=budget_year)
    available = balance.amount + balance.brought_forward - balance.planned
    if amount_fen > available:
        raise ValidationError(
            {
                "amount_fen": [
                    over_allocation_message(
                        level=level,
                        budget_year=budget_year,
                        region_code=region.code,
                        available=available,
                        requested=amount_fen,
                    )
                ]
            },
            code="over_allocation",
        )
    allocation.save()
    audit.record(
        by=by,
        action="funds.allocation.create",
        object_type="allocation",
        object_id=allocation.pk,
        region_code=region.code,
        after=snapshot(allocation, ALLOCATION_FIELDS),
    )
    return allocation


@transaction.atomic
def disbursement_create(
    *,
    by,
    allocation: Allocation,
    date: dt.date,
    amount_fen: int,
    payee: str,
    note: str = "",
) -> Disbursement:
    """Pay out against an allocation (row-locked); never more than it has left."""
    _check_fen(amount_fen)
    locked = Allocation.objects.select_for_update().get(pk=allocation.pk)
    paid = locked.disbursements.aggregate(total=Sum("amount_fen"))["total"] or 0
    left = locked.amount_fen - paid
    if amount_fen > left:
        raise ValidationError(
            {
                "amount_fen": [
                    f"拨付超过安排余额：剩余{_yuan(left)}，本次拨付{_yuan(amount_fen)} "
                    f"(disbursement exceeds the allocation: {fen_to_yuan_str(left)} yuan left, "
                    f"{fen_to_yuan_str(amount_fen)} requested)"
                ]
            },
            code="over_disbursement",
        )
    disbursement = Disbursement(
        allocation=locked, date=date, amount_fen=amount_fen, payee=payee, note=note
    )
    _full_clean(disbursement)
    disbursement.save()
    audit.record(
        by=by,
        action="funds.disbursement.create",
        object_type="disbursement",
        object_id=disbursement.pk,
        region_code=locked.region_id,
        after=snapshot(disbursement, DISBURSEMENT_FIELDS),
    )
    return disbursement


@transaction.atomic
def project_create(
    *,
    by,
    name: str,
    category: str,
    location: Region,
    year: int,
    planned_quantity: Decimal | str | int,
    unit: str,
    standard: str = "",
    note: str = "",
) -> Project:
    project = Project(
        name=name,
        category=category,
        location=location,
        year=year,
        planned_quantity=_quantity(planned_quantity, "planned_quantity"),
        unit=unit,
        standard=standard,
        note=note,
    )
    _full_clean(project)
    project.save()
    audit.record(
        by=by,
        action="funds.project.create",
        object_type="project",
        object_id=project.pk,
        region_code=location.code,
        after=snapshot(project, PROJECT_FIELDS),
    )
    return project


@transaction.atomic
def progress_record(
    *,
    by,
    project: Project,
    date: dt.date,
    quantity: Decimal | str | int,
    note: str = "",
) -> ProjectProgress:
    """Record quantity completed since the last report; the status follows the total."""
    locked = Project.objects.select_for_update().get(pk=project.pk)
    if locked.status == "cancelled":
        raise ValidationError({"project": ["项目已取消 (the project is cancelled)"]})
    progress = ProjectProgress(
        project=locked, date=date, quantity=_quantity(quantity, "quantity"), note=note
    )
    _full_clean(progress)
    progress.save()
    done = locked.progress.aggregate(done=Sum("quantity"))["done"] or Decimal("0")
    before_status = locked.status
    status = "completed" if done >= locked.planned_quantity else "in_progress"
    if status != before_status:
        Project.objects.filter(pk=locked.pk).update(status=status)
        project.status = status
    audit.record(
        by=by,
        action="funds.project.progress",
        object_type="project",
        object_id=locked.pk,
        region_code=locked.location_id,
        before={"completed_quantity": done - progress.quantity, "status": before_status},
        after={
            "date": date,
            "quantity": progress.quantity,
            "completed_quantity": done,
            "status": status,
        },
    )
    return progress


@transaction.atomic
def beneficiary_add(
    *,
    by,
    project: Project,
    household,
    year: int,
    amount_fen: int = 0,
    note: str = "",
) -> ProjectBeneficiary:
    """Link a registered household to a project it benefits, with what it received that year."""
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen < 0:
        raise ValidationError({"amount_fen": [f"金额须为非负整数分: {amount_fen!r}"]})
    if not _within(household.village_id, project.location_id):
        raise ValidationError(
            {
                "household": [
                    f"户 {household.household_no} 不在项目地点 {project.location_id} 范围内"
                ]
            }
        )
    benefit = ProjectBeneficiary(
        project=project, household=household, year=year, amount_fen=amount_fen, note=note
    )
    _full_clean(benefit)
    benefit.save()
    audit.record(
        by=by,
        action="funds.beneficiary.add",
        object_type="project_beneficiary",
        object_id=benefit.pk,
        household_no=household.household_no,
        region_code=household.village_id,
        after={
            "project_id": project.pk,
            "household_id": household.pk,
            "year": year,
            "amount_fen": amount_fen,
            "note": note,
        },
    )
    return benefit
