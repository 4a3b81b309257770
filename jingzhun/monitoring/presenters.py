"""Alerts as the API and the XLSX lists present them; the region board's sections."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhun.core.labels import amount_in_yuan, label_in_language
from jingzhun.reports.presenters import Section, dataset, fmt

from . import clock
from .models import Alert
from .vocab import LEVEL, MONITORING_CLASS

# What an alert's data keeps (scan._alert_data), as its page names it.
_DATA_LABELS = {
    "net_fen": gettext_lazy("家庭纯收入"),
    "prev_net_fen": gettext_lazy("上年家庭纯收入"),
    "members": gettext_lazy("家庭人口"),
    "rigid_fen": gettext_lazy("刚性支出"),
    "events": gettext_lazy("风险事件数"),
    "first": gettext_lazy("首次发生"),
    "amount_fen": gettext_lazy("涉及金额"),
}


def alert_data_rows(data: dict) -> list[tuple[str, str]]:
    """(label, value) for the alert page: amounts in yuan, a key it does not know as it is."""
    rows = []
    for key, value in (data or {}).items():
        if value is None:
            shown = "—"
        elif key.endswith("_fen"):
            shown = amount_in_yuan(value)
        else:
            shown = str(value)
        rows.append((str(_DATA_LABELS.get(key, key)), shown))
    return rows


def alert_row(alert: Alert) -> dict:
    village = alert.household.village
    return {
        "id": alert.pk,
        "household_no": alert.household.household_no,
        "village": {"code": village.code, "name": village.name, "level": village.level},
        "year": alert.year,
        "rule": alert.rule,
        "level": alert.level,
        "reason": alert.reason,
        "reason_en": alert.reason_en,
        "data": alert.data,
        "status": alert.status,
        "tier": alert.tier,
        "responsible_region": alert.region_id,
        "owner_cadre": alert.owner_cadre.name if alert.owner_cadre_id else None,
        "raised_on": alert.raised_on,
        "verify_by": alert.verify_by,
        "decide_by": alert.decide_by,
        "due_on": alert.due_on,
        "overdue": alert.is_overdue(clock.today()),
        "escalations": alert.escalations,
        "identified_on": alert.identified_on,
        "closed_on": alert.closed_on,
    }


def _band_label(low: int, high: int | None) -> str:
    if high is None:
        return _("超过 %(days)s 天") % {"days": low - 1}
    return _("%(low)s–%(high)s 天") % {"low": low, "high": high}


def board_sections(board: dict[str, Any], trend: dict[str, Any]) -> list[Section]:
    """The region board (alerts.selectors.alert_board) and the monitored households' trend
    (monitored_trend), as the dashboards' chart-and-table sections."""
    bands = [_band_label(low, high) for low, high in board["bands"]]
    ages = [f"age{i}" for i in range(len(bands))]
    levels = [label_in_language(LEVEL, row["level"]) for row in board["levels"]]
    counts = Section(
        key="board",
        title=_("未办结预警：按等级与时长"),
        chart={
            "type": "bar",
            "stacked": True,
            "counts": True,
            "labels": levels,
            "datasets": [
                dataset(band, [row[age] for row in board["levels"]])
                for band, age in zip(bands, ages, strict=True)
            ],
        },
        columns=[_("预警等级"), _("已逾期"), *bands, _("合计")],
        rows=[
            [label, fmt(row["overdue"]), *(fmt(row[a]) for a in ages), fmt(row["total"])]
            for label, row in zip(levels, board["levels"], strict=True)
        ],
        foot=[
            _("合计"),
            fmt(board["total"]["overdue"]),
            *(fmt(board["total"][a]) for a in ages),
            fmt(board["total"]["total"]),
        ],
        note=_("时长自预警之日起算；逾期指已过当前时限仍未办结。"),
        wide=True,
    )
    months = [end.strftime("%Y-%m") for end in trend["months"]]
    classes = [k for k in MONITORING_CLASS.keys if k in trend["classes"]]
    classes += [k for k in trend["classes"] if k not in MONITORING_CLASS.keys]
    names = {k: label_in_language(MONITORING_CLASS, k) if k else _("未分类") for k in classes}
    monitored = Section(
        key="monitored",
        title=_("监测对象户数：按类别与月份"),
        chart={
            "type": "line",
            "counts": True,
            "labels": months,
            "datasets": [dataset(names[k], trend["classes"][k]) for k in classes]
            + [dataset(_("合计"), trend["total"])],
        },
        columns=[_("月份"), *(names[k] for k in classes), _("合计")],
        rows=[
            [month, *(fmt(trend["classes"][k][i]) for k in classes), fmt(trend["total"][i])]
            for i, month in enumerate(months)
        ],
        note=_("每月月末已认定、风险尚未消除的户；类别为该户预警年度的监测类别。"),
    )
    return [counts, monitored]
