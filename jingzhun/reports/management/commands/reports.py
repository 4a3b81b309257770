"""`jingzhun reports refresh [--region CODE] [--year Y ...]`: recompute the dashboards' roll-ups.

Run it after imports and on a schedule (cron, e.g. every 15 minutes or nightly): the dashboard
pages read only what it stored, and show when it last ran for the figures shown.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from jingzhun.core.output import write_json
from jingzhun.regions import codes
from jingzhun.regions.models import Region
from jingzhun.reports import services


class Command(BaseCommand):
    help = "Dashboards and report tables: `refresh` recomputes the stored roll-ups."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        refresh = sub.add_parser("refresh", help="recompute the roll-ups (idempotent)")
        refresh.add_argument("--region", help="only this region's subtree (and its ancestors)")
        refresh.add_argument(
            "--year",
            type=int,
            action="append",
            default=[],
            help="a year to refresh (repeatable); default every year in the registry",
        )
        refresh.add_argument("--format", choices=["json", "text"], default="text")

    def handle(self, *args, action: str, **options):
        if action == "refresh":
            return self.refresh(**options)

    def refresh(self, *, region: str | None, year: list[int], format: str, **options):
        code = None
        if region:
            try:
                code = codes.normalize_code(region)
            except codes.RegionCodeError as exc:
                raise CommandError(str(exc), returncode=2) from exc
            if not Region.objects.filter(code=code).exists():
                raise CommandError(f"unknown region {region}", returncode=2)
        years = year or services.default_years(codes.prefix(code) if code else "")
        results = []
        for y in years:
            result = services.refresh(year=y, region_code=code)
            results.append(result)
            self.stderr.write(
                f"{y}: {result.villages} villages, {result.regions} regions "
                f"in {result.seconds:.2f} s"
            )
        if format == "json":
            write_json(
                self.stdout,
                [
                    {
                        "year": r.year,
                        "region_code": r.region_code,
                        "villages": r.villages,
                        "regions": r.regions,
                        "seconds": round(r.seconds, 3),
                    }
                    for r in results
                ],
            )
