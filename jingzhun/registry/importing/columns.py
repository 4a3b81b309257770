"""The file formats of INTERFACES §2 as data: one table per kind drives the header mapping,
parsing, the staging table, the database columns, export and the problem reports."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from jingzhun import vocab

from . import cells


@dataclass(frozen=True)
class Column:
    key: str  # the English header, also the staging column's name
    zh: str  # the Chinese header
    parse: cells.Parser
    sql_type: str = "text"
    required: bool = False  # the header must be there
    blank: bool = True  # an empty cell is allowed
    default: object = None  # the value of an empty cell or an absent column
    model_field: str = ""  # the model's field (or lookup, for export); defaults to `key`
    export: cells.Formatter = cells.as_text
    aliases: tuple[str, ...] = field(default_factory=tuple)

    @property
    def field(self) -> str:
        return self.model_field or self.key


def _flag(key: str, zh: str) -> Column:
    return Column(key, zh, cells.boolean, "boolean", export=cells.as_bool)


def _enum(key: str, zh: str, vocabulary: vocab.Vocabulary, **kw) -> Column:
    return Column(key, zh, cells.enum(vocabulary), **kw)


def _money(key: str, zh: str, **kw) -> Column:
    return Column(
        key, zh, cells.yuan, "bigint", model_field=f"{key}_fen", export=cells.as_yuan, **kw
    )


_HOUSEHOLD_NO = Column(
    "household_no",
    "户编号",
    cells.text(32),
    required=True,
    blank=False,
    model_field="household__household_no",
)

REGION_COLUMNS: tuple[Column, ...] = (
    Column("code", "区划代码", cells.region_code, required=True, blank=False),
    Column("name", "名称", cells.text(100), required=True, blank=False),
    Column("rural_population", "农村户籍人口", cells.integer(0, 2_000_000_000), "integer"),
    _enum("poor_village", "贫困村", vocab.POOR_VILLAGE, default="none"),
    Column("exit_year", "退出年度", cells.year, "integer"),
    _money("collective_income", "集体经济收入"),
    _flag("hardened_road", "通硬化路"),
    _flag("clinic", "卫生室"),
    _flag("culture_room", "文化室"),
    _flag("network", "通信网络"),
    _flag("central_school", "标准中心校"),
    _flag("health_center", "达标卫生院"),
    _flag("service_center", "便民服务中心"),
)

HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    Column("household_no", "户编号", cells.text(32), required=True, blank=False),
    Column(
        "village_code",
        "村代码",
        cells.region_code,
        required=True,
        blank=False,
        model_field="village_id",
    ),
    Column("group", "组/社", cells.text(50), default="", aliases=("组", "社")),
    # The national combined labels (低保脱贫户) also set the status: see HouseholdImporter.
    Column(
        "attribute", "贫困户属性", cells.attribute, required=True, blank=False, aliases=("属性",)
    ),
    _enum("main_cause", "主要致贫原因", vocab.CAUSE, required=True, blank=False),
    Column("other_causes", "其他致贫原因", cells.causes, default=""),
    # Empty: implied by a combined attribute label, else kept (update) or `poor` (insert).
    _enum("status", "状态", vocab.STATUS, aliases=("脱贫标志", "脱贫状态")),
    Column("registered_year", "识别年度", cells.year, "integer", required=True, blank=False),
    Column("exit_year", "脱贫年度", cells.year, "integer"),
    _flag("food_clothing_secure", "不愁吃穿"),
    _flag("housing_safe", "住房安全"),
    _flag("water_safe", "饮水安全"),
    _flag("electricity", "生活用电"),
    _flag("radio_tv", "广播电视"),
    Column("phone", "联系电话", cells.phone, default=""),
)

MEMBER_COLUMNS: tuple[Column, ...] = (
    _HOUSEHOLD_NO,
    Column("id_number", "证件号码", cells.text(40), required=True, blank=False),
    Column("name", "姓名", cells.text(50), required=True, blank=False),
    _enum("relation", "与户主关系", vocab.RELATION, required=True, blank=False),
    _enum("sex", "性别", vocab.SEX),
    Column("birth_date", "出生日期", cells.date, "date", export=cells.as_date),
    Column("ethnicity", "民族", cells.text(20), default=""),
    _enum("education", "文化程度", vocab.EDUCATION, default=""),
    _enum("student", "在校生状况", vocab.STUDENT, default="none"),
    _flag("dropout", "辍学"),
    _enum("health", "健康状况", vocab.HEALTH, default="healthy"),
    Column("disability_grade", "残疾等级", cells.integer(1, 4), "integer"),
    _enum("labour", "劳动能力", vocab.LABOUR, default=""),
    Column("migrant_months", "务工时间", cells.integer(0, 12), "integer"),
    _flag("medical_insurance", "参加基本医疗保险"),
    _flag("pension_insurance", "参加养老保险"),
)

INCOME_COLUMNS: tuple[Column, ...] = (
    _HOUSEHOLD_NO,
    Column("year", "年度", cells.year, "integer", required=True, blank=False),
    # Blank components are zero, as in the services (income_set); the two expenses stay blank.
    _money("wage", "工资性收入", required=True, default=0),
    _money("production", "生产经营性收入", required=True, default=0),
    _money("property", "财产性收入", required=True, default=0),
    _money("transfer", "转移性收入", required=True, default=0),
    _money("production_cost", "生产经营性支出", required=True, default=0),
    _money("medical_expense", "医疗支出"),
    _money("education_expense", "教育支出"),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    "regions": REGION_COLUMNS,
    "households": HOUSEHOLD_COLUMNS,
    "members": MEMBER_COLUMNS,
    "incomes": INCOME_COLUMNS,
}

_BRACKETED = re.compile(r"^(.*?)\s*[(（]\s*(.*?)\s*[)）]$")


def header_index(columns: tuple[Column, ...]) -> dict[str, Column]:
    """Every accepted spelling of a header (lower-cased) → its column."""
    index: dict[str, Column] = {}
    for column in columns:
        for name in (column.key, column.zh, *column.aliases):
            index[name.lower()] = column
    return index


def resolve_header(name: str, index: dict[str, Column]) -> Column | None:
    """`户编号`, `household_no`, `户编号(household_no)` and `household_no（户编号）` all resolve."""
    text = name.strip().lstrip("\ufeff").strip().lower()
    if text in index:
        return index[text]
    match = _BRACKETED.match(text)
    if match:
        for part in match.groups():
            if part in index:
                return index[part]
    return None
