"""Benchmark: every data-quality rule over a synthetic county of N members on PostgreSQL.

    python bench/quality_bench.py --persons 1000000 [--seed 1] [--workers 8] [--no-load]
        [--repeat 5] [--rules id,id]

Generates the county with jingzhun.registry.synth (cached under var/bench/), loads it into a
separate database (`jingzhun_bench` on the server of $DATABASE_URL, default
postgresql://postgres@127.0.0.1:5432/test) with COPY, adds a death list naming 1 % of the
members (for deceased-still-counted), then times `run_checks` over the county twice — the
first run stores every finding (the findings are emptied before it), the second is the re-run
a county makes after corrections — and prints what each rule found and the time of each query
(the rules of a family share one) and of writing the findings. `--repeat N` runs the pair N
times and prints medians. The target is under 10 s for all rules.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MEMBERS_PER_HOUSEHOLD = 3.61  # what the generator produces on average
COUNTY = "512021"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bench_database(url: str, name: str) -> str:
    import psycopg

    parts = urlparse(url)
    with psycopg.connect(url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(parts._replace(path=f"/{name}"))


def setup_django(parser: argparse.ArgumentParser, name: str) -> None:
    """Point Django at the bench database `name` on DATABASE_URL's PostgreSQL server (created
    if missing), set it up and migrate: the start every bench command shares."""
    server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    if not server.startswith("postgres"):
        parser.error("the benchmark needs PostgreSQL (DATABASE_URL=postgresql://...)")
    os.environ["DATABASE_URL"] = bench_database(server, name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings.dev")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate(persons: int, seed: int, workers: int) -> Path:
    from jingzhun.registry.synth import generate_county

    households = max(1, round(persons / MEMBERS_PER_HOUSEHOLD))
    out = ROOT / "var" / "bench" / f"synth-{COUNTY}-{households}-{seed}"
    if not (out / "members.csv").exists():
        log(f"generating {households} households into {out} ...")
        t0 = time.perf_counter()
        generate_county(out, county=COUNTY, households=households, seed=seed, workers=workers)
        log(f"  generated in {time.perf_counter() - t0:.1f}s")
    return out


def _copy(cursor, table: str, frame) -> None:
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, null_value="", quote_style="non_numeric")
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
        copy.write(buffer.getvalue())


# A civil-affairs death list naming 1 % of the members (every hundredth), as `jingzhun import
# match` stores it, so that deceased-still-counted has events to match (the generator makes
# none): some 10,000 findings at 1M persons.
DEATHS = """
INSERT INTO monitoring_riskevent (id_number, kind, source, date, note, created_at, household_id,
                                  member_id)
SELECT id_number, 'death', 'civil_affairs', DATE '2018-01-01' + (id % 365)::int, '', now(),
       household_id, id
FROM registry_member WHERE id % 100 = 0
"""


def load(directory: Path) -> dict[str, int]:
    import polars as pl
    from django.db import connection
    from django.utils import timezone

    from jingzhun.regions import codes

    def read(name: str):
        return pl.read_csv(directory / f"{name}.csv", infer_schema_length=0)  # all strings

    def flag(column: str):
        return (
            pl.when(pl.col(column) == "1")
            .then(True)
            .when(pl.col(column) == "0")
            .then(False)
            .otherwise(None)
            .alias(column)
        )

    def fen(column: str, target: str):
        return (pl.col(column).cast(pl.Decimal(18, 2)) * 100).cast(pl.Int64).alias(target)

    now = timezone.now().isoformat()
    regions = read("regions")
    region_rows = regions.with_columns(
        pl.col("code").map_elements(codes.level_of, return_dtype=pl.String).alias("level"),
        pl.col("code")
        .map_elements(lambda c: codes.parent_code(c), return_dtype=pl.String)
        .alias("parent_id"),
        pl.col("rural_population").cast(pl.Int64),
        pl.col("poor_village").fill_null("none"),
        pl.col("exit_year").cast(pl.Int64),
        fen("collective_income", "collective_income_fen"),
        *(
            flag(c)
            for c in (
                "hardened_road",
                "clinic",
                "culture_room",
                "network",
                "central_school",
                "health_center",
                "service_center",
            )
        ),
    ).drop("collective_income")

    households = read("households").with_row_index("id", offset=1)
    household_rows = households.select(
        pl.col("id").cast(pl.Int64),
        "household_no",
        pl.col("village_code").alias("village_id"),
        pl.col("group").fill_null(""),
        "attribute",
        "main_cause",
        pl.col("other_causes").fill_null(""),
        "status",
        pl.col("registered_year").cast(pl.Int64),
        pl.col("exit_year").cast(pl.Int64),
        *(
            flag(c)
            for c in (
                "food_clothing_secure",
                "housing_safe",
                "water_safe",
                "electricity",
                "radio_tv",
            )
        ),
        pl.lit(False).alias("relocated"),
        pl.col("phone").fill_null(""),
        pl.lit(1).alias("version"),
        pl.lit(now).alias("created_at"),
        pl.lit(now).alias("updated_at"),
    )
    ids = households.select("household_no", pl.col("id").cast(pl.Int64).alias("household_id"))
    members = read("members").join(ids, on="household_no", how="left")
    member_rows = members.select(
        "household_id",
        "id_number",
        pl.lit("").alias("id_warning"),
        "name",
        "relation",
        "sex",
        "birth_date",
        pl.col("ethnicity").fill_null(""),
        pl.col("education").fill_null(""),
        pl.col("student").fill_null("none"),
        flag("dropout"),
        pl.col("health").fill_null("healthy"),
        pl.col("disability_grade").cast(pl.Int64),
        pl.col("labour").fill_null(""),
        pl.col("migrant_months").cast(pl.Int64),
        flag("medical_insurance"),
        flag("pension_insurance"),
        pl.lit(1).alias("version"),
    )
    incomes = read("incomes").join(ids, on="household_no", how="left")
    income_rows = incomes.select(
        "household_id",
        pl.col("year").cast(pl.Int64),
        fen("wage", "wage_fen"),
        fen("production", "production_fen"),
        fen("property", "property_fen"),
        fen("transfer", "transfer_fen"),
        fen("production_cost", "production_cost_fen"),
        fen("medical_expense", "medical_expense_fen"),
        fen("education_expense", "education_expense_fen"),
        pl.lit(1).alias("version"),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE quality_finding, quality_checkrun, registry_income, registry_member,"
            " registry_household, regions_region CASCADE"
        )
        _copy(cursor, "regions_region", region_rows)
        _copy(cursor, "registry_household", household_rows)
        _copy(cursor, "registry_member", member_rows)
        _copy(cursor, "registry_income", income_rows)
        for table in ("registry_household", "registry_member", "registry_income"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        cursor.execute(DEATHS)
    # VACUUM ANALYZE, as autovacuum would have after a load (it is off on the bench server):
    # without it the visibility map is empty and every index-only scan reads the heap too.
    with connection.cursor() as cursor:
        for table in (
            "regions_region",
            "registry_household",
            "registry_member",
            "registry_income",
            "monitoring_riskevent",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return {
        "households": household_rows.height,
        "members": member_rows.height,
        "incomes": income_rows.height,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--database", default="jingzhun_bench")
    parser.add_argument("--rules", help="comma-separated rule ids (default: all)")
    parser.add_argument("--no-load", action="store_true", help="reuse the loaded database")
    parser.add_argument(
        "--repeat", type=int, default=1, help="run the pair N times, print medians (noisy hosts)"
    )
    args = parser.parse_args(argv)

    setup_django(parser, args.database)

    from jingzhun.quality.models import Finding
    from jingzhun.quality.services import run_checks

    if not args.no_load:
        directory = generate(args.persons, args.seed, args.workers)
        log("loading with COPY ...")
        t0 = time.perf_counter()
        sizes = load(directory)
        log(f"  loaded {sizes} in {time.perf_counter() - t0:.1f}s")
    from django.db import connection

    from jingzhun.registry.models import Member

    members = Member.objects.count()
    county = COUNTY.ljust(12, "0")
    on = dt.date(2018, 12, 31)
    rules = args.rules.split(",") if args.rules else None
    pairs = []  # (first, first_total, second, second_total) per repetition
    for i in range(args.repeat):
        with connection.cursor() as cursor:  # run 1 is a first run, with or without --no-load
            cursor.execute("TRUNCATE quality_finding, quality_checkrun")
        log(f"[{i + 1}/{args.repeat}] run 1 (stores every finding) ...")
        t0 = time.perf_counter()
        first = run_checks(county, rule_ids=rules, year=2018, on=on)
        first_total = time.perf_counter() - t0
        log(f"[{i + 1}/{args.repeat}] run 2 (re-run, findings unchanged) ... {first_total:.2f}s")
        t0 = time.perf_counter()
        second = run_checks(county, rule_ids=rules, year=2018, on=on)
        second_total = time.perf_counter() - t0
        log(f"  {second_total:.2f}s")
        pairs.append((first, first_total, second, second_total))
    first, second = pairs[0][0], pairs[0][2]

    def median(values: list[float]) -> float:
        return statistics.median(values)

    print(f"\nData-quality rules over {members:,} members (PostgreSQL), county {county}")
    print(f"{'rule':34} {'found':>9}  query")
    print("-" * 64)
    for rule_id, timing in first.timings.items():
        print(f"{rule_id:34} {timing.found:>9,}  {timing.query}")
    for rule_id, reason in first.run.skipped.items():
        print(f"{rule_id:34} {'skipped':>9}  {reason}")
    what = "median of " + str(args.repeat) if args.repeat > 1 else "one run"
    print(f"\n{'query (rules) / step, ' + what:34} {'run 1 s':>9} {'re-run s':>9}")
    print("-" * 64)
    rules_of: dict[str, int] = {}
    for timing in first.timings.values():
        rules_of[timing.query] = rules_of.get(timing.query, 0) + 1
    for step in first.steps:
        label = step if step == "findings" else f"{step} ({rules_of.get(step, 0)})"
        one = median([p[0].steps.get(step, 0.0) for p in pairs])
        two = median([p[2].steps.get(step, 0.0) for p in pairs])
        print(f"{label:34} {one:>9.3f} {two:>9.3f}")

    def queries(outcome) -> float:
        return sum(s for k, s in outcome.steps.items() if k != "findings")

    print("-" * 64)
    query_1 = median([queries(p[0]) for p in pairs])
    query_2 = median([queries(p[2]) for p in pairs])
    print(f"{'all rules: queries':34} {query_1:>9.3f} {query_2:>9.3f}")
    total_1 = median([p[1] for p in pairs])
    total_2 = median([p[3] for p in pairs])
    print(f"{'all rules: run incl. findings':34} {total_1:>9.3f} {total_2:>9.3f}")
    if args.repeat > 1:
        each = ", ".join(f"{p[1]:.2f}/{p[3]:.2f}" for p in pairs)
        print(f"whole runs (run 1 / re-run), s: {each}")
    print(
        f"found {first.run.found:,}; new {first.run.new:,} / {second.run.new:,};"
        f" resolved {first.run.resolved:,} / {second.run.resolved:,}"
    )
    print(f"open findings stored: {Finding.objects.filter(resolved_at__isnull=True).count():,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
