"""`jingzhun export`: the import's formats back out, scoped to a region, and loadable again."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from jingzhun.registry.exporting import export_file
from jingzhun.registry.importing import import_file
from tests.conftest import COUNTY_A, VILLAGE_A1A, VILLAGE_A1B

from .conftest import KINDS, clear_registry, household_row, snapshot

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("fmt", "headers"), [("csv", "en"), ("xlsx", "zh"), ("csv", "zh")])
def test_export_then_import_into_an_empty_database_gives_the_same_rows(
    synth_county, tmp_path, fmt, headers
):
    for kind in KINDS:
        import_file(kind, synth_county / f"{kind}.csv")
    before = snapshot()
    assert before["members"]
    files = {}
    for kind in KINDS:
        files[kind] = tmp_path / f"{kind}.{fmt}"
        export_file(kind, region="512021", out=files[kind], fmt=fmt, headers=headers)
    clear_registry()
    assert not any(snapshot().values())
    for kind in KINDS:
        import_file(kind, files[kind])
    assert snapshot() == before


def test_a_csv_export_reproduces_the_synthetic_files_byte_for_byte(synth_county, tmp_path):
    for kind in KINDS:
        import_file(kind, synth_county / f"{kind}.csv")
    for kind in ("households", "members", "incomes"):
        export_file(kind, region="512021", out=tmp_path / f"{kind}.csv")
        assert (tmp_path / f"{kind}.csv").read_text() == (synth_county / f"{kind}.csv").read_text()


def test_the_export_is_scoped_to_the_region_and_carries_its_ancestors(places, households, tmp_path):
    out = tmp_path / "h.csv"
    assert export_file("households", region=VILLAGE_A1B, out=out) == 1
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["village_code"] for r in rows] == [VILLAGE_A1B]
    export_file("regions", region=VILLAGE_A1A, out=out)
    codes = [r["code"] for r in csv.DictReader(out.open(encoding="utf-8"))]
    assert codes == ["510000000000", "512000000000", COUNTY_A, "512021001000", VILLAGE_A1A]


def test_zh_headers_are_the_chinese_names_with_a_bom(places, households, tmp_path):
    out = tmp_path / "m.csv"
    export_file("members", region=COUNTY_A, out=out, headers="zh")
    raw = out.read_bytes()
    assert raw.startswith("户编号,证件号码,姓名,与户主关系".encode("utf-8-sig"))


def test_the_export_command(places, households, tmp_path):
    out = io.StringIO()
    call_command(
        "export", "households", "--region", "512021", "--out", str(tmp_path / "h.xlsx"), stdout=out
    )
    assert json.loads(out.getvalue()) == {
        "kind": "households",
        "region": "512021",
        "rows": 2,
        "file": str(tmp_path / "h.xlsx"),
    }
    with pytest.raises(CommandError) as caught:
        call_command("export", "households", "--region", "999999", "--out", str(tmp_path / "x.csv"))
    assert caught.value.returncode == 2
    with pytest.raises(CommandError) as caught:
        call_command("export", "cats", "--region", "512021", "--out", str(tmp_path / "x.csv"))
    assert caught.value.returncode == 2


def test_a_household_round_trips_through_xlsx_with_every_column(places, write, tmp_path):
    row = household_row("H1", attribute="dibao", status="exited", exit_year="2017", group="5组")
    import_file("households", write("h.csv", [row]))
    out = tmp_path / "h.xlsx"
    export_file("households", region=VILLAGE_A1A, out=out, fmt="xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(out, read_only=True).worksheets[0]
    header, values = list(sheet.iter_rows(values_only=True))
    exported = dict(zip(header, values, strict=True))
    assert exported["household_no"] == "H1" and exported["exit_year"] == "2017"
    assert exported["housing_safe"] == "1" and exported["radio_tv"] == "0"
    assert exported["other_causes"] == "capital" and exported["group"] == "5组"
