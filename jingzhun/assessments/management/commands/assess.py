"""`jingzhun assess households|villages|counties --policy ID --year Y [--region CODE]`."""

from __future__ import annotations

import polars as pl
from django.core.management.base import BaseCommand, CommandError

from jingzhun import policy
from jingzhun.assessments.selectors import assess_region_frame, pack_get
from jingzhun.core.output import write_csv, write_json
from jingzhun.regions import codes
from jingzhun.regions.models import Region

LEVELS = {"households": "household", "villages": "village", "counties": "county"}


class Command(BaseCommand):
    help = "Evaluate a policy pack's standard over the registry (INTERFACES §3)."

    def add_arguments(self, parser):
        parser.add_argument("what", choices=sorted(LEVELS))
        parser.add_argument("--policy", required=True, dest="pack_id")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--region", default="")
        parser.add_argument(
            "--status", default="", help="households only: comma-separated statuses, e.g. poor"
        )
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args, what, pack_id, year, region, status, format, **options):
        try:
            pack = pack_get(pack_id)
        except (KeyError, policy.PolicyError) as exc:
            raise CommandError(f"unknown policy pack {pack_id!r}", returncode=2) from exc
        code = ""
        if region:
            try:
                code = codes.normalize_code(region)
            except codes.RegionCodeError as exc:
                raise CommandError(str(exc), returncode=2) from exc
            if not Region.objects.filter(code=code).exists():
                raise CommandError(f"unknown region {code}", returncode=2)
        level = LEVELS[what]
        if level not in pack.levels:
            raise CommandError(f"{pack.id} has no {level} criteria", returncode=2)
        statuses = [s for s in status.split(",") if s] or None
        try:
            result = assess_region_frame(
                level=level, pack=pack, year=year, region_code=code, statuses=statuses
            )
        except policy.PolicyError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        key = "household_no" if level == "household" else "region_code"
        if result is None:
            self.stderr.write(f"0 assessed under {pack.id}")
            if format == "json":
                write_json(self.stdout, {"policy": pack.id, "year": year, "results": []})
            else:
                write_csv(self.stdout, [], [key, *CSV_COLUMNS])
            return
        per_entity = len(pack.criteria[level])
        entities = result.height // per_entity
        self.stderr.write(f"{entities} assessed under {pack.id}")
        # A county's million households are written by Polars from the engine's frame: no
        # Python object per household or criterion.
        if format == "json":
            policy.write_report(pack, result, self.stdout, year=year)
            self.stdout.write("\n")
            return
        # The frame is criterion by criterion; the file lists each entity's criteria together.
        position = pl.int_range(pl.len())
        rows = result.sort([position % entities, position // entities]).select(
            key,
            _text(pl.col("all_passed")).alias("passed"),
            pl.col("key").alias("criterion"),
            _text(pl.col("passed")).alias("criterion_passed"),
            "value",
            "threshold",
        )
        self.stdout.write(rows.write_csv(null_value=""))


CSV_COLUMNS = ["passed", "criterion", "criterion_passed", "value", "threshold"]


def _text(flag: pl.Expr) -> pl.Expr:
    # As Python's csv module wrote them, so existing readers of the file keep working.
    return flag.replace_strict({True: "True", False: "False"}, default=None, return_dtype=pl.String)
