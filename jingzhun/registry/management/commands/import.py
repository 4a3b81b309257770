"""`jingzhun import KIND FILE [--errors OUT.csv]`: all or nothing (INTERFACES §1, §2).

Exit status: 0 loaded; 1 refused, nothing written (problems on stderr, all of them in
--errors); 2 usage error. Stdout: one JSON line {"kind", "rows", "inserted", "updated", …}.
"""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.registry.importing import IMPORTERS, ImportRefused, import_file
from jingzhun.registry.importing.base import ENGINES
from jingzhun.registry.importing.problems import ERROR_HEADER


class _Progress:
    """Rows and rows/s on stderr, at most every few seconds (and at each tenth of the file)."""

    def __init__(self, out, kind: str, every: float = 3.0) -> None:
        self.out, self.kind, self.every = out, kind, every
        self.started = self.last = time.monotonic()
        self.tenth = 0

    def __call__(self, stage: str, done: int, fraction: float | None) -> None:
        now = time.monotonic()
        tenth = int((fraction or 0) * 10)
        if stage == "validate" and now - self.last < self.every and tenth <= self.tenth:
            return
        if stage != "validate" and now - self.started < self.every:
            return  # a small file: no chatter
        self.last, self.tenth = now, max(tenth, self.tenth)
        rate = done / max(now - self.started, 1e-6)
        share = f" {fraction:.0%}" if fraction is not None else ""
        verb = {
            "validate": "validated",
            "stage": "staging",
            "check": "cross-checking",
            "write": "writing",
            "done": "done",
        }.get(stage, stage)
        self.out.write(f"import {self.kind}: {done:,} rows {verb}{share} ({rate:,.0f} rows/s)")


class Command(BaseCommand):
    help = (
        "Import a CSV or XLSX file of regions, households, members or incomes: the whole "
        "file or nothing; every problem listed as row,column,value,message."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help=f"one of: {', '.join(sorted(IMPORTERS))}")
        parser.add_argument("file", help="CSV (UTF-8, with or without BOM) or XLSX")
        parser.add_argument("--errors", metavar="OUT.csv", help="write every problem here")
        parser.add_argument(
            "--engine",
            choices=ENGINES,
            default="auto",
            help="fast: COPY (PostgreSQL) / executemany (SQLite); orm: Django bulk_create",
        )
        parser.add_argument("--user", help="the username the audit trail records")
        parser.add_argument(
            "--show", type=int, default=20, help="problems printed on stderr (default 20)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kind, path = options["kind"], Path(options["file"])
        if kind not in IMPORTERS:
            raise CommandError(
                f"unknown KIND {kind!r}; one of: {', '.join(sorted(IMPORTERS))}", returncode=2
            )
        if not path.is_file():
            raise CommandError(f"no such file: {path}", returncode=2)
        by = self._user(options["user"])
        errors = Path(options["errors"]) if options["errors"] else None
        progress = _Progress(self.stderr, kind) if options["verbosity"] > 0 else None
        try:
            summary = import_file(kind, path, by=by, engine=options["engine"], progress=progress)
        except ImportRefused as refused:
            self._report(refused, options["show"])
            if errors is not None:
                refused.write_csv(errors)
                self.stderr.write(f"all {refused.total} problem(s) written to {errors}")
            raise CommandError(str(refused), returncode=1) from None
        if errors is not None:  # the rows reported but loaded, else just the header
            with errors.open("w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(ERROR_HEADER)
                writer.writerows(summary.notices)
        if summary.reported:
            self.stderr.write(
                f"{summary.reported} row(s) reported"
                + (f", all written to {errors}" if errors is not None else "; see --errors")
            )
        self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False))

    def _user(self, username: str | None):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no such user: {username}", returncode=2)
        return user

    def _report(self, refused: ImportRefused, show: int) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(ERROR_HEADER)
        writer.writerows(refused.problems[:show])
        self.stderr.write(buffer.getvalue().rstrip("\n"))
        if refused.total > show:
            self.stderr.write(f"… and {refused.total - show} more")
