"""Reads from the funds ledger: balances, the report, per-household benefits.

Everything is summed in the database (GROUP BY), never by looping over rows in Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, ExtractYear

from jingzhun.core import scoping
from jingzhun.regions import codes

from .models import Allocation, Budget, Disbursement, Project, ProjectBeneficiary, ProjectProgress
from .vocab import LEVEL

PoolKey = tuple[str, str, int]  # (region code, level, budget year)


@dataclass(frozen=True)
class PoolBalance:
    """One pool's balance, in fen.

    `planned` is every line drawn on the pool; `brought_forward` the advances made from earlier
    budgets for this budget year's plan (credited, at most up to `planned`); `allocated` what the
    pool itself has paid for: planned - credit; `remaining` = amount - allocated.
    """

    region_code: str
    level: str
    budget_year: int
    amount: int
    planned: int
    brought_forward: int

    @property
    def credit(self) -> int:
        return min(self.brought_forward, self.planned)

    @property
    def allocated(self) -> int:
        return self.planned - self.credit

    @property
    def remaining(self) -> int:
        return self.amount - self.allocated


def _scoped(qs: QuerySet, user) -> QuerySet:
    return qs if user is None else scoping.visible(user, qs)


def _pool_filter(pools: Iterable[PoolKey], *, year_field: str) -> Q:
    condition = Q(pk__in=[])
    for region_code, level, budget_year in pools:
        condition |= Q(region_id=region_code, level=level, **{year_field: budget_year})
    return condition


def pool_balances(pools: Iterable[PoolKey]) -> dict[PoolKey, PoolBalance]:
    """Balances of the given pools, three grouped queries whatever their number."""
    pools = list(dict.fromkeys(pools))
    if not pools:
        return {}
    amounts = {
        (r["region_id"], r["level"], r["budget_year"]): r["total"]
        for r in Budget.objects.filter(_pool_filter(pools, year_field="budget_year"))
        .values("region_id", "level", "budget_year")
        .annotate(total=Sum("amount_fen"))
        .order_by()
    }
    planned = {
        (r["region_id"], r["level"], r["budget_year"]): r["total"]
        for r in Allocation.objects.filter(_pool_filter(pools, year_field="budget_year"))
        .values("region_id", "level", "budget_year")
        .annotate(total=Sum("amount_fen"))
        .order_by()
    }
    advances = {
        (r["region_id"], r["level"], r["advance_for_year"]): r["total"]
        for r in Allocation.objects.filter(_pool_filter(pools, year_field="advance_for_year"))
        .values("region_id", "level", "advance_for_year")
        .annotate(total=Sum("amount_fen"))
        .order_by()
    }
    return {
        key: PoolBalance(
            region_code=key[0],
            level=key[1],
            budget_year=key[2],
            amount=amounts.get(key) or 0,
            planned=planned.get(key) or 0,
            brought_forward=advances.get(key) or 0,
        )
        for key in pools
    }


def pool_balance(*, region_code: str, level: str, budget_year: int) -> PoolBalance:
    key = (region_code, level, budget_year)
    return pool_balances([key])[key]


def allocation_disbursed_fen(allocation: Allocation) -> int:
    return allocation.disbursements.aggregate(total=Sum("amount_fen"))["total"] or 0


def _level_order(level: str) -> int:
    return LEVEL.keys.index(level) if level in LEVEL.keys else len(LEVEL.keys)


@dataclass(frozen=True)
class Report:
    """The ledger report in fen; `as_contract()` renders INTERFACES §3 (yuan strings)."""

    year: int
    region_code: str | None
    budgets: list[PoolBalance]
    total: int
    by_level: dict[str, int]
    by_category: dict[str, int]
    by_batch: dict[str, int]
    by_project: list[dict]
    brought_forward_out: int  # advances arranged this year for later years' plans
    disbursed: int

    def as_contract(self) -> dict:
        from jingzhun.core.money import fen_to_yuan_str as y

        one_region = len({b.region_code for b in self.budgets}) <= 1
        budgets = []
        for b in self.budgets:
            row = {
                "level": b.level,
                "budget_year": b.budget_year,
                "amount": y(b.amount),
                "allocated": y(b.allocated),
                "remaining": y(b.remaining),
                "planned": y(b.planned),
                "brought_forward": y(b.credit),
                "label": LEVEL.label(b.level),
            }
            if not one_region:
                row["region_code"] = b.region_code
            budgets.append(row)
        return {
            "year": self.year,
            "region_code": self.region_code,
            "budgets": budgets,
            "allocations": {
                "total": y(self.total),
                "by_level": {k: y(v) for k, v in self.by_level.items()},
                "by_category": {k: y(v) for k, v in self.by_category.items()},
                "by_batch": {k: y(v) for k, v in self.by_batch.items()},
                "by_project": [
                    {**p, "allocated": y(p["allocated"]), "disbursed": y(p["disbursed"])}
                    for p in self.by_project
                ],
                "advances_for_later_years": y(self.brought_forward_out),
                "disbursed": y(self.disbursed),
            },
        }


def _grouped(qs: QuerySet, field: str) -> dict[str, int]:
    """{value: total fen} in the order each value first appears in the ledger."""
    rows = qs.values(field).annotate(total=Sum("amount_fen"), first=Min("id")).order_by("first")
    return {str(r[field]): r["total"] for r in rows}


def _qty(value) -> str:
    """A quantity as text with three decimals (SQLite's SUM may drop them)."""
    return str(Decimal(str(value or 0)).quantize(Decimal("0.001")))


def funds_report(*, year: int, region_code: str | None = None, user=None) -> Report:
    """The year's allocations (by 安排年度) and the balances of every pool involved: those of
    this budget year, and those this year's allocations draw on."""
    prefix = codes.prefix(region_code) if region_code else ""
    budgets = _scoped(Budget.objects.all(), user)
    allocations = _scoped(Allocation.objects.all(), user)
    if prefix:
        budgets = budgets.filter(region__code__startswith=prefix)
        allocations = allocations.filter(region__code__startswith=prefix)
    year_lines = allocations.filter(year=year)

    pools = set(budgets.filter(budget_year=year).values_list("region_id", "level", "budget_year"))
    pools |= set(year_lines.values_list("region_id", "level", "budget_year").distinct())
    balances = pool_balances(pools)
    ordered = sorted(
        balances.values(),
        key=lambda b: (b.region_code, b.budget_year, _level_order(b.level)),
    )

    total = year_lines.aggregate(total=Sum("amount_fen"))["total"] or 0
    by_level_raw = _grouped(year_lines, "level")
    by_level = dict(sorted(by_level_raw.items(), key=lambda kv: _level_order(kv[0])))

    project_rows = (
        year_lines.filter(project__isnull=False)
        .values("project_id", "project__name", "project__unit", "project__planned_quantity")
        .annotate(allocated=Sum("amount_fen"), first=Min("id"))
        .order_by("first")
    )
    project_ids = [r["project_id"] for r in project_rows]
    completed = dict(
        ProjectProgress.objects.filter(project_id__in=project_ids)
        .values("project_id")
        .annotate(done=Sum("quantity"))
        .order_by()
        .values_list("project_id", "done")
    )
    disbursed_by_project = dict(
        Disbursement.objects.filter(
            allocation__in=year_lines, allocation__project_id__in=project_ids
        )
        .values("allocation__project_id")
        .annotate(total=Sum("amount_fen"))
        .order_by()
        .values_list("allocation__project_id", "total")
    )
    by_project = [
        {
            "project_id": r["project_id"],
            "name": r["project__name"],
            "unit": r["project__unit"],
            "planned_quantity": _qty(r["project__planned_quantity"]),
            "completed_quantity": _qty(completed.get(r["project_id"])),
            "allocated": r["allocated"],
            "disbursed": disbursed_by_project.get(r["project_id"]) or 0,
        }
        for r in project_rows
    ]
    advances_out = (
        year_lines.filter(advance_for_year__isnull=False).aggregate(total=Sum("amount_fen"))[
            "total"
        ]
        or 0
    )
    disbursed = (
        Disbursement.objects.filter(allocation__in=year_lines).aggregate(total=Sum("amount_fen"))[
            "total"
        ]
        or 0
    )
    return Report(
        year=year,
        region_code=region_code,
        budgets=ordered,
        total=total,
        by_level=by_level,
        by_category=_grouped(year_lines, "category"),
        by_batch=_grouped(year_lines, "batch"),
        by_project=by_project,
        brought_forward_out=advances_out,
        disbursed=disbursed,
    )


def project_completed_quantity(project: Project) -> Decimal:
    return project.progress.aggregate(done=Sum("quantity"))["done"] or Decimal("0")


def household_benefits(*, household) -> list[dict]:
    """What a household received, year by year: project benefits and assistance measures.

    [{"year": 2018, "items": [{"kind", "name", "category", "amount_fen"}], "total_fen": int}]
    """
    from jingzhun.assistance.models import Measure

    benefits = ProjectBeneficiary.objects.filter(household=household).select_related("project")
    measures = (
        Measure.objects.filter(plan__household=household)
        .annotate(year=ExtractYear("start"))
        .order_by("start", "id")
    )
    totals: dict[int, int] = {}
    for qs in (
        benefits.values("year").annotate(total=Sum("amount_fen")).order_by(),
        measures.values("year").annotate(total=Sum("amount_fen")).order_by(),
    ):
        for row in qs:
            totals[row["year"]] = totals.get(row["year"], 0) + (row["total"] or 0)
    items: dict[int, list[dict]] = {year: [] for year in totals}
    for b in benefits.order_by("year", "project_id"):
        items[b.year].append(
            {
                "kind": "project",
                "name": b.project.name,
                "category": b.project.category,
                "note": b.note,
                "amount_fen": b.amount_fen,
            }
        )
    for m in measures:
        items[m.year].append(
            {
                "kind": "measure",
                "name": m.description,
                "category": m.get_kind_display(),
                "note": m.get_batch_display(),
                "amount_fen": m.amount_fen,
            }
        )
    return [{"year": y, "items": items[y], "total_fen": totals[y]} for y in sorted(totals)]


def ledger_years(*, user, region_code: str) -> list[int]:
    """Years with budgets or allocations in the region, for the report's year selector."""
    prefix = codes.prefix(region_code)
    budgets = _scoped(Budget.objects.filter(region__code__startswith=prefix), user)
    allocations = _scoped(Allocation.objects.filter(region__code__startswith=prefix), user)
    years = set(budgets.values_list("budget_year", flat=True).distinct())
    years |= set(allocations.values_list("year", flat=True).distinct())
    return sorted(years)


def project_list(*, user, region_code: str, year: int | None = None) -> QuerySet:
    """The region's projects with money arranged and quantity completed (two grouped
    subqueries, so the list costs one query whatever its length)."""
    done = (
        ProjectProgress.objects.filter(project=OuterRef("pk"))
        .values("project")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    arranged = (
        Allocation.objects.filter(project=OuterRef("pk"))
        .values("project")
        .annotate(total=Sum("amount_fen"))
        .values("total")
    )
    projects = _scoped(
        Project.objects.filter(location__code__startswith=codes.prefix(region_code)), user
    )
    if year is not None:
        projects = projects.filter(year=year)
    return (
        projects.select_related("location")
        .annotate(
            completed=Coalesce(
                Subquery(done),
                Decimal("0"),
                output_field=DecimalField(max_digits=14, decimal_places=3),
            ),
            allocated_fen=Coalesce(Subquery(arranged), 0),
        )
        .order_by("-year", "location_id", "id")
    )


def project_lines(*, user, project: Project) -> list[dict]:
    """A project's fund lines (allocations) with what has been paid out of each."""
    lines = (
        _scoped(Allocation.objects.filter(project=project), user)
        .annotate(disbursed=Sum("disbursements__amount_fen"))
        .order_by("year", "batch", "id")
    )
    return [
        {
            "allocation": a,
            "disbursed_fen": a.disbursed or 0,
            "left_fen": a.amount_fen - (a.disbursed or 0),
        }
        for a in lines
    ]


def project_beneficiaries(*, user, project: Project) -> QuerySet:
    return _scoped(
        ProjectBeneficiary.objects.filter(project=project).select_related("household"), user
    ).order_by("year", "household__household_no")
