"""Writes for assistance and steering. Keyword-only, atomic, validated, audited in the same
transaction. Who may call which is the views' (and the API's) business: see `permissions.py`.

Period rules read other rows, so they lock first: the household row for pairings, the village
row for teams and secretaries, the parent target for a split. On SQLite the IMMEDIATE
transactions already serialise writers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from jingzhun.audit import services as audit
from jingzhun.regions.models import Region
from jingzhun.registry.models import Household

from .models import (
    Cadre,
    Finding,
    FirstSecretary,
    GapExplanation,
    GradingRule,
    Inspection,
    Measure,
    Pairing,
    Plan,
    Target,
    Visit,
    WorkTeam,
    WorkTeamMember,
)
from .vocab import CRITERION, MEASURE_BATCH, MEASURE_STATUS, MEASURE_TYPE

PHOTO_TYPES = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}
DEFAULT_PHOTO_MAX_BYTES = 5 * 1024 * 1024


def snapshot(obj, fields: Iterable[str]) -> dict:
    return {f: getattr(obj, f) for f in fields}


def _full_clean(obj, *, exclude: Iterable[str] = ()) -> None:
    obj.full_clean(exclude=list(exclude), validate_unique=True, validate_constraints=True)


def _overlapping(start: dt.date, end: dt.date | None) -> Q:
    """Rows whose period meets [start, end]; an open end (None) runs on for ever."""
    q = Q(end__isnull=True) | Q(end__gte=start)
    if end is not None:
        q &= Q(start__lte=end)
    return q


def _check_period(start: dt.date, end: dt.date | None) -> None:
    if end is not None and end < start:
        raise ValidationError({"end": ["结束日期不能早于开始日期 (end before start)"]})


def _period_text(start: dt.date, end: dt.date | None) -> str:
    return f"{start.isoformat()}～{end.isoformat() if end else '至今'}"


def _lock_region(region: Region) -> None:
    Region.objects.select_for_update().filter(pk=region.pk).first()


# --- cadres and pairings ------------------------------------------------------------------

CADRE_FIELDS = ("name", "unit", "position", "phone", "region_id", "user_id")
PAIRING_FIELDS = ("cadre_id", "household_id", "start", "end", "note")


@transaction.atomic
def cadre_create(
    *,
    by,
    name: str,
    region: Region,
    unit: str = "",
    position: str = "",
    phone: str = "",
    user=None,
) -> Cadre:
    cadre = Cadre(name=name, region=region, unit=unit, position=position, phone=phone, user=user)
    _full_clean(cadre)
    cadre.save()
    audit.record(
        by=by,
        action="cadre.create",
        object_type="cadre",
        object_id=cadre.pk,
        region_code=region.code,
        after=snapshot(cadre, CADRE_FIELDS),
    )
    return cadre


@transaction.atomic
def pairing_create(
    *,
    by,
    cadre: Cadre,
    household: Household,
    start: dt.date,
    end: dt.date | None = None,
    note: str = "",
) -> Pairing:
    """Pair a cadre with a household. A household has one responsible cadre at a time."""
    _check_period(start, end)
    # Lock the household: two officers pairing it at once must not both pass the check.
    household = Household.objects.select_for_update().select_related("village").get(pk=household.pk)
    if not household.village_id.startswith(cadre.region.prefix):
        raise ValidationError(
            {
                "household": [
                    f"户 {household.household_no} 不在责任人所在区划 {cadre.region.name} 内"
                ]
            }
        )
    clashes = (
        Pairing.objects.filter(household=household)
        .filter(_overlapping(start, end))
        .select_related("cadre")
    )
    for other in clashes:
        if other.cadre_id == cadre.pk:
            raise ValidationError(
                {
                    "start": [
                        f"{cadre.name}与户 {household.household_no} 已在"
                        f" {_period_text(other.start, other.end)} 结对，期间不能重叠"
                    ]
                }
            )
        raise ValidationError(
            {
                "household": [
                    f"户 {household.household_no} 在 {_period_text(other.start, other.end)}"
                    f" 已由{other.cadre.name}负责帮扶；一户同一时间只能有一名帮扶责任人，"
                    "请先结束原结对"
                ]
            }
        )
    pairing = Pairing(cadre=cadre, household=household, start=start, end=end, note=note)
    _full_clean(pairing)
    pairing.save()
    audit.record(
        by=by,
        action="pairing.create",
        object_type="pairing",
        object_id=pairing.pk,
        household_no=household.household_no,
        region_code=household.village_id,
        after=snapshot(pairing, PAIRING_FIELDS),
    )
    return pairing


@transaction.atomic
def pairing_end(*, by, pairing: Pairing, end: dt.date) -> Pairing:
    """End a pairing (the cadre changes post, the household exits): no record is deleted."""
    pairing = Pairing.objects.select_for_update().select_related("household").get(pk=pairing.pk)
    _check_period(pairing.start, end)
    if pairing.end is not None and pairing.end <= end:
        raise ValidationError({"end": ["该结对已在此日期前结束"]})
    before = {"end": pairing.end}
    pairing.end = end
    _full_clean(pairing)
    pairing.save(update_fields=["end"])
    audit.record(
        by=by,
        action="pairing.end",
        object_type="pairing",
        object_id=pairing.pk,
        household_no=pairing.household.household_no,
        region_code=pairing.household.village_id,
        before=before,
        after={"end": end},
    )
    return pairing


# --- work teams and first secretaries -----------------------------------------------------


def _check_village(village: Region) -> None:
    if village.level != "village":
        raise ValidationError({"village": ["只能派驻到村 (a village is required)"]})


@transaction.atomic
def work_team_create(
    *,
    by,
    village: Region,
    unit: str,
    start: dt.date,
    end: dt.date | None = None,
    members: Iterable[Mapping] = (),
    note: str = "",
) -> WorkTeam:
    """Station a work team in a village; one team per village at a time."""
    _check_village(village)
    _check_period(start, end)
    _lock_region(village)
    other = WorkTeam.objects.filter(village=village).filter(_overlapping(start, end)).first()
    if other is not None:
        raise ValidationError(
            {
                "start": [
                    f"{village.name}在 {_period_text(other.start, other.end)} 已有{other.unit}"
                    "驻村工作队，期间不能重叠"
                ]
            }
        )
    team = WorkTeam(village=village, unit=unit, start=start, end=end, note=note)
    _full_clean(team)
    team.save()
    built = []
    for index, data in enumerate(members):
        member = WorkTeamMember(
            team=team,
            name=(data.get("name") or "").strip(),
            unit=data.get("unit") or unit,
            role=data.get("role") or "member",
            phone=data.get("phone") or "",
        )
        try:
            _full_clean(member, exclude=["team"])
        except ValidationError as exc:
            raise ValidationError({f"members[{index}]": exc.messages}) from exc
        member.save()
        built.append({"name": member.name, "unit": member.unit, "role": member.role})
    audit.record(
        by=by,
        action="work_team.create",
        object_type="work_team",
        object_id=team.pk,
        region_code=village.code,
        after={**snapshot(team, ("village_id", "unit", "start", "end", "note")), "members": built},
    )
    return team


@transaction.atomic
def work_team_end(*, by, team: WorkTeam, end: dt.date) -> WorkTeam:
    team = WorkTeam.objects.select_for_update().get(pk=team.pk)
    _check_period(team.start, end)
    before = {"end": team.end}
    team.end = end
    team.save(update_fields=["end"])
    audit.record(
        by=by,
        action="work_team.end",
        object_type="work_team",
        object_id=team.pk,
        region_code=team.village_id,
        before=before,
        after={"end": end},
    )
    return team


@transaction.atomic
def first_secretary_create(
    *,
    by,
    village: Region,
    name: str,
    start: dt.date,
    unit: str = "",
    phone: str = "",
    end: dt.date | None = None,
) -> FirstSecretary:
    """Appoint a first secretary; one per village at a time."""
    _check_village(village)
    _check_period(start, end)
    _lock_region(village)
    other = FirstSecretary.objects.filter(village=village).filter(_overlapping(start, end)).first()
    if other is not None:
        raise ValidationError(
            {
                "start": [
                    f"{village.name}在 {_period_text(other.start, other.end)} 的第一书记是"
                    f"{other.name}，任期不能重叠"
                ]
            }
        )
    secretary = FirstSecretary(
        village=village, name=name, unit=unit, phone=phone, start=start, end=end
    )
    _full_clean(secretary)
    secretary.save()
    audit.record(
        by=by,
        action="first_secretary.create",
        object_type="first_secretary",
        object_id=secretary.pk,
        region_code=village.code,
        after=snapshot(secretary, ("village_id", "name", "unit", "start", "end")),
    )
    return secretary


@transaction.atomic
def first_secretary_end(*, by, secretary: FirstSecretary, end: dt.date) -> FirstSecretary:
    secretary = FirstSecretary.objects.select_for_update().get(pk=secretary.pk)
    _check_period(secretary.start, end)
    before = {"end": secretary.end}
    secretary.end = end
    secretary.save(update_fields=["end"])
    audit.record(
        by=by,
        action="first_secretary.end",
        object_type="first_secretary",
        object_id=secretary.pk,
        region_code=secretary.village_id,
        before=before,
        after={"end": end},
    )
    return secretary


# --- plans (一户一策) ------------------------------------------------------------------------

MEASURE_FIELDS = (
    "batch",
    "kind",
    "criterion",
    "description",
    "amount_fen",
    "start",
    "status",
    "done_on",
)


def _plan_for(by, household: Household) -> Plan:
    plan = Plan.objects.filter(household=household).first()
    if plan is not None:
        return plan
    plan = Plan.objects.create(household=household)
    audit.record(
        by=by,
        action="plan.create",
        object_type="plan",
        object_id=plan.pk,
        household_no=household.household_no,
        region_code=household.village_id,
        after={"household_id": household.pk},
    )
    return plan


@transaction.atomic
def plan_update(*, by, household: Household, summary: str) -> Plan:
    plan = _plan_for(by, household)
    before = {"summary": plan.summary}
    plan.summary = summary
    _full_clean(plan, exclude=["household"])
    plan.save()
    audit.record(
        by=by,
        action="plan.update",
        object_type="plan",
        object_id=plan.pk,
        household_no=household.household_no,
        region_code=household.village_id,
        before=before,
        after={"summary": summary},
    )
    return plan


@transaction.atomic
def measure_add(
    *,
    by,
    household: Household,
    kind: str,
    description: str,
    start: dt.date,
    amount_fen: int = 0,
    criterion: str = "",
    status: str = "planned",
    batch: str | None = None,
    done_on: dt.date | None = None,
) -> Measure:
    """Add a measure to the household's plan; the batch follows from the type unless given."""
    if kind not in MEASURE_TYPE.labels:
        raise ValidationError({"kind": [f"未知的措施类型: {kind}"]})
    expected = MEASURE_BATCH[kind]
    if batch and batch != expected and kind != "other":
        raise ValidationError(
            {"batch": [f"{MEASURE_TYPE.label(kind)}属于“{_batch_label(expected)}”"]}
        )
    if status == "done" and done_on is None:
        raise ValidationError({"done_on": ["已完成的措施须填写完成日期"]})
    plan = _plan_for(by, household)
    measure = Measure(
        plan=plan,
        batch=batch or expected,
        kind=kind,
        criterion=criterion,
        description=description,
        amount_fen=amount_fen,
        start=start,
        status=status,
        done_on=done_on,
    )
    _full_clean(measure, exclude=["plan"])
    measure.save()
    audit.record(
        by=by,
        action="measure.add",
        object_type="measure",
        object_id=measure.pk,
        household_no=household.household_no,
        region_code=household.village_id,
        after=snapshot(measure, MEASURE_FIELDS),
    )
    return measure


def _batch_label(key: str) -> str:
    from .vocab import BATCH

    return BATCH.label(key)


@transaction.atomic
def measure_set_status(
    *, by, measure: Measure, status: str, today: dt.date, done_on: dt.date | None = None
) -> Measure:
    if status not in MEASURE_STATUS.labels:
        raise ValidationError({"status": [f"未知的状态: {status}"]})
    measure = (
        Measure.objects.select_for_update().select_related("plan__household").get(pk=measure.pk)
    )
    if status == "done":
        done_on = done_on or today
        if done_on > today:
            raise ValidationError({"done_on": ["完成日期不能晚于今天"]})
    else:
        done_on = None
    before = {"status": measure.status, "done_on": measure.done_on}
    measure.status, measure.done_on = status, done_on
    _full_clean(measure, exclude=["plan"])
    measure.save(update_fields=["status", "done_on"])
    household = measure.plan.household
    audit.record(
        by=by,
        action="measure.status",
        object_type="measure",
        object_id=measure.pk,
        household_no=household.household_no,
        region_code=household.village_id,
        before=before,
        after={"status": status, "done_on": done_on},
    )
    return measure


@transaction.atomic
def gap_explain(*, by, household: Household, criterion: str, text: str) -> GapExplanation:
    """Write (or rewrite) why a failed criterion has no measure."""
    if criterion not in CRITERION.labels:
        raise ValidationError({"criterion": [f"未知的标准: {criterion}"]})
    if not text.strip():
        raise ValidationError({"text": ["请填写说明"]})
    plan = _plan_for(by, household)
    explanation = GapExplanation.objects.filter(plan=plan, criterion=criterion).first()
    before = {"text": explanation.text} if explanation else None
    if explanation is None:
        explanation = GapExplanation(plan=plan, criterion=criterion)
    explanation.text = text.strip()
    _full_clean(explanation, exclude=["plan"])
    explanation.save()
    audit.record(
        by=by,
        action="gap.explain",
        object_type="gap_explanation",
        object_id=explanation.pk,
        household_no=household.household_no,
        region_code=household.village_id,
        before=before,
        after={"criterion": criterion, "text": explanation.text},
    )
    return explanation


# --- visits ---------------------------------------------------------------------------------


def check_photo(photo) -> str:
    """The photo's content type, judged by its first bytes (a client's claim is not trusted)."""
    limit = getattr(settings, "JINGZHUN_VISIT_PHOTO_MAX_BYTES", DEFAULT_PHOTO_MAX_BYTES)
    if photo.size > limit:
        raise ValidationError({"photo": [f"照片不能超过 {limit // (1024 * 1024)} MB"]})
    head = photo.read(16)
    photo.seek(0)
    for magic, content_type in PHOTO_TYPES.items():
        if head.startswith(magic):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    raise ValidationError({"photo": ["照片须为 JPEG、PNG 或 WebP 图片"]})


VISIT_FIELDS = ("household_id", "cadre_id", "date", "found", "done")


@transaction.atomic
def visit_record(
    *,
    by,
    household: Household,
    cadre: Cadre,
    date: dt.date,
    found: str,
    today: dt.date,
    done: str = "",
    photo=None,
) -> Visit:
    """Log a visit. The cadre must be paired with the household on the day of the visit."""
    if date > today:
        raise ValidationError({"date": ["走访日期不能晚于今天"]})
    paired = Pairing.objects.filter(household=household, cadre=cadre).filter(
        Q(start__lte=date) & (Q(end__isnull=True) | Q(end__gte=date))
    )
    if not paired.exists():
        raise ValidationError(
            {"date": [f"{cadre.name}在 {date.isoformat()} 未与户 {household.household_no} 结对"]}
        )
    visit = Visit(household=household, cadre=cadre, date=date, found=found, done=done)
    if photo:
        visit.photo_type = check_photo(photo)
        visit.photo = photo
    _full_clean(visit)
    visit.save()
    audit.record(
        by=by,
        action="visit.record",
        object_type="visit",
        object_id=visit.pk,
        household_no=household.household_no,
        region_code=household.village_id,
        after={**snapshot(visit, VISIT_FIELDS), "photo": visit.photo.name or ""},
    )
    return visit


# --- targets --------------------------------------------------------------------------------

TARGET_FIGURES = ("persons", "households", "villages")


def _figures(target: Target) -> dict:
    return {f: getattr(target, f) for f in TARGET_FIGURES}


def _children_sums(parent: Target) -> dict | None:
    rows = list(
        Target.objects.filter(year=parent.year, region__parent=parent.region).values(
            *TARGET_FIGURES
        )
    )
    if not rows:
        return None
    return {f: sum(r[f] for r in rows) for f in TARGET_FIGURES}


@transaction.atomic
def target_set(
    *, by, region: Region, year: int, persons: int, households: int = 0, villages: int = 0
) -> Target:
    """Set a region's own target (the county's, as handed down). A region whose parent has a
    target for the year gets its figures through the parent's split, never on its own."""
    if region.parent_id and Target.objects.filter(region_id=region.parent_id, year=year).exists():
        raise ValidationError(
            {"region": [f"{region.parent.name}已有{year}年目标，{region.name}的目标须由上级分解"]}
        )
    target = Target.objects.select_for_update().filter(region=region, year=year).first()
    before = _figures(target) if target else None
    if target is None:
        target = Target(region=region, year=year)
    target.persons, target.households, target.villages = persons, households, villages
    _full_clean(target)
    sums = _children_sums(target) if target.pk else None
    if sums is not None and sums != _figures(target):
        raise ValidationError(
            {"persons": ["目标已分解到下级，修改后与下级合计不符；请同时重新分解"]}
        )
    target.save()
    audit.record(
        by=by,
        action="target.set",
        object_type="target",
        object_id=target.pk,
        region_code=region.code,
        before=before,
        after={"year": year, **_figures(target)},
    )
    return target


@transaction.atomic
def target_split(*, by, parent: Target, shares: Mapping[str, Mapping[str, int]]) -> list[Target]:
    """Split a target among the region's children: {child_code: {persons, households, villages}}.

    Every figure of the shares must add up to the parent's exactly, or nothing is written. A
    child left out gets zero. Children's existing shares are replaced.
    """
    parent = Target.objects.select_for_update().select_related("region").get(pk=parent.pk)
    children = {r.code: r for r in parent.region.children.all()}
    unknown = sorted(set(shares) - set(children))
    if unknown:
        raise ValidationError(
            {"shares": [f"不是{parent.region.name}的直属下级: {', '.join(unknown)}"]}
        )
    clean: dict[str, dict[str, int]] = {}
    for code in children:
        row = shares.get(code, {})
        values = {}
        for figure in TARGET_FIGURES:
            value = row.get(figure, 0) or 0
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValidationError(
                    {"shares": [f"{children[code].name}的{figure}须为非负整数: {value!r}"]}
                )
            values[figure] = value
        clean[code] = values
    labels = {"persons": "减贫人数", "households": "减贫户数", "villages": "退出贫困村数"}
    problems = []
    for figure in TARGET_FIGURES:
        total = sum(v[figure] for v in clean.values())
        wanted = getattr(parent, figure)
        if total != wanted:
            problems.append(
                f"{labels[figure]}分解合计 {total} 与{parent.region.name}目标 {wanted} 不符"
                f"（{'多' if total > wanted else '少'} {abs(total - wanted)}）"
            )
    if problems:
        raise ValidationError({"shares": problems})
    existing = {
        t.region_id: t for t in Target.objects.filter(year=parent.year, region__in=children)
    }
    result = []
    before, after = {}, {}
    for code, values in clean.items():
        target = existing.get(code) or Target(region=children[code], year=parent.year)
        old = _figures(target) if target.pk else None
        for figure, value in values.items():
            setattr(target, figure, value)
        if target.pk:
            sums = _children_sums(target)
            if sums is not None and sums != values:
                raise ValidationError(
                    {"shares": [f"{children[code].name}的目标已继续分解，须先重新分解其下级"]}
                )
        _full_clean(target)
        target.save()
        result.append(target)
        if old != values:
            before[code], after[code] = old, values
    audit.record(
        by=by,
        action="target.split",
        object_type="target",
        object_id=parent.pk,
        region_code=parent.region_id,
        before=before or None,
        after={"year": parent.year, "shares": after},
    )
    return result


# --- inspections ----------------------------------------------------------------------------

FINDING_FIELDS = ("description", "severity", "responsible_unit", "deadline")


@transaction.atomic
def inspection_create(
    *,
    by,
    region: Region,
    date: dt.date,
    inspectors: str,
    today: dt.date,
    summary: str = "",
    findings: Iterable[Mapping] = (),
) -> Inspection:
    if region.level not in ("township", "village"):
        raise ValidationError({"region": ["督查对象须为乡镇或村"]})
    if date > today:
        raise ValidationError({"date": ["督查日期不能晚于今天"]})
    inspection = Inspection(region=region, date=date, inspectors=inspectors, summary=summary)
    _full_clean(inspection)
    inspection.save()
    audit.record(
        by=by,
        action="inspection.create",
        object_type="inspection",
        object_id=inspection.pk,
        region_code=region.code,
        after=snapshot(inspection, ("region_id", "date", "inspectors", "summary")),
    )
    for data in findings:
        finding_add(by=by, inspection=inspection, **data)
    return inspection


@transaction.atomic
def finding_add(
    *,
    by,
    inspection: Inspection,
    description: str,
    severity: str,
    responsible_unit: str,
    deadline: dt.date,
) -> Finding:
    if deadline < inspection.date:
        raise ValidationError({"deadline": ["整改时限不能早于督查日期"]})
    finding = Finding(
        inspection=inspection,
        description=description,
        severity=severity,
        responsible_unit=responsible_unit,
        deadline=deadline,
    )
    _full_clean(finding)
    finding.save()
    audit.record(
        by=by,
        action="finding.add",
        object_type="finding",
        object_id=finding.pk,
        region_code=inspection.region_id,
        after={"inspection_id": inspection.pk, **snapshot(finding, FINDING_FIELDS)},
    )
    return finding


@transaction.atomic
def finding_rectify(
    *, by, finding: Finding, rectified_on: dt.date, rectification: str, today: dt.date
) -> Finding:
    finding = Finding.objects.select_for_update().select_related("inspection").get(pk=finding.pk)
    if rectified_on > today:
        raise ValidationError({"rectified_on": ["整改完成日期不能晚于今天"]})
    if rectified_on < finding.inspection.date:
        raise ValidationError({"rectified_on": ["整改完成日期不能早于督查日期"]})
    if not rectification.strip():
        raise ValidationError({"rectification": ["请填写整改情况"]})
    before = {"rectified_on": finding.rectified_on, "rectification": finding.rectification}
    finding.rectified_on, finding.rectification = rectified_on, rectification.strip()
    finding.save(update_fields=["rectified_on", "rectification"])
    audit.record(
        by=by,
        action="finding.rectify",
        object_type="finding",
        object_id=finding.pk,
        region_code=finding.inspection.region_id,
        before=before,
        after={"rectified_on": rectified_on, "rectification": finding.rectification},
    )
    return finding


@transaction.atomic
def grading_rule_set(
    *,
    by,
    county: Region,
    good_min_percent: Decimal,
    medium_min_percent: Decimal,
    good_max_open_serious: int = 0,
) -> GradingRule:
    if county.level != "county":
        raise ValidationError({"county": ["分类规则由县设定"]})
    rule = GradingRule.objects.select_for_update().filter(county=county).first()
    fields = ("good_min_percent", "medium_min_percent", "good_max_open_serious")
    before = snapshot(rule, fields) if rule else None
    rule = rule or GradingRule(county=county)
    rule.good_min_percent = Decimal(good_min_percent)
    rule.medium_min_percent = Decimal(medium_min_percent)
    rule.good_max_open_serious = good_max_open_serious
    if rule.medium_min_percent > rule.good_min_percent:
        raise ValidationError({"medium_min_percent": ["“中”的门槛不能高于“好”的门槛"]})
    _full_clean(rule)
    rule.save()
    audit.record(
        by=by,
        action="grading_rule.set",
        object_type="grading_rule",
        object_id=rule.pk,
        region_code=county.code,
        before=before,
        after=snapshot(rule, fields),
    )
    return rule
