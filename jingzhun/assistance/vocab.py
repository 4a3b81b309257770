"""Assistance vocabularies: the five batches (五个一批), measure types, statuses, severities.

Pure Python, like `jingzhun.vocab`, so importers, the API and the policy engine can read the
same keys. Measure types carry the batch they belong to (`MEASURE_BATCH`), and `CRITERION_MEASURES`
maps a failed exit criterion to the measure types that close it ("缺什么补什么").
"""

from __future__ import annotations

from jingzhun.vocab import Vocabulary

# 五个一批 (2015 决定) plus one bucket for infrastructure measures (water, power, radio/TV),
# which the provincial measure list carries separately as 村基础设施 and which are not one of
# the five batches; a county's plan still needs a type for them.
BATCH = Vocabulary(
    "batch",
    {
        "production": "发展生产脱贫一批",
        "relocation": "易地搬迁脱贫一批",
        "ecology": "生态补偿脱贫一批",
        "education": "发展教育脱贫一批",
        "safety_net": "社会保障兜底一批",
        "infrastructure": "基础设施及其他",
    },
    aliases={
        "发展生产": "production",
        "易地搬迁": "relocation",
        "生态补偿": "ecology",
        "发展教育": "education",
        "社会保障兜底": "safety_net",
        "兜底": "safety_net",
        "基础设施": "infrastructure",
        "其他": "infrastructure",
    },
    english={
        "production": "develop production and employment",
        "relocation": "relocation",
        "ecology": "ecological compensation",
        "education": "education",
        "safety_net": "social-security safety net",
        "infrastructure": "infrastructure and other",
    },
)

MEASURE_TYPE = Vocabulary(
    "measure_type",
    {
        "industry": "产业扶持",
        "employment": "就业扶持",
        "public_job": "公益岗位",
        "skills_training": "技能培训",
        "microcredit": "小额信贷",
        "asset_income": "资产收益",
        "relocation": "易地搬迁",
        "ecological_post": "生态护林员",
        "eco_compensation": "生态补偿",
        "education_aid": "教育资助",
        "dropout_return": "控辍保学",
        "medical_insurance": "参保资助",
        "medical_aid": "医疗救助",
        "housing_renovation": "危房改造",
        "dibao": "低保兜底",
        "tekun": "特困供养",
        "disability_subsidy": "残疾人补贴",
        "temporary_relief": "临时救助",
        "drinking_water": "饮水安全",
        "electricity": "生活用电",
        "radio_tv": "广播电视",
        "other": "其他",
    },
    aliases={
        "产业项目": "industry",
        "就业": "employment",
        "教育": "education_aid",
        "健康": "medical_aid",
        "金融": "microcredit",
        "生态扶贫": "ecological_post",
        "民政兜底": "dibao",
        "残疾兜底": "disability_subsidy",
        "村基础设施": "other",
    },
    english={
        "industry": "industry support",
        "employment": "employment support",
        "public_job": "public-welfare job",
        "skills_training": "skills training",
        "microcredit": "microcredit",
        "asset_income": "asset income",
        "relocation": "relocation",
        "ecological_post": "forest ranger post",
        "eco_compensation": "ecological compensation",
        "education_aid": "education aid",
        "dropout_return": "back to school",
        "medical_insurance": "insurance premium aid",
        "medical_aid": "medical aid",
        "housing_renovation": "unsafe-house renovation",
        "dibao": "minimum living allowance",
        "tekun": "destitute support",
        "disability_subsidy": "disability subsidy",
        "temporary_relief": "temporary relief",
        "drinking_water": "safe drinking water",
        "electricity": "household electricity",
        "radio_tv": "radio and TV",
        "other": "other",
    },
)

MEASURE_BATCH: dict[str, str] = {
    "industry": "production",
    "employment": "production",
    "public_job": "production",
    "skills_training": "production",
    "microcredit": "production",
    "asset_income": "production",
    "relocation": "relocation",
    "ecological_post": "ecology",
    "eco_compensation": "ecology",
    "education_aid": "education",
    "dropout_return": "education",
    "medical_insurance": "safety_net",
    "medical_aid": "safety_net",
    "housing_renovation": "safety_net",
    "dibao": "safety_net",
    "tekun": "safety_net",
    "disability_subsidy": "safety_net",
    "temporary_relief": "safety_net",
    "drinking_water": "infrastructure",
    "electricity": "infrastructure",
    "radio_tv": "infrastructure",
    "other": "infrastructure",
}

MEASURE_STATUS = Vocabulary(
    "measure_status",
    {"planned": "计划", "in_progress": "实施中", "done": "已完成", "cancelled": "已取消"},
    aliases={"未开始": "planned", "进行中": "in_progress", "完成": "done", "取消": "cancelled"},
    english={
        "planned": "planned",
        "in_progress": "in progress",
        "done": "done",
        "cancelled": "cancelled",
    },
)
OPEN_MEASURE_STATUSES = ("planned", "in_progress")

# The household exit criteria the policy engine reports (jingzhun.policy criterion keys).
CRITERION = Vocabulary(
    "criterion",
    {
        "income_above_line": "收入稳定超过扶贫标准",
        "food_clothing_secure": "不愁吃、不愁穿",
        "compulsory_education": "义务教育有保障",
        "basic_medical_insurance": "基本医疗有保障",
        "housing_safe": "住房安全有保障",
        "drinking_water_safe": "饮水安全有保障",
        "electricity": "有生活用电",
        "radio_tv": "有广播电视",
    },
    english={
        "income_above_line": "income steadily above the poverty line",
        "food_clothing_secure": "enough food and clothing",
        "compulsory_education": "compulsory education ensured",
        "basic_medical_insurance": "basic medical care ensured",
        "housing_safe": "safe housing ensured",
        "drinking_water_safe": "safe drinking water ensured",
        "electricity": "household electricity",
        "radio_tv": "radio and TV",
    },
)

# 缺什么补什么: the measure types that answer each failed criterion, most usual first.
CRITERION_MEASURES: dict[str, tuple[str, ...]] = {
    "income_above_line": (
        "industry",
        "employment",
        "public_job",
        "skills_training",
        "microcredit",
        "asset_income",
        "ecological_post",
        "dibao",
    ),
    "food_clothing_secure": ("dibao", "tekun", "temporary_relief"),
    "compulsory_education": ("dropout_return", "education_aid"),
    "basic_medical_insurance": ("medical_insurance", "medical_aid"),
    "housing_safe": ("housing_renovation", "relocation"),
    "drinking_water_safe": ("drinking_water",),
    "electricity": ("electricity",),
    "radio_tv": ("radio_tv",),
}

SEVERITY = Vocabulary(
    "severity",
    {"minor": "轻微", "general": "一般", "serious": "严重"},
    aliases={"较轻": "minor", "较重": "serious", "重大": "serious"},
    english={
        "minor": "minor",
        "general": "ordinary",
        "serious": "serious",
    },
)

VILLAGE_GRADE = Vocabulary(
    "village_grade",
    {"good": "好", "medium": "中", "poor": "差"},
    english={
        "good": "good",
        "medium": "fair",
        "poor": "poor",
    },
)

TEAM_ROLE = Vocabulary(
    "team_role",
    {"leader": "队长", "member": "队员"},
    aliases={"第一书记兼队长": "leader"},
    english={
        "leader": "team leader",
        "member": "team member",
    },
)
