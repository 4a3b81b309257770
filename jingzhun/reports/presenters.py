"""Sections of a dashboard: each a chart spec and the table of the same numbers.

Built once from `selectors.dashboard`; the template renders the tables, the page's script draws
the charts from the same specs (json_script), and the XLSX summary reads the same child rows.
None renders as "—".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from jingzhun.core.labels import label_in_language
from jingzhun.funds.vocab import LEVEL
from jingzhun.regions import codes
from jingzhun.vocab import ATTRIBUTE, CAUSE, STATUS, STUDENT

DASH = "—"


@dataclass
class Section:
    key: str
    title: str
    chart: dict
    columns: list[str]
    rows: list[list]  # first cell: the row's label (dict {"text", "url"} for a link)
    note: str = ""
    foot: list | None = None
    wide: bool = False  # the table goes under the chart, not beside it
    extra: dict = field(default_factory=dict)

    @property
    def body(self) -> SafeString:
        return body_html(self.rows, len(self.columns))


def body_html(rows: list[list], columns: int) -> SafeString:
    """The table body, built here: a county of 400 townships has thousands of cells, and the
    template engine's per-cell cost would dominate the page's time."""
    if not rows:
        empty = escape(_("暂无数据"))
        return mark_safe(f'<tr><td colspan="{columns}" class="muted">{empty}</td></tr>')
    out = []
    for row in rows:
        first = row[0]
        if isinstance(first, dict):
            head = f'<a href="{escape(first["url"])}">{escape(first["text"])}</a>'
        else:
            head = escape(str(first))
        cells = "".join(f'<td class="num">{_cell(v)}</td>' for v in row[1:])
        out.append(f'<tr><th scope="row">{head}</th>{cells}</tr>')
    return mark_safe("\n".join(out))


_HTML_SPECIAL = re.compile(r"[&<>\"']")


def _cell(value) -> str:
    """escape(), skipped for the (thousands of) cells with nothing to escape: formatted
    numbers, percentages, "—"."""
    text = str(value)
    return escape(text) if _HTML_SPECIAL.search(text) else text


def fmt(value) -> str:
    if value is None:
        return DASH
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def dashboard_url(code: str, year: int) -> str:
    return reverse("reports:dashboard", args=[code]) + f"?year={year}"


def _dashboard_urls(codes_: list[str], year: int) -> list[str]:
    """One reverse() for many children: the page lists hundreds."""
    pattern = reverse("reports:dashboard", args=["000000000000"])
    head, tail = pattern.split("000000000000", 1)
    return [f"{head}{code}{tail}?year={year}" for code in codes_]


def summary_columns() -> list[tuple[str, str]]:
    """(key, Chinese header) of the child summary: the XLSX's columns in the same order."""
    return [
        ("households", _("建档立卡户数")),
        ("persons", _("建档立卡人数")),
        ("poor_households", _("未脱贫户数")),
        ("poor_persons", _("未脱贫人数")),
        ("rural_population", _("农村户籍人口")),
        ("incidence", _("贫困发生率(%)")),
        ("identified_persons", _("当年新识别人数")),
        ("exited_households", _("当年脱贫户数")),
        ("exited_persons", _("当年脱贫人数")),
        ("returned_persons", _("返贫人数")),
        ("poor_villages", _("贫困村数")),
        ("poor_villages_exited", _("已退出贫困村数")),
        ("with_cadre_percent", _("帮扶责任人覆盖率(%)")),
        ("with_plan_percent", _("一户一策覆盖率(%)")),
        ("with_industry_percent", _("产业扶持覆盖率(%)")),
        ("students", _("在校生人数")),
        ("dropouts", _("辍学人数")),
    ]


def summary_values(row: dict) -> dict:
    return {
        "households": row["households"],
        "persons": row["persons"],
        "poor_households": row["poor_households"],
        "poor_persons": row["poor_persons"],
        "rural_population": row["rural_population"],
        "incidence": row["incidence"],
        "identified_persons": row["identified"]["persons"],
        "exited_households": row["exited"]["households"],
        "exited_persons": row["exited"]["persons"],
        "returned_persons": row["returned"]["persons"],
        "poor_villages": row["poor_villages"]["total"],
        "poor_villages_exited": row["poor_villages"]["exited"],
        "with_cadre_percent": row["coverage_percent"]["cadre"],
        "with_plan_percent": row["coverage_percent"]["plan"],
        "with_industry_percent": row["coverage_percent"]["industry"],
        "students": row["education"]["students"],
        "dropouts": row["education"]["dropouts"],
    }


def dataset(label: str, data: list, **extra) -> dict:
    return {"label": label, "data": data, **extra}


def _total(counts) -> int | None:
    """The sum of a flat {key: count} from a module that is not built yet; None until it is."""
    if not isinstance(counts, dict):
        return None
    return sum(v for v in counts.values() if isinstance(v, int))


def procedure_label(key: str) -> str:
    """A procedures count key as the procedures module labels it: "exit.decided" →
    "贫困户退出 · 已批准"; a key it does not know is shown as it is."""
    try:
        from jingzhun.procedures.kinds import all_kinds
        from jingzhun.procedures.models import STATUS_CHOICES
    except ImportError:
        return key
    kind, _sep, status = key.partition(".")
    found = all_kinds().get(kind)
    if found is None:
        return key
    statuses = dict(STATUS_CHOICES)
    return f"{found.label} · {statuses[status]}" if status in statuses else str(found.label)


def alert_level_label(key: str) -> str:
    """An alerts count key ("red") as the monitoring module labels it (红色预警)."""
    from jingzhun.monitoring.vocab import LEVEL as ALERT_LEVEL

    return label_in_language(ALERT_LEVEL, key) if key in ALERT_LEVEL.labels else key


def _pending(key: str, title: str, counts, first: str, missing: str, label=str) -> Section:
    rows = (
        [[label(k), fmt(v)] for k, v in counts.items()]
        if isinstance(counts, dict)
        else [[_("全部"), DASH]]
    )
    return Section(
        key=key,
        title=title,
        chart={},
        columns=[first, _("数量")],
        rows=rows,
        note="" if isinstance(counts, dict) else missing,
    )


def key_figures(row: dict) -> list[tuple[str, str, str]]:
    """(id, label, value) for the headline list."""
    alerts = row.get("alerts")
    procedures = row.get("procedures")
    return [
        ("households", _("建档立卡户数"), fmt(row["households"])),
        ("persons", _("建档立卡人数"), fmt(row["persons"])),
        ("poor_households", _("未脱贫户数"), fmt(row["poor_households"])),
        ("poor_persons", _("未脱贫人数"), fmt(row["poor_persons"])),
        ("rural_population", _("农村户籍人口"), fmt(row["rural_population"])),
        (
            "incidence",
            _("贫困发生率"),
            f"{row['incidence']}%" if row["incidence"] is not None else DASH,
        ),
        ("identified", _("当年新识别人数"), fmt(row["identified"]["persons"])),
        ("exited", _("当年脱贫人数"), fmt(row["exited"]["persons"])),
        ("returned", _("返贫人数"), fmt(row["returned"]["persons"])),
        (
            "poor_villages",
            _("贫困村退出"),
            f"{fmt(row['poor_villages']['exited'])} / {fmt(row['poor_villages']['total'])}",
        ),
        ("students", _("在校生"), fmt(row["education"]["students"])),
        ("dropouts", _("辍学"), fmt(row["education"]["dropouts"])),
        ("procedures", _("识别/退出程序（件）"), fmt(_total(procedures))),
        ("alerts", _("防返贫监测预警"), fmt(_total(alerts))),
    ]


def sections(row: dict) -> list[Section]:
    year = row["year"]
    children = row["children"]
    out: list[Section] = []
    level = children[0]["level"] if children else None
    level_label = (
        _(codes.LEVEL_LABEL[level])
        if level in codes.LEVEL_LABEL
        else _("下级区划")
        if level
        else ""
    )

    if children:
        names = [c["name"] for c in children]
        urls = _dashboard_urls([c["region_code"] for c in children], year)
        statuses = [k for k in STATUS.keys if k != "removed"]
        out.append(
            Section(
                key="children-status",
                title=_("各%(level)s建档立卡户（按状态）") % {"level": level_label},
                chart={
                    "type": "bar",
                    "stacked": True,
                    "labels": names,
                    "urls": urls,
                    "datasets": [
                        dataset(
                            label_in_language(STATUS, s),
                            [c["households_by_status"].get(s, 0) for c in children],
                        )
                        for s in statuses
                    ],
                },
                columns=[level_label, *(label_in_language(STATUS, s) for s in statuses), _("合计")],
                rows=[
                    [
                        {"text": c["name"], "url": u},
                        *(fmt(c["households_by_status"].get(s, 0)) for s in statuses),
                        fmt(c["households"]),
                    ]
                    for c, u in zip(children, urls, strict=True)
                ],
                foot=[
                    _("合计"),
                    *(fmt(row["households_by_status"].get(s, 0)) for s in statuses),
                    fmt(row["households"]),
                ],
                note=_("点击图中的柱或表中的名称，查看下级区划。"),
            )
        )
        out.append(
            Section(
                key="children-poor",
                title=_("各%(level)s未脱贫人口与贫困发生率") % {"level": level_label},
                chart={
                    "type": "bar",
                    "labels": names,
                    "urls": urls,
                    "datasets": [
                        dataset(_("未脱贫人数"), [c["poor_persons"] for c in children]),
                    ],
                },
                columns=[level_label, _("未脱贫人数"), _("农村户籍人口"), _("贫困发生率(%)")],
                rows=[
                    [
                        {"text": c["name"], "url": u},
                        fmt(c["poor_persons"]),
                        fmt(c["rural_population"]),
                        fmt(c["incidence"]),
                    ]
                    for c, u in zip(children, urls, strict=True)
                ],
                foot=[
                    _("合计"),
                    fmt(row["poor_persons"]),
                    fmt(row["rural_population"]),
                    fmt(row["incidence"]),
                ],
            )
        )

    trend = row.get("trend") or []
    out.append(
        Section(
            key="trend",
            title=_("历年变化"),
            chart={
                "type": "line",
                "labels": [str(t["year"]) for t in trend],
                "datasets": [
                    dataset(_("未脱贫人数"), [t["poor_persons"] for t in trend]),
                    dataset(_("当年新识别人数"), [t["identified_persons"] for t in trend]),
                    dataset(_("当年脱贫人数"), [t["exited_persons"] for t in trend]),
                ],
            },
            columns=[
                _("年度"),
                _("未脱贫户数"),
                _("未脱贫人数"),
                _("贫困发生率(%)"),
                _("当年新识别人数"),
                _("当年脱贫人数"),
            ],
            rows=[
                [
                    str(t["year"]),
                    fmt(t["poor_households"]),
                    fmt(t["poor_persons"]),
                    fmt(t["incidence"]),
                    fmt(t["identified_persons"]),
                    fmt(t["exited_persons"]),
                ]
                for t in trend
            ],
        )
    )

    causes = [k for k, n in row["by_cause"].items() if n] or list(CAUSE.keys)
    out.append(
        Section(
            key="causes",
            title=_("致贫原因"),
            chart={
                "type": "doughnut",
                "labels": [label_in_language(CAUSE, k) for k in causes],
                "datasets": [dataset(_("户数"), [row["by_cause"][k] for k in causes])],
            },
            columns=[_("主要致贫原因"), _("户数"), _("人数")],
            rows=[
                [
                    label_in_language(CAUSE, k),
                    fmt(row["by_cause"][k]),
                    fmt(row["persons_by_cause"].get(k, 0)),
                ]
                for k in causes
            ],
            foot=[_("合计"), fmt(row["households"]), fmt(row["persons"])],
        )
    )
    attributes = list(row["by_attribute"])
    out.append(
        Section(
            key="attributes",
            title=_("贫困户属性"),
            chart={
                "type": "pie",
                "labels": [label_in_language(ATTRIBUTE, k) for k in attributes],
                "datasets": [dataset(_("户数"), [row["by_attribute"][k] for k in attributes])],
            },
            columns=[_("贫困户属性"), _("户数"), _("人数")],
            rows=[
                [
                    label_in_language(ATTRIBUTE, k),
                    fmt(row["by_attribute"][k]),
                    fmt(row["persons_by_attribute"].get(k, 0)),
                ]
                for k in attributes
            ],
            foot=[_("合计"), fmt(row["households"]), fmt(row["persons"])],
        )
    )

    targets = row.get("targets") or []
    out.append(
        Section(
            key="targets",
            title=_("减贫目标任务完成情况"),
            chart={
                "type": "bar",
                "labels": [t["name"] for t in targets],
                "datasets": [
                    dataset(
                        _("目标减贫人数"),
                        [t["target"]["persons"] if t["target"] else None for t in targets],
                    ),
                    dataset(_("已脱贫人数"), [t["done"]["persons"] for t in targets]),
                ],
            },
            columns=[
                _("区划"),
                _("目标减贫人数"),
                _("已脱贫人数"),
                _("完成(%)"),
                _("目标退出贫困村"),
                _("已退出贫困村"),
                _("完成(%)"),
            ],
            rows=[
                [
                    t["name"],
                    fmt(t["target"]["persons"] if t["target"] else None),
                    fmt(t["done"]["persons"]),
                    fmt(t.get("percent", {}).get("persons")),
                    fmt(t["target"]["villages"] if t["target"] else None),
                    fmt(t["done"]["villages"]),
                    fmt(t.get("percent", {}).get("villages")),
                ]
                for t in targets
            ],
            note=_(
                "已脱贫：当年批准退出的户（没有程序记录的导入数据按状态为已脱贫、脱贫年度为本年计）；目标来自目标任务。"
            ),
        )
    )

    cov, pct = row["coverage"], row["coverage_percent"]
    coverage_rows = [
        (_("帮扶责任人"), cov["with_cadre"], cov["poor_households"], pct["cadre"]),
        (_("一户一策"), cov["with_plan"], cov["poor_households"], pct["plan"]),
        (_("产业扶持"), cov["with_industry"], cov["poor_households"], pct["industry"]),
        (_("驻村工作队（贫困村）"), cov["with_team"], cov["poor_villages"], pct["team"]),
        (_("第一书记（贫困村）"), cov["with_secretary"], cov["poor_villages"], pct["secretary"]),
    ]
    out.append(
        Section(
            key="coverage",
            title=_("帮扶覆盖"),
            chart={
                "type": "bar",
                "horizontal": True,
                "percent": True,
                "labels": [r[0] for r in coverage_rows],
                "datasets": [
                    dataset(
                        _("覆盖率(%)"),
                        [float(r[3]) if r[3] is not None else None for r in coverage_rows],
                    )
                ],
            },
            columns=[_("项目"), _("已覆盖"), _("应覆盖"), _("覆盖率(%)")],
            rows=[[r[0], fmt(r[1]), fmt(r[2]), fmt(r[3])] for r in coverage_rows],
            note=_(
                "应覆盖：现状为贫困或返贫的户、未退出的贫困村；按年末（当年按今天）的结对和派驻情况。"
            ),
        )
    )

    levels = [k for k in STUDENT.keys if k != "none"]
    out.append(
        Section(
            key="students",
            title=_("建档立卡家庭在校生"),
            chart={
                "type": "bar",
                "labels": [label_in_language(STUDENT, k) for k in levels],
                "datasets": [
                    dataset(_("人数"), [row["students_by_level"].get(k, 0) for k in levels])
                ],
            },
            columns=[_("学段"), _("人数")],
            rows=[
                [label_in_language(STUDENT, k), fmt(row["students_by_level"].get(k, 0))]
                for k in levels
            ],
            foot=[
                _("在校生合计 / 辍学"),
                f"{fmt(row['education']['students'])} / {fmt(row['education']['dropouts'])}",
            ],
            note=_("辍学人数应为零。"),
        )
    )

    money = row.get("funds") or {}
    by_level = money.get("by_level") or {}
    by_category = money.get("by_category") or {}
    out.append(
        Section(
            key="funds-source",
            title=_("资金来源（当年安排）"),
            chart={
                "type": "doughnut",
                "labels": [label_in_language(LEVEL, k) for k in by_level],
                "datasets": [dataset(_("金额(元)"), [float(v) for v in by_level.values()])],
            },
            columns=[_("资金级别"), _("金额(元)")],
            rows=[[label_in_language(LEVEL, k), v] for k, v in by_level.items()],
            foot=[_("合计"), fmt(money.get("total"))],
        )
    )
    out.append(
        Section(
            key="funds-use",
            title=_("资金用途（当年安排）"),
            chart={
                "type": "bar",
                "horizontal": True,
                "labels": list(by_category),
                "datasets": [dataset(_("金额(元)"), [float(v) for v in by_category.values()])],
            },
            columns=[_("用途"), _("金额(元)")],
            rows=[[k, v] for k, v in by_category.items()],
            foot=[_("已拨付"), fmt(money.get("disbursed"))],
        )
    )

    out.append(
        _pending(
            "procedures",
            _("识别、退出程序"),
            row.get("procedures"),
            _("类别"),
            _("程序模块尚未提供统计。"),
            label=procedure_label,
        )
    )
    out.append(
        _pending(
            "alerts",
            _("防返贫监测预警（按等级）"),
            row.get("alerts"),
            _("等级"),
            _("监测模块尚未启用。"),
            label=alert_level_label,
        )
    )
    return out
