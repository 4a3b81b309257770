"""`jingzhun import`: each kind, the national codes, and all-or-nothing refusal."""

from __future__ import annotations

import datetime as dt

import pytest

from jingzhun.audit.models import AuditEntry
from jingzhun.regions.models import Region
from jingzhun.registry.importing import ImportRefused, Problem, import_file
from jingzhun.registry.importing.base import file_sha256
from jingzhun.registry.models import Household, Income, Member
from tests.conftest import VILLAGE_A1A, VILLAGE_A1B
from tests.factories import make_id_number

from .conftest import household_row, income_row, member_row

pytestmark = pytest.mark.django_db


def refused(kind, path, **kw) -> ImportRefused:
    with pytest.raises(ImportRefused) as caught:
        import_file(kind, path, **kw)
    return caught.value


def load_household(write, no="H1", members=("head", "spouse"), village=VILLAGE_A1A):
    import_file("households", write(f"h-{no}.csv", [household_row(no, village_code=village)]))
    rows = [member_row(no, relation) for relation in members]
    import_file("members", write(f"m-{no}.csv", rows))
    return rows


# --- each kind ------------------------------------------------------------------------------


def test_regions_in_any_order_with_short_codes_get_levels_and_parents(write):
    path = write(
        "regions.csv",
        [
            {
                "code": "512021001001",
                "name": "长河村",
                "poor_village": "省级贫困村",
                "clinic": "是",
            },
            {"code": "512021001", "name": "岳阳镇", "central_school": "1"},
            {"code": "51", "name": "四川省"},
            {"code": "512021", "name": "安岳县", "rural_population": "1000"},
            {"code": "5120", "name": "资阳市"},
        ],
        header=["code", "name", "rural_population", "poor_village", "clinic", "central_school"],
    )
    summary = import_file("regions", path)
    assert (summary.rows, summary.inserted, summary.updated) == (5, 5, 0)
    village = Region.objects.get(code="512021001001")
    assert village.level == "village" and village.parent_id == "512021001000"
    assert village.poor_village == "province" and village.clinic is True
    assert Region.objects.get(code="510000000000").parent_id is None
    assert Region.objects.get(code="512021000000").rural_population == 1000


def test_a_region_whose_parent_is_nowhere_is_refused(write):
    error = refused("regions", write("r.csv", [{"code": "512021001001", "name": "长河村"}]))
    assert error.problems == [
        Problem(
            2,
            "code",
            "512021001001",
            "上级区划512021001000不存在 (parent region 512021001000 is neither registered nor in the file)",
        )
    ]
    assert not Region.objects.exists()


def test_households_with_chinese_headers_and_the_national_codes(places, write):
    path = write(
        "households.csv",
        [
            ["H1", VILLAGE_A1A, "低保脱贫户", "1", "缺资金;8", "2014", "2016"],
            ["H2", VILLAGE_A1A, "06", "因残", "", "2015", ""],
            ["H3", VILLAGE_A1B, "一般户", "自身发展动力不足", "因婚、11", "2014", ""],
        ],
        header=[
            "户编号",
            "村代码",
            "贫困户属性",
            "主要致贫原因",
            "其他致贫原因",
            "识别年度",
            "脱贫年度",
        ],
    )
    assert import_file("households", path).inserted == 3
    h1, h2, h3 = Household.objects.order_by("household_no")
    assert (h1.attribute, h1.status, h1.main_cause) == ("dibao", "exited", "illness")
    assert h1.other_causes == "capital;labour" and h1.exit_year == 2016
    assert (h2.attribute, h2.status, h2.main_cause) == ("tekun", "poor", "disability")
    assert (h3.attribute, h3.status, h3.other_causes) == ("general", "poor", "marriage;drive")
    assert h3.village_id == VILLAGE_A1B and h3.version == 1


def test_an_explicit_status_wins_over_the_one_a_combined_label_implies(places, write):
    path = write(
        "h.csv", [household_row("H1", attribute="低保脱贫户", status="3", exit_year="2016")]
    )
    import_file("households", path)
    household = Household.objects.get()
    assert (household.attribute, household.status) == ("dibao", "returned")


def test_members_with_national_relation_labels(places, write):
    import_file("households", write("h.csv", [household_row("H1")]))
    rows = [
        member_row("H1", "户主"),
        member_row("H1", "之子"),
        member_row("H1", "之儿媳", id_number=make_id_number(sex="female"), sex="女"),
        member_row("H1", "之孙女", health="残疾", disability_grade="2", student="七年级"),
    ]
    summary = import_file("members", write("m.csv", rows))
    assert (summary.rows, summary.inserted) == (4, 4)
    relations = dict(Member.objects.values_list("id_number", "relation"))
    assert [relations[r["id_number"]] for r in rows] == ["head", "child", "other", "grandchild"]
    granddaughter = Member.objects.get(id_number=rows[3]["id_number"])
    assert (granddaughter.disability_grade, granddaughter.student) == (2, "junior")
    assert granddaughter.sex == "male"  # filled from the ID number
    assert granddaughter.birth_date == dt.date(1980, 1, 1)


def test_incomes_are_stored_in_fen(places, write):
    load_household(write)
    summary = import_file("incomes", write("i.csv", [income_row("H1", 2017), income_row("H1")]))
    assert summary.inserted == 2
    income = Income.objects.get(year=2018)
    assert (income.wage_fen, income.transfer_fen, income.production_cost_fen) == (
        500050,
        100005,
        50000,
    )
    assert income.medical_expense_fen is None and income.education_expense_fen == 30000


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("wage", "-1", "不能为负"),
        ("wage", "12.345", "at most 2 decimal places"),
        ("production", "abc", "not a number"),
    ],
)
def test_bad_amounts_are_refused(places, write, column, value, message):
    load_household(write)
    error = refused("incomes", write("i.csv", [income_row("H1", **{column: value})]))
    assert [(p.row, p.column, p.value) for p in error.problems] == [(2, column, value)]
    assert message in error.problems[0].message
    assert not Income.objects.exists()


# --- refusal: all or nothing ----------------------------------------------------------------


def test_one_bad_row_among_good_ones_refuses_the_whole_file(places, write):
    rows = [household_row(), household_row(attribute="rich"), household_row()]
    error = refused("households", write("h.csv", rows))
    assert error.total == 1
    assert error.problems[0][:3] == (3, "attribute", "rich")
    assert "general|dibao|tekun" in error.problems[0].message
    assert not Household.objects.exists()
    assert not AuditEntry.objects.exists()


def test_every_problem_is_listed(places, write):
    rows = [
        household_row(registered_year="20x4", main_cause=""),
        household_row(village_code="512021001"),  # a township
        household_row("DUP"),
        household_row("DUP"),
        household_row(exit_year="2010"),
    ]
    error = refused("households", write("h.csv", rows))
    assert [(p.row, p.column) for p in error.problems] == [
        (2, "main_cause"),
        (2, "registered_year"),
        (6, "exit_year"),
        (5, "household_no"),
        (3, "village_code"),
    ]
    assert "duplicates row 4" in error.problems[3].message
    assert "not a village" in error.problems[4].message


@pytest.mark.parametrize(
    ("mangle", "column", "message"),
    [
        (
            lambda r: r.update(
                id_number=r["id_number"][:-1] + ("0" if r["id_number"][-1] != "0" else "1")
            ),
            "id_number",
            "check character",
        ),
        (lambda r: r.update(id_number=r["id_number"][:-1]), "id_number", "18 characters"),
        (lambda r: r.update(birth_date="1981-01-01"), "birth_date", "does not match"),
        (lambda r: r.update(sex="男"), "sex", "does not match"),
        (lambda r: r.update(disability_grade="5"), "disability_grade", "between 1 and 4"),
        (lambda r: r.update(migrant_months="13"), "migrant_months", "between 0 and 12"),
        (lambda r: r.update(relation="boss"), "relation", "not one of"),
    ],
)
def test_bad_member_rows_are_refused(places, write, mangle, column, message):
    import_file("households", write("h.csv", [household_row("H1")]))
    rows = [member_row("H1", "head"), member_row("H1", "spouse")]
    mangle(rows[1])
    error = refused("members", write("m.csv", rows))
    assert [(p.row, p.column) for p in error.problems] == [(3, column)]
    assert message in error.problems[0].message
    assert not Member.objects.exists()


def test_an_id_whose_region_code_is_unknown_for_the_birth_year_is_kept_with_a_warning(
    places, write
):
    import_file("households", write("h.csv", [household_row("H1")]))
    late = make_id_number(region="512427", birth="20100101")  # 512427 ended in 1985
    summary = import_file("members", write("m.csv", [member_row("H1", id_number=late)]))
    assert summary.warnings == 1
    assert "512427" in Member.objects.get().id_warning


def test_two_heads_or_none_are_refused(places, write):
    import_file("households", write("h.csv", [household_row("H1"), household_row("H2")]))
    rows = [
        member_row("H1", "head"),
        member_row("H1", "head"),
        member_row("H2", "spouse"),
        member_row("H2", "child"),
    ]
    error = refused("members", write("m.csv", rows))
    assert [(p.row, p.column, p.value) for p in error.problems] == [
        (2, "relation", "head"),
        (3, "relation", "head"),
        (4, "relation", ""),
    ]
    assert "would have 2 heads" in error.problems[0].message
    assert "H2 has no head" in error.problems[2].message
    assert not Member.objects.exists()


def test_a_second_head_for_a_registered_household_is_refused(places, write):
    load_household(write)
    error = refused("members", write("m.csv", [member_row("H1", "head")]))
    assert "1 in the file, 1 registered" in error.problems[0].message


def test_a_new_member_joins_a_registered_household_without_naming_the_head(places, write):
    load_household(write)
    summary = import_file("members", write("m.csv", [member_row("H1", "child")]))
    assert (summary.inserted, summary.updated) == (1, 0)
    assert Member.objects.count() == 3


def test_an_id_twice_in_the_file_is_refused(places, write):
    import_file("households", write("h.csv", [household_row("H1")]))
    head = member_row("H1", "head")
    error = refused("members", write("m.csv", [head, {**head, "relation": "child"}]))
    assert [(p.row, p.column, p.value) for p in error.problems] == [
        (3, "id_number", head["id_number"])
    ]
    assert "duplicates row 2" in error.problems[0].message


def test_an_id_registered_in_another_household_is_refused(places, write):
    first = load_household(write, "H1")
    import_file("households", write("h2.csv", [household_row("H2")]))
    moved = {**first[1], "household_no": "H2", "relation": "head"}
    error = refused("members", write("m.csv", [moved]))
    assert error.problems[0][:3] == (2, "id_number", moved["id_number"])
    assert "household H1" in error.problems[0].message


def test_members_of_an_unknown_household_are_refused(places, write):
    error = refused("members", write("m.csv", [member_row("NOPE")]))
    assert error.problems[0][:3] == (2, "household_no", "NOPE")


def test_reimport_updates_by_household_no_and_id_number(places, write):
    rows = load_household(write)
    household = Household.objects.get()
    path = write("h.csv", [household_row("H1", main_cause="disability", status="")])
    assert import_file("households", path).updated == 1
    household.refresh_from_db()
    assert (household.main_cause, household.status, household.version) == ("disability", "poor", 2)
    # The head hands over to the spouse in one file: demotion is written before promotion.
    swapped = [{**rows[0], "relation": "spouse"}, {**rows[1], "relation": "head", "name": "李四"}]
    summary = import_file("members", write("m.csv", swapped))
    assert (summary.inserted, summary.updated) == (0, 2)
    head = Member.objects.get(relation="head")
    assert (head.id_number, head.name, head.version) == (rows[1]["id_number"], "李四", 2)


def test_columns_absent_from_the_file_are_kept_on_update(places, write):
    load_household(write)
    import_file("households", write("h.csv", [household_row("H1", phone="13912345678")]))
    short = [
        {
            "household_no": "H1",
            "village_code": VILLAGE_A1A,
            "attribute": "dibao",
            "main_cause": "illness",
            "registered_year": "2014",
        }
    ]
    import_file("households", write("h2.csv", short))
    household = Household.objects.get()
    assert (household.attribute, household.phone) == ("dibao", "13912345678")


# --- headers and formats --------------------------------------------------------------------


def test_an_unknown_column_with_values_is_refused_an_empty_one_accepted(places, write):
    rows = [{**household_row(), "备注": ""}, {**household_row(), "备注": ""}]
    assert import_file("households", write("ok.csv", rows)).inserted == 2
    rows = [{**household_row(), "备注": ""}, {**household_row(), "备注": "x"}]
    error = refused("households", write("bad.csv", rows))
    assert error.problems == [
        Problem(3, "备注", "x", "未知的列，且不为空 (unknown column with values)")
    ]
    assert Household.objects.count() == 2


def test_a_missing_required_column_is_refused_before_any_row(places, write):
    row = household_row()
    del row["attribute"]
    error = refused("households", write("h.csv", [row]))
    assert error.problems == [
        Problem(1, "attribute", "", "缺少必需的列“贫困户属性” (required column missing)")
    ]


def test_bracketed_bilingual_headers_and_a_bom(places, write):
    row = household_row("H1")
    bilingual = {"户编号(household_no)": "H1", "village_code（村代码）": row["village_code"]}
    bilingual |= {k: v for k, v in row.items() if k not in ("household_no", "village_code")}
    assert import_file("households", write("h.csv", [bilingual], bom=True)).inserted == 1


def test_xlsx_with_date_and_number_cells(places, write):
    import_file("households", write("h.xlsx", [household_row("H1", registered_year=2014)]))
    id_number = make_id_number(birth="19800101")
    rows = [
        member_row(
            "H1",
            id_number=id_number,
            birth_date=dt.datetime(1980, 1, 1),
            migrant_months=6,
            medical_insurance=True,
        )
    ]
    assert import_file("members", write("m.xlsx", rows)).inserted == 1
    member = Member.objects.get()
    assert (member.migrant_months, member.medical_insurance) == (6, True)
    import_file("incomes", write("i.xlsx", [income_row("H1", 2018, wage=5000.5, production=2000)]))
    assert Income.objects.get().wage_fen == 500050


def test_a_file_that_is_not_utf8_is_refused(places, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("户编号,村代码\n".encode("gbk"))
    assert "not UTF-8" in refused("households", path).problems[0].message


# --- audit ----------------------------------------------------------------------------------


def test_one_audit_entry_per_import_names_the_file_by_its_hash(places, write, django_user_model):
    user = django_user_model.objects.create(username="loader", role="county_admin")
    path = write("h.csv", [household_row(), household_row()])
    import_file("households", path, by=user)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_type, entry.actor) == (
        "import.households",
        "import",
        "loader",
    )
    assert entry.object_id == file_sha256(path)
    assert entry.after["rows"] == 2 and entry.after["inserted"] == 2
