"""The procedures engine: the only way a case moves.

Every function is keyword-only and atomic, locks the case row, checks the step order, the
taker's role and scope and the notice rules, appends a `CaseEvent` and an audit entry in the
same transaction. Pages, the API, the command line and the admin call these and nothing else,
so no path can skip a step or take one as the wrong role.

Refusals: `PermissionDenied` (jingzhun.core.errors) for the wrong role or a household out of
the taker's scope; `ValidationError` for everything else (out of order, notice still open,
objection unresolved, missing or wrong parameters); `ConflictError` for a stale version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from jingzhun.accounts.roles import ROLES, role_of
from jingzhun.audit import services as audit
from jingzhun.core import scoping
from jingzhun.core.errors import ConflictError, PermissionDenied
from jingzhun.policy import PolicyError
from jingzhun.regions import codes
from jingzhun.registry.models import Household

from . import clock
from .kinds import (
    AGREEMENT,
    DECIDE,
    MEETING,
    NOTICE,
    REVIEW,
    VERIFY,
    Kind,
    Step,
    get_kind,
    notice_days,
    plan_for,
    sign_off_labels,
)
from .models import Case, CaseEvent, Notice, Objection

CLOSED = ("decided", "rejected", "withdrawn")
# The register's own procedures; other modules' kinds are opened by their own flows.
REGISTER_KINDS = ("identification", "exit", "return", "removal")
ANY_OFFICE = frozenset({"village_officer", "township_officer", "county_admin"})


# --- checks shared by every write ------------------------------------------------------------


def role_key(user) -> str | None:
    role = role_of(user)
    return role.key if role else None


def _role_names(roles: Iterable[str]) -> str:
    return "、".join(str(ROLES[r].label) for r in sorted(roles) if r in ROLES)


def require_role(by, roles: Iterable[str], what: str) -> None:
    roles = frozenset(roles)
    if role_key(by) not in roles:
        raise PermissionDenied(
            f"「{what}」须由{_role_names(roles)}办理 (this step is for: {', '.join(sorted(roles))})"
        )


def require_scope(by, household: Household) -> None:
    """Out of scope is refused like a role: the views and the API have already answered 404."""
    if not scoping.visible(by, Household.objects.filter(pk=household.pk)).exists():
        raise PermissionDenied("该户不在您的管辖范围 (household outside your region)")


def _pack(kind: Kind, *, household: Household, year: int, case: Case | None = None):
    if kind.pack_for is not None:
        return kind.pack_for(household=household, year=year, case=case)
    from jingzhun.assessments import selectors as assessments

    if case is not None and case.pack_id:
        try:
            return assessments.pack_get(case.pack_id)
        except PolicyError:  # the pack was removed since: the active one's parameters apply
            pass
    return assessments.pack_get(
        assessments.active_pack_id(region_code=household.village_id, year=year)
    )


def pack_of(case: Case):
    return _pack(get_kind(case.kind), household=case.household, year=case.year, case=case)


def _lock(case: Case, expected_version: int | None) -> Case:
    locked = Case.objects.select_for_update().select_related("household").get(pk=case.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            "案件已被他人办理，请刷新后重试 (the case moved on; reload)",
            current_version=locked.version,
        )
    return locked


def _event(case: Case, *, action: str, by, step: str = "", params: dict | None = None):
    last = case.events.aggregate(m=Max("seq"))["m"] or 0
    return CaseEvent.objects.create(
        case=case,
        seq=last + 1,
        action=action,
        step=step,
        by=by if getattr(by, "pk", None) else None,
        by_name=(getattr(by, "display_name", "") or getattr(by, "username", "")) if by else "",
        at=clock.now(),
        params=audit._jsonable(params or {}),
    )


def _audit(case: Case, *, by, action: str, before=None, after=None) -> None:
    audit.record(
        by=by,
        action=f"procedure.{action}",
        object_type="case",
        object_id=case.pk,
        household_no=case.household.household_no,
        region_code=case.household.village_id,
        before=before,
        after=after,
    )


def _check_text(value, where: str = "params") -> None:
    """Recorded parameters are kept as JSON: no control characters (PostgreSQL's jsonb refuses
    NUL), no nesting beyond what a form or a JSON client sends."""
    if isinstance(value, str):
        if any(ord(c) < 32 and c not in "\t\n\r" for c in value):
            raise ValidationError({where: ["含有控制字符 (control characters are not allowed)"]})
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(str(key), where)
            _check_text(item, where)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_text(item, where)


def _save_state(case: Case, **changes) -> None:
    for field, value in changes.items():
        setattr(case, field, value)
    Case.objects.filter(pk=case.pk).update(version=F("version") + 1, **changes)
    case.version += 1


def next_step(case: Case) -> Step | None:
    if case.status != "open":
        return None
    kind = get_kind(case.kind)
    position = case.plan.index(case.step)
    if position + 1 >= len(case.plan):
        return None
    return kind.step(case.plan[position + 1])


def current_notice(case: Case) -> Notice | None:
    """The notice of the step the case stands at, when that step is a notice."""
    kind = get_kind(case.kind)
    if kind.step(case.step).action != NOTICE:
        return None
    return case.notices.filter(step=case.step).order_by("-starts_at", "-id").first()


def pending_objections(case: Case):
    return case.objections.filter(resolution="")


def gate(case: Case) -> list[str]:
    """Why the next step cannot be taken yet (empty: it can), whoever takes it."""
    reasons = []
    if case.status != "open":
        return ["案件已办结 (the case is closed)"]
    notice = current_notice(case)
    if notice is not None and clock.now() < notice.ends_at:
        end = notice.ends_at.astimezone(dt.UTC) if notice.ends_at.tzinfo else notice.ends_at
        reasons.append(
            f"公示期未满，{_local(notice.ends_at):%Y-%m-%d %H:%M}后方可进入下一步 "
            f"(the notice runs until {end:%Y-%m-%d %H:%M} UTC)"
        )
    if pending_objections(case).exists():
        reasons.append("有未处理的异议，须先处理 (an objection awaits resolution)")
    return reasons


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment)


def _refuse_if_gated(case: Case) -> None:
    reasons = gate(case)
    if reasons:
        raise ValidationError(reasons)


def _check_next(case: Case, step_key: str) -> Step:
    if case.status != "open":
        raise ValidationError("案件已办结，不能再办理 (the case is closed)")
    step = next_step(case)
    kind = get_kind(case.kind)
    if step is None:
        raise ValidationError("没有待办步骤 (no step left)")
    if step_key != step.key:
        asked = kind.step(step_key).label if step_key in case.plan else step_key
        raise ValidationError(
            f"步骤不能跳过或倒退：下一步是「{step.label}」，不是「{asked}」 "
            f"(the next step is {step.key}, not {step_key})"
        )
    return step


# --- opening ---------------------------------------------------------------------------------


def _reference(kind: str, year: int, household: Household) -> str:
    n = Case.objects.filter(kind=kind, year=year, household=household).count() + 1
    return f"{kind}-{year}-{household.household_no}-{n}"


def check_can_open(*, by, kind: Kind, household: Household) -> None:
    require_role(by, kind.steps[0].roles, str(kind.steps[0].label))
    require_scope(by, household)
    if household.status not in kind.from_statuses:
        raise ValidationError(
            {
                "household": [
                    f"该户状态为「{household.get_status_display()}」，不能办理{kind.label} "
                    f"(status {household.status} cannot enter {kind.key})"
                ]
            }
        )
    if Case.objects.filter(household=household, status="open").exists():
        raise ValidationError({"household": ["该户已有办理中的程序 (a case is already open)"]})


@transaction.atomic
def case_open(
    *,
    by,
    kind: str,
    household: Household,
    year: int,
    params: dict | None = None,
    subject: str = "",
) -> Case:
    """Record the application or proposal (the first step) and open the case."""
    try:
        kind_def = get_kind(kind)
    except LookupError as exc:
        raise ValidationError({"kind": [f"未知的程序 (unknown kind): {kind}"]}) from exc
    household = Household.objects.select_for_update().get(pk=household.pk)
    check_can_open(by=by, kind=kind_def, household=household)
    params = dict(params or {})
    _check_text(params)
    if kind_def.check_application is not None:
        params = kind_def.check_application(params)
    pack = _pack(kind_def, household=household, year=year)
    now = clock.now()
    case = Case(
        reference=_reference(kind, year, household),
        kind=kind,
        household=household,
        year=year,
        plan=plan_for(kind_def, pack),
        step=kind_def.steps[0].key,
        status="open",
        pack_id=getattr(pack, "id", "") or "",
        subject=subject,
        opened_by=by if getattr(by, "pk", None) else None,
        opened_at=now,
    )
    case.full_clean(exclude=["opened_by"])
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError as exc:  # a concurrent opening won the unique constraints
        raise ValidationError(
            {"household": ["该户已有办理中的程序 (a case is already open)"]}
        ) from exc
    if kind_def.assess is not None:
        # At the proposal the standard only warns; the decision is where it refuses.
        params["assessment_preview"] = kind_def.assess(case=case, household=household)
    _event(case, action="open", step=case.step, by=by, params=params)
    _audit(
        case,
        by=by,
        action="open",
        after={
            "reference": case.reference,
            "kind": kind,
            "year": year,
            "plan": case.plan,
            "pack": case.pack_id,
            "params": params,
        },
    )
    return case


@dataclass
class BulkResult:
    opened: list[Case]
    refused: list[tuple[Household, str]]


def cases_open_bulk(
    *, by, kind: str, households: Iterable[Household], year: int, params: dict | None = None
) -> BulkResult:
    """Open one case per household (the yearly adjustment); each opens or is refused alone."""
    result = BulkResult([], [])
    for household in households:
        try:
            result.opened.append(
                case_open(by=by, kind=kind, household=household, year=year, params=params)
            )
        except (ValidationError, PermissionDenied) as exc:
            message = "; ".join(getattr(exc, "messages", None) or [str(exc)])
            result.refused.append((household, message))
    return result


# --- steps -----------------------------------------------------------------------------------


def _int(params: dict, key: str, label: str, errors: dict, *, minimum: int = 0) -> int:
    raw = params.get(key)
    try:
        value = int(raw)
        if isinstance(raw, bool) or str(value) != str(raw).strip() or value < minimum:
            raise ValueError
    except (TypeError, ValueError):
        errors[key] = [f"{label}须为不小于{minimum}的整数 ({key}: a whole number ≥ {minimum})"]
        return 0
    return value


def _text(params: dict, key: str) -> str:
    return str(params.get(key) or "").strip()


def _flag(params: dict, key: str) -> bool | None:
    value = params.get(key)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on", "是"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "off", "否"):
        return False
    return None


def _meeting_params(params: dict) -> tuple[dict, bool]:
    errors: dict[str, list[str]] = {}
    attended = _int(params, "attended", "参会人数", errors, minimum=1)
    votes_for = _int(params, "votes_for", "赞成票", errors)
    against = _int(params, "votes_against", "反对票", errors)
    abstained = _int(params, "abstained", "弃权票", errors)
    if not errors and votes_for + against + abstained > attended:
        errors["votes_for"] = ["票数合计超过参会人数 (more votes than people present)"]
    if errors:
        raise ValidationError(errors)
    clean = {
        "attended": attended,
        "votes_for": votes_for,
        "votes_against": against,
        "abstained": abstained,
        "held_on": _text(params, "held_on"),
        "chair": _text(params, "chair"),
        "minutes": _text(params, "minutes"),
    }
    # More than half of those present in favour: the representatives' meeting passes it.
    clean["passed"] = votes_for * 2 > attended
    return clean, clean["passed"]


def _decision_params(params: dict, *, what: str) -> tuple[dict, bool]:
    approved = _flag(params, "approved")
    opinion = _text(params, "opinion")
    if approved is None:
        raise ValidationError({"approved": [f"请选择{what}结论 (approved: true or false)"]})
    if not approved and not opinion:
        raise ValidationError({"opinion": ["不予通过须说明理由 (a refusal needs its reasons)"]})
    return {"approved": approved, "opinion": opinion}, approved


def _sign_offs(params: dict, pack) -> dict:
    labels = sign_off_labels(pack)
    given = params.get("sign_offs") or {}
    if not isinstance(given, dict):
        raise ValidationError({"sign_offs": ["签字须按签字人逐项填写 (sign_offs: {who: name})"]})
    missing = [label for label in labels if not str(given.get(label) or "").strip()]
    if missing:
        raise ValidationError(
            {"sign_offs": [f"缺少签字：{'、'.join(missing)} (missing sign-offs)"]}
        )
    return {label: str(given[label]).strip() for label in labels}


def _close(case: Case, *, by, status: str, kind: Kind) -> None:
    _save_state(case, status=status, closed_at=clock.now())
    if kind.on_closed is not None and status != "decided":
        kind.on_closed(case=case, by=by)


@transaction.atomic
def step_take(
    *,
    by,
    case: Case,
    step: str,
    params: dict | None = None,
    expected_version: int | None = None,
) -> Case:
    """Take the case's next step. A notice step posts a notice for this case alone; use
    `notice_publish` to list several households in one notice."""
    case = _lock(case, expected_version)
    params = dict(params or {})
    _check_text(params)
    step_def = _check_next(case, step)
    kind = get_kind(case.kind)
    require_role(by, step_def.roles, str(step_def.label))
    require_scope(by, case.household)
    _refuse_if_gated(case)
    if step_def.action == NOTICE:
        _post_notice([case], by=by, step=step_def, where=_text(params, "where_to_object"))
        return case

    outcome = True
    if step_def.action == MEETING:
        record, outcome = _meeting_params(params)
    elif step_def.action == AGREEMENT:
        if _flag(params, "agrees") is not True or not _text(params, "signed_by"):
            raise ValidationError(
                {"signed_by": ["须由农户签字认可 (the household must sign that it agrees)"]}
            )
        record = {
            "agrees": True,
            "signed_by": _text(params, "signed_by"),
            "signed_on": _text(params, "signed_on"),
        }
    elif step_def.action == REVIEW:
        record, outcome = _decision_params(params, what=str(step_def.label))
    elif step_def.action == VERIFY:
        if not _text(params, "findings"):
            raise ValidationError({"findings": ["请填写核实情况 (record the findings)"]})
        record = {"findings": _text(params, "findings"), "visited_on": _text(params, "visited_on")}
    elif step_def.action == DECIDE:
        return _decide(case, by=by, step=step_def, kind=kind, params=params)
    else:  # APPLY is only ever the first step, taken by case_open
        raise ValidationError(f"步骤 {step_def.key} 不能在此办理")

    before = {"step": case.step, "status": case.status}
    _save_state(case, step=step_def.key)
    _event(case, action="step", step=step_def.key, by=by, params=record)
    if not outcome:
        _close(case, by=by, status="rejected", kind=kind)
        _event(case, action="rejected", step=step_def.key, by=by, params={})
    _audit(
        case,
        by=by,
        action="step",
        before=before,
        after={"step": case.step, "status": case.status, "params": record},
    )
    return case


def _decide(case: Case, *, by, step: Step, kind: Kind, params: dict) -> Case:
    record, approved = _decision_params(params, what=str(step.label))
    pack = pack_of(case)
    if approved and step.sign_offs:
        record["sign_offs"] = _sign_offs(params, pack)
    changes: dict = {"step": step.key}
    if approved and kind.assess is not None:
        assessment = kind.assess(case=case, household=case.household)
        if assessment is not None and assessment.get("passed") is not True:
            failed = [
                c["label"] for c in assessment.get("criteria", ()) if c.get("passed") is not True
            ]
            raise ValidationError(
                {
                    "approved": [
                        "未达到退出标准，不能批准 (the household does not pass the standard): "
                        + "、".join(failed)
                    ]
                }
            )
        changes["assessment"] = assessment
    before = {"step": case.step, "status": case.status}
    _save_state(case, **changes)
    _event(case, action="step", step=step.key, by=by, params=record)
    if approved:
        _save_state(case, status="decided", closed_at=clock.now())
        if kind.on_decided is not None:
            kind.on_decided(case=case, by=by)
        notice = _announce(case, by=by, step=step, pack=pack)
        _event(case, action="decided", step=step.key, by=by, params={"notice_id": notice.pk})
    else:
        _close(case, by=by, status="rejected", kind=kind)
        _event(case, action="rejected", step=step.key, by=by, params={})
    _audit(
        case,
        by=by,
        action="decide",
        before=before,
        after={
            "step": case.step,
            "status": case.status,
            "params": record,
            "assessment": changes.get("assessment"),
        },
    )
    return case


def _announce(case: Case, *, by, step: Step, pack) -> Notice:
    """The county announcement (公告): one per county, kind and day, listing its decisions."""
    county = _ancestor(case.household.village_id, "county")
    now = clock.now()
    start_of_day = _local(now).replace(hour=0, minute=0, second=0, microsecond=0)
    notice = (
        Notice.objects.select_for_update()
        .filter(
            region_id=county,
            level="county",
            kind=case.kind,
            step=step.key,
            year=case.year,
            starts_at__gte=start_of_day,
        )
        .first()
    )
    if notice is None:
        notice = Notice.objects.create(
            region_id=county,
            level="county",
            kind=case.kind,
            step=step.key,
            year=case.year,
            starts_at=now,
            ends_at=now + dt.timedelta(days=notice_days(pack, step)),
            posted_by=by if getattr(by, "pk", None) else None,
        )
    notice.cases.add(case)
    return notice


# --- notices ---------------------------------------------------------------------------------


def _ancestor(code: str, level: str) -> str:
    return code[: codes.LEVEL_PREFIX[level]].ljust(12, "0")


def _notice_region(case: Case, step: Step) -> str:
    village = case.household.village_id
    return village if step.notice_level == "village" else _ancestor(village, "township")


def _post_notice(cases: list[Case], *, by, step: Step, where: str) -> Notice:
    first = cases[0]
    region = _notice_region(first, step)
    days = notice_days(pack_of(first), step)
    now = clock.now()
    notice = Notice(
        region_id=region,
        level=step.notice_level,
        kind=first.kind,
        step=step.key,
        year=first.year,
        starts_at=now,
        ends_at=now + dt.timedelta(days=days),
        where_to_object=where,
        posted_by=by if getattr(by, "pk", None) else None,
    )
    notice.full_clean(exclude=["posted_by"])
    notice.save()
    notice.cases.add(*cases)
    for case in cases:
        before = {"step": case.step}
        _save_state(case, step=step.key)
        record = {
            "notice_id": notice.pk,
            "starts_at": notice.starts_at,
            "ends_at": notice.ends_at,
            "days": days,
            "where_to_object": where,
        }
        _event(case, action="step", step=step.key, by=by, params=record)
        _audit(case, by=by, action="notice", before=before, after={"step": step.key, **record})
    return notice


@transaction.atomic
def notice_publish(*, by, cases: Iterable[Case], where_to_object: str = "") -> Notice:
    """Post one notice listing several households whose next step is the same notice.

    All of them must be of one kind and year and belong to the notice's region; any one
    that may not move refuses the whole notice (nothing is posted).
    """
    locked = [_lock(c, None) for c in sorted(cases, key=lambda c: c.pk)]
    if not locked:
        raise ValidationError("没有可公示的对象 (no cases to list)")
    steps = {next_step(c).key if next_step(c) else None for c in locked}
    kinds = {c.kind for c in locked}
    years = {c.year for c in locked}
    if len(kinds) != 1 or len(years) != 1 or len(steps) != 1 or None in steps:
        raise ValidationError("同一公示须为同一程序、同一年度、同一步骤 (one kind, year and step)")
    step_key = steps.pop()
    step = get_kind(locked[0].kind).step(step_key)
    if step.action != NOTICE:
        raise ValidationError(f"下一步「{step.label}」不是公示 (the next step is not a notice)")
    regions = {_notice_region(c, step) for c in locked}
    if len(regions) != 1:
        raise ValidationError("同一公示须在同一区划 (one notice covers one village/township)")
    require_role(by, step.roles, str(step.label))
    for case in locked:
        require_scope(by, case.household)
        _refuse_if_gated(case)
    return _post_notice(locked, by=by, step=step, where=where_to_object.strip())


# --- objections ------------------------------------------------------------------------------


@transaction.atomic
def objection_lodge(
    *,
    notice: Notice,
    case: Case,
    name: str,
    text: str,
    contact: str = "",
    by=None,
) -> Objection:
    """Anyone may object during the notice period; `by` is the official who records it, if any."""
    case = _lock(case, None)
    for field, value in (("name", name), ("text", text), ("contact", contact)):
        _check_text(value, field)
    errors = {}
    if not name.strip():
        errors["name"] = ["请填写异议人姓名 (name of the person objecting)"]
    if not text.strip():
        errors["text"] = ["请填写异议内容 (what the objection is)"]
    if errors:
        raise ValidationError(errors)
    if not notice.cases.filter(pk=case.pk).exists() or notice.level == "county":
        raise ValidationError("该户不在此公示中 (the household is not in this notice)")
    now = clock.now()
    if not (notice.starts_at <= now < notice.ends_at):
        raise ValidationError(
            f"不在公示期内（{_local(notice.starts_at):%Y-%m-%d}至{_local(notice.ends_at):%Y-%m-%d}）"
            " (objections are taken during the notice period only)"
        )
    if case.status != "open" or case.step != notice.step:
        raise ValidationError("该公示已结束办理 (this notice is no longer current for the case)")
    if by is not None and getattr(by, "is_authenticated", False):
        # An official records what was brought in person, by phone or letter.
        require_role(by, ANY_OFFICE, "登记异议")
        require_scope(by, case.household)
    objection = Objection(
        notice=notice,
        case=case,
        lodged_by_name=name.strip(),
        lodged_by_contact=contact.strip(),
        text=text.strip(),
        lodged_at=now,
        recorded_by=by if getattr(by, "pk", None) else None,
    )
    objection.full_clean(exclude=["recorded_by", "resolved_by"])
    objection.save()
    record = {
        "objection_id": objection.pk,
        "notice_id": notice.pk,
        "name": objection.lodged_by_name,
    }
    _event(case, action="objection_lodged", step=case.step, by=by, params=record)
    _audit(case, by=by, action="objection", after={**record, "text": objection.text})
    return objection


@transaction.atomic
def objection_resolve(*, by, objection: Objection, upheld: bool, reasons: str) -> Objection:
    """Upheld: the case goes back to its application and must be assessed again. Dismissed:
    the reasons are recorded and the case may go on once the period is over."""
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    case = _lock(objection.case, None)
    step = get_kind(case.kind).step(objection.notice.step)
    require_role(by, step.resolver_roles, f"处理{step.label}异议")
    require_scope(by, case.household)
    if objection.resolution:
        raise ValidationError("该异议已处理 (already resolved)")
    _check_text(reasons, "reasons")
    if not reasons.strip():
        raise ValidationError({"reasons": ["须写明处理理由 (give the reasons)"]})
    now = clock.now()
    objection.resolution = "upheld" if upheld else "dismissed"
    objection.reasons = reasons.strip()
    objection.resolved_by = by
    objection.resolved_at = now
    objection.save(update_fields=["resolution", "reasons", "resolved_by", "resolved_at"])
    before = {"step": case.step}
    record = {"objection_id": objection.pk, "reasons": objection.reasons}
    if upheld and case.status == "open":
        back_to = case.plan[0]
        _save_state(case, step=back_to)
        record["back_to"] = back_to
    _event(
        case,
        action="objection_upheld" if upheld else "objection_dismissed",
        step=case.step,
        by=by,
        params=record,
    )
    _audit(case, by=by, action="objection_resolve", before=before, after=record)
    return objection


# --- withdrawing -----------------------------------------------------------------------------


@transaction.atomic
def case_withdraw(*, by, case: Case, reason: str, expected_version: int | None = None) -> Case:
    case = _lock(case, expected_version)
    require_role(by, ANY_OFFICE, "撤回")
    require_scope(by, case.household)
    if case.status != "open":
        raise ValidationError("案件已办结 (the case is closed)")
    if not reason.strip():
        raise ValidationError({"reason": ["请填写撤回原因 (give the reason)"]})
    _check_text(reason, "reason")
    before = {"status": case.status}
    _close(case, by=by, status="withdrawn", kind=get_kind(case.kind))
    _event(case, action="withdrawn", step=case.step, by=by, params={"reason": reason.strip()})
    _audit(case, by=by, action="withdraw", before=before, after={"status": case.status})
    return case
