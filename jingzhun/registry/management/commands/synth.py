"""`jingzhun synth`: write a realistic synthetic county (INTERFACES §1), deterministic per seed.

A thin wrapper: the generator is `jingzhun.registry.synth`, pure Python, so bench scripts
can call it without Django. Progress and messages go to stderr; stdout carries only the
machine-readable summary (one JSON object).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingzhun.core.management.commands.demo import DEMO_COUNTY
from jingzhun.registry.synth import SynthError, generate_county


class Command(BaseCommand):
    help = (
        "Write a synthetic county (regions.csv, households.csv, members.csv, incomes.csv) "
        "into --out; the same arguments always give the same files."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--county",
            default=DEMO_COUNTY,
            help=f"6-digit county code (default {DEMO_COUNTY}, 安岳县, the demo's county)",
        )
        parser.add_argument("--households", type=int, required=True, help="registered households")
        parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        parser.add_argument("--out", required=True, help="directory for the four CSV files")
        parser.add_argument(
            "--year", type=int, default=2018, help="the year statuses and incomes describe"
        )
        parser.add_argument(
            "--years-back",
            type=int,
            default=1,
            help="income rows for this many earlier years too (default 1: two years)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes generating in parallel (default: up to 4 CPUs); "
            "the files do not depend on it",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        workers = options["workers"] or max(1, min(4, os.cpu_count() or 1))
        err = self.stderr

        def progress(done: int, total: int) -> None:
            err.write(f"synth: {done}/{total} households ({100 * done // total}%)")

        try:
            summary = generate_county(
                Path(options["out"]),
                county=options["county"],
                households=options["households"],
                seed=options["seed"],
                year=options["year"],
                years_back=options["years_back"],
                workers=workers,
                progress=progress if options["verbosity"] > 0 else None,
            )
        except SynthError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        except OSError as exc:
            raise CommandError(f"cannot write {options['out']}: {exc}", returncode=1) from exc
        self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False))
