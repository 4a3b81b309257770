"""The run report: counts per rule and per village (JSON), and the list of findings (CSV/XLSX)."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.db.models import Count

from jingzhun.regions import codes
from jingzhun.regions.models import Region

from .models import CheckRun, Finding
from .selectors import rules_for

COLUMNS = (
    ("rule_id", "规则"),
    ("level", "级别"),
    ("message_zh", "问题"),
    ("village_code", "村代码"),
    ("village", "村"),
    ("household_no", "户编号"),
    ("object_type", "对象"),
    ("object_id", "对象编号"),
    ("name", "姓名/户"),
    ("value", "取值"),
    ("first_seen", "首次发现"),
    ("last_seen", "最近发现"),
)


def _open(run: CheckRun):
    return Finding.objects.filter(
        region_code__startswith=codes.prefix(run.region_code),
        rule_id__in=run.rules,
        resolved_at__isnull=True,
    )


def summary(run: CheckRun) -> dict[str, Any]:
    rules = rules_for(run.region_code)
    villages: dict[str, dict[str, Any]] = {}
    for row in _open(run).values("region_code", "rule_id").annotate(n=Count("id")).order_by():
        v = villages.setdefault(row["region_code"], {"total": 0, "by_rule": {}})
        v["by_rule"][row["rule_id"]] = row["n"]
        v["total"] += row["n"]
    names = dict(Region.objects.filter(code__in=list(villages)).values_list("code", "name"))
    return {
        "run": run.pk,
        "region_code": run.region_code,
        "year": run.year,
        "on": run.on.isoformat(),
        "found": run.found,
        "new": run.new,
        "resolved": run.resolved,
        "rules": [
            {
                "id": rid,
                "level": rules[rid].level if rid in rules else "",
                "message_zh": rules[rid].message_zh if rid in rules else "",
                "message_en": rules[rid].message_en if rid in rules else "",
                "count": run.counts.get(rid, 0),
                "ran": rid in run.counts,
                "skipped": run.skipped.get(rid)
                or (
                    ""
                    if rid in run.counts
                    else "pending"
                    if rid in rules and rules[rid].pending
                    else "disabled"
                ),
            }
            for rid in run.rules
        ],
        "villages": [
            {"region_code": code, "name": names.get(code, ""), **villages[code]}
            for code in sorted(villages)
        ],
    }


def finding_rows(run: CheckRun):
    rules = rules_for(run.region_code)
    qs = _open(run).order_by("region_code", "household_no", "rule_id", "object_id")
    names: dict[str, str] = {}
    for f in qs.values(
        "rule_id",
        "level",
        "region_code",
        "household_no",
        "object_type",
        "object_id",
        "details",
        "first_seen",
        "last_seen",
    ).iterator(chunk_size=5000):
        code = f["region_code"]
        if code not in names:
            names[code] = Region.objects.filter(code=code).values_list("name", flat=True).first()
        rule = rules.get(f["rule_id"])
        yield {
            "rule_id": f["rule_id"],
            "level": f["level"],
            "message_zh": rule.message_zh if rule else "",
            "village_code": code,
            "village": names[code] or "",
            "household_no": f["household_no"],
            "object_type": f["object_type"],
            "object_id": f["object_id"],
            "name": (f["details"] or {}).get("label", ""),
            "value": (f["details"] or {}).get("value", ""),
            "first_seen": f["first_seen"].date().isoformat(),
            "last_seen": f["last_seen"].date().isoformat(),
        }


def write_csv(run: CheckRun, stream) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([key for key, _ in COLUMNS])
    for row in finding_rows(run):
        writer.writerow([row[key] for key, _ in COLUMNS])


def csv_text(run: CheckRun) -> str:
    buffer = io.StringIO()
    write_csv(run, buffer)
    return buffer.getvalue()


def write_xlsx(run: CheckRun, path) -> None:
    from openpyxl import Workbook

    data = summary(run)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("按规则")
    ws.append(["规则", "级别", "问题", "问题数"])
    for r in data["rules"]:
        ws.append([r["id"], r["level"], r["message_zh"], r["count"]])
    ws = wb.create_sheet("按村")
    rule_ids = list(run.rules)
    ws.append(["村代码", "村", "合计", *rule_ids])
    for v in data["villages"]:
        ws.append(
            [v["region_code"], v["name"], v["total"], *(v["by_rule"].get(r, 0) for r in rule_ids)]
        )
    ws = wb.create_sheet("问题清单")
    ws.append([f"{label} ({key})" for key, label in COLUMNS])
    for row in finding_rows(run):
        ws.append([row[key] for key, _ in COLUMNS])
    wb.save(path)
