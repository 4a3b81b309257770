"""`jingzhun funds report --year Y [--region CODE] [--format json|csv|table]`.

JSON is the contract of INTERFACES §3 (money as yuan strings with two decimals). Exit status:
0 done, 2 usage error (a malformed or unknown region, as for `stats`, `assess` and
`check-data`).
"""

from __future__ import annotations

import csv
import json

from django.core.management.base import BaseCommand, CommandError

from jingzhun.core import years
from jingzhun.core.money import fen_to_wan
from jingzhun.regions import codes
from jingzhun.regions.models import Region

from ...selectors import funds_report
from ...vocab import LEVEL, UNIT


class Command(BaseCommand):
    help = "The funds ledger: `funds report --year Y [--region CODE] [--format json|csv|table]`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        report = sub.add_parser("report", help="budgets, allocations and balances of a year")
        report.add_argument("--year", type=int, required=True)
        report.add_argument("--region", default=None, help="region code (6 or 12 digits)")
        report.add_argument("--format", choices=("json", "csv", "table"), default="table")

    def handle(self, *args, action: str, **options):
        if action == "report":
            self._report(year=options["year"], region=options["region"], fmt=options["format"])

    def _report(self, *, year: int, region: str | None, fmt: str) -> None:
        if not years.is_year(year):
            raise CommandError(f"--year {year}: not a year", returncode=2)
        code = None
        if region:
            try:
                code = codes.normalize_code(region)
            except codes.RegionCodeError as exc:
                raise CommandError(str(exc), returncode=2) from None
            if not Region.objects.filter(code=code).exists():
                raise CommandError(f"区划不存在 (no such region): {code}", returncode=2)
        report = funds_report(year=year, region_code=code)
        data = report.as_contract()
        if fmt == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        elif fmt == "csv":
            self._csv(data)
        else:
            self._table(data)

    def _csv(self, data: dict) -> None:
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(["section", "key", "budget_year", "amount", "allocated", "remaining"])
        for b in data["budgets"]:
            writer.writerow(
                [
                    "budget",
                    b["level"],
                    b["budget_year"],
                    b["amount"],
                    b["allocated"],
                    b["remaining"],
                ]
            )
        allocations = data["allocations"]
        writer.writerow(["total", "", "", allocations["total"], "", ""])
        for section in ("by_level", "by_category", "by_batch"):
            for key, amount in allocations[section].items():
                writer.writerow([section, key, "", amount, "", ""])

    def _table(self, data: dict) -> None:
        out = self.stdout

        def both(yuan: str) -> str:
            fen = int(yuan.replace(".", ""))
            wan = format(fen_to_wan(fen).normalize(), "f")
            return f"{yuan:>18} 元 {wan:>14} 万元"

        out.write(f"{data['year']}年度扶贫资金 (funds report {data['year']})")
        out.write("\n预算 budgets: 级别 资金年度 / 预算 / 已安排 / 剩余")
        for b in data["budgets"]:
            label = f"{LEVEL.label(b['level'])} {b['budget_year']}"
            out.write(f"  {label}")
            for key, zh in (("amount", "预算"), ("allocated", "已安排"), ("remaining", "剩余")):
                out.write(f"    {zh:4} {both(b[key])}")
            if b.get("brought_forward") not in (None, "0.00"):
                out.write(f"    {'以前年度提前安排':4} {both(b['brought_forward'])}")
        allocations = data["allocations"]
        out.write(f"\n安排合计 allocated in {data['year']}: {both(allocations['total'])}")
        for section, zh in (
            ("by_level", "按级别"),
            ("by_batch", "按批次"),
            ("by_category", "按用途"),
        ):
            out.write(f"{zh} {section}:")
            for key, amount in allocations[section].items():
                label = LEVEL.label(key) if section == "by_level" else key
                out.write(f"  {label:16} {both(amount)}")
        if allocations.get("by_project"):
            out.write("按项目 by project (安排 / 计划 / 完成):")
            for p in allocations["by_project"]:
                out.write(
                    f"  {p['name']:20} {both(p['allocated'])}  "
                    f"{p['planned_quantity']} / {p['completed_quantity']} {UNIT.label(p['unit'])}"
                )
