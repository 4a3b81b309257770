"""`jingzhun check-data`: exit codes, JSON to stdout, CSV and XLSX reports."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import COUNTY_A
from tests.quality.cases import _member


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("check-data", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def data(places):
    return [
        _member(medical_insurance=False)(places["A1a"]),
        _member(medical_insurance=False)(places["A1b"]),
        _member("20050101")(places["A1b"]),  # head under 16
    ]


def test_json_counts_per_rule_and_village(data, capsys):
    out, _ = run("--region", "512021", "--year", "2018", "--on", "2018-12-31")
    report = json.loads(out)
    counts = {r["id"]: r["count"] for r in report["rules"]}
    assert counts["medical-insurance-missing"] == 2
    assert counts["head-under-16"] == 1
    villages = {v["region_code"]: v for v in report["villages"]}
    assert villages["512021001002"]["by_rule"]["head-under-16"] == 1
    assert villages["512021001001"]["name"] == "长河村"
    assert report["region_code"] == COUNTY_A and report["year"] == 2018


def test_selected_rules_only(data):
    out, _ = run("--region", COUNTY_A, "--rules", "head-under-16", "--on", "2018-12-31")
    report = json.loads(out)
    assert [r["id"] for r in report["rules"]] == ["head-under-16"]
    assert report["found"] == 1


def test_csv_lists_the_findings(data):
    out, _ = run("--region", COUNTY_A, "--rules", "medical-insurance-missing", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["household_no"] for r in rows} == {m.household.household_no for m in data[:2]}
    assert rows[0]["message_zh"].startswith("未参加基本医疗保险")


def test_xlsx_report(data, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "report.xlsx"
    run("--region", COUNTY_A, "--format", "xlsx", "--out", str(path), "--on", "2018-12-31")
    wb = load_workbook(path)
    assert wb.sheetnames == ["按规则", "按村", "问题清单"]
    total = sum(row[3] for row in wb["按规则"].iter_rows(min_row=2, values_only=True))
    assert total >= 3
    assert wb["问题清单"].max_row == 1 + total


def test_xlsx_goes_to_stdout_when_stdout_is_a_file(data):
    from openpyxl import load_workbook

    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8")
    call_command(
        "check-data",
        *("--region", COUNTY_A, "--format", "xlsx", "--on", "2018-12-31"),
        stdout=out,
        stderr=io.StringIO(),
    )
    out.flush()
    wb = load_workbook(io.BytesIO(raw.getvalue()))
    assert wb.sheetnames == ["按规则", "按村", "问题清单"]
    assert wb["问题清单"].max_row >= 4  # the header and the three findings of `data`


@pytest.mark.parametrize(
    "args",
    [
        ["--region", "999999"],
        ["--region", "51202"],
        ["--region", COUNTY_A, "--rules", "nope"],
        ["--region", COUNTY_A, "--format", "xlsx"],
        ["--region", COUNTY_A, "--on", "yesterday"],
        [],
    ],
)
def test_usage_errors_exit_2(places, args):
    with pytest.raises(CommandError) as info:
        run(*args)
    assert info.value.returncode == 2


def test_list_rules():
    out, _ = run("--list-rules")
    assert len(json.loads(out)) >= 20


def test_the_hyphenated_command_loads_through_the_console_script():
    proc = subprocess.run(
        [sys.executable, "-m", "jingzhun.cli", "check-data", "--list-rules"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)[0]["id"]
