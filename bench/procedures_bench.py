"""Benchmark: the procedures engine on a synthetic county on PostgreSQL.

    python bench/procedures_bench.py --persons 200000 [--cases 500] [--seed 1] [--no-load]

Generates the county with jingzhun.registry.synth (cached under var/bench/), loads it with
bench/quality_bench.py's COPY loader into its own database (`jingzhun_bench_procedures` on the
server of $DATABASE_URL), empties the procedure tables, then times:

* bare assessment: the exit standard over every poor household of the county (the policy
  engine's set-based pass: `assess_region`), the floor of the candidate list;
* candidates: the yearly adjustment screen's selector (exit candidates that pass, exited
  households whose income fell below the line, department-reported deaths), whole county;
* open: `cases_open_bulk` for N exit candidates of the villages with most of them (each case
  runs the exit standard for its household as the proposal's warning);
* steps: the meeting and the household agreement for each case (`step_take`, 2 × N);
* notice: one `notice_publish` per village for all its cases, then the printable rows;
* counts: `procedure_counts` and `decision_counts` over the county (the dashboard and stats).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

COUNTY = "512021"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--database", default="jingzhun_bench_procedures")
    parser.add_argument("--no-load", action="store_true", help="reuse the loaded database")
    args = parser.parse_args(argv)

    from quality_bench import generate, load, setup_django

    setup_django(parser, args.database)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count

    from jingzhun.assessments import selectors as assessments
    from jingzhun.procedures import selectors, services
    from jingzhun.regions.models import Region
    from jingzhun.registry.models import Household, Income, Member
    from jingzhun.registry.stats import COMMAND_LINE

    directory = generate(args.persons, args.seed, args.workers)
    if not args.no_load:
        log("loading with COPY ...")
        seconds, sizes = timed(lambda: load(directory))
        log(f"  loaded {sizes} in {seconds:.1f}s")
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE procedures_objection, procedures_notice_cases, procedures_notice,"
            " procedures_caseevent, procedures_case CASCADE"
        )
        for table in ("registry_household", "registry_member", "registry_income"):
            cursor.execute(f"ANALYZE {table}")
    year = Income.objects.order_by("-year").values_list("year", flat=True).first()
    county = Region.objects.get(code=COUNTY.ljust(12, "0"))
    households = Household.objects.count()
    members = Member.objects.count()

    log("bare assessment ...")
    pack = assessments.pack_get(assessments.active_pack_id(region_code=county.code, year=year))
    bare = min(
        timed(
            lambda: assessments.assess_region(
                level="household",
                pack=pack,
                year=year,
                region_code=county.code,
                statuses=["poor", "returned"],
            )
        )[0]
        for _ in range(2)
    )
    log("candidates ...")
    runs = [
        timed(lambda: selectors.adjustment_candidates(user=COMMAND_LINE, region=county, year=year))
        for _ in range(2)
    ]
    candidates_s, candidates = min(runs, key=lambda r: r[0])

    exit_candidates = candidates["exit"]
    by_village: dict[str, list] = {}
    for c in exit_candidates:
        by_village.setdefault(c.household.village_id, []).append(c.household)
    chosen: list[tuple[str, list]] = []
    total = 0
    for village, rows in sorted(by_village.items(), key=lambda kv: -len(kv[1])):
        if total >= args.cases:
            break
        take = rows[: args.cases - total]
        chosen.append((village, take))
        total += len(take)

    users = get_user_model().objects
    users.filter(username__startswith="bench-").delete()
    opened, steps_s, open_s, notice_s, pages_s = [], 0.0, 0.0, 0.0, 0.0
    meeting = {"attended": 30, "votes_for": 25, "votes_against": 3, "abstained": 2}
    for village, rows in chosen:
        officer = users.create(
            username=f"bench-v{village}", role="village_officer", region_id=village
        )
        seconds, result = timed(
            lambda officer=officer, rows=rows: services.cases_open_bulk(
                by=officer, kind="exit", households=rows, year=year
            )
        )
        open_s += seconds
        cases = result.opened

        def walk(officer=officer, cases=cases):
            moved = []
            for case in cases:
                case = services.step_take(by=officer, case=case, step="meeting", params=meeting)
                case = services.step_take(
                    by=officer,
                    case=case,
                    step="household_agreement",
                    params={"agrees": True, "signed_by": "户主"},
                )
                moved.append(case)
            return moved

        seconds, cases = timed(walk)
        steps_s += seconds
        seconds, notice = timed(
            lambda officer=officer, cases=cases: services.notice_publish(by=officer, cases=cases)
        )
        notice_s += seconds
        seconds, _pages = timed(lambda notice=notice: selectors.notice_pages(notice=notice))
        pages_s += seconds
        opened += cases
    counts_s, counts = timed(
        lambda: selectors.procedure_counts(user=COMMAND_LINE, code=county.code, year=year)
    )
    decided_s, _decided = timed(
        lambda: selectors.decision_counts(user=COMMAND_LINE, code=county.code, year=year)
    )
    n = max(1, len(opened))
    sizes = Household.objects.filter(cases__isnull=False).annotate(m=Count("members"))
    print(
        f"\nProcedures on PostgreSQL: {households:,} households, {members:,} members, "
        f"county {county.code}, year {year}, pack {pack.id}"
    )
    print(f"{'step':52} {'seconds':>8}  result")
    print("-" * 96)
    print(f"{'bare assessment (exit standard, poor households)':52} {bare:>8.2f}")
    print(
        f"{'candidates (whole county)':52} {candidates_s:>8.2f}  "
        + ", ".join(f"{k} {len(v):,}" for k, v in candidates.items())
    )
    print(
        f"{'open (cases_open_bulk, with the warning assessment)':52} {open_s:>8.2f}  "
        f"{len(opened):,} cases in {len(chosen)} villages, {1000 * open_s / n:.1f} ms/case"
    )
    print(
        f"{'steps (meeting + agreement)':52} {steps_s:>8.2f}  "
        f"{2 * len(opened):,} steps, {1000 * steps_s / (2 * n):.1f} ms/step"
    )
    print(f"{'notice (one per village, all its cases)':52} {notice_s:>8.2f}  {len(chosen)} notices")
    print(f"{'notice rows for printing':52} {pages_s:>8.2f}")
    print(f"{'procedure_counts (county)':52} {counts_s:>8.3f}  {sum(counts.values()):,} cases")
    print(f"{'decision_counts (county, by township)':52} {decided_s:>8.3f}")
    print(f"households in cases: {sizes.count():,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
