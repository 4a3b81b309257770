"""The monitoring rules: what fires an alert, at which level, with the pack's figures.

The rules are code (each is one SQL condition in jingzhun.monitoring.scan); their thresholds
are pack parameters, read here into integers so that every comparison in SQL is exact:
per-capita income ≤ line ⇔ net_fen × q ≤ line_fen × p × members for a multiple p/q.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from jingzhun.policy import Pack
from jingzhun.policy.values import format_fen

from .vocab import EVENT

EVENT_PREFIX = "event:"


@dataclass(frozen=True)
class Rule:
    id: str
    level: str  # vocab.LEVEL
    zh: str
    en: str


INCOME_RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule("income_below_line", "red", "人均纯收入不高于扶贫标准", "income at or below the line"),
        Rule(
            "income_below_threshold",
            "yellow",
            "人均纯收入不高于监测范围",
            "income at or below the monitoring threshold",
        ),
        Rule("income_drop", "orange", "人均纯收入较上年大幅下降", "income fell sharply"),
        Rule(
            "rigid_expense",
            "orange",
            "医疗、教育刚性支出超过上年纯收入",
            "rigid expenses above last year's income",
        ),
    )
}

# Events a department or a cadre reports: the ones that threaten the household's living first.
EVENT_LEVELS: dict[str, str] = {
    "serious_illness": "red",
    "death": "red",
    "disaster": "red",
    "disability": "orange",
    "accident": "orange",
    "income_drop": "orange",
    "medical_expense": "orange",
    "unsafe_house": "orange",
    "dropout": "orange",
    "education_expense": "yellow",
    "unemployment": "yellow",
    "other": "yellow",
}

EVENT_RULES: dict[str, Rule] = {
    f"{EVENT_PREFIX}{kind}": Rule(
        f"{EVENT_PREFIX}{kind}",
        EVENT_LEVELS[kind],
        f"风险事件：{EVENT.label(kind)}",
        f"risk event: {EVENT.english[kind]}",
    )
    for kind in EVENT.keys
}

RULES: dict[str, Rule] = {**INCOME_RULES, **EVENT_RULES}


def ratio(value: Decimal) -> tuple[int, int]:
    """A decimal as an exact fraction p/q of integers."""
    p, q = value.as_integer_ratio()
    return p, q


@dataclass(frozen=True)
class Figures:
    """The pack's numbers as the scan uses them."""

    policy: str
    line_fen: int
    threshold_fen: int
    drop: tuple[int, int]
    expense: tuple[int, int]
    marginal: tuple[int, int]
    key: tuple[int, int]
    classes: tuple[str, ...]
    verify_days: int
    decide_days: int
    min_months: int
    working_age: tuple[int, int]  # inclusive, in years on the day judged

    @classmethod
    def of(cls, pack: Pack) -> Figures:
        missing = [
            name
            for name in (
                "poverty_line",
                "monitoring_threshold",
                "income_drop_share",
                "rigid_expense_share",
                "band_marginal_multiple",
                "band_key_multiple",
                "monitoring_classes",
                "alert_verify_days",
                "alert_decide_days",
                "risk_elimination_min_months",
                "working_age_min",
                "working_age_max",
            )
            if name not in pack.parameters
        ]
        if missing:
            raise KeyError(f"{pack.id} lacks {', '.join(missing)}")
        return cls(
            policy=pack.id,
            line_fen=pack.value("poverty_line"),
            threshold_fen=pack.value("monitoring_threshold"),
            drop=ratio(pack.value("income_drop_share")),
            expense=ratio(pack.value("rigid_expense_share")),
            marginal=ratio(pack.value("band_marginal_multiple")),
            key=ratio(pack.value("band_key_multiple")),
            classes=tuple(pack.value("monitoring_classes")),
            verify_days=pack.value("alert_verify_days"),
            decide_days=pack.value("alert_decide_days"),
            min_months=pack.value("risk_elimination_min_months"),
            working_age=(pack.value("working_age_min"), pack.value("working_age_max")),
        )

    def reason(self, rule_id: str, language: str = "zh") -> str:
        """The rule and the figure it applied, as the alert keeps it: in Chinese (the record),
        or in English (`language="en"`) for the English pages."""
        rule = RULES[rule_id]
        english = language == "en"
        yuan = f"{format_fen(self.line_fen)}", f"{format_fen(self.threshold_fen)}"
        figure = {  # rule → (the figure's value, its Chinese and English wording)
            "income_below_line": (yuan[0], "（{}元/人·年）", " ({} yuan per person a year)"),
            "income_below_threshold": (yuan[1], "（{}元/人·年）", " ({} yuan per person a year)"),
            "income_drop": (
                self.drop[0] * 100 // self.drop[1],
                "（降幅超过{}%）",
                " (by more than {}%)",
            ),
            "rigid_expense": (
                self._multiple(self.expense),
                "（超过{}倍）",
                " (more than {} times)",
            ),
        }.get(rule_id)
        shown = "" if figure is None else figure[2 if english else 1].format(figure[0])
        if english:
            return f"{rule.en}{shown}, {self.policy}"
        return f"{rule.zh}{shown}，{self.policy}"

    @staticmethod
    def _multiple(pq: tuple[int, int]) -> str:
        return str(Decimal(pq[0]) / Decimal(pq[1]))
