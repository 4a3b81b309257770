"""`jingzhun stats --region CODE --year Y [--format json]`: a region's roll-up (INTERFACES §3)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from jingzhun.core.output import write_json
from jingzhun.regions import codes
from jingzhun.registry.stats import COMMAND_LINE, region_stats


def _attach_procedure_decisions(data: dict, *, code: str, year: int) -> None:
    """Households and persons newly identified, exited, returned and removed in the year by
    decided procedure cases, on the region and each child (`procedures`)."""
    from jingzhun.procedures.selectors import decision_counts

    decided = decision_counts(user=COMMAND_LINE, code=code, year=year)
    by_code = {row["region_code"]: row for row in decided["children"]}
    for row, source in [(data, decided)] + [
        (child, by_code.get(child["region_code"])) for child in data["children"]
    ]:
        if source is not None:
            row["procedures"] = {
                k: v for k, v in source.items() if k not in ("region_code", "children")
            }


class Command(BaseCommand):
    help = "Households, persons, poor households and persons, incidence, by cause and attribute."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True)
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--format", choices=["json", "text"], default="json")

    def handle(self, *args, region: str, year: int, format: str, **options):
        try:
            code = codes.normalize_code(region)
            data = region_stats(user=COMMAND_LINE, code=code, year=year)
        except codes.RegionCodeError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        except Http404 as exc:
            raise CommandError(f"unknown region {region}", returncode=2) from exc
        _attach_procedure_decisions(data, code=code, year=year)
        if format == "json":
            write_json(self.stdout, data)
            return
        for row in [data, *data["children"]]:
            self.stdout.write(
                f"{row['region_code']}  户 {row['households']:>8}  人 {row['persons']:>9}  "
                f"贫困户 {row['poor_households']:>7}  贫困人口 {row['poor_persons']:>8}  "
                f"发生率 {row['incidence'] or '-':>6}%"
                + "".join(
                    f"  {label} {row['procedures'][key]['households']}户"
                    for key, label in (
                        ("identified", "新识别"),
                        ("exited", "脱贫"),
                        ("returned", "返贫"),
                        ("removed", "清退"),
                    )
                    if "procedures" in row
                )
            )
