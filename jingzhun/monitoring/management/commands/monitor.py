"""`jingzhun monitor scan --year Y [--region CODE] [--format json]` and `jingzhun monitor
escalate [--region CODE]`.

scan: class the region's exited and monitored households for the year, raise the alerts the
rules find and print what was raised (text, or one JSON document). A re-run raises nothing new.
escalate: move overdue alerts up one tier (village → township → county); idempotent.
Exit status: 0 done; 1 refused (the pack cannot drive a scan); 2 usage error.
"""

from __future__ import annotations

import datetime as dt
import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from jingzhun.monitoring import services
from jingzhun.monitoring.models import Alert
from jingzhun.monitoring.scan import ScanError, ScanRefused, scan
from jingzhun.regions import codes
from jingzhun.regions.models import Region


class Command(BaseCommand):
    help = "防返贫监测：扫描预警、逾期升级 (return-to-poverty monitoring: scan, escalate)"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("scan", help="run the monitoring rules and raise alerts")
        run.add_argument("--year", type=int, required=True, help="income and event year")
        run.add_argument("--region", help="区划代码 (default: every county in the registry)")
        run.add_argument("--policy", help="monitoring pack id (default: cn-monitoring-YEAR)")
        run.add_argument("--on", help="scan date, YYYY-MM-DD (default: today)")
        run.add_argument("--format", choices=("text", "json"), default="text")
        run.add_argument("--user", help="the username the audit trail records")
        up = sub.add_parser("escalate", help="escalate overdue alerts one tier")
        up.add_argument("--region", help="区划代码 (default: everywhere)")
        up.add_argument("--user", help="the username the audit trail records")

    def handle(self, *args, **options):
        by = self._user(options.get("user"))
        if options["action"] == "escalate":
            prefix = ""
            if options.get("region"):
                prefix = codes.prefix(self._region(options["region"]).code)
            count = services.escalate_overdue(by=by, region_code=prefix)
            self.stdout.write(json.dumps({"escalated": count}))
            return
        on = None
        if options.get("on"):
            try:
                on = dt.date.fromisoformat(options["on"])
            except ValueError:
                raise CommandError(f"--on: not a date: {options['on']}", returncode=2) from None
        regions = (
            [self._region(options["region"])]
            if options.get("region")
            else list(Region.objects.filter(level="county").order_by("code"))
        )
        if not regions:
            raise CommandError("no county in the registry; give --region", returncode=2)
        report = []
        for region in regions:
            try:
                outcome = scan(
                    by=by,
                    region_code=region.code,
                    year=options["year"],
                    policy_id=options.get("policy"),
                    on=on,
                )
            except ScanError as exc:
                raise CommandError(str(exc), returncode=2) from None
            except ScanRefused as exc:
                raise CommandError(str(exc), returncode=1) from None
            for warning in outcome.warnings:
                self.stderr.write(f"warning: {warning}")
            report.append(self._scan_report(outcome.scan))
        if options["format"] == "json":
            doc = report[0] if len(report) == 1 else {"scans": report}
            self.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2))
            return
        for item in report:
            self.stdout.write(
                f"{item['region']} {item['year']} ({item['policy']}): "
                f"{item['households']} households scanned, {item['classified']} monitoring "
                f"objects, {item['raised']} alert(s) raised"
            )
            for alert in item["alerts"]:
                self.stdout.write(
                    f"  {alert['household_no']}  {alert['level']:6}  {alert['rule']:24} "
                    f"{alert['reason']}"
                )

    @staticmethod
    def _scan_report(record) -> dict:
        # Through the region's households and the year (the alerts' unique index leads with the
        # household): nothing indexes alerts by scan.
        alerts = (
            Alert.objects.filter(
                household__village__code__startswith=codes.prefix(record.region_id),
                year=record.year,
                scan=record,
            )
            .order_by("household__household_no", "rule")
            .values("household__household_no", "rule", "level", "reason", "data", "due_on")
        )
        return {
            "scan": record.pk,
            "region": record.region_id,
            "year": record.year,
            "policy": record.policy,
            "on": record.on.isoformat(),
            "households": record.households,
            "classified": record.classified,
            "raised": record.raised,
            "counts": record.counts,
            "alerts": [
                {
                    "household_no": a["household__household_no"],
                    "rule": a["rule"],
                    "level": a["level"],
                    "reason": a["reason"],
                    "data": a["data"],
                    "due_on": a["due_on"].isoformat() if a["due_on"] else None,
                }
                for a in alerts.iterator()
            ],
        }

    @staticmethod
    def _region(code: str) -> Region:
        try:
            normal = codes.normalize_code(code)
        except codes.RegionCodeError as exc:
            raise CommandError(str(exc), returncode=2) from None
        region = Region.objects.filter(code=normal).first()
        if region is None:
            raise CommandError(f"unknown region {normal}", returncode=2)
        return region

    @staticmethod
    def _user(username: str | None):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no such user: {username}", returncode=2)
        return user
