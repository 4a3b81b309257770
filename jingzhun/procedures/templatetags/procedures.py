"""How a case event's recorded parameters read on the page."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

register = template.Library()

ACTIONS = {
    "open": _("登记申请"),
    "step": _("办理"),
    "rejected": _("未通过"),
    "decided": _("批准"),
    "withdrawn": _("撤回"),
    "objection_lodged": _("登记异议"),
    "objection_upheld": _("异议成立，退回"),
    "objection_dismissed": _("异议不成立"),
}

LABELS = {
    "note": _("情况"),
    "reason_label": _("减少原因"),
    "evidence": _("证明材料"),
    "attended": _("参会人数"),
    "votes_for": _("赞成票"),
    "votes_against": _("反对票"),
    "abstained": _("弃权票"),
    "held_on": _("评议日期"),
    "chair": _("主持人"),
    "minutes": _("评议记录"),
    "passed": _("评议结果"),
    "agrees": _("农户同意"),
    "signed_by": _("签字人"),
    "signed_on": _("签字日期"),
    "approved": _("结论"),
    "opinion": _("意见"),
    "sign_offs": _("签字"),
    "starts_at": _("公示开始"),
    "ends_at": _("公示结束"),
    "days": _("公示天数"),
    "where_to_object": _("异议受理"),
    "name": _("异议人"),
    "reasons": _("理由"),
    "back_to": _("退回至"),
    "findings": _("核实情况"),
    "visited_on": _("核实日期"),
    "assessment_preview": _("退出标准预评估"),
}
HIDDEN = {"notice_id", "objection_id", "reason"}


def _text(key: str, value) -> str:
    if isinstance(value, bool):
        if key == "passed":
            return str(_("通过") if value else _("未通过"))
        if key == "approved":
            return str(_("同意") if value else _("不同意"))
        return str(_("是") if value else _("否"))
    if isinstance(value, dict):
        if "passed" in value and "criteria" in value:  # an assessment
            verdict = {True: _("达标"), False: _("未达标"), None: _("数据不全")}[value["passed"]]
            return f"{verdict}（{value.get('pack_id', '')}）"
        return "；".join(f"{k}：{v}" for k, v in value.items())
    if isinstance(value, str) and len(value) >= 16 and value[10:11] == "T":
        try:  # a moment kept as ISO text: shown in local time, like every other time
            return f"{timezone.localtime(dt.datetime.fromisoformat(value)):%Y-%m-%d %H:%M}"
        except ValueError:
            return value
    return "" if value is None else str(value)


@register.filter
def shown_params(params: dict) -> list[tuple[str, str]]:
    rows = []
    for key, value in (params or {}).items():
        if key in HIDDEN or value in ("", None):
            continue
        rows.append((str(LABELS.get(key, key)), _text(key, value)))
    return rows


@register.filter
def proc_action(action: str) -> str:
    return str(ACTIONS.get(action, action))
