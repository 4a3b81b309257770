"""`monitor scan`: class every exited or monitored household of a region for a year and raise
the alerts its rules find. Set-based and idempotent.

The scan is a handful of statements, the same SQL on PostgreSQL and SQLite:

1. `jz_mon_facts` (TEMP): one row per candidate household (status exited or monitored) with
   its members, the year's and last year's net income and the year's rigid expenses — one pass
   over households, members and incomes under the region prefix.
2. `jz_mon_hits` (TEMP): one row per (household, rule) that fires: the income rules are
   conditions over the facts, the event rules a join with the year's risk events.
3. Classifications: upsert (`INSERT … SELECT … ON CONFLICT DO UPDATE`, skipping unchanged
   rows), then delete the region's rows of that year the scan no longer finds.
4. Alerts: `INSERT … SELECT … ON CONFLICT (household, rule, year) DO NOTHING`, so a re-run
   raises nothing new; the new rows are the ones carrying this scan's id, and their "raised"
   timeline rows are one `INSERT … SELECT` more.

One audit entry names the scan and its counts (decisions.md §4: one entry per bulk write).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction

from jingzhun import policy
from jingzhun.audit import services as audit
from jingzhun.regions import codes
from jingzhun.regions.models import Region

from . import clock
from .models import Scan
from .rules import EVENT_LEVELS, EVENT_PREFIX, INCOME_RULES, RULES, Figures

FACTS = "jz_mon_facts"
HITS = "jz_mon_hits"
HIT_HOUSEHOLDS = "jz_mon_hit_households"
CLASSES = "jz_mon_class"


class ScanError(ValueError):
    """A usage error: unknown region, no monitoring pack for the year."""


class ScanRefused(ValueError):
    """The pack cannot drive a scan (a county pack without the monitoring figures)."""


@dataclass
class ScanOutcome:
    scan: Scan
    warnings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # per statement group (bench)


def monitoring_pack(year: int, policy_id: str | None = None) -> policy.Pack:
    pack_id = policy_id or f"cn-monitoring-{year}"
    try:
        return policy.get_pack(pack_id, getattr(settings, "JINGZHUN_POLICY_DIRS", ()))
    except (KeyError, policy.PolicyError):
        raise ScanError(f"没有监测标准 {pack_id} (no such monitoring pack)") from None


def figures_for(year: int, policy_id: str | None = None) -> Figures:
    pack = monitoring_pack(year, policy_id)
    try:
        return Figures.of(pack)
    except KeyError as exc:
        raise ScanRefused(f"{exc.args[0]} (not a monitoring pack)") from None


def resolve_region(code: str) -> Region:
    try:
        normal = codes.normalize_code(code)
    except codes.RegionCodeError as exc:
        raise ScanError(str(exc)) from exc
    region = Region.objects.filter(code=normal).first()
    if region is None:
        raise ScanError(f"未知区划 {normal} (unknown region)")
    return region


# --- vendor differences, kept to expressions ------------------------------------------------


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _json_object(pairs: list[tuple[str, str]]) -> str:
    args = ", ".join(f"'{k}', {v}" for k, v in pairs)
    return f"json_build_object({args})::jsonb" if _pg() else f"json_object({args})"


def _json_rules(column: str) -> str:
    """The fired rule ids of a group as a sorted JSON array."""
    if _pg():
        return f"json_agg({column} ORDER BY {column})::jsonb"
    return f"json_group_array({column})"


def _temp(cursor, name: str, select: str, params: list, *, index: str = "household_id") -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(f"CREATE TEMP TABLE {name} AS {select}", params)
    # PostgreSQL joins these by hashing; SQLite's nested loops need the index.
    if index and not _pg():
        cursor.execute(f"CREATE INDEX {name}_i ON {name} ({index})")
    if _pg():
        cursor.execute(f"ANALYZE {name}")


# --- the statements -------------------------------------------------------------------------

_NET = "{a}.wage_fen + {a}.production_fen + {a}.property_fen + {a}.transfer_fen - {a}.production_cost_fen"


def facts_select() -> str:
    """The candidates' facts; parameters: (prefix LIKE, year, year - 1, prefix LIKE)."""
    return f"""
        SELECT h.id AS household_id, h.village_id AS village, h.status AS status,
               h.exit_year AS exit_year, COALESCE(mc.n, 0) AS members,
               {_NET.format(a="i")} AS net,
               {_NET.format(a="p")} AS prev_net,
               COALESCE(i.medical_expense_fen, 0) + COALESCE(i.education_expense_fen, 0)
                 AS rigid
        FROM registry_household h
        LEFT JOIN (
            SELECT m.household_id, COUNT(*) AS n FROM registry_member m
            JOIN registry_household hm ON hm.id = m.household_id
            WHERE hm.village_id LIKE %s AND hm.status IN ('exited', 'monitored')
            GROUP BY m.household_id
        ) mc ON mc.household_id = h.id
        LEFT JOIN registry_income i ON i.household_id = h.id AND i.year = %s
        LEFT JOIN registry_income p ON p.household_id = h.id AND p.year = %s
        WHERE h.village_id LIKE %s AND h.status IN ('exited', 'monitored')
        """


def _facts(cursor, prefix: str, year: int) -> int:
    like = prefix + "%"
    _temp(cursor, FACTS, facts_select(), [like, year, year - 1, like])
    cursor.execute(f"SELECT COUNT(*) FROM {FACTS}")
    return cursor.fetchone()[0]


def _hits(cursor, fig: Figures, year: int) -> None:
    """Every (household, rule) that fires, with its level and the data that fired it."""
    income_data = _json_object(
        [("net_fen", "f.net"), ("members", "f.members"), ("prev_net_fen", "f.prev_net")]
    )
    expense_data = _json_object(
        [("rigid_fen", "f.rigid"), ("prev_net_fen", "COALESCE(f.prev_net, f.net)")]
    )
    drop_p, drop_q = fig.drop
    exp_p, exp_q = fig.expense
    selects = [
        (
            "income_below_line",
            income_data,
            "f.members > 0 AND f.net IS NOT NULL AND f.net <= %s * f.members",
            [fig.line_fen],
        ),
        (
            "income_below_threshold",
            income_data,
            "f.members > 0 AND f.net IS NOT NULL AND f.net > %s * f.members"
            " AND f.net <= %s * f.members",
            [fig.line_fen, fig.threshold_fen],
        ),
        (
            "income_drop",
            income_data,
            "f.net IS NOT NULL AND f.prev_net > 0 AND (f.prev_net - f.net) * %s > %s * f.prev_net",
            [drop_q, drop_p],
        ),
        (
            "rigid_expense",
            expense_data,
            "f.rigid > 0 AND COALESCE(f.prev_net, f.net) IS NOT NULL"
            " AND f.rigid * %s > %s * COALESCE(f.prev_net, f.net)",
            [exp_q, exp_p],
        ),
    ]
    parts, params = [], []
    for rule_id, data, condition, args in selects:
        parts.append(
            f"SELECT f.household_id, '{rule_id}' AS rule, '{INCOME_RULES[rule_id].level}' AS level,"
            f" {data} AS data FROM {FACTS} f WHERE {condition}"
        )
        params.extend(args)
    level_case = " ".join(f"WHEN '{kind}' THEN '{lvl}'" for kind, lvl in EVENT_LEVELS.items())
    event_data = _json_object(
        [("events", "COUNT(*)"), ("first", "MIN(e.date)"), ("amount_fen", "SUM(e.amount_fen)")]
    )
    parts.append(
        f"SELECT f.household_id, '{EVENT_PREFIX}' || e.kind AS rule,"
        f" CASE e.kind {level_case} ELSE 'yellow' END AS level, {event_data} AS data"
        f" FROM {FACTS} f JOIN monitoring_riskevent e ON e.household_id = f.household_id"
        " WHERE e.date >= %s AND e.date <= %s GROUP BY f.household_id, e.kind"
    )
    params.extend([dt.date(year, 1, 1), dt.date(year, 12, 31)])
    _temp(cursor, HITS, " UNION ALL ".join(parts), params)
    # One row per household with its fired rules: the classes join it instead of asking per row.
    _temp(
        cursor,
        HIT_HOUSEHOLDS,
        f"SELECT x.household_id, {_json_rules('x.rule')} AS rules FROM "
        f"(SELECT household_id, rule FROM {HITS} ORDER BY household_id, rule) x"
        " GROUP BY x.household_id",
        [],
    )


def _classify(cursor, fig: Figures, year: int, prefix: str, scan_id: int) -> int:
    """Upsert the year's classes of the region; returns how many households are classed."""
    classes = set(fig.classes)
    below = "f.members > 0 AND f.net IS NOT NULL AND f.net <= %s * f.members"
    hit = "r.household_id IS NOT NULL"
    sudden = "sudden_hardship" if "sudden_hardship" in classes else None
    # An exited household is 脱贫不稳定户, a never-poor one 边缘易致贫户, below the threshold;
    # above it (or with no income on record) a risk makes it 突发严重困难户 where the pack
    # has that class, else the class its history gives.
    category = (
        f"CASE WHEN {below} AND f.exit_year IS NOT NULL THEN 'unstable_exited'"
        f" WHEN {below} THEN 'marginal'"
        + (
            f" WHEN {hit} THEN '{sudden}'"
            if sudden
            else f" WHEN {hit} AND f.exit_year IS NOT NULL THEN 'unstable_exited'"
            f" WHEN {hit} THEN 'marginal'"
        )
        + " ELSE '' END"
    )
    m_p, m_q = fig.marginal
    k_p, k_q = fig.key
    band = (
        "CASE WHEN f.exit_year IS NULL OR f.members = 0 OR f.net IS NULL THEN ''"
        " WHEN f.net * %s <= %s * f.members THEN 'marginal'"
        " WHEN f.net * %s <= %s * f.members THEN 'key' ELSE '' END"
    )
    band_params = [m_q, fig.line_fen * m_p, k_q, fig.line_fen * k_p]
    rules = f"COALESCE(r.rules, {_json_array_empty()})"
    per_capita = "CASE WHEN f.members > 0 THEN f.net / f.members END"
    select = (
        f"SELECT household_id, category, band, per_capita, rules FROM ("
        f"SELECT f.household_id, {category} AS category, {band} AS band,"
        f" {per_capita} AS per_capita, {rules} AS rules FROM {FACTS} f"
        f" LEFT JOIN {HIT_HOUSEHOLDS} r ON r.household_id = f.household_id) c"
        " WHERE category <> '' OR band <> ''"
    )
    params = [fig.threshold_fen, fig.threshold_fen, *band_params]
    _temp(cursor, CLASSES, select, params)
    cursor.execute(
        f"""
        INSERT INTO monitoring_classification
            (household_id, year, category, band, per_capita_fen, rules, scan_id)
        SELECT household_id, %s, category, band, per_capita, rules, %s FROM {CLASSES} WHERE 1 = 1
        ON CONFLICT (household_id, year) DO UPDATE SET
            category = excluded.category, band = excluded.band,
            per_capita_fen = excluded.per_capita_fen, rules = excluded.rules,
            scan_id = excluded.scan_id
        WHERE monitoring_classification.category <> excluded.category
           OR monitoring_classification.band <> excluded.band
           OR COALESCE(monitoring_classification.per_capita_fen, -1)
              <> COALESCE(excluded.per_capita_fen, -1)
           OR monitoring_classification.rules <> excluded.rules
        """,
        [year, scan_id],
    )
    cursor.execute(
        f"""
        DELETE FROM monitoring_classification
        WHERE year = %s
          AND household_id IN (SELECT id FROM registry_household WHERE village_id LIKE %s)
          AND NOT EXISTS (SELECT 1 FROM {CLASSES} c
                          WHERE c.household_id = monitoring_classification.household_id)
        """,
        [year, prefix + "%"],
    )
    cursor.execute(f"SELECT COUNT(*) FROM {CLASSES} WHERE category <> ''")
    return cursor.fetchone()[0]


def _json_array_empty() -> str:
    return "'[]'::jsonb" if _pg() else "json('[]')"


def _raise_alerts(cursor, fig: Figures, year: int, on: dt.date, scan_id: int, by) -> int:
    reasons = " ".join(
        f"WHEN '{rule_id}' THEN %s" for rule_id in RULES
    )  # the texts go as parameters: they hold the pack's figures
    reason_params = [fig.reason(rule_id) for rule_id in RULES]
    verify_by = on + dt.timedelta(days=fig.verify_days)
    decide_by = on + dt.timedelta(days=fig.decide_days)
    cursor.execute(
        f"""
        INSERT INTO monitoring_alert
            (household_id, year, rule, level, reason, data, policy, status, tier, region_id,
             owner_cadre_id, raised_on, verify_by, decide_by, due_on, escalations, scan_id,
             version)
        SELECT x.household_id, %s, x.rule, x.level, CASE x.rule {reasons} ELSE x.rule END,
               x.data, %s, 'raised', 'village', f.village, pc.cadre_id, %s, %s, %s, %s, 0, %s, 1
        FROM {HITS} x
        JOIN {FACTS} f ON f.household_id = x.household_id
        LEFT JOIN (
            SELECT household_id, MAX(cadre_id) AS cadre_id FROM assistance_pairing
            WHERE start <= %s AND ("end" IS NULL OR "end" >= %s) GROUP BY household_id
        ) pc ON pc.household_id = x.household_id
        WHERE 1 = 1
        ON CONFLICT (household_id, rule, year) DO NOTHING
        """,
        [year, *reason_params, fig.policy, on, verify_by, decide_by, verify_by, scan_id, on, on],
    )
    cursor.execute("SELECT COUNT(*) FROM monitoring_alert WHERE scan_id = %s", [scan_id])
    raised = cursor.fetchone()[0]
    at = connection.ops.adapt_datetimefield_value(clock.now())
    params_json = json.dumps({"scan": scan_id, "policy": fig.policy})
    cursor.execute(
        f"""
        INSERT INTO monitoring_alertevent (alert_id, step, at, by_id, actor, params, note)
        SELECT id, 'raised', %s, %s, %s, {"%s::jsonb" if _pg() else "%s"}, reason
        FROM monitoring_alert WHERE scan_id = %s
        """,
        [
            at,
            getattr(by, "pk", None),
            getattr(by, "username", "") or "system",
            params_json,
            scan_id,
        ],
    )
    # Events feed the alert of their kind and year; linking them says which report fired it.
    cursor.execute(
        f"""
        UPDATE monitoring_riskevent SET alert_id = a.id
        FROM monitoring_alert a
        WHERE monitoring_riskevent.alert_id IS NULL
          AND monitoring_riskevent.date >= %s AND monitoring_riskevent.date <= %s
          AND a.household_id = monitoring_riskevent.household_id AND a.year = %s
          AND a.rule = '{EVENT_PREFIX}' || monitoring_riskevent.kind
        """,
        [dt.date(year, 1, 1), dt.date(year, 12, 31), year],
    )
    return raised


def scan(
    *,
    by=None,
    region_code: str,
    year: int,
    policy_id: str | None = None,
    on: dt.date | None = None,
) -> ScanOutcome:
    """Class the region's households for `year` and raise what the rules find. Idempotent."""
    region = resolve_region(region_code)
    fig = figures_for(year, policy_id)
    pack = monitoring_pack(year, policy_id)
    on = on or clock.today()
    prefix = codes.prefix(region.code)
    with transaction.atomic():
        record = Scan.objects.create(
            region=region,
            year=year,
            policy=fig.policy,
            on=on,
            started_at=clock.now(),
            by=by if getattr(by, "pk", None) else None,
        )
        seconds: dict[str, float] = {}
        t0 = time.perf_counter()

        def lap(name: str) -> None:
            nonlocal t0
            seconds[name] = round(time.perf_counter() - t0, 3)
            t0 = time.perf_counter()

        with connection.cursor() as cursor:
            households = _facts(cursor, prefix, year)
            lap("facts")
            _hits(cursor, fig, year)
            lap("rules")
            classified = _classify(cursor, fig, year, prefix, record.pk)
            lap("classes")
            raised = _raise_alerts(cursor, fig, year, on, record.pk, by)
            lap("alerts")
            cursor.execute(f"SELECT rule, COUNT(*) FROM {HITS} GROUP BY rule")
            counts = dict(cursor.fetchall())
            for name in (HITS, HIT_HOUSEHOLDS, FACTS, CLASSES):
                cursor.execute(f"DROP TABLE IF EXISTS {name}")
        record.households = households
        record.classified = classified
        record.raised = raised
        record.counts = counts
        record.finished_at = clock.now()
        record.save(update_fields=["households", "classified", "raised", "counts", "finished_at"])
        audit.record(
            by=by,
            action="monitoring.scan",
            object_type="monitoring.Scan",
            object_id=record.pk,
            region_code=region.code,
            after={
                "year": year,
                "policy": fig.policy,
                "on": on,
                "households": households,
                "classified": classified,
                "raised": raised,
                "counts": counts,
            },
        )
    return ScanOutcome(record, list(pack.warnings), seconds)
