"""Benchmark: the monitoring scan and the cross-department match on PostgreSQL, each beside a
bare scan of the same rows.

    python bench/monitoring_bench.py --households 1000000 [--match-rows 100000] [--no-load]

Generates a synthetic county with jingzhun.registry.synth (income years YEAR-1 and YEAR, cached
under var/bench/), loads it with bench/quality_bench.py's COPY loader into its own database
(`jingzhun_bench_monitoring` on the server of $DATABASE_URL), then times:

* bare scan: the scan's own facts query (households, member counts, this and last year's
  income under the county prefix) reduced to one aggregate row — the rows every scan must read;
* scan 1: `monitor scan` as a county runs it the first time (classes stored, alerts raised);
* scan 2: the re-run, which must raise nothing (idempotence, and the steady-state cost);
* match bare: `COPY` of the same file into a plain table and one join count with
  registry_member — the floor of any hash join of the file;
* match: `import match` of a file of N rows (90 % registered ID numbers, a tenth of them with a
  lower-case x where the check letter is X; 10 % unknown), phase 1 and phase 2 apart.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

COUNTY = "512021"
YEAR = 2023


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def generate(households: int, seed: int, workers: int) -> Path:
    from jingzhun.registry.synth import generate_county

    out = ROOT / "var" / "bench" / f"synth-{COUNTY}-{households}-{seed}-{YEAR}"
    if not (out / "incomes.csv").exists():
        log(f"generating {households:,} households into {out} ...")
        t0 = time.perf_counter()
        generate_county(
            out,
            county=COUNTY,
            households=households,
            seed=seed,
            year=YEAR,
            years_back=1,
            workers=workers,
        )
        log(f"  generated in {time.perf_counter() - t0:.1f}s")
    return out


def match_file(directory: Path, rows: int, seed: int) -> Path:
    import polars as pl

    out = directory / f"match-{rows}.csv"
    if out.exists():
        return out
    rng = random.Random(seed)
    ids = pl.read_csv(directory / "members.csv", columns=["id_number"], infer_schema_length=0)
    known = ids["id_number"].sample(n=rows - rows // 10, seed=seed, shuffle=True).to_list()
    known = [n[:-1] + "x" if n.endswith("X") and rng.random() < 0.1 else n for n in known]
    unknown = [
        f"110101{rng.randint(1950, 2010)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        f"{rng.randint(0, 999):03d}{rng.choice('0123456789X')}"
        for _ in range(rows // 10)
    ]
    events = [
        ("medical", "serious_illness"),
        ("civil_affairs", "death"),
        ("education", "dropout"),
        ("housing", "unsafe_house"),
        ("disability", "disability"),
    ]
    numbers = known + unknown
    rng.shuffle(numbers)
    with out.open("w", encoding="utf-8") as fh:
        fh.write("source,id_number,event,date,amount,note\n")
        for i, number in enumerate(numbers):
            source, event = events[i % len(events)]
            day = dt.date(YEAR, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
            amount = f"{rng.randint(1000, 200000)}.00" if source == "medical" else ""
            fh.write(f"{source},{number},{event},{day.isoformat()},{amount},\n")
    return out


def bare_scan(prefix: str) -> float:
    from django.db import connection

    from jingzhun.monitoring import scan as scan_module
    from jingzhun.monitoring.planner import planner

    with connection.cursor() as cursor:
        t0 = time.perf_counter()
        # The facts query of the scan (its candidates counted and cut into the same pieces),
        # kept as a subquery and reduced to one row: the same rows read, nothing written.
        found = scan_module.candidates(cursor, prefix)
        select, params = scan_module.facts_query(prefix, YEAR, found)
        with planner(cursor, enable_hashjoin="off"):
            cursor.execute(
                f"SELECT COUNT(*), SUM(members), SUM(net), SUM(prev_net) FROM ({select}) f",
                params,
            )
        cursor.fetchall()
        return time.perf_counter() - t0


def bare_match(path: Path) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        t0 = time.perf_counter()
        cursor.execute(
            "CREATE TEMP TABLE bare_match (source text, id_number text, event text, date text,"
            " amount text, note text)"
        )
        with (
            path.open("rb") as fh,
            cursor.cursor.copy("COPY bare_match FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            while block := fh.read(1 << 20):
                copy.write(block)
        cursor.execute(
            "SELECT COUNT(*) FROM bare_match b JOIN registry_member m"
            " ON m.id_number = UPPER(b.id_number)"
        )
        cursor.fetchall()
        seconds = time.perf_counter() - t0
        cursor.execute("DROP TABLE bare_match")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--match-rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--database", default="jingzhun_bench_monitoring")
    parser.add_argument("--no-load", action="store_true", help="reuse the loaded database")
    args = parser.parse_args(argv)

    from quality_bench import load, setup_django

    setup_django(parser, args.database)
    from django.db import connection

    from jingzhun.monitoring.models import Alert, Classification, RiskEvent
    from jingzhun.monitoring.scan import scan
    from jingzhun.registry.importing import import_file
    from jingzhun.registry.models import Household, Member

    directory = generate(args.households, args.seed, args.workers)
    if not args.no_load:
        log("loading with COPY ...")
        t0 = time.perf_counter()
        sizes = load(directory)
        log(f"  loaded {sizes} in {time.perf_counter() - t0:.1f}s")
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE monitoring_alertevent, monitoring_riskevent, monitoring_classification,"
            " monitoring_alert, monitoring_scan CASCADE"
        )
    # A live registry has been vacuumed by autovacuum: without it the index-only scans of
    # registry_member fetch every heap row (the facts read took 7.4–9.2 s, 4.9–5.2 s after).
    with connection.cursor() as cursor:
        for table in ("registry_household", "registry_member", "registry_income"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    households = Household.objects.count()
    members = Member.objects.count()
    county = COUNTY.ljust(12, "0")
    on = dt.date(YEAR + 1, 3, 1)
    path = match_file(directory, args.match_rows, args.seed)

    log("bare scan ...")
    bare = min(bare_scan(COUNTY) for _ in range(2))
    log("scan 1 ...")
    t0 = time.perf_counter()
    first_outcome = scan(region_code=county, year=YEAR, on=on)
    first = first_outcome.scan
    scan_1 = time.perf_counter() - t0
    log("scan 2 (re-run) ...")
    t0 = time.perf_counter()
    second_outcome = scan(region_code=county, year=YEAR, on=on)
    second = second_outcome.scan
    scan_2 = time.perf_counter() - t0

    log("bare match ...")
    match_bare = min(bare_match(path) for _ in range(2))
    log("match ...")
    t0 = time.perf_counter()
    summary = import_file("match", path)
    match_total = time.perf_counter() - t0
    log("scan 3 (after the match) ...")
    t0 = time.perf_counter()
    third_outcome = scan(region_code=county, year=YEAR, on=on)
    third = third_outcome.scan
    scan_3 = time.perf_counter() - t0

    print(
        f"\nMonitoring on PostgreSQL: {households:,} households, {members:,} members "
        f"({members / households:.2f} per household), county {county}, year {YEAR}"
    )
    print(f"{'step':44} {'seconds':>8}  result")
    print("-" * 90)
    print(f"{'bare scan (facts query, one aggregate row)':44} {bare:>8.2f}  {households:,} read")
    print(
        f"{'scan 1 (classes stored, alerts raised)':44} {scan_1:>8.2f}  "
        f"{first.households:,} candidates, {first.classified:,} objects, {first.raised:,} raised"
    )
    print(f"{'scan 2 (re-run)':44} {scan_2:>8.2f}  {second.raised:,} raised")
    print(f"{'match bare (COPY + one join count)':44} {match_bare:>8.2f}  {args.match_rows:,} rows")
    print(
        f"{'match (import match, whole)':44} {match_total:>8.2f}  {summary.inserted:,} events, "
        f"{summary.reported:,} unknown reported"
    )
    print(f"{'  of which phase 1 (read, parse, spool)':44} {summary.validate_seconds:>8.2f}")
    print(
        f"{'  of which phase 2 (stage, join, insert)':44} "
        f"{summary.seconds - summary.validate_seconds:>8.2f}"
    )
    print(f"{'scan 3 (after the match)':44} {scan_3:>8.2f}  {third.raised:,} raised")
    print(
        f"stored: {Classification.objects.count():,} classes, {Alert.objects.count():,} alerts, "
        f"{RiskEvent.objects.count():,} risk events"
    )
    print(f"counts per rule (scan 3): {third.counts}")
    for name, outcome, total in (
        ("1", first_outcome, scan_1),
        ("2", second_outcome, scan_2),
        ("3", third_outcome, scan_3),
    ):
        rest = total - sum(outcome.seconds.values())
        print(
            f"scan {name} by statement group (s): {outcome.seconds}, "
            f"audit + commit (deferred foreign-key checks) {rest:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
