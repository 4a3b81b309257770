"""`jingzhun export KIND --region CODE [--format csv|xlsx] --out FILE [--headers en|zh]`.

The import's formats back out; the file loads again with `jingzhun import`. Stdout: one JSON
line {"kind", "region", "rows", "file"}.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.registry.exporting import EXPORTERS, FORMATS, HEADERS, ExportError, export_file


class Command(BaseCommand):
    help = "Export regions, households, members or incomes of a region as CSV or XLSX."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help=f"one of: {', '.join(EXPORTERS)}")
        parser.add_argument("--region", required=True, help="region code (6 or 12 digits)")
        parser.add_argument("--format", choices=FORMATS, help="default: from --out, else csv")
        parser.add_argument("--out", required=True, help="the file to write")
        parser.add_argument("--headers", choices=HEADERS, default="en", help="en keys or zh")

    def handle(self, *args: Any, **options: Any) -> None:
        kind, out = options["kind"], Path(options["out"])
        if kind not in EXPORTERS:
            raise CommandError(
                f"unknown KIND {kind!r}; one of: {', '.join(EXPORTERS)}", returncode=2
            )
        fmt = options["format"] or ("xlsx" if out.suffix.lower() == ".xlsx" else "csv")
        try:
            count = export_file(
                kind, region=options["region"], out=out, fmt=fmt, headers=options["headers"]
            )
        except ExportError as exc:
            raise CommandError(str(exc), returncode=2) from None
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc}", returncode=1) from None
        summary = {"kind": kind, "region": options["region"], "rows": count, "file": str(out)}
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
