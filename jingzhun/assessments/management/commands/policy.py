"""`jingzhun policy list` / `jingzhun policy show ID [--format json]`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from jingzhun import policy
from jingzhun.assessments.selectors import pack_get, packs
from jingzhun.core.output import write_csv, write_json

LIST_COLUMNS = [
    "id",
    "name",
    "year",
    "levels",
    "extends",
    "poverty_line",
    "monitoring_threshold",
    "unconfirmed",
    "warnings",
]


class Command(BaseCommand):
    help = "List the installed policy packs, or show one with its parameters and criteria."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list")
        listing.add_argument("--format", choices=["table", "json", "csv"], default="table")
        show = sub.add_parser("show")
        show.add_argument("pack_id")
        show.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, action: str, format: str, **options):
        try:
            if action == "list":
                self._list(format)
            else:
                self._show(options["pack_id"], format)
        except policy.PolicyError as exc:
            raise CommandError(str(exc), returncode=1) from exc

    def _list(self, fmt: str) -> None:
        rows = policy.list_rows(packs())
        if fmt == "json":
            write_json(self.stdout, rows)
        elif fmt == "csv":
            write_csv(self.stdout, rows, LIST_COLUMNS)
        else:
            for row in rows:
                line = (
                    f"{row['id']:22} {row['year'] or '':5} {row['poverty_line']:>10}  {row['name']}"
                )
                if row["unconfirmed"]:
                    line += f"  [unconfirmed: {row['unconfirmed']}]"
                self.stdout.write(line)

    def _show(self, pack_id: str, fmt: str) -> None:
        try:
            pack = pack_get(pack_id)
        except KeyError as exc:
            raise CommandError(f"unknown policy pack {pack_id!r}", returncode=2) from exc
        data = pack.to_dict()
        if fmt == "json":
            write_json(self.stdout, data)
            return
        for key in ("id", "name", "year", "extends", "poverty_line", "monitoring_threshold"):
            if data.get(key) not in (None, ""):
                self.stdout.write(f"{key}: {data[key]}")
        for warning in data.get("warnings", []):
            self.stderr.write(f"warning: {warning}")
        self.stdout.write("[source]")
        for source in data.get("source", []):
            where = ", ".join(str(source[k]) for k in ("issuer", "date", "url") if source.get(k))
            self.stdout.write(f"  {source['title']}" + (f" ({where})" if where else ""))
        self.stdout.write("[parameters]")
        for name, param in data.get("parameters", {}).items():
            value = param["value"]
            shown = "、".join(map(str, value)) if isinstance(value, list) else str(value)
            flags = [f for f in ("unconfirmed", "placeholder") if param.get(f)]
            line = f"  {name} = {shown}" + (f" {param['unit']}" if param.get("unit") else "")
            self.stdout.write(line + (f"  [{', '.join(flags)}]" if flags else ""))
        for level, criteria in data.get("criteria", {}).items():
            self.stdout.write(f"[{level}]")
            for c in criteria:
                params = ", ".join(f"{k}={v}" for k, v in c["params"].items() if v is not None)
                line = f"  {c['key']:24} {c['kind']:30} {c['label']}"
                line += f"  ({params})" if params else ""
                self.stdout.write(line + ("  [unconfirmed]" if c.get("unconfirmed") else ""))
