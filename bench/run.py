"""The benchmark suite: figures, not tests.

    .venv/bin/python bench/run.py                      # 1,000,000 persons
    .venv/bin/python bench/run.py --persons 10000000   # the large run
    .venv/bin/python bench/run.py --only stats         # one step
    .venv/bin/python bench/run.py --persons 10000000 --only validate   # 10M: phase 1 alone
    .venv/bin/python bench/run.py --only monitor       # bench/monitoring_bench.py, its figures here


It makes a synthetic county (cached under bench/data/), loads it into a PostgreSQL database of
its own (created afresh), and times each step beside a bare baseline on the same rows in the same
run: the validated import of members beside `psql \\copy` of the same file into a plain table
(and beside `\\copy` of the loaded rows into an empty copy of registry_member with the same
indexes, and beside the import's floor: the loaded rows `\\copy`ed into a bare copy of the
table, then indexed, as the direct load does); phase 1 alone (read, parse, check, spool: the
vectorised pass for CSV) in a child process, with its peak memory;
the policy assessment beside a bare `COPY (SELECT ...) TO STDOUT` of the rows it reads, the
county roll-up (live), the refresh of the dashboards' stored roll-ups, and the county dashboard
page's server time (django.test.Client as a county_admin, median of --page-repeat requests);
and the monitoring scan and match beside their bare scans (bench/monitoring_bench.py, run as a
child process with its own database and the same number of households).
It prints a table and writes bench/results/<stamp>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COUNTY = "512021"
MEMBERS_PER_HOUSEHOLD = 3.62  # the synthetic generator's measured mean


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--year", type=int, default=2018)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/jingzhun_bench_suite"
        ),
    )
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench" / "data")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="run only these steps: import, validate, assess, stats, reports, monitor, page. "
        "`validate` and `monitor` need no import into the suite's database (phase 1 of the "
        "members file with its peak memory: the step that fits a 10M-person run in a few "
        "minutes; monitor loads its own; `page` alone measures the county's stored roll-up and "
        "page against the database an earlier run loaded and refreshed)",
    )
    parser.add_argument(
        "--validate-repeat", type=int, default=3, help="best of N for phase 1 alone"
    )
    parser.add_argument("--repeat", type=int, default=3, help="repeats of the read-only steps")
    parser.add_argument(
        "--page-repeat", type=int, default=21, help="requests whose median is the page time"
    )
    return parser.parse_args()


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def psql(url: str, *args: str) -> str:
    return subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-qAt", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def fresh_database(url: str) -> None:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    psql(admin, "-c", f"DROP DATABASE IF EXISTS {name}")
    psql(admin, "-c", f"CREATE DATABASE {name}")


def synth(data_dir: Path, households: int, seed: int, year: int) -> Path:
    from jingzhun.registry.synth import generate_county

    out = data_dir / f"{COUNTY}-{households}-{seed}-{year}"
    if (out / "regions.csv").exists():
        log(f"== using cached synthetic county {out}")
        return out
    log(f"== generating {households} households into {out}")
    start = time.perf_counter()
    # The files are byte-identical whatever `workers` is; more processes only make them sooner.
    generate_county(
        out, county=COUNTY, households=households, seed=seed, year=year, workers=os.cpu_count() or 1
    )
    log(f"   {time.perf_counter() - start:.1f} s")
    return out


def timed(fn: Callable[[], object], repeat: int = 1) -> tuple[float, object]:
    """The best of `repeat` runs: the figure least disturbed by the rest of the machine."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def bare_copy(url: str, csv_path: Path) -> float:
    with csv_path.open() as handle:
        header = handle.readline().strip().split(",")
    columns = ", ".join(f'"{c}" text' for c in header)
    psql(url, "-c", f"DROP TABLE IF EXISTS bare_copy; CREATE TABLE bare_copy ({columns})")
    start = time.perf_counter()
    psql(url, "-c", f"\\copy bare_copy FROM '{csv_path}' WITH (FORMAT csv, HEADER true)")
    elapsed = time.perf_counter() - start
    psql(url, "-c", "DROP TABLE bare_copy")
    return elapsed


def bare_copy_indexed(url: str, table: str) -> float:
    """`\\copy` of the rows already loaded into an empty table with the same columns, constraints
    and indexes (LIKE … INCLUDING ALL): what the target table's indexes alone cost."""
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".copy") as dump:
        psql(url, "-c", f"\\copy {table} TO '{dump.name}'")
        psql(
            url,
            "-c",
            f"DROP TABLE IF EXISTS bare_indexed; CREATE TABLE bare_indexed (LIKE {table} INCLUDING ALL)",
        )
        start = time.perf_counter()
        psql(url, "-c", f"\\copy bare_indexed FROM '{dump.name}'")
        elapsed = time.perf_counter() - start
    psql(url, "-c", "DROP TABLE bare_indexed")
    return elapsed


def bare_copy_then_built(url: str, table: str) -> float:
    """The floor of any validated import into `table` the way the direct load goes: `\\copy`
    of the rows already loaded (checked, typed, their ids and households resolved) into an
    empty copy of the table that has only its CHECK constraints, then its primary key and other
    indexes built (unique constraints as unique indexes: the same build) and its foreign keys
    added (validated), in one transaction with the import's `maintenance_work_mem`. Phase 1
    costs nothing here: the import's distance from this is what its own work costs. (The
    members' primary key, which no other table's foreign key uses, is built after the load, as
    importing/indexes.py does.)"""
    import tempfile

    from jingzhun.registry.importing.indexes import SORT_MEM

    copy = "bare_built"
    psql(
        url,
        "-c",
        f"DROP TABLE IF EXISTS {copy}; CREATE TABLE {copy} "
        f"(LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)",
    )
    built = psql(
        url,
        "-c",
        "SELECT regexp_replace(pg_get_indexdef(indexrelid), 'INDEX (\\S+) ON \\S+ ', "
        f"'INDEX bare_\\1 ON {copy} ') || ';' FROM pg_index "
        f"WHERE indrelid = '{table}'::regclass AND NOT indisprimary ORDER BY indexrelid",
    ).split("\n")
    foreign = psql(
        url,
        "-c",
        f"SELECT 'ALTER TABLE {copy} ADD ' || pg_get_constraintdef(oid) || ';' "
        f"FROM pg_constraint WHERE conrelid = '{table}'::regclass AND contype = 'f'",
    ).split("\n")
    with tempfile.TemporaryDirectory() as folder:
        dump, script = Path(folder, "rows.copy"), Path(folder, "floor.sql")
        psql(url, "-c", f"\\copy {table} TO '{dump}'")
        script.write_text(
            "\n".join(
                [
                    "BEGIN;",
                    f"SET LOCAL maintenance_work_mem = '{SORT_MEM}';",
                    f"\\copy {copy} FROM '{dump}'",
                    f"ALTER TABLE {copy} ADD PRIMARY KEY (id);",
                    *(s for s in built + foreign if s.strip()),
                    "COMMIT;",
                ]
            )
        )
        start = time.perf_counter()
        psql(url, "-f", str(script))
        elapsed = time.perf_counter() - start
    psql(url, "-c", f"DROP TABLE {copy}")
    return elapsed


_PHASE1 = """
import json, os, resource, sys, time
import django
django.setup()
from pathlib import Path
from jingzhun.registry.importing import IMPORTERS, vectorised
from jingzhun.registry.importing.problems import ProblemLog
from jingzhun.registry.importing.spool import Spool
kind, path = sys.argv[1], Path(sys.argv[2])
importer, log, spool = IMPORTERS[kind](), ProblemLog(), Spool()
start = time.perf_counter()
vectorised.validate(importer, path, log, spool, None)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "rows": spool.rows, "problems": log.total, "peak_mb": peak}))
"""


def phase1(kind: str, csv_path: Path, repeat: int) -> tuple[float, dict]:
    """Phase 1 alone (no database), each run in a fresh process: best time, and its figures."""
    best: dict = {}
    for _ in range(max(1, repeat)):
        out = subprocess.run(
            [sys.executable, "-c", _PHASE1, kind, str(csv_path)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout
        figures = json.loads(out.strip().splitlines()[-1])
        if not best or figures["seconds"] < best["seconds"]:
            best = figures
    return best["seconds"], best


def bare_scan(url: str, sql: str) -> Callable[[], int]:
    def run() -> int:
        from django.db import connection

        connection.ensure_connection()
        rows = 0
        with (
            connection.connection.cursor() as cursor,
            cursor.copy(f"COPY ({sql}) TO STDOUT") as copy,
        ):
            for block in copy:
                rows += bytes(block).count(b"\n")
        return rows

    return run


_MONITOR_STEPS = {  # monitoring_bench.py's line → (step here, line of its baseline)
    "scan 1 (classes stored, alerts raised)": ("monitoring scan", "bare scan (facts query"),
    "scan 2 (re-run)": ("monitoring scan (re-run)", "bare scan (facts query"),
    "match (import match, whole)": ("monitoring match", "match bare (COPY"),
}


def bench_monitor(args: argparse.Namespace, households: int, record: Callable[..., None]) -> None:
    """bench/monitoring_bench.py in a child process (it sets up Django on its own database),
    its table passed through and its main figures recorded."""
    log(f"== monitoring: bench/monitoring_bench.py --households {households}")
    server = args.database_url.rsplit("/", 1)[0] + "/postgres"
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "monitoring_bench.py"),
            "--households",
            str(households),
            # Its own database: the 1M-household one of monitoring_bench.py stays as loaded.
            "--database",
            "jingzhun_bench_suite_monitoring",
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": server},
    ).stdout
    log(out)
    seconds = {}
    for line in out.splitlines():
        label, _, rest = line.partition("  ")
        figure = rest.split()[0] if rest.split() else ""
        if figure.replace(".", "", 1).isdigit():
            seconds[label.strip()] = float(figure)
    for label, (step, baseline) in _MONITOR_STEPS.items():
        bare = next((v for k, v in seconds.items() if k.startswith(baseline)), None)
        if label in seconds:
            record(step, seconds[label], bare, households, "bench/monitoring_bench.py, one run")


def bench_reports(args: argparse.Namespace, record: Callable[..., None]) -> None:
    """`jingzhun reports refresh` for the year, then the roll-up and the page (bench_page)."""
    from jingzhun.reports import services

    log("== reports: refresh the stored roll-ups")
    seconds, result = timed(lambda: services.refresh(year=args.year))
    record(
        "reports refresh (1 year)",
        seconds,
        None,
        args.persons,
        f"{result.villages} villages, {result.regions} upper regions",
    )
    seconds, _ = timed(lambda: services.refresh(year=args.year, region_code=COUNTY.ljust(12, "0")))
    record("reports refresh (county)", seconds, None, args.persons, "idempotent re-run")
    bench_page(args, record)


def bench_page(args: argparse.Namespace, record: Callable[..., None]) -> None:
    """The county's stored roll-up read and finished, then the county page's server time."""
    import statistics

    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import include, path

    from jingzhun.accounts.models import User
    from jingzhun.regions.models import Region
    from jingzhun.reports.selectors import region_figures

    county = COUNTY.ljust(12, "0")

    region = Region.objects.get(code=county)
    children = list(region.children.order_by("code"))
    times = []
    for _ in range(max(1, args.page_repeat) + 1):
        start = time.perf_counter()
        rollup = region_figures(region=region, children=children, year=args.year)
        times.append(time.perf_counter() - start)
    if rollup["live"]:
        raise SystemExit("the county's roll-up was computed live: the refresh stored nothing")
    median = statistics.median(times[1:])
    record(
        "county roll-up (stored)",
        median,
        None,
        args.persons,
        f"the county's and its {len(children)} townships' stored figures, finished; "
        f"median {median * 1000:.1f} ms of {len(times) - 1}, max {max(times[1:]) * 1000:.0f} ms",
    )

    user, _ = User.objects.get_or_create(
        username="bench_county_admin",
        defaults={"role": "county_admin", "region": region},
    )
    import jingzhun.urls

    class Urls:  # the project's URLs plus the reports app, whether or not they include it yet
        urlpatterns = [
            path("reports/", include("jingzhun.reports.urls")),
            *jingzhun.urls.urlpatterns,
        ]

    with override_settings(ROOT_URLCONF=Urls, ALLOWED_HOSTS=["testserver"], DEBUG=False):
        client = Client()
        client.force_login(user)
        url = f"/reports/{county}/?year={args.year}"
        times = []
        for _ in range(max(1, args.page_repeat) + 1):
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
        median = statistics.median(times[1:])  # the first request warms the caches
        record(
            "county dashboard page",
            median,
            None,
            args.persons,
            f"server time, median {median * 1000:.1f} ms of {len(times) - 1}; "
            f"max {max(times[1:]) * 1000:.0f} ms",
        )


def main() -> None:
    args = parse_args()
    households = max(1, round(args.persons / MEMBERS_PER_HOUSEHOLD))
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "jingzhun.settings.dev"
    os.environ.setdefault("JINGZHUN_VAR_DIR", str(ROOT / "var"))
    steps = set(args.only) or {"validate", "import", "assess", "stats", "reports", "monitor"}
    data = synth(args.data_dir, households, args.seed, args.year)

    results: list[dict] = []

    def record(
        step: str, seconds: float, baseline: float | None, rows: int, note: str = ""
    ) -> None:
        ratio = seconds / baseline if baseline else None
        results.append(
            {
                "step": step,
                "seconds": round(seconds, 3),
                "baseline_seconds": round(baseline, 3) if baseline else None,
                "ratio": round(ratio, 2) if ratio else None,
                "rows": rows,
                "note": note,
            }
        )
        log(
            f"   {step}: {seconds:.2f} s"
            + (f" (bare {baseline:.2f} s, ×{ratio:.2f})" if ratio else "")
        )

    members_csv = data / "members.csv"
    if "validate" in steps:
        log(f"== phase 1 alone (members, best of {args.validate_repeat}, fresh process each)")
        seconds, figures = phase1("members", members_csv, args.validate_repeat)
        record(
            "members phase 1 (validate)",
            seconds,
            None,
            figures["rows"],
            f"vectorised CSV pass, no database; peak RSS {figures['peak_mb']:.0f} MB",
        )

    if "monitor" in steps:
        bench_monitor(args, households, record)
    if steps == {"page"}:
        # The roll-up and the page against the database a previous run loaded and refreshed.
        import django

        django.setup()
        bench_page(args, record)
        return finish(args, households, results)
    if not steps & {"import", "assess", "stats", "reports"}:
        return finish(args, households, results)

    log("== fresh benchmark database")
    fresh_database(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from jingzhun.registry.importing import import_file

    log("== importing regions, households")
    for kind in ("regions", "households"):
        seconds, summary = timed(lambda k=kind: import_file(k, data / f"{k}.csv"))
        record(f"import {kind}", seconds, None, summary.rows)
    baseline = bare_copy(args.database_url, members_csv) if "import" in steps else None
    log("== importing members (validated)")
    seconds, summary = timed(lambda: import_file("members", members_csv))
    record(
        "import members",
        seconds,
        baseline,
        summary.rows,
        f"validated import vs psql \\copy; engine {summary.engine}",
    )
    if summary.engine.startswith("direct"):
        from jingzhun.registry.importing import direct

        log(f"   direct load, seconds from its start: {direct.last_run()}")
    if "import" in steps:
        record(
            "  of which phase 1",
            summary.validate_seconds,
            baseline,
            summary.rows,
            "read, parse, row rules, spool (in the import above)",
        )
        indexed = bare_copy_indexed(args.database_url, "registry_member")
        record(
            "import members vs indexed",
            seconds,
            indexed,
            summary.rows,
            "baseline: \\copy of the loaded rows into LIKE registry_member INCLUDING ALL",
        )
        floor = bare_copy_then_built(args.database_url, "registry_member")
        record(
            "import members vs floor",
            seconds,
            floor,
            summary.rows,
            "baseline: \\copy of the loaded rows into registry_member's bare copy, then its "
            "indexes and foreign key built",
        )
    seconds, summary = timed(lambda: import_file("incomes", data / "incomes.csv"))
    record("import incomes", seconds, None, summary.rows)
    from django.db import connection

    with connection.cursor() as cursor:
        # What autovacuum does to a live registry (it is off on this bench server): without
        # the visibility map every index-only scan fetches the table's rows too.
        for table in ("registry_household", "registry_member", "registry_income"):
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("ANALYZE")

    if "assess" in steps:
        from jingzhun import policy
        from jingzhun.assessments import facts
        from jingzhun.assessments.selectors import pack_get

        pack = pack_get(f"cn-sichuan-{args.year}")
        prefix = COUNTY

        def assess() -> int:
            on = dt.date(args.year, 12, 31)
            frames = facts.household_frames(prefix=prefix, year=args.year, pack=pack, on=on)
            result = policy.assess(pack, "household", frames, on=on)
            return result.height

        def scan() -> int:
            h = bare_scan(
                args.database_url,
                f"SELECT h.household_no, i.wage_fen, h.housing_safe FROM registry_household h "
                f"LEFT JOIN registry_income i ON i.household_id = h.id AND i.year = {args.year}",
            )()
            m = bare_scan(
                args.database_url,
                "SELECT h.household_no, m.birth_date, m.dropout, m.medical_insurance "
                "FROM registry_member m JOIN registry_household h ON h.id = m.household_id",
            )()
            return h + m

        baseline, _ = timed(scan, args.repeat)
        seconds, _ = timed(assess, args.repeat)
        record("assess households", seconds, baseline, households, f"{pack.id}, read + evaluate")

    if "stats" in steps:
        from jingzhun.registry.stats import COMMAND_LINE, region_stats

        seconds, _ = timed(
            lambda: region_stats(user=COMMAND_LINE, code=COUNTY, year=args.year), args.repeat
        )
        record("county roll-up (stats)", seconds, None, args.persons, "live aggregate query")

    if "reports" in steps:
        bench_reports(args, record)

    finish(args, households, results)


def finish(args: argparse.Namespace, households: int, results: list[dict]) -> None:
    print(f"\n{'step':28} {'seconds':>9} {'bare':>9} {'ratio':>7} {'rows':>10}")
    for r in results:
        print(
            f"{r['step']:28} {r['seconds']:>9.2f} "
            f"{(r['baseline_seconds'] if r['baseline_seconds'] is not None else ''):>9} "
            f"{(r['ratio'] if r['ratio'] is not None else ''):>7} {r['rows']:>10}  {r['note']}"
        )
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    payload = {
        "persons": args.persons,
        "households": households,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "results": results,
    }
    (out_dir / f"{stamp}.json").write_text(json.dumps(payload, indent=2))
    log(f"== wrote bench/results/{stamp}.json")


if __name__ == "__main__":
    main()
