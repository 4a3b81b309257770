"""`monitor scan`: class every exited or monitored household of a region for a year and raise
the alerts its rules find. Set-based and idempotent.

The scan is a handful of statements, the same SQL on PostgreSQL and SQLite, run one scan at a
time (`_lock`):

1. `jz_mon_facts` (TEMP): the candidate households (status exited or monitored) with their
   members, the year's and last year's net income and the year's rigid expenses — an ordered
   pass over households, the member index and incomes under the region prefix, on
   PostgreSQL in a few household id ranges read in parallel for a large region — kept only
   where something can apply: a low enough per-capita income, an income drop, a rigid
   expense or an event of the year (about one in five). The candidates are counted first.
2. `jz_mon_hits` (TEMP): one row per (household, rule) that fires: the income rules are
   conditions over the facts, the event rules the year's risk events grouped per kind.
3. Classifications: an `UPDATE` of the stored rows that changed, an `INSERT … SELECT` of the
   new ones (an anti-join), then a delete of the region's rows of that year the scan no
   longer finds.
4. Alerts: `INSERT … SELECT` of the hits without an alert of that rule and year (an
   anti-join), so a re-run raises nothing new. The alert row is its own "raised" step (this
   scan, its time and user, the reason): no timeline row is written for it
   (selectors.alert_timeline shows it). Written in household order.

One audit entry names the scan and its counts (decisions.md §4: one entry per bulk write).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction

from jingzhun import policy
from jingzhun.audit import services as audit
from jingzhun.regions import codes
from jingzhun.regions.models import Region

from . import clock
from .apps import lock_for_writing
from .models import Scan
from .planner import planner
from .rules import EVENT_LEVELS, EVENT_PREFIX, INCOME_RULES, RULES, Figures

FACTS = "jz_mon_facts"
HITS = "jz_mon_hits"
CLASSES = "jz_mon_class"
WORK_MEM = "64MB"


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
    return f"jsonb_build_object({args})" if _pg() else f"json_object({args})"


def _json_rules(column: str) -> str:
    """The fired rule ids of a group as a JSON array, in the order of the (sorted) input: both
    databases aggregate a sorted subquery's rows in its order (jsonb_agg is never parallel).
    PostgreSQL 15's `jsonb_agg(… ORDER BY …)` would sort each household's one or two rules
    again, 187,000 small sorts (0.2–0.3 s at 1M households)."""
    if _pg():
        return f"jsonb_agg({column})"
    return f"json_group_array({column})"


def _temp(
    cursor,
    name: str,
    select: str,
    params: list,
    *,
    index: str = "household_id",
    analyze: bool = True,
) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(f"CREATE TEMP TABLE {name} AS {select}", params)
    # PostgreSQL joins these by hashing; SQLite's nested loops need the index.
    if index and not _pg():
        cursor.execute(f"CREATE INDEX {name}_i ON {name} ({index})")
    if _pg() and analyze:
        # Row counts and distinct keys are all the later joins need: a sample of 3,000 rows
        # gives them (a unique household id is seen as unique) in 10-40 ms, where the default
        # 30,000 took 60-120 ms per table (docs/benchmarks.md).
        with planner(cursor, default_statistics_target="10"):
            cursor.execute(f"ANALYZE {name}")


# --- the statements -------------------------------------------------------------------------

_NET = "{a}.wage_fen + {a}.production_fen + {a}.property_fen + {a}.transfer_fen - {a}.production_cost_fen"


CANDIDATE = "h.village_id LIKE %s AND h.status IN ('exited', 'monitored')"

# PostgreSQL reads a region of this many candidates or more in PIECES ranges of household ids,
# which a parallel plan reads side by side, a range at a time per process (docs/benchmarks.md:
# the bare read of 1M households 2.9–3.3 s in one piece, 1.3–1.9 s in 3 to 16, alike).
PARALLEL_AT_LEAST = 50_000
PIECES = 8


@dataclass(frozen=True)
class Candidates:
    """The region's candidates: how many, and the household id ranges their facts are read in
    (one open range where the read is not split)."""

    count: int
    pieces: tuple[tuple[int, int] | None, ...] = (None,)


def candidates(cursor, prefix: str) -> Candidates:
    """Count the region's candidates and cut their id span into PIECES equal ranges. Equal
    spans, not equal counts: a county's households were mostly registered together."""
    cursor.execute(
        f"SELECT COUNT(*), MIN(h.id), MAX(h.id) FROM registry_household h WHERE {CANDIDATE}",
        [prefix + "%"],
    )
    count, low, high = cursor.fetchone()
    if not _pg() or count < PARALLEL_AT_LEAST:
        return Candidates(count)
    step = -(-(high - low + 1) // PIECES)
    pieces = tuple((start, min(start + step - 1, high)) for start in range(low, high + 1, step))
    return Candidates(count, pieces)


def _facts_piece(piece: tuple[int, int] | None) -> tuple[str, list]:
    """One range's facts and the range's parameters, taken four times (members, households,
    this year's and last year's incomes): each table's range is spelt out, so every index scan
    keeps to it."""
    keys = {"h": "id", "m": "household_id", "i": "household_id", "p": "household_id"}
    within = {
        a: "" if piece is None else f" AND {a}.{k} BETWEEN %s AND %s" for a, k in keys.items()
    }
    sql = f"""
        SELECT h.household_id, h.village, h.status, h.exit_year, h.members,
               {_NET.format(a="i")} AS net,
               {_NET.format(a="p")} AS prev_net,
               COALESCE(i.medical_expense_fen, 0) + COALESCE(i.education_expense_fen, 0)
                 AS rigid
        FROM (
            SELECT h.id AS household_id, h.village_id AS village, h.status AS status,
                   h.exit_year AS exit_year, COUNT(m.household_id) AS members
            FROM registry_household h
            LEFT JOIN registry_member m ON m.household_id = h.id{within["m"]}
            WHERE {CANDIDATE}{within["h"]}
            GROUP BY h.id, h.village_id, h.status, h.exit_year
        ) h
        LEFT JOIN registry_income i
          ON i.household_id = h.household_id AND i.year = %s{within["i"]}
        LEFT JOIN registry_income p
          ON p.household_id = h.household_id AND p.year = %s{within["p"]}
        """
    return sql, [] if piece is None else list(piece)


def facts_query(prefix: str, year: int, found: Candidates) -> tuple[str, list]:
    """The candidates' facts, one row each, and the query's parameters.

    Members are counted by joining each household to its members and grouping by household,
    not by a grouped subquery joined back: PostgreSQL can then read households, the
    `registry_member(household_id)` index and the incomes (through their household index) all in
    household order and merge them in one pass, with no hash table of a million counts (the
    facts read at 1M households was 5.3 s hashing, docs/benchmarks.md). A large region is
    read as a UNION ALL of such passes over household id ranges: PostgreSQL runs them in a
    Parallel Append, one pass per process, where a single ordered pass runs on one core."""
    parts, params = [], []
    for piece in found.pieces:
        sql, within = _facts_piece(piece)
        parts.append(sql)
        params.extend([*within, prefix + "%", *within, year, *within, year - 1, *within])
    return " UNION ALL ".join(parts), params


def _income_rules(fig: Figures) -> list[tuple[str, str, list]]:
    """(rule id, its condition over the facts `f`, the condition's parameters)."""
    drop_p, drop_q = fig.drop
    exp_p, exp_q = fig.expense
    return [
        (
            "income_below_line",
            "f.members > 0 AND f.net IS NOT NULL AND f.net <= %s * f.members",
            [fig.line_fen],
        ),
        (
            "income_below_threshold",
            "f.members > 0 AND f.net IS NOT NULL AND f.net > %s * f.members"
            " AND f.net <= %s * f.members",
            [fig.line_fen, fig.threshold_fen],
        ),
        (
            "income_drop",
            "f.net IS NOT NULL AND f.prev_net > 0 AND (f.prev_net - f.net) * %s > %s * f.prev_net",
            [drop_q, drop_p],
        ),
        (
            "rigid_expense",
            "f.rigid > 0 AND COALESCE(f.prev_net, f.net) IS NOT NULL"
            " AND f.rigid * %s > %s * COALESCE(f.prev_net, f.net)",
            [exp_q, exp_p],
        ),
    ]


def _alert_data() -> str:
    """The data an alert keeps, from its hit `x` and the household's facts `f`."""
    income = _json_object(
        [("net_fen", "f.net"), ("members", "f.members"), ("prev_net_fen", "f.prev_net")]
    )
    expense = _json_object(
        [("rigid_fen", "f.rigid"), ("prev_net_fen", "COALESCE(f.prev_net, f.net)")]
    )
    event = _json_object(
        [("events", "x.events"), ("first", "x.first"), ("amount_fen", "x.amount_fen")]
    )
    return (
        f"CASE WHEN x.events IS NOT NULL THEN {event}"
        f" WHEN x.rule = 'rigid_expense' THEN {expense} ELSE {income} END"
    )


def _below(fig: Figures) -> tuple[str, list]:
    """At or below the monitoring threshold: the income classes."""
    return (
        "f.members > 0 AND f.net IS NOT NULL AND f.net <= %s * f.members",
        [fig.threshold_fen],
    )


def _band(fig: Figures) -> tuple[str, list]:
    """雅安's band of an exited household ('' for none)."""
    m_p, m_q = fig.marginal
    k_p, k_q = fig.key
    return (
        "CASE WHEN f.exit_year IS NULL OR f.members = 0 OR f.net IS NULL THEN ''"
        " WHEN f.net * %s <= %s * f.members THEN 'marginal'"
        " WHEN f.net * %s <= %s * f.members THEN 'key' ELSE '' END",
        [m_q, fig.line_fen * m_p, k_q, fig.line_fen * k_p],
    )


def _year_events(year: int) -> tuple[str, list]:
    """The condition on risk events `e` of the year."""
    return "e.date >= %s AND e.date <= %s", [dt.date(year, 1, 1), dt.date(year, 12, 31)]


# The income rules that compare the per-capita income with a figure _per_capita_bound covers.
_PER_CAPITA_RULES = frozenset({"income_below_line", "income_below_threshold"})


def _per_capita_bound(fig: Figures) -> int:
    """A per-capita income (fen, rounded up) at or above every per-capita figure a rule, class
    or band compares with: above it none of them can apply."""
    multiples = (fig.marginal, fig.key)
    return max(fig.line_fen, fig.threshold_fen, *(-(-fig.line_fen * p // q) for p, q in multiples))


def _facts(cursor, fig: Figures, prefix: str, year: int) -> int:
    """Keep the facts of the candidates the scan can class or alert: low enough a per-capita
    income for a rule, class or band, an income drop, a rigid expense, or an event of the year
    on record. The rest (eight or nine in ten) would only be read again by every later
    statement, which apply the exact conditions. Returns the number of candidates read."""
    conditions = ["f.net <= %s * f.members"]
    params = [_per_capita_bound(fig)]
    for rule_id, condition, args in _income_rules(fig):
        if rule_id not in _PER_CAPITA_RULES:
            conditions.append(condition)
            params.extend(args)
    events, event_params = _year_events(year)
    conditions.append(
        f"f.household_id IN (SELECT e.household_id FROM monitoring_riskevent e WHERE {events})"
    )
    params.extend(event_params)
    where = " OR ".join(f"({c})" for c in conditions)
    found = candidates(cursor, prefix)
    select, select_params = facts_query(prefix, year, found)
    # PostgreSQL: the read is planned as the ordered merges it is meant to be (households, the
    # member index and the incomes all in household order), not the hash join of a million
    # incomes the planner can pick once a filter sits on top, which spills at the default
    # work_mem. The setting is local to this statement and put back after it; a small region
    # still gets its nested loops. (An OFFSET 0 fence, which kept the filter from recomputing
    # the net income, also kept the pieces out of a parallel plan: the recomputation is the
    # cheaper.)
    with planner(cursor, enable_hashjoin="off"):
        _temp(
            cursor,
            FACTS,
            f"SELECT * FROM ({select}) f WHERE {where}",
            [*select_params, *params],
        )
    return found.count


def _hits(cursor, fig: Figures, year: int) -> None:
    """Every (household, rule) that fires, with its level, and for an event rule the events'
    count, first date and amount. The alert's JSON data is built only for the alerts raised
    (a re-run raises none), not for every hit."""
    parts, params = [], []
    for rule_id, condition, args in _income_rules(fig):
        parts.append(
            f"SELECT f.household_id, '{rule_id}' AS rule, '{INCOME_RULES[rule_id].level}' AS level,"
            " CAST(NULL AS BIGINT) AS events, CAST(NULL AS DATE) AS first,"
            " CAST(NULL AS BIGINT) AS amount_fen"
            f" FROM {FACTS} f WHERE {condition}"
        )
        params.extend(args)
    level_case = " ".join(f"WHEN '{kind}' THEN '{lvl}'" for kind, lvl in EVENT_LEVELS.items())
    events, event_params = _year_events(year)
    parts.append(
        f"SELECT e.household_id, '{EVENT_PREFIX}' || e.kind AS rule,"
        f" CASE e.kind {level_case} ELSE 'yellow' END AS level, COUNT(*) AS events,"
        " MIN(e.date) AS first, SUM(e.amount_fen) AS amount_fen"
        f" FROM monitoring_riskevent e WHERE {events}"
        f" AND e.household_id IN (SELECT household_id FROM {FACTS})"
        " GROUP BY e.household_id, e.kind"
    )
    params.extend(event_params)
    # PostgreSQL: the events are hashed against the facts (or the facts against them), never
    # joined in a nested loop. The planner's estimate of the year's events comes from
    # monitoring_riskevent's statistics, which lag a large insert (a match file of 90,000
    # rows into a table analysed empty: estimated 1 row) until autovacuum runs; on that
    # estimate it scanned the 187,000 facts once per event, a statement that never ended.
    # The facts read already reads every event of the year, so a hash costs nothing more
    # for a small region. The income parts join nothing.
    with planner(cursor, enable_nestloop="off"):
        _temp(cursor, HITS, " UNION ALL ".join(parts), params)


def _classify(cursor, fig: Figures, year: int, prefix: str, scan_id: int) -> int:
    """Store the year's classes of the region; returns how many households are classed."""
    classes = set(fig.classes)
    below, below_params = _below(fig)
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
    band, band_params = _band(fig)
    rules = f"COALESCE(r.rules, {_json_array_empty()})"
    per_capita = "CASE WHEN f.members > 0 THEN f.net / f.members END"
    select = (
        f"SELECT household_id, category, band, per_capita, rules FROM ("
        f"SELECT f.household_id, {category} AS category, {band} AS band,"
        f" {per_capita} AS per_capita, {rules} AS rules FROM {FACTS} f"
        # One row per household with its fired rules, sorted: joined, not asked per row.
        f" LEFT JOIN (SELECT x.household_id, {_json_rules('x.rule')} AS rules FROM"
        f" (SELECT household_id, rule FROM {HITS} ORDER BY household_id, rule) x"
        " GROUP BY x.household_id) r ON r.household_id = f.household_id) c"
        " WHERE category <> '' OR band <> ''"
    )
    params = [*below_params, *below_params, *band_params]
    # Read by the update, the insert, the delete and a count: its size is all they need.
    _temp(cursor, CLASSES, select, params, analyze=False)
    changed = (
        "o.category <> c.category OR o.band <> c.band"
        " OR COALESCE(o.per_capita_fen, -1) <> COALESCE(c.per_capita, -1) OR o.rules <> c.rules"
    )
    # No ON CONFLICT: scans write one at a time (_lock), so the stored rows are all there is.
    cursor.execute(
        f"""
        UPDATE monitoring_classification AS o
        SET category = c.category, band = c.band, per_capita_fen = c.per_capita,
            rules = c.rules, scan_id = %s
        FROM {CLASSES} c
        WHERE o.household_id = c.household_id AND o.year = %s AND ({changed})
        """,
        [scan_id, year],
    )
    cursor.execute(
        f"""
        INSERT INTO monitoring_classification
            (household_id, year, category, band, per_capita_fen, rules, scan_id)
        SELECT c.household_id, %s, c.category, c.band, c.per_capita, c.rules, %s
        FROM {CLASSES} c
        WHERE NOT EXISTS (SELECT 1 FROM monitoring_classification o
                          WHERE o.household_id = c.household_id AND o.year = %s)
        ORDER BY c.household_id
        """,
        [year, scan_id, year],
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


def _raise_alerts(cursor, fig: Figures, year: int, on: dt.date, scan_id: int) -> int:
    reasons = " ".join(
        f"WHEN '{rule_id}' THEN %s" for rule_id in RULES
    )  # the texts go as parameters: they hold the pack's figures
    reason_params = [fig.reason(rule_id) for rule_id in RULES]
    reason_en_params = [fig.reason(rule_id, "en") for rule_id in RULES]
    verify_by = on + dt.timedelta(days=fig.verify_days)
    decide_by = on + dt.timedelta(days=fig.decide_days)
    cursor.execute(
        f"""
        INSERT INTO monitoring_alert
            (household_id, year, rule, level, reason, reason_en, data, policy, status, tier,
             region_id, owner_cadre_id, raised_on, verify_by, decide_by, due_on, escalations,
             scan_id, version)
        -- The hits not raised yet first, then their facts: a re-run (no new hit) then joins
        -- and sorts nothing (0.10 s instead of 0.18-0.27 at 1M households).
        WITH x AS {"MATERIALIZED" if _pg() else ""} (
            SELECT * FROM {HITS} x
            WHERE NOT EXISTS (SELECT 1 FROM monitoring_alert a WHERE a.household_id = x.household_id
                              AND a.rule = x.rule AND a.year = %s)
        )
        SELECT x.household_id, %s, x.rule, x.level, CASE x.rule {reasons} ELSE x.rule END,
               CASE x.rule {reasons} ELSE x.rule END,
               {_alert_data()}, %s, 'raised', 'village', f.village, pc.cadre_id, %s, %s, %s, %s, 0, %s, 1
        FROM x
        JOIN {FACTS} f ON f.household_id = x.household_id
        LEFT JOIN (
            SELECT household_id, MAX(cadre_id) AS cadre_id FROM assistance_pairing
            WHERE start <= %s AND ("end" IS NULL OR "end" >= %s) GROUP BY household_id
        ) pc ON pc.household_id = x.household_id
        ORDER BY x.household_id, x.rule
        """,
        [
            year,
            year,
            *reason_params,
            *reason_en_params,
            fig.policy,
            on,
            verify_by,
            decide_by,
            verify_by,
            scan_id,
            on,
            on,
        ],
    )
    raised = max(cursor.rowcount, 0)
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


def _lock(cursor) -> None:
    """Taken before the scan reads the households it will class: a removal then either waits
    for the scan, or the scan for it and reads without the household. ROW EXCLUSIVE on risk
    events and alerts (lock_for_writing), then SHARE ROW EXCLUSIVE on classes, which conflicts
    with itself: one scan at a time writes classes and alerts, and the next one's statements
    (READ COMMITTED: a fresh snapshot each) see everything it committed. So the anti-joins
    with the stored rows are the whole story and the inserts need no ON CONFLICT, whose
    speculative insertion cost 0.4 s of a county's 118,283 alerts (docs/benchmarks.md).
    SQLite runs one writing transaction at a time anyway."""
    lock_for_writing(cursor, "monitoring_alert")
    if _pg():
        cursor.execute("LOCK TABLE monitoring_classification IN SHARE ROW EXCLUSIVE MODE")


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

        # The sorts and hashes of a county's 100,000-200,000 monitored households fit in
        # memory instead of spilling to disk at the default 4 MB (transaction-local).
        with connection.cursor() as cursor, planner(cursor, work_mem=WORK_MEM):
            _lock(cursor)
            households = _facts(cursor, fig, prefix, year)
            lap("facts")
            _hits(cursor, fig, year)
            lap("rules")
            classified = _classify(cursor, fig, year, prefix, record.pk)
            lap("classes")
            raised = _raise_alerts(cursor, fig, year, on, record.pk)
            lap("alerts")
            cursor.execute(f"SELECT rule, COUNT(*) FROM {HITS} GROUP BY rule")
            counts = dict(cursor.fetchall())
            for name in (HITS, FACTS, CLASSES):
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
