"""Procedure pages. Thin: look up through the selectors (scoped), parse with forms, write with
services. A step the user may not take answers 403; a record out of scope 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jingzhun.assistance.exports import xlsx_response
from jingzhun.core import errors, scoping
from jingzhun.core.errors import ConflictError
from jingzhun.regions.models import Region
from jingzhun.registry import selectors as registry_selectors
from jingzhun.registry.models import Household

from . import clock, selectors, services
from . import forms as f
from .kinds import all_kinds, get_kind, sign_off_labels
from .models import STATUS_CHOICES, Case


def _region(request, code: str | None) -> Region:
    return registry_selectors.region_named_or_home(user=request.user, code=code)


def _messages(exc: Exception) -> list[str]:
    return list(getattr(exc, "messages", None) or [str(exc)])


def _run(request, write):
    """Call a service; a role refusal is 403, a rule refusal a message. Returns success."""
    try:
        write()
    except errors.PermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    except ConflictError as exc:
        messages.error(request, str(exc))
        return False
    except ValidationError as exc:
        for message in _messages(exc):
            messages.error(request, message)
        return False
    return True


def _year(request) -> int | None:
    raw = request.GET.get("year")
    return int(raw) if raw and raw.isdigit() else None


@login_required
def index(request):
    return redirect("procedures:region", code=_region(request, None).code)


@login_required
def case_list(request, code: str):
    region = _region(request, code)
    kind = request.GET.get("kind") or None
    status = request.GET.get("status") or None
    year = _year(request)
    cases = selectors.case_list(
        user=request.user, region_code=region.code, kind=kind, status=status, year=year
    )
    kinds = all_kinds()
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            f"程序案件-{region.name}",
            _("程序案件"),
            [_("案号"), _("程序"), _("户编号"), _("村"), _("年度"), _("已完成步骤"), _("状态")],
            (
                [
                    c.reference,
                    str(kinds[c.kind].label) if c.kind in kinds else c.kind,
                    c.household.household_no,
                    c.household.village.name,
                    c.year,
                    str(get_kind(c.kind).step(c.step).label) if c.kind in kinds else c.step,
                    c.get_status_display(),
                ]
                for c in cases
            ),
        )
    rows = [
        {
            "case": c,
            "kind": kinds.get(c.kind),
            "step": kinds[c.kind].step(c.step) if c.kind in kinds else None,
            "next": services.next_step(c) if c.kind in kinds else None,
        }
        for c in cases[:500]
    ]
    context = {
        "region": region,
        "rows": rows,
        "total": cases.count(),
        "kinds": kinds.values(),
        "statuses": STATUS_CHOICES,
        "filters": {"kind": kind or "", "status": status or "", "year": year or ""},
        "breadcrumbs": registry_selectors.region_breadcrumbs(user=request.user, region=region),
        "notices": selectors.notice_list(user=request.user, region_code=region.code)[:20],
        "this_year": clock.today().year,
    }
    return render(request, "procedures/case_list.html", context)


@login_required
def household(request, household_no: str):
    household = registry_selectors.household_get(user=request.user, household_no=household_no)
    kinds = [
        (k.key, k.label)
        for k in all_kinds().values()
        if k.key in services.REGISTER_KINDS and household.status in k.from_statuses
    ]
    form = None
    if services.role_key(request.user) == "village_officer" and kinds:
        form = f.OpenForm(request.POST or None, kinds=kinds, initial={"year": clock.today().year})
        if request.method == "POST" and form.is_valid():
            opened = {}

            def write():
                opened["case"] = services.case_open(
                    by=request.user,
                    kind=form.cleaned_data["kind"],
                    household=household,
                    year=form.cleaned_data["year"],
                    params=form.params(),
                )

            if _run(request, write):
                messages.success(request, _("已登记申请，程序开始。"))
                return redirect("procedures:case", reference=opened["case"].reference)
    elif request.method == "POST":
        raise PermissionDenied
    context = {
        "household": household,
        "cases": selectors.household_cases(user=request.user, household=household),
        "kinds": all_kinds(),
        "form": form,
        "breadcrumbs": registry_selectors.region_breadcrumbs(
            user=request.user, region=household.village
        ),
        "crumb_tail": household.household_no,
        "crumb_tail_url": reverse("household", args=[household.household_no]),
    }
    return render(request, "procedures/household.html", context)


def _timeline(case: Case, kind) -> list[dict]:
    rows = []
    for event in selectors.case_events(case=case):
        try:
            label = kind.step(event.step).label if event.step else ""
        except KeyError:
            label = event.step
        rows.append({"event": event, "step_label": label, "params": event.params})
    return rows


@login_required
def case_detail(request, reference: str, *, step_form=None):
    case = selectors.case_get(user=request.user, reference=reference)
    kind = get_kind(case.kind)
    action = selectors.next_action(user=request.user, case=case)
    pack = services.pack_of(case)
    if step_form is None and action.step is not None and action.allowed:
        step_form = f.step_form(action.step, sign_offs=sign_off_labels(pack))
    notice = services.current_notice(case)
    role = services.role_key(request.user)
    resolvable = set()
    for objection in case.objections.filter(resolution=""):
        step = kind.step(objection.notice.step)
        if role in step.resolver_roles:
            resolvable.add(objection.pk)
    now = clock.now()
    context = {
        "case": case,
        "kind": kind,
        "household": case.household,
        "plan": [
            {
                "step": kind.step(key),
                "done": case.plan.index(key) <= case.plan.index(case.step),
                "current": key == case.step,
            }
            for key in case.plan
        ],
        "timeline": _timeline(case, kind),
        "action": action,
        "step_form": step_form,
        "notice": notice,
        "notice_open": notice is not None and notice.starts_at <= now < notice.ends_at,
        "objection_form": f.ObjectionForm(prefix="objection"),
        "resolve_form": f.ResolveForm(prefix="resolve"),
        "resolvable": resolvable,
        "objections": case.objections.select_related("notice", "resolved_by").all(),
        "notices": case.notices.all().order_by("starts_at"),
        "can_withdraw": case.status == "open" and role in services.ANY_OFFICE,
        "can_record_objection": role in services.ANY_OFFICE,
        "withdraw_form": f.WithdrawForm(prefix="withdraw"),
        "breadcrumbs": registry_selectors.region_breadcrumbs(
            user=request.user, region=case.household.village
        ),
        "crumb_tail": case.reference,
    }
    return render(request, "procedures/case_detail.html", context)


@login_required
@require_POST
def case_step(request, reference: str):
    case = selectors.case_get(user=request.user, reference=reference)
    step = services.next_step(case)
    if step is None or request.POST.get("step") != step.key:
        messages.error(request, _("该步骤已办理或不是下一步，请刷新后重试。"))
        return redirect("procedures:case", reference=reference)
    form = f.step_form(step, request.POST, sign_offs=sign_off_labels(services.pack_of(case)))
    if not form.is_valid():
        return case_detail(request, reference, step_form=form)
    version = request.POST.get("version")

    def write():
        services.step_take(
            by=request.user,
            case=case,
            step=step.key,
            params=f.step_params(form),
            expected_version=int(version) if version and version.isdigit() else None,
        )

    if _run(request, write):
        messages.success(request, _("已办理：%(step)s") % {"step": step.label})
    return redirect("procedures:case", reference=reference)


@login_required
@require_POST
def case_withdraw(request, reference: str):
    case = selectors.case_get(user=request.user, reference=reference)
    form = f.WithdrawForm(request.POST, prefix="withdraw")
    if form.is_valid() and _run(
        request,
        lambda: services.case_withdraw(
            by=request.user, case=case, reason=form.cleaned_data["reason"]
        ),
    ):
        messages.success(request, _("案件已撤回。"))
    elif not form.is_valid():
        messages.error(request, _("请填写撤回原因。"))
    return redirect("procedures:case", reference=reference)


@login_required
@require_POST
def objection_create(request, reference: str):
    """An official records an objection brought in person, by phone or by letter."""
    case = selectors.case_get(user=request.user, reference=reference)
    notice = services.current_notice(case)
    form = f.ObjectionForm(request.POST, prefix="objection")
    if notice is None:
        messages.error(request, _("该户当前不在公示中。"))
    elif not form.is_valid():
        messages.error(request, _("请填写异议人和异议内容。"))
    elif _run(
        request,
        lambda: services.objection_lodge(
            notice=notice,
            case=case,
            name=form.cleaned_data["name"],
            contact=form.cleaned_data["contact"],
            text=form.cleaned_data["text"],
            by=request.user,
        ),
    ):
        messages.success(request, _("异议已登记，须处理后方可进入下一步。"))
    return redirect("procedures:case", reference=reference)


@login_required
@require_POST
def objection_resolve(request, pk: int):
    objection = selectors.objection_get(user=request.user, pk=pk)
    form = f.ResolveForm(request.POST, prefix="resolve")
    if not form.is_valid():
        messages.error(request, _("请选择处理结果并写明理由。"))
    elif _run(
        request,
        lambda: services.objection_resolve(
            by=request.user,
            objection=objection,
            upheld=form.cleaned_data["upheld"],
            reasons=form.cleaned_data["reasons"],
        ),
    ):
        messages.success(request, _("异议已处理。"))
    return redirect("procedures:case", reference=objection.case.reference)


# --- notices ---------------------------------------------------------------------------------


NOTICE_HEADERS = (
    "村",
    "户编号",
    "户主姓名",
    "证件号码",
    "家庭人口",
    "贫困户属性",
    "主要致贫原因",
    "拟办事项",
)


@login_required
def notice_detail(request, pk: int):
    notice = selectors.notice_get(user=request.user, pk=pk)
    pages = selectors.notice_pages(notice=notice)
    kind = get_kind(notice.kind)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            f"{notice.get_level_display()}-{notice.region.name}-{notice.starts_at:%Y%m%d}",
            str(notice.get_level_display()),
            [*NOTICE_HEADERS, "公示开始", "公示结束", "异议受理"],
            (
                [
                    page.village.name,
                    r.household_no,
                    r.head_name,
                    r.id_masked,
                    r.size,
                    r.attribute,
                    r.cause,
                    r.proposal,
                    f"{notice.starts_at:%Y-%m-%d %H:%M}",
                    f"{notice.ends_at:%Y-%m-%d %H:%M}",
                    notice.where_to_object,
                ]
                for page in pages
                for r in page.rows
            ),
        )
    context = {
        "notice": notice,
        "kind": kind,
        "step": kind.step(notice.step),
        "pages": pages,
        "headers": NOTICE_HEADERS,
    }
    return render(request, "procedures/notice.html", context)


@login_required
@require_POST
def notice_publish(request, code: str):
    """Post one notice for the selected households of a village whose next step is it."""
    region = _region(request, code)
    references = request.POST.getlist("case")
    cases = [
        c
        for c in selectors.case_list(user=request.user, region_code=region.code).filter(
            reference__in=references
        )
    ]
    posted = {}

    def write():
        posted["notice"] = services.notice_publish(
            by=request.user, cases=cases, where_to_object=request.POST.get("where_to_object", "")
        )

    if _run(request, write):
        messages.success(request, _("公示已发布。"))
        return redirect("procedures:notice", pk=posted["notice"].pk)
    return redirect("procedures:region", code=region.code)


# --- yearly dynamic adjustment ---------------------------------------------------------------

# A county lists thousands: the page shows this many per kind; a village or township all of them.
ADJUSTMENT_ROWS = 500


@login_required
def adjustment(request, code: str, year: int):
    region = _region(request, code)
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        if kind not in all_kinds():
            raise Http404
        numbers = request.POST.getlist("household")
        households = scoping.visible(request.user, Household.objects.all()).filter(
            household_no__in=numbers, village__code__startswith=region.prefix
        )
        params = {"note": request.POST.get("note") or _("年度动态调整")}
        if kind == "removal":
            params |= {
                "reason": request.POST.get("reason", ""),
                "evidence": request.POST.get("evidence", ""),
            }
        try:
            result = services.cases_open_bulk(
                by=request.user, kind=kind, households=households, year=year, params=params
            )
        except errors.PermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        if result.opened:
            messages.success(request, _("已开始办理 %(n)d 户。") % {"n": len(result.opened)})
        for household, message in result.refused:
            messages.error(request, f"{household.household_no}: {message}")
        return redirect("procedures:adjustment", code=region.code, year=year)
    candidates = selectors.adjustment_candidates(user=request.user, region=region, year=year)
    kinds = all_kinds()
    context = {
        "region": region,
        "year": year,
        "groups": [
            {"kind": kinds[key], "candidates": rows[:ADJUSTMENT_ROWS], "total": len(rows)}
            for key, rows in candidates.items()
            if key in kinds
        ],
        "shown": ADJUSTMENT_ROWS,
        "monitoring": selectors.monitoring_available(),
        "can_open": services.role_key(request.user) == "village_officer",
        "breadcrumbs": registry_selectors.region_breadcrumbs(user=request.user, region=region),
        "crumb_tail": _("动态调整 %(year)d") % {"year": year},
        "years": [year - 1, year, year + 1],
    }
    return render(request, "procedures/adjustment.html", context)
