"""`jingzhun assess households|villages|counties --policy ID --year Y [--region CODE]`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from jingzhun import policy
from jingzhun.assessments.selectors import assess_region, pack_get
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
            report = assess_region(
                level=level, pack=pack, year=year, region_code=code, statuses=statuses
            )
        except policy.PolicyError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        self.stderr.write(f"{len(report['results'])} assessed under {pack.id}")
        if format == "json":
            write_json(self.stdout, report)
            return
        key = "household_no" if level == "household" else "region_code"
        rows = [
            {
                key: r[key],
                "passed": r["passed"],
                "criterion": c["key"],
                "criterion_passed": c["passed"],
                "value": c["value"],
                "threshold": c["threshold"],
            }
            for r in report["results"]
            for c in r["criteria"]
        ]
        write_csv(
            self.stdout,
            rows,
            [key, "passed", "criterion", "criterion_passed", "value", "threshold"],
        )
