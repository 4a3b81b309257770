"""Benchmark: the household assessment of a whole county on PostgreSQL, beside a bare read.

    python bench/assess_bench.py --households 1000000 [--repeat 3] [--no-load]

Generates a synthetic county of N households (jingzhun.registry.synth, year 2018, cached under
var/bench/), loads it with bench/quality_bench.py's COPY loader into its own database
(`jingzhun_bench_assess` on the server of $DATABASE_URL), `VACUUM ANALYZE`s it as autovacuum
would a live registry, then times, best of --repeat:

* bare read: `COPY (SELECT …) TO STDOUT` of the columns the assessment reads, one row per
  household and one per member — what any assessment that ships rows out must read;
* assess: `jingzhun.assessments.facts.household_frames` + `jingzhun.policy.assess` under
  `cn-sichuan-2018` for the whole county — the work of `jingzhun assess households` before
  the JSON is written — with the member counts computed by the query (the application's
  path), and once more with the member rows shipped out and counted in Polars (the path
  before), which must give the same verdicts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

YEAR = 2018


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bare_read(prefix: str) -> int:
    from django.db import connection

    like = prefix + "%"
    queries = [
        "SELECT h.household_no, i.wage_fen, i.production_fen, i.property_fen, i.transfer_fen,"
        " i.production_cost_fen, h.food_clothing_secure, h.housing_safe, h.relocated,"
        " h.water_safe, h.electricity, h.radio_tv FROM registry_household h"
        f" LEFT JOIN registry_income i ON i.household_id = h.id AND i.year = {YEAR}"
        f" WHERE h.village_id LIKE '{like}'",
        "SELECT m.household_id, m.birth_date, m.dropout, m.student, m.medical_insurance"
        f" FROM registry_member m JOIN registry_household h ON h.id = m.household_id"
        f" WHERE h.village_id LIKE '{like}'",
    ]
    connection.ensure_connection()
    rows = 0
    with connection.connection.cursor() as cursor:
        for sql in queries:
            with cursor.copy(f"COPY ({sql}) TO STDOUT") as copy:
                for block in copy:
                    rows += bytes(block).count(b"\n")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database", default="jingzhun_bench_assess")
    parser.add_argument("--no-load", action="store_true", help="reuse the loaded database")
    parser.add_argument(
        "--skip-rows-path", action="store_true", help="do not time the member-rows path"
    )
    args = parser.parse_args(argv)

    from quality_bench import COUNTY, MEMBERS_PER_HOUSEHOLD, generate, load, setup_django

    setup_django(parser, args.database)
    from django.db import connection

    from jingzhun import policy
    from jingzhun.assessments import facts
    from jingzhun.assessments.selectors import pack_get
    from jingzhun.registry.models import Household, Member

    if not args.no_load:
        directory = generate(
            round(args.households * MEMBERS_PER_HOUSEHOLD), args.seed, args.workers
        )
        log("loading with COPY ...")
        t0 = time.perf_counter()
        sizes = load(directory)
        log(f"  loaded {sizes} in {time.perf_counter() - t0:.1f}s")
        with connection.cursor() as cursor:
            for table in ("registry_household", "registry_member", "registry_income"):
                cursor.execute(f"VACUUM ANALYZE {table}")
    households = Household.objects.count()
    members = Member.objects.count()
    pack = pack_get(f"cn-sichuan-{YEAR}")
    on = dt.date(YEAR, 12, 31)

    def best(fn) -> tuple[float, object]:
        times, result = [], None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - t0)
        return min(times), result

    def assess():
        frames = facts.household_frames(prefix=COUNTY, year=YEAR, pack=pack, on=on)
        result = policy.assess(pack, "household", frames, on=on)
        return policy.verdicts(result)

    def assess_member_rows():
        frames = facts.household_frames(prefix=COUNTY, year=YEAR)
        result = policy.assess(pack, "household", frames, on=on)
        return policy.verdicts(result)

    log("bare read ...")
    bare, rows = best(lambda: bare_read(COUNTY))
    log("assess ...")
    seconds, verdicts = best(assess)
    rows_seconds = None
    if not args.skip_rows_path:
        log("assess, members shipped as rows ...")
        rows_seconds, by_rows = best(assess_member_rows)
        assert by_rows.equals(verdicts, null_equal=True), "the two paths disagree"
    passed = verdicts["passed"].value_counts(sort=True).to_dicts()
    print(
        f"\nAssessment on PostgreSQL: {households:,} households, {members:,} members, "
        f"county {COUNTY}, pack {pack.id}, best of {args.repeat}"
    )
    print(f"{'step':36} {'seconds':>8}  result")
    print("-" * 80)
    print(f"{'bare read (COPY of the rows read)':36} {bare:>8.2f}  {rows:,} rows")
    print(f"{'assess (frames + evaluate)':36} {seconds:>8.2f}  {verdicts.height:,} households")
    print(f"{'ratio':36} {seconds / bare:>8.2f}")
    if rows_seconds is not None:
        print(f"{'assess, members shipped as rows':36} {rows_seconds:>8.2f}  same verdicts")
    print(f"verdicts: {passed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
