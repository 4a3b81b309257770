"""The funds ledger's vocabularies (keys are the contract of the funds file and the report)."""

from __future__ import annotations

from jingzhun.vocab import Vocabulary

LEVEL = Vocabulary(
    "fund_level",
    {
        "central": "中央",
        "provincial": "省级",
        "municipal": "市级",
        "county": "县级",
        "integrated": "整合",
        "partner": "东西协作对口帮扶",
        "social": "社会",
        "self": "自筹",
    },
    aliases={
        "中央财政": "central",
        "省级财政": "provincial",
        "省": "provincial",
        "市级财政": "municipal",
        "市": "municipal",
        "县级财政": "county",
        "县": "county",
        "整合资金": "integrated",
        "东西协作": "partner",
        "对口帮扶": "partner",
        "社会帮扶": "social",
        "农户自筹": "self",
        "一事一议": "self",
    },
    english={
        "central": "central government",
        "provincial": "provincial",
        "municipal": "municipal",
        "county": "county",
        "integrated": "integrated funds",
        "partner": "east-west / paired assistance",
        "social": "enterprises and society",
        "self": "raised by villages and households",
    },
)

KIND = Vocabulary(
    "fund_row_kind",
    {"budget": "预算", "allocation": "安排", "disbursement": "拨付"},
    aliases={"资金": "budget", "下达": "budget", "分配": "allocation", "支付": "disbursement"},
    english={
        "budget": "budget",
        "allocation": "allocation",
        "disbursement": "disbursement",
    },
)

PROJECT_STATUS = Vocabulary(
    "project_status",
    {
        "planned": "规划",
        "in_progress": "实施中",
        "completed": "已完工",
        "cancelled": "已取消",
    },
    english={
        "planned": "planned",
        "in_progress": "in progress",
        "completed": "completed",
        "cancelled": "cancelled",
    },
)

# Units of physical quantity a project plans and reports.
UNIT = Vocabulary(
    "project_unit",
    {
        "km": "公里",
        "m": "米",
        "tank": "口",
        "household": "户",
        "place": "处",
        "item": "个",
        "building": "座",
        "mu": "亩",
        "m3": "立方米",
        "person": "人",
    },
    aliases={"千米": "km", "池": "tank", "间": "building"},
    english={
        "km": "km",
        "m": "m",
        "tank": "tanks",
        "household": "households",
        "place": "sites",
        "item": "items",
        "building": "buildings",
        "mu": "mu",
        "m3": "m³",
        "person": "persons",
    },
)
