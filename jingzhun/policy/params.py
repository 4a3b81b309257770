"""The parameters a pack may set: one catalogue, so a misspelt name is an error, not a no-op.

Each parameter in a pack is a table, because every figure must say where it comes from::

    [parameters.poverty_line]
    value = "3535"                      # money/decimals as strings or integers, never floats
    source = "宁都县 exit-assessment documents, 2018"
    unconfirmed = true                  # optional: shown as such on pages and in reports
    placeholder = true                  # optional: no authoritative figure exists at this level
    note = "why the figure is what it is"
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jingzhun.vocab import Vocabulary

from .values import format_fen, parse_decimal, yuan_to_fen

# Not in jingzhun.vocab yet: only monitoring packs use it so far (see docs/policy.md).
MONITORING_CLASS = Vocabulary(
    "monitoring_class",
    {
        "unstable_exited": "脱贫不稳定户",
        "marginal": "边缘易致贫户",
        "sudden_hardship": "突发严重困难户",
    },
    english={
        "unstable_exited": "unstable exited household",
        "marginal": "marginal household at risk of poverty",
        "sudden_hardship": "household in sudden severe hardship",
    },
    aliases={"边缘户": "marginal", "脱贫监测户": "unstable_exited"},
)


def _money(raw: object) -> int:
    value = parse_decimal(raw)
    if value < 0:
        raise ValueError("must not be negative")
    return yuan_to_fen(value)


def _decimal(raw: object) -> Decimal:
    value = parse_decimal(raw)
    if value <= 0:
        raise ValueError("must be positive")
    return value


def _share(raw: object) -> Decimal:
    value = parse_decimal(raw)
    if not 0 < value <= 1:
        raise ValueError("must be a share above 0 and at most 1")
    return value


def _count(raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise ValueError("must be a whole number, 0 or more")
    return raw


def _strings(raw: object) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(s, str) and s.strip() for s in raw):
        raise ValueError("must be a list of non-empty strings")
    return tuple(s.strip() for s in raw)


def _province_codes(raw: object) -> tuple[str, ...]:
    codes = _strings(raw)
    bad = [c for c in codes if not (len(c) == 2 and c.isdigit())]
    if bad:
        raise ValueError(f"not 2-digit province codes: {', '.join(bad)}")
    return codes


def _monitoring_classes(raw: object) -> tuple[str, ...]:
    keys = []
    for text in _strings(raw):
        key = MONITORING_CLASS.parse(text)
        if key is None:
            raise ValueError(
                f"unknown class {text!r} (expected: {', '.join(MONITORING_CLASS.keys)})"
            )
        keys.append(key)
    return tuple(keys)


@dataclass(frozen=True)
class ParameterType:
    name: str  # "money" | "decimal" | "share" | "count" | "codes" | "classes" | "labels"
    parse: Callable[[object], Any]
    display: Callable[[Any], Any]


MONEY = ParameterType("money", _money, format_fen)
DECIMAL = ParameterType("decimal", _decimal, str)
SHARE = ParameterType("share", _share, str)
COUNT = ParameterType("count", _count, int)
CODES = ParameterType("codes", _province_codes, list)
CLASSES = ParameterType("classes", _monitoring_classes, list)
LABELS = ParameterType("labels", _strings, list)


@dataclass(frozen=True)
class ParameterInfo:
    type: ParameterType
    unit: str
    doc: str


CATALOGUE: Mapping[str, ParameterInfo] = {
    "poverty_line": ParameterInfo(
        MONEY, "元/人·年", "line the exit checks compare per-capita net income with"
    ),
    "statistical_line": ParameterInfo(
        MONEY, "元/人·年", "National Bureau of Statistics line (2300 yuan at 2010 prices)"
    ),
    "dibao_line": ParameterInfo(MONEY, "元/人·年", "rural minimum-living (低保) line"),
    "monitoring_threshold": ParameterInfo(
        MONEY, "元/人·年", "return-to-poverty monitoring income threshold (监测范围)"
    ),
    "monitoring_multiple": ParameterInfo(
        DECIMAL, "倍", "monitoring threshold as a multiple of the national line"
    ),
    "school_age_min": ParameterInfo(COUNT, "岁", "youngest compulsory-school age"),
    "school_age_max": ParameterInfo(COUNT, "岁", "oldest compulsory-school age"),
    "working_age_min": ParameterInfo(COUNT, "岁", "youngest working age (劳动年龄)"),
    "working_age_max": ParameterInfo(COUNT, "岁", "oldest working age (劳动年龄)"),
    "west_provinces": ParameterInfo(
        CODES, "", "province codes that get the western (higher) incidence limit"
    ),
    "notice_days": ParameterInfo(COUNT, "天", "days each public notice stays open"),
    "sign_offs": ParameterInfo(LABELS, "", "who signs each identification/exit decision"),
    "township_notice_for": ParameterInfo(
        LABELS, "", "procedure kinds that get a second notice in the township (乡镇公示)"
    ),
    "alert_verify_days": ParameterInfo(COUNT, "天", "days to verify a raised alert"),
    "alert_decide_days": ParameterInfo(COUNT, "天", "days to decide on a raised alert"),
    "risk_elimination_min_months": ParameterInfo(
        COUNT, "月", "months a household stays monitored before its risk can be eliminated"
    ),
    "income_window_months": ParameterInfo(
        COUNT, "月", "months of income judged when a household applies for monitoring"
    ),
    "monitoring_classes": ParameterInfo(CLASSES, "", "classes of monitored households"),
    "income_drop_share": ParameterInfo(
        SHARE, "", "loss of last year's net income, as a share, that raises a monitoring alert"
    ),
    "rigid_expense_share": ParameterInfo(
        DECIMAL,
        "倍",
        "medical and education expenses above this multiple of last year's net "
        "income raise a monitoring alert",
    ),
    "band_marginal_multiple": ParameterInfo(
        DECIMAL, "倍", "exited households below this multiple of the poverty line: 边缘脱贫户"
    ),
    "band_key_multiple": ParameterInfo(
        DECIMAL, "倍", "exited households below this multiple of the poverty line: 重点监测户"
    ),
}

# What a page shows a county clerk for a parameter's name (the catalogue's doc is for pack
# authors, in English).
LABELS: Mapping[str, str] = {
    "poverty_line": "扶贫标准",
    "statistical_line": "国家统计贫困标准",
    "dibao_line": "农村低保标准",
    "monitoring_threshold": "防返贫监测范围",
    "monitoring_multiple": "监测范围倍数",
    "school_age_min": "义务教育起始年龄",
    "school_age_max": "义务教育结束年龄",
    "working_age_min": "劳动年龄下限",
    "working_age_max": "劳动年龄上限",
    "west_provinces": "西部省份",
    "notice_days": "公示天数",
    "sign_offs": "签字确认",
    "township_notice_for": "需乡镇公示的程序",
    "alert_verify_days": "预警核实时限",
    "alert_decide_days": "预警认定时限",
    "risk_elimination_min_months": "风险消除前最短监测月数",
    "income_window_months": "收入测算月数",
    "monitoring_classes": "监测对象类别",
    "income_drop_share": "收入下降比例",
    "rigid_expense_share": "刚性支出倍数",
    "band_marginal_multiple": "边缘脱贫户倍数",
    "band_key_multiple": "重点监测户倍数",
}


def label(name: str) -> str:
    """The parameter's Chinese name; the name itself for one the catalogue lacks."""
    return LABELS.get(name, name)


@dataclass(frozen=True)
class Parameter:
    name: str
    value: Any  # fen (int) for money, Decimal, int, or a tuple of strings
    source: str
    unconfirmed: bool = False
    placeholder: bool = False
    note: str | None = None
    origin: str = ""  # the pack id that set it

    @property
    def info(self) -> ParameterInfo:
        return CATALOGUE[self.name]

    def display(self) -> Any:
        return self.info.type.display(self.value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.display(),
            "unit": self.info.unit,
            "source": self.source,
            "unconfirmed": self.unconfirmed,
            "placeholder": self.placeholder,
            "note": self.note,
            "defined_in": self.origin,
        }
