"""Reading findings, always through the scoping layer."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from jingzhun.core import scoping
from jingzhun.regions import codes
from jingzhun.regions.models import Region

from .models import CheckRun, Finding, RuleSetting
from .rulebook import Rule, all_rules


def rules_for(region_code: str) -> dict[str, Rule]:
    prefix = codes.prefix(region_code)
    chain = [*codes.ancestors(region_code), region_code]
    settings = RuleSetting.objects.filter(
        Q(region_code__in=chain) | Q(region_code__startswith=prefix), definition__isnull=False
    )
    return all_rules(settings)


def findings(
    *,
    user,
    region_code: str,
    rule_id: str | None = None,
    village: str | None = None,
    open_only: bool = True,
) -> QuerySet[Finding]:
    qs = scoping.visible(user, Finding.objects.all()) if user is not None else Finding.objects
    qs = qs.filter(region_code__startswith=codes.prefix(region_code))
    if open_only:
        qs = qs.filter(resolved_at__isnull=True)
    if rule_id:
        qs = qs.filter(rule_id=rule_id)
    if village:
        qs = qs.filter(region_code__startswith=codes.prefix(village))
    return qs.order_by("region_code", "household_no", "rule_id", "id")


def by_rule(*, user, region_code: str) -> list[dict]:
    """Open findings per rule (every known rule listed, zero included), shipped order."""
    rules = rules_for(region_code)
    counts = {
        row["rule_id"]: row["n"]
        for row in findings(user=user, region_code=region_code)
        .values("rule_id")
        .annotate(n=Count("id"))
        .order_by()
    }
    return [{"rule": rule, "open": counts.get(rid, 0)} for rid, rule in rules.items()] + [
        {"rule": None, "rule_id": rid, "open": n} for rid, n in counts.items() if rid not in rules
    ]


def by_village(*, user, region_code: str) -> list[dict]:
    """Open findings per village (only villages with findings), with their names."""
    rows = list(
        findings(user=user, region_code=region_code)
        .values("region_code")
        .annotate(
            n=Count("id"),
            errors=Count("id", filter=Q(level="error")),
            households=Count("household_id", distinct=True),
        )
        .order_by("region_code")
    )
    names = dict(
        Region.objects.filter(code__in=[r["region_code"] for r in rows]).values_list("code", "name")
    )
    return [
        {
            "code": r["region_code"],
            "name": names.get(r["region_code"], ""),
            "open": r["n"],
            "errors": r["errors"],
            "households": r["households"],
        }
        for r in rows
    ]


def by_rule_and_village(*, user, region_code: str) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = {}
    for row in (
        findings(user=user, region_code=region_code)
        .values("region_code", "rule_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        table.setdefault(row["region_code"], {})[row["rule_id"]] = row["n"]
    return table


def runs(*, user, region_code: str, limit: int = 10) -> list[CheckRun]:
    """Runs over the region or a region above or below it that the user may see."""
    qs = scoping.visible(user, CheckRun.objects.all()) if user is not None else CheckRun.objects
    return list(qs.filter(region_code__startswith=codes.prefix(region_code))[:limit])


def backlog(*, user, region_code: str) -> dict[str, int]:
    qs = scoping.visible(user, Finding.objects.all()) if user is not None else Finding.objects
    qs = qs.filter(region_code__startswith=codes.prefix(region_code))
    return qs.aggregate(
        open=Count("id", filter=Q(resolved_at__isnull=True)),
        fixed=Count("id", filter=Q(resolution="fixed")),
        disabled=Count("id", filter=Q(resolution="disabled")),
    )
