import csv

import pytest
from django.core.management import call_command

from jingzhun.audit.models import AuditEntry
from jingzhun.funds import importing, selectors
from jingzhun.funds.models import Allocation, Budget, Disbursement
from jingzhun.registry.importing.problems import ImportRefused

pytestmark = pytest.mark.django_db

HEADER_WAN = [
    "kind",
    "budget_year",
    "year",
    "batch",
    "level",
    "category",
    "project",
    "region_code",
    "amount_wan",
]


def write_csv(path, header, rows, *, bom=False):
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def seed_rows_wan():
    """Seed 003's 2018 county ledger in 万元, six decimals where the figure has them."""
    return [
        ["budget", "2018", "", "", "county", "", "", "512021", "8377.500000"],
        ["budget", "2017", "", "", "县级", "", "", "512021", "6935"],
        [
            "allocation",
            "2017",
            "2017",
            "提前启动",
            "county",
            "贫困村提前启动资金",
            "",
            "512021",
            "1320",
        ],
        ["allocation", "2018", "2018", "1", "county", "特困户帮扶基金", "", "512021", "880"],
        ["allocation", "2018", "2018", "1", "county", "村集体经济建设", "", "512021", "1285.4"],
        ["allocation", "2018", "2018", "1", "county", "其他", "", "512021", "4390.455700"],
    ]


def test_a_funds_file_in_wan_with_six_decimals_reconciles(places, tmp_path):
    rows = seed_rows_wan()
    header = [*HEADER_WAN, "advance_for_year"]
    rows = [[*r, "2018" if r[3] == "提前启动" else ""] for r in rows]
    summary = importing.import_funds(write_csv(tmp_path / "funds.csv", header, rows, bom=True))
    assert summary.rows == 6 and summary.inserted == 6
    report = selectors.funds_report(year=2018, region_code="512021").as_contract()
    assert report["allocations"]["total"] == "65558557.00"
    (county,) = report["budgets"]
    assert county["remaining"] == "31416443.00"
    assert AuditEntry.objects.filter(action="import.funds").count() == 1


def test_a_funds_file_in_yuan_with_chinese_headers(places, tmp_path):
    header = [
        "类型",
        "资金年度",
        "安排年度",
        "批次",
        "资金级别",
        "用途",
        "区划代码",
        "金额(元)",
        "备注",
    ]
    rows = [
        ["预算", "2018", "", "", "省级", "", "512021000000", "27440000", "中央及省级"],
        ["安排", "2018", "2018", "1", "省级", "产业发展", "512021000000", "20448982.00", ""],
        ["安排", "2018", "2018", "1", "provincial", "就业扶持", "512021000000", "2250775.00", ""],
    ]
    importing.import_funds(write_csv(tmp_path / "yuan.csv", header, rows))
    balance = selectors.pool_balance(
        region_code="512021000000", level="provincial", budget_year=2018
    )
    assert balance.amount == 27440000_00
    assert balance.allocated == 22699757_00
    assert balance.remaining == 4740243_00


def test_an_over_allocation_in_a_file_refuses_the_whole_file(places, tmp_path):
    rows = [
        ["budget", "2018", "", "", "county", "", "", "512021", "100"],
        ["allocation", "2018", "2018", "1", "county", "产业发展", "", "512021", "60"],
        ["allocation", "2018", "2018", "1", "county", "就业扶持", "", "512021", "40.000001"],
    ]
    with pytest.raises(ImportRefused) as refused:
        importing.import_funds(write_csv(tmp_path / "over.csv", HEADER_WAN, rows))
    (problem,) = refused.value.problems
    assert problem.row == 4  # the header is row 1
    assert problem.column == "amount_wan"
    assert problem.value == "40.000001"
    assert "400000.00" in problem.message and "400000.01" in problem.message
    assert not Budget.objects.exists() and not Allocation.objects.exists()
    assert not AuditEntry.objects.exists()


def test_every_bad_cell_is_listed(places, tmp_path):
    header = [*HEADER_WAN, "amount_yuan", "colour"]
    rows = [
        ["budget", "2018", "", "", "county", "", "", "512021", "1.0000001", "", ""],
        ["budget", "2018", "", "", "国家", "", "", "512021", "1", "", ""],
        ["allocation", "2018", "", "", "county", "", "", "512021", "1", "", ""],
        ["budget", "2018", "", "", "county", "", "", "512021", "", "", ""],
        ["budget", "2018", "", "", "county", "", "", "512021", "1", "20000", "red"],
    ]
    with pytest.raises(ImportRefused) as refused:
        importing.import_funds(write_csv(tmp_path / "bad.csv", header, rows))
    found = {(p.row, p.column) for p in refused.value.problems}
    assert (2, "amount_wan") in found  # seven decimals of 万元 is below a fen
    assert (3, "level") in found
    assert {(4, "year"), (4, "batch"), (4, "category")} <= found
    assert (5, "amount_yuan") in found  # no amount at all
    assert (6, "amount_wan") in found  # 1万元 and 20000元 disagree
    assert (6, "colour") in found  # unknown column with a value
    assert not Budget.objects.exists()


def test_disbursements_in_a_file_find_their_allocation(places, tmp_path):
    header = [*HEADER_WAN, "date", "payee"]
    rows = [
        ["budget", "2018", "", "", "county", "", "", "512021", "100", "", ""],
        ["allocation", "2018", "2018", "1", "county", "产业发展", "", "512021", "60", "", ""],
        [
            "disbursement",
            "2018",
            "2018",
            "1",
            "county",
            "产业发展",
            "",
            "512021",
            "59.99",
            "2018-06-01",
            "长河村",
        ],
        [
            "disbursement",
            "2018",
            "2018",
            "1",
            "county",
            "产业发展",
            "",
            "512021",
            "0.01",
            "2018-06-02",
            "长河村",
        ],
    ]
    importing.import_funds(write_csv(tmp_path / "pay.csv", header, rows))
    assert Disbursement.objects.count() == 2
    assert (
        selectors.funds_report(year=2018).as_contract()["allocations"]["disbursed"] == "600000.00"
    )


def test_an_xlsx_funds_file_is_read_the_same(places, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER_WAN)
    sheet.append(["budget", 2018, None, None, "county", None, None, "512021", "8377.5"])
    sheet.append(["allocation", 2018, 2018, "1", "county", "产业发展", None, "512021", "5235.8557"])
    path = tmp_path / "funds.xlsx"
    book.save(path)
    importing.import_funds(path)
    balance = selectors.pool_balance(region_code="512021000000", level="county", budget_year=2018)
    assert balance.remaining == 31416443_00


def test_the_import_command_takes_funds(places, tmp_path):
    rows = seed_rows_wan()[:1]
    call_command("import", "funds", str(write_csv(tmp_path / "f.csv", HEADER_WAN, rows)))
    assert Budget.objects.get().amount_fen == 8377_5000_00
