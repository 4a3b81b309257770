"""`jingzhun check-data --region CODE [--rules id,id] [--format json|csv|xlsx] [--out FILE]`.

Without --out, every format goes to stdout (the workbook as bytes, when stdout is a file).

Runs the data-quality rules over the region, keeps the findings (new / still there / resolved)
and prints counts per rule and per village (json) or the list of findings (csv, xlsx).
Progress goes to stderr. Exit 0 done, 2 usage error (unknown region or rule, bad option).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sys

from django.core.management.base import BaseCommand, CommandError

from jingzhun.quality import reports
from jingzhun.quality.rulebook import shipped_rules
from jingzhun.quality.services import CheckError, run_checks


class Command(BaseCommand):
    help = "数据清洗：按逻辑规则核查一个区划的全部记录 (run the data-quality rules over a region)"

    def add_arguments(self, parser):
        parser.add_argument("--region", help="区划代码 (12 digits; 6-digit county codes padded)")
        parser.add_argument("--rules", help="comma-separated rule ids (default: all enabled)")
        parser.add_argument("--format", choices=("json", "csv", "xlsx"), default="json")
        parser.add_argument("--out", help="write the report to this file instead of stdout")
        parser.add_argument("--year", type=int, help="income year (default: latest recorded)")
        parser.add_argument("--on", help="reference date for ages, YYYY-MM-DD (default: 31 Dec)")
        parser.add_argument("--list-rules", action="store_true", help="print the shipped rules")

    def handle(self, *args, **options):
        if options["list_rules"]:
            rules = [r.to_dict() for r in shipped_rules().values()]
            self.stdout.write(json.dumps(rules, ensure_ascii=False, indent=2))
            return
        if not options["region"]:
            raise CommandError("--region is required", returncode=2)
        fmt = options["format"]
        binary_out = None
        if fmt == "xlsx" and not options["out"]:
            # `check-data --format xlsx > report.xlsx` works; a workbook is never sent to a
            # terminal (or to a text-only stream, as under call_command).
            binary_out = getattr(self.stdout._out, "buffer", None)
            if binary_out is None or self.stdout._out.isatty():
                raise CommandError(
                    "--format xlsx needs --out FILE or stdout redirected to a file", returncode=2
                )
        on = None
        if options["on"]:
            try:
                on = dt.date.fromisoformat(options["on"])
            except ValueError as exc:
                raise CommandError(f"--on {options['on']!r}: use YYYY-MM-DD", returncode=2) from exc
        rule_ids = None
        if options["rules"]:
            rule_ids = [r.strip() for r in options["rules"].split(",") if r.strip()]

        def progress(message: str) -> None:
            sys.stderr.write(f"  {message}\n")

        try:
            outcome = run_checks(
                options["region"],
                rule_ids=rule_ids,
                year=options["year"],
                on=on,
                progress=progress if options["verbosity"] >= 1 else None,
            )
        except CheckError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        run = outcome.run
        sys.stderr.write(
            f"核查完成 {run.region_code}: {run.found} 个问题，新增 {run.new}，已整改 {run.resolved}"
            f" (done: {run.found} findings, {run.new} new, {run.resolved} resolved)\n"
        )
        if fmt == "json":
            text = json.dumps(reports.summary(run), ensure_ascii=False, indent=2)
            self._emit(text + "\n", options["out"])
        elif fmt == "csv":
            if options["out"]:
                with open(options["out"], "w", encoding="utf-8-sig", newline="") as fh:
                    reports.write_csv(run, fh)
            else:
                reports.write_csv(run, self.stdout)
        elif options["out"]:
            reports.write_xlsx(run, options["out"])
        else:
            buffer = io.BytesIO()
            reports.write_xlsx(run, buffer)
            self.stdout._out.flush()
            binary_out.write(buffer.getvalue())
            binary_out.flush()

    def _emit(self, text: str, out: str | None) -> None:
        if out:
            with open(out, "w", encoding="utf-8") as fh:
                fh.write(text)
        else:
            self.stdout.write(text, ending="")
