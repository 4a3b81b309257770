"""Running the checks and keeping the findings: set-based, idempotent.

A run over a region evaluates each enabled rule once per configuration unit (the region, or a
part of it with its own settings) and reconciles the result with the open findings of that
rule in that unit: still present → last_seen moves on (first_seen unchanged); gone → resolved;
new → created. All of it by bulk statements, never a save() per finding.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from jingzhun.audit import services as audit
from jingzhun.regions import codes
from jingzhun.regions.models import Region
from jingzhun.registry.models import Income

from .kinds import KINDS, Context, RuleSkipped, evaluate
from .models import CheckRun, Finding, RuleSetting
from .rulebook import Rule, RuleError, all_rules, plan_units, shipped_rules

CHUNK = 5000


class CheckError(ValueError):
    """A usage error: unknown region or rule."""


@dataclass
class RuleTiming:
    rule_id: str
    seconds: float = 0.0
    found: int = 0


@dataclass
class Outcome:
    run: CheckRun
    timings: dict[str, RuleTiming] = field(default_factory=dict)


def settings_for(region_code: str) -> list[RuleSetting]:
    """The settings of the region's ancestors, the region itself and its descendants."""
    prefix = codes.prefix(region_code)
    chain = [*codes.ancestors(region_code), region_code]
    return list(
        RuleSetting.objects.filter(Q(region_code__in=chain) | Q(region_code__startswith=prefix))
    )


def default_year(region_code: str) -> int:
    """The latest income year recorded in the region, else last year."""
    latest = Income.objects.filter(
        household__village__code__startswith=codes.prefix(region_code)
    ).aggregate(y=Max("year"))["y"]
    return latest or timezone.localdate().year - 1


def default_on(year: int) -> dt.date:
    return min(dt.date(year, 12, 31), timezone.localdate())


def resolve_region(code: str) -> Region:
    try:
        normal = codes.normalize_code(code)
    except codes.RegionCodeError as exc:
        raise CheckError(str(exc)) from exc
    region = Region.objects.filter(code=normal).first()
    if region is None:
        raise CheckError(f"未知区划 {normal} (unknown region)")
    return region


def check_rule_ids(rule_ids: Iterable[str] | None, settings: Iterable[RuleSetting]) -> list[str]:
    known = all_rules(settings)
    if rule_ids is None:
        return list(known)
    wanted = [r for r in rule_ids if r]
    unknown = [r for r in wanted if r not in known]
    if unknown:
        raise CheckError(f"未知规则 {', '.join(unknown)} (unknown rule)")
    return wanted


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _unit_q(prefix: str, carve_outs: tuple[str, ...]) -> Q:
    q = Q(region_code__startswith=prefix)
    for carve in carve_outs:
        q &= ~Q(region_code__startswith=carve)
    return q


def _reconcile(
    rule: Rule, kind_object: str, rows: list[dict[str, Any]], scope: Q, now
) -> tuple[int, int]:
    """Make the open findings of `rule` in `scope` equal `rows`. Returns (new, resolved)."""
    open_qs = Finding.objects.filter(scope, rule_id=rule.id, resolved_at__isnull=True)
    current = dict(open_qs.values_list("object_id", "id"))
    found = {row["object_id"]: row for row in rows}
    gone = [fid for oid, fid in current.items() if oid not in found]
    for part in _chunks(gone):
        Finding.objects.filter(id__in=part).update(resolved_at=now, resolution="fixed")
    if len(gone) < len(current):
        open_qs.update(last_seen=now)
    new = [
        Finding(
            rule_id=rule.id,
            level=rule.level,
            object_type=kind_object,
            object_id=row["object_id"],
            household_id=row["household_id"],
            household_no=row["household_no"],
            region_code=row["region_code"],
            first_seen=now,
            last_seen=now,
            details={k: row[k] for k in ("label", "value") if row.get(k) not in (None, "")},
        )
        for oid, row in found.items()
        if oid not in current
    ]
    Finding.objects.bulk_create(new, batch_size=CHUNK)
    return len(new), len(gone)


def run_checks(
    region_code: str,
    *,
    rule_ids: Iterable[str] | None = None,
    by=None,
    year: int | None = None,
    on: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> Outcome:
    """Run the enabled rules over the region and reconcile the findings. Idempotent."""
    region = resolve_region(region_code)
    settings = settings_for(region.code)
    wanted = check_rule_ids(rule_ids, settings)
    year = year or default_year(region.code)
    on = on or default_on(year)
    try:
        units = plan_units(region.code, settings, only=wanted)
    except RuleError as exc:
        raise CheckError(str(exc)) from exc
    started = timezone.now()
    skipped: dict[str, str] = {}
    timings: dict[str, RuleTiming] = {}  # the rules that ran (enabled somewhere in the region)
    new_total = resolved_total = 0
    with transaction.atomic():
        now = timezone.now()
        for unit in units:
            ctx = Context(unit.prefix, unit.carve_outs, year, on)
            scope = _unit_q(unit.prefix, unit.carve_outs)
            for rule in unit.rules.values():
                t0 = time.perf_counter()
                try:
                    rows = evaluate(rule.kind, rule.params, ctx)
                except RuleSkipped as exc:
                    skipped[rule.id] = str(exc)
                    if progress:
                        progress(f"{rule.id}: skipped, {exc}")
                    continue
                timing = timings.setdefault(rule.id, RuleTiming(rule.id))
                timing.seconds += time.perf_counter() - t0
                timing.found += len(rows)
                new, resolved = _reconcile(rule, KINDS[rule.kind].object_type, rows, scope, now)
                new_total += new
                resolved_total += resolved
                if progress:
                    progress(f"{rule.id}: {len(rows)} ({time.perf_counter() - t0:.2f}s)")
            if unit.disabled:
                resolved_total += Finding.objects.filter(
                    scope, rule_id__in=unit.disabled, resolved_at__isnull=True
                ).update(resolved_at=now, resolution="disabled")
        run = CheckRun.objects.create(
            region_code=region.code,
            started_at=started,
            finished_at=timezone.now(),
            by=by if getattr(by, "pk", None) else None,
            year=year,
            on=on,
            rules=wanted,
            counts={rid: t.found for rid, t in timings.items()},
            skipped=skipped,
            found=sum(t.found for t in timings.values()),
            new=new_total,
            resolved=resolved_total,
        )
        audit.record(
            by=by,
            action="quality.run",
            object_type="quality.CheckRun",
            object_id=run.pk,
            region_code=region.code,
            after={
                "year": year,
                "on": on,
                "rules": len(wanted),
                "found": run.found,
                "new": run.new,
                "resolved": run.resolved,
            },
        )
    return Outcome(run, timings)


def set_rule(
    region_code: str,
    rule_id: str,
    *,
    by=None,
    enabled: bool = True,
    params: dict | None = None,
    definition: dict | None = None,
    note: str = "",
) -> RuleSetting:
    """Switch a rule on or off for a region, override its parameters, or add the region's own
    rule (`definition`: kind, level, message_zh, message_en, fields, params)."""
    region = resolve_region(region_code)
    rules = shipped_rules()
    if definition is None and rule_id not in rules:
        existing = RuleSetting.objects.filter(rule_id=rule_id, definition__isnull=False).first()
        if existing is None:
            raise CheckError(f"未知规则 {rule_id} (unknown rule)")
    if definition is not None and rule_id in rules:
        raise CheckError(f"{rule_id} 是系统规则，自定义规则请另起编号 (id taken by a shipped rule)")
    with transaction.atomic():
        setting, _ = RuleSetting.objects.update_or_create(
            region_code=region.code,
            rule_id=rule_id,
            defaults={
                "enabled": enabled,
                "params": params or {},
                "definition": definition,
                "note": note,
            },
        )
        try:
            plan_units(region.code, settings_for(region.code))
        except RuleError as exc:
            raise CheckError(str(exc)) from exc
        audit.record(
            by=by,
            action="quality.rule_setting",
            object_type="quality.RuleSetting",
            object_id=setting.pk,
            region_code=region.code,
            after={
                "rule_id": rule_id,
                "enabled": enabled,
                "params": params or {},
                "definition": definition,
            },
        )
    return setting
