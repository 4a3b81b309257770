"""Turning records into what a page shows: labels, masking, money in yuan, readable history.

Masking always goes through core.privacy; labels come from vocab and the models' verbose names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.core import privacy
from jingzhun.core.labels import amount_in_yuan, label_in_language
from jingzhun.registry.models import Household, Income, Member
from jingzhun.vocab import VOCABULARIES

# Which vocabulary labels a stored key, by field name.
FIELD_VOCAB = {
    "attribute": "attribute",
    "main_cause": "cause",
    "status": "status",
    "relation": "relation",
    "sex": "sex",
    "education": "education",
    "student": "student",
    "health": "health",
    "labour": "labour",
    "poor_village": "poor_village",
}

ACTION_LABELS = {
    "household.register": _("登记贫困户"),
    "household.update": _("修改户信息"),
    "member.add": _("新增成员"),
    "member.update": _("修改成员信息"),
    "member.remove": _("成员减少"),
    "member.change_head": _("变更户主"),
    "income.add": _("录入收入"),
    "income.update": _("修改收入"),
    # What other areas write with the household's number: its history shows them too.
    "pairing.create": _("结对帮扶"),
    "pairing.end": _("结束结对"),
    "plan.create": _("制定帮扶计划"),
    "plan.update": _("修改帮扶计划"),
    "measure.add": _("新增帮扶措施"),
    "measure.status": _("帮扶措施进展"),
    "visit.record": _("入户走访"),
    "gap.explain": _("说明未达标原因"),
    "procedure.open": _("启动程序"),
    "procedure.step": _("办理程序步骤"),
    "procedure.notice": _("发布公示"),
    "procedure.objection": _("登记异议"),
    "procedure.objection_resolve": _("处理异议"),
    "procedure.decide": _("程序审批"),
    "procedure.withdraw": _("撤回程序"),
    "monitoring.risk_event": _("登记风险事件"),
    "monitoring.escalate": _("预警升级"),
    "funds.beneficiary.add": _("登记项目受益"),
}

EXTRA_LABELS = {
    "village_id": _("村"),
    "members": _("家庭成员"),
    "reason": _("原因"),
    "head": _("户主证件号码"),
    "old_head_relation": _("原户主现与户主关系"),
}

MODEL_BY_TYPE = {"household": Household, "member": Member, "income": Income}
# The other object types an entry of a household's history can name: (app label, model).
OTHER_MODELS = {
    "pairing": ("assistance", "Pairing"),
    "plan": ("assistance", "Plan"),
    "measure": ("assistance", "Measure"),
    "visit": ("assistance", "Visit"),
    "case": ("procedures", "Case"),
    "project_beneficiary": ("funds", "ProjectBeneficiary"),
}


def _model_for(object_type: str):
    if object_type in MODEL_BY_TYPE:
        return MODEL_BY_TYPE[object_type]
    app_label, _dot, name = object_type.partition(".")
    app_label, name = OTHER_MODELS.get(object_type, (app_label, name))
    try:
        return apps.get_model(app_label, name) if name else None
    except LookupError:
        return None


def vocab_label(vocabulary: str, key: str | None) -> str:
    """The label of a key in the active language (Chinese unless English is chosen)."""
    return label_in_language(VOCABULARIES[vocabulary], key)


def causes_label(keys: str | None) -> str:
    return "、".join(vocab_label("cause", k) for k in (keys or "").split(";") if k)


def yes_no(value) -> str:
    if value is None:
        return "—"
    return str(_("是")) if value else str(_("否"))


def _field(object_type: str, name: str):
    """The model field an entry's key names, or None. An entry names a foreign key by its
    column (cadre_id) as often as by its field; an old entry may name a field that is gone."""
    model = _model_for(object_type) if object_type else None
    for candidate in (name, name.removesuffix("_id")) if model is not None else ():
        try:
            return model._meta.get_field(candidate)
        except FieldDoesNotExist:
            continue
    return None


def field_label(object_type: str, name: str) -> str:
    if name in EXTRA_LABELS:
        return str(EXTRA_LABELS[name])
    verbose = getattr(
        _field(object_type, name), "verbose_name", None
    )  # a reverse relation has none
    if verbose is None:
        return name
    label = str(verbose)
    if name.endswith("_fen"):  # show_value gives amounts in yuan
        label = label.replace("(分)", "(元)").replace("(fen)", "(yuan)")
    return label


def _named_value(object_type: str, name: str, value, objects: dict) -> str | None:
    """What a stored value names, where its field says: a key's label (a risk event's kind),
    a foreign key's object (the cadre of cadre_id 7). None for any other value. `objects`
    keeps the names looked up, so a history names each cadre or household once, however
    many of its entries name it."""
    field = _field(object_type, name)
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if getattr(field, "many_to_one", False):
        key = (field.related_model, value)
        if key not in objects:
            target = field.related_model._default_manager.filter(pk=value).first()
            objects[key] = str(target) if target is not None else None
        return objects[key]
    return None


def show_value(user, name: str, value, object_type: str = "", objects: dict | None = None) -> str:
    """One stored value as a person reads it, masked for the viewer's role."""
    if value is None or value == "":
        return "—"
    if name in ("id_number", "head"):
        return privacy.shown_id_number(user, str(value))
    if name == "phone":
        return privacy.shown_phone(user, str(value))
    if name == "birth_date" and not privacy.sees_id_numbers(user):
        return str(value)[:4]  # the year only: the full date is what masking hides
    if name in FIELD_VOCAB:
        return vocab_label(FIELD_VOCAB[name], str(value))
    label = _named_value(object_type, name, value, {} if objects is None else objects)
    if label is not None:
        return label
    if name == "other_causes":
        return causes_label(str(value)) or "—"
    if name.endswith("_fen"):
        return amount_in_yuan(value)
    if isinstance(value, bool):
        return yes_no(value)
    if name == "members" and isinstance(value, list):
        return "；".join(
            f"{m.get('name', '')}（{vocab_label('relation', m.get('relation'))}，"
            f"{privacy.shown_id_number(user, m.get('id_number'))}）"
            for m in value
        )
    return str(value)


@dataclass
class Change:
    label: str
    old: str | None
    new: str | None


@dataclass
class HistoryRow:
    at: dt.datetime
    actor: str
    source: str
    action: str
    subject: str
    changes: list[Change] = field(default_factory=list)


def history_rows(user, entries, members: list[Member]) -> list[HistoryRow]:
    names = {str(m.pk): m.name for m in members}
    objects: dict = {}  # what the entries' foreign keys name, each looked up once
    rows = []
    for entry in entries:
        before = entry.before if isinstance(entry.before, dict) else {}
        after = entry.after if isinstance(entry.after, dict) else {}
        keys = list(dict.fromkeys([*after.keys(), *before.keys()]))
        changes = [
            Change(
                field_label(entry.object_type, key),
                show_value(user, key, before[key], entry.object_type, objects)
                if key in before
                else None,
                show_value(user, key, after[key], entry.object_type, objects)
                if key in after
                else None,
            )
            for key in keys
        ]
        if entry.object_type == "member":
            who = names.get(entry.object_id) or (before or {}).get("name") or f"#{entry.object_id}"
            subject = str(_("成员：%(name)s") % {"name": who})
        elif entry.object_type == "income":
            year = after.get("year") or before.get("year") or ""
            subject = str(_("%(year)s 年度收入") % {"year": year})
        else:
            subject = str(_("户"))
        rows.append(
            HistoryRow(
                at=entry.at,
                actor=entry.actor or "system",
                source=entry.source,
                action=str(ACTION_LABELS.get(entry.action, entry.action)),
                subject=subject,
                changes=changes,
            )
        )
    return rows


@dataclass
class MemberRow:
    member: Member
    id_number: str
    birth: str
    age: int | None


def member_rows(user, members: list[Member]) -> list[MemberRow]:
    today = timezone.localdate()
    rows = []
    for m in members:
        age = (
            today.year
            - m.birth_date.year
            - ((today.month, today.day) < (m.birth_date.month, m.birth_date.day))
        )
        rows.append(
            MemberRow(
                member=m,
                id_number=privacy.shown_id_number(user, m.id_number),
                birth=show_value(user, "birth_date", m.birth_date.isoformat()),
                age=age,
            )
        )
    return rows
