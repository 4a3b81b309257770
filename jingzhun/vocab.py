"""The registry's controlled vocabularies: one place for every enumeration.

Pure Python (no Django import) so the policy engine, the synthetic generator, the importers
and the models all read the same keys and labels. Each vocabulary maps an English key to its
Chinese label; `aliases` add the spellings found in real exports of the national system
(numbered codes, combined labels) so a county can load its files unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Vocabulary:
    name: str
    labels: dict[str, str]  # key -> Chinese label, in display order
    aliases: dict[str, str] = field(default_factory=dict)  # other spelling -> key
    english: dict[str, str] = field(default_factory=dict)  # key -> English label

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.labels)

    def choices(self) -> list[tuple[str, str]]:
        """Django `choices`: (key, Chinese label)."""
        return list(self.labels.items())

    def parse(self, raw: object) -> str | None:
        """The key for a key, a Chinese label or an alias; None when unknown.

        Matching ignores surrounding white space and the case of English keys.
        """
        if raw is None:
            return None
        text = str(raw).strip()
        if not text:
            return None
        if text in self.labels:
            return text
        lowered = text.lower()
        if lowered in self.labels:
            return lowered
        for key, label in self.labels.items():
            if text == label:
                return key
        return self.aliases.get(text) or self.aliases.get(lowered)

    def label(self, key: str | None) -> str:
        return self.labels.get(key or "", key or "")


ATTRIBUTE = Vocabulary(
    "attribute",
    {"general": "一般贫困户", "dibao": "低保贫困户", "tekun": "特困供养贫困户"},
    english={
        "general": "ordinary poor household",
        "dibao": "minimum-living-allowance household",
        "tekun": "destitute-support household",
    },
    aliases={"一般户": "general", "低保户": "dibao", "特困户": "tekun", "五保户": "tekun"},
)

STATUS = Vocabulary(
    "status",
    {
        "poor": "贫困",
        "exited": "已脱贫",
        "returned": "返贫",
        "monitored": "监测",
        "removed": "已清退",
    },
    english={
        "poor": "poor",
        "exited": "exited",
        "returned": "returned to poverty",
        "monitored": "monitored",
        "removed": "removed",
    },
    aliases={
        "未脱贫": "poor",
        "脱贫": "exited",
        "0": "poor",
        "1": "exited",
        "3": "returned",
        "4": "exited",
        "已脱贫(享受政策)": "exited",
        "已脱贫(不再享受政策)": "exited",
        "已脱贫（享受政策）": "exited",
        "已脱贫（不再享受政策）": "exited",
        "监测户": "monitored",
        "清退": "removed",
        "自然减少": "removed",
    },
)

# The national system (2018 on) combines attribute and status in one label / number.
# Each maps to (attribute, status); status None means "not implied by the label".
NATIONAL_ATTRIBUTE_STATUS: dict[str, tuple[str, str | None]] = {
    "01": ("general", "poor"),
    "一般贫困户": ("general", "poor"),
    "02": ("dibao", "exited"),
    "低保脱贫户": ("dibao", "exited"),
    "03": ("tekun", "exited"),
    "特困供养脱贫户": ("tekun", "exited"),
    "04": ("dibao", "poor"),
    "低保贫困户": ("dibao", "poor"),
    "05": ("general", "exited"),
    "一般脱贫户": ("general", "exited"),
    "06": ("tekun", "poor"),
    "特困供养贫困户": ("tekun", "poor"),
    "07": ("tekun", "poor"),
    "低保特困供养贫困户": ("tekun", "poor"),
    "08": ("tekun", None),
    "低保特困供养户": ("tekun", None),
}

CAUSE = Vocabulary(
    "cause",
    {
        "illness": "因病",
        "disability": "因残",
        "schooling": "因学",
        "disaster": "因灾",
        "land": "缺土地",
        "water": "缺水",
        "skills": "缺技术",
        "labour": "缺劳力",
        "capital": "缺资金",
        "transport": "交通条件落后",
        "drive": "自身发展动力不足",
        "marriage": "因婚",
        "other": "其他",
    },
    english={
        "illness": "illness",
        "disability": "disability",
        "schooling": "schooling costs",
        "disaster": "disaster",
        "land": "lack of land",
        "water": "lack of water",
        "skills": "lack of skills",
        "labour": "lack of labour",
        "capital": "lack of capital",
        "transport": "remote transport",
        "drive": "lack of own drive",
        "marriage": "marriage",
        "other": "other",
    },
    aliases={
        "1": "illness",
        "2": "disability",
        "3": "schooling",
        "4": "disaster",
        "5": "land",
        "6": "water",
        "7": "skills",
        "8": "labour",
        "9": "capital",
        "10": "transport",
        "11": "drive",
        "99": "other",
        "01": "illness",
        "02": "disability",
        "03": "schooling",
        "04": "disaster",
        "05": "land",
        "06": "water",
        "07": "skills",
        "08": "labour",
        "09": "capital",
        "交通落后": "transport",
        "自身发展动力不足(缺乏内生动力)": "drive",
    },
)

RELATION = Vocabulary(
    "relation",
    {
        "head": "户主",
        "spouse": "配偶",
        "child": "子女",
        "parent": "父母",
        "grandchild": "孙子女",
        "sibling": "兄弟姐妹",
        "other": "其他",
    },
    english={
        "head": "head",
        "spouse": "spouse",
        "child": "child",
        "parent": "parent",
        "grandchild": "grandchild",
        "sibling": "sibling",
        "other": "other",
    },
    aliases={
        "本人": "head",
        "妻": "spouse",
        "夫": "spouse",
        "之子": "child",
        "之女": "child",
        "独生子": "child",
        "独生女": "child",
        "长子": "child",
        "次子": "child",
        "长女": "child",
        "次女": "child",
        "之父": "parent",
        "之母": "parent",
        "之公公": "parent",
        "之婆婆": "parent",
        "之岳父": "parent",
        "之岳母": "parent",
        "之孙子": "grandchild",
        "之孙女": "grandchild",
        "之外孙子": "grandchild",
        "之外孙女": "grandchild",
        "之兄": "sibling",
        "之弟": "sibling",
        "之姐": "sibling",
        "之妹": "sibling",
        "之兄弟姐妹": "sibling",
        "之儿媳": "other",
        "之女婿": "other",
        "之祖父": "other",
        "之祖母": "other",
        "之曾孙子": "other",
        "之曾孙女": "other",
        "之侄子": "other",
        "之侄女": "other",
        "之外甥": "other",
        "之外甥女": "other",
        "其他亲属": "other",
    },
)

SEX = Vocabulary(
    "sex",
    {"male": "男", "female": "女"},
    english={"male": "male", "female": "female"},
    aliases={"m": "male", "f": "female", "1": "male", "2": "female"},
)

EDUCATION = Vocabulary(
    "education",
    {
        "illiterate": "文盲或半文盲",
        "primary": "小学",
        "junior": "初中",
        "senior": "高中",
        "college": "大专及以上",
        "preschool": "学龄前儿童",
    },
    english={
        "illiterate": "illiterate or semi-literate",
        "primary": "primary school",
        "junior": "junior secondary",
        "senior": "senior secondary",
        "college": "college or above",
        "preschool": "pre-school child",
    },
    aliases={
        "文盲": "illiterate",
        "半文盲": "illiterate",
        "高中(中专)": "senior",
        "中专": "senior",
    },
)

STUDENT = Vocabulary(
    "student",
    {
        "none": "非在校生",
        "preschool": "学前教育",
        "primary": "小学",
        "junior": "初中",
        "senior": "高中",
        "vocational": "中职",
        "college": "大专及以上",
    },
    english={
        "none": "not in school",
        "preschool": "pre-school",
        "primary": "primary",
        "junior": "junior secondary",
        "senior": "senior secondary",
        "vocational": "secondary vocational",
        "college": "college or above",
    },
    aliases={
        **{f"小学{n}年级": "primary" for n in "一二三四五六"},
        "七年级": "junior",
        "八年级": "junior",
        "九年级": "junior",
        "高中一年级": "senior",
        "高中二年级": "senior",
        "高中三年级": "senior",
        "中职一年级": "vocational",
        "中职二年级": "vocational",
        "中职三年级": "vocational",
        "高职一年级": "college",
        "高职二年级": "college",
        "高职三年级": "college",
        "学前": "preschool",
        "幼儿园": "preschool",
        "在校生": "primary",
    },
)

HEALTH = Vocabulary(
    "health",
    {"healthy": "健康", "chronic": "长期慢性病", "serious": "患有大病", "disabled": "残疾"},
    english={
        "healthy": "healthy",
        "chronic": "chronic illness",
        "serious": "serious illness",
        "disabled": "disabled",
    },
    aliases={"慢性病": "chronic", "大病": "serious", "重病": "serious"},
)

LABOUR = Vocabulary(
    "labour",
    {
        "ordinary": "普通劳动力",
        "skilled": "技能劳动力",
        "weak": "弱劳动力或半劳动力",
        "none": "无劳动力",
    },
    english={
        "ordinary": "ordinary labour",
        "skilled": "skilled labour",
        "weak": "weak or partial labour",
        "none": "no labour capacity",
    },
    aliases={"丧失劳动力": "none", "弱劳动力": "weak", "半劳动力": "weak"},
)

POOR_VILLAGE = Vocabulary(
    "poor_village",
    {"none": "非贫困村", "province": "省级贫困村", "city": "市级贫困村", "county": "县级贫困村"},
    english={
        "none": "not a poor village",
        "province": "provincial poor village",
        "city": "municipal poor village",
        "county": "county poor village",
    },
    aliases={"否": "none", "省级": "province", "市级": "city", "县级": "county", "": "none"},
)

BOOLEAN_TRUE = frozenset({"1", "yes", "true", "是", "y", "t", "有"})
BOOLEAN_FALSE = frozenset({"0", "no", "false", "否", "n", "f", "无"})


def parse_bool(raw: object) -> bool | None:
    """True/False for the accepted spellings, None for an empty cell; ValueError otherwise."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if not text:
        return None
    if text in BOOLEAN_TRUE:
        return True
    if text in BOOLEAN_FALSE:
        return False
    raise ValueError(raw)


VOCABULARIES: dict[str, Vocabulary] = {
    v.name: v
    for v in (
        ATTRIBUTE,
        STATUS,
        CAUSE,
        RELATION,
        SEX,
        EDUCATION,
        STUDENT,
        HEALTH,
        LABOUR,
        POOR_VILLAGE,
    )
}

# Region levels by the length of the significant prefix of a 12-digit code.
REGION_LEVELS: tuple[tuple[str, int, str], ...] = (
    ("province", 2, "省"),
    ("city", 4, "市"),
    ("county", 6, "县"),
    ("township", 9, "乡镇"),
    ("village", 12, "村"),
)
