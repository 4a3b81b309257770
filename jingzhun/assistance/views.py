"""Assistance pages. Thin: scope with `core.scoping`, parse with forms, write with services,
read with selectors. Every list answers `?format=xlsx` with the same rows.

Records outside the user's scope answer 404 (get_visible_or_404), exactly like missing ones;
a role that may not write answers 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.template.loader import select_template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jingzhun.core import privacy, scoping
from jingzhun.core.labels import choices
from jingzhun.monitoring import selectors as monitoring
from jingzhun.regions.models import Region
from jingzhun.registry import selectors as registry_selectors
from jingzhun.registry.models import Household
from jingzhun.vocab import POOR_VILLAGE, STATUS

from . import forms as f
from . import permissions as perms
from . import selectors as sel
from . import services
from .exports import xlsx_response
from .models import Cadre, Finding, FirstSecretary, Measure, Pairing, Visit, WorkTeam
from .vocab import MEASURE_STATUS, SEVERITY, TEAM_ROLE, VILLAGE_GRADE

BASE_TEMPLATES = ["web/base.html", "assistance/standalone.html"]


def today():
    return timezone.localdate()


def _page(request, template: str, context: dict, status: int = 200):
    context.setdefault("base_template", select_template(BASE_TEMPLATES))
    context.setdefault("can_manage", perms.manages_assistance(request.user))
    context.setdefault("can_steer", perms.steers(request.user))
    context.setdefault("can_inspect", perms.inspects(request.user))
    context.setdefault("sees_steering", perms.sees_steering(request.user))
    context.setdefault("my_cadre", sel.cadre_for_user(request.user))
    return render(request, template, context, status=status)


def _xlsx(request) -> bool:
    return request.GET.get("format") == "xlsx"


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _region(request, code: str | None = None) -> Region:
    """The region named in the URL or `?region=`, else the user's own; out of scope → 404."""
    return registry_selectors.region_named_or_home(
        user=request.user, code=code or request.GET.get("region")
    )


def _visible_regions(request, *levels: str):
    regions = scoping.visible(request.user, Region.objects.all())
    return regions.filter(level__in=levels).order_by("code") if levels else regions


def _yes(value: bool) -> str:
    return _("是") if value else _("否")


# --- home and cadres ------------------------------------------------------------------------


@login_required
def index(request):
    if not perms.sees_steering(request.user):
        cadre = sel.cadre_for_user(request.user)
        if cadre is None:
            raise Http404
        return redirect("assistance:cadre_detail", pk=cadre.pk)
    region = _region(request)
    return _page(request, "assistance/index.html", {"region": region, "year_now": today().year})


@login_required
def my_page(request):
    cadre = sel.cadre_for_user(request.user)
    if cadre is None:
        raise Http404
    return redirect("assistance:cadre_detail", pk=cadre.pk)


@login_required
def cadre_list(request):
    _require(perms.sees_steering(request.user))
    region = _region(request)
    cadres = sel.cadre_list(user=request.user, region_code=region.code, today=today())
    if _xlsx(request):
        return xlsx_response(
            f"帮扶责任人_{region.name}",
            "帮扶责任人",
            ["姓名", "工作单位", "职务", "联系电话", "所在区划", "当前帮扶户数"],
            (
                [
                    c.name,
                    c.unit,
                    c.position,
                    privacy.shown_phone(request.user, c.phone),  # masked for auditors
                    c.region.name,
                    c.current_households,
                ]
                for c in cadres
            ),
        )
    return _page(request, "assistance/cadre_list.html", {"region": region, "cadres": cadres})


@login_required
def cadre_create(request):
    _require(perms.manages_assistance(request.user))
    regions = _visible_regions(request, "county", "township", "village")
    form = f.CadreForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        try:
            cadre = services.cadre_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            f.apply_errors(form, exc)
        else:
            messages.success(request, _("已登记帮扶责任人 %(name)s") % {"name": cadre.name})
            return redirect("assistance:cadre_detail", pk=cadre.pk)
    return _page(request, "assistance/form.html", {"form": form, "title": _("登记帮扶责任人")})


@login_required
def cadre_detail(request, pk: int):
    cadre = sel.cadre_get(user=request.user, pk=pk)
    day = today()
    pairings = list(sel.cadre_pairings(user=request.user, cadre=cadre, today=day))
    overdue = list(sel.overdue_visits(user=request.user, cadre=cadre, today=day))
    overdue_ids = {p.pk for p in overdue}
    tasks = list(sel.open_tasks(user=request.user, cadre=cadre, today=day))
    if _xlsx(request):
        return xlsx_response(
            f"帮扶户_{cadre.name}",
            "帮扶户",
            ["户编号", "村", "状态", "结对开始", "最近走访", "走访逾期"],
            (
                [
                    p.household.household_no,
                    p.household.village.name,
                    STATUS.label(p.household.status),
                    p.start,
                    p.last_visit,
                    _yes(p.pk in overdue_ids),
                ]
                for p in pairings
            ),
        )
    return _page(
        request,
        "assistance/cadre_detail.html",
        {
            "cadre": cadre,
            "pairings": pairings,
            "overdue": overdue,
            "overdue_ids": overdue_ids,
            "tasks": tasks,
            "interval": sel.visit_interval_days(),
            "today": day,
            "alerts": list(monitoring.cadre_open_alerts(user=request.user, cadre=cadre)),
        },
    )


# --- pairings -------------------------------------------------------------------------------


@login_required
def pairing_list(request):
    _require(perms.sees_steering(request.user))
    region = _region(request)
    pairings = sel.pairing_list(user=request.user, region_code=region.code, today=today())
    if _xlsx(request):
        return xlsx_response(
            f"结对帮扶_{region.name}",
            "结对帮扶",
            ["户编号", "村", "帮扶责任人", "工作单位", "开始日期", "结束日期", "备注"],
            (
                [
                    p.household.household_no,
                    p.household.village.name,
                    p.cadre.name,
                    p.cadre.unit,
                    p.start,
                    p.end,
                    p.note,
                ]
                for p in pairings
            ),
        )
    return _page(
        request,
        "assistance/pairing_list.html",
        {"region": region, "pairings": pairings, "end_form": f.EndForm(), "today": today()},
    )


@login_required
def pairing_create(request):
    _require(perms.manages_assistance(request.user))
    cadres = scoping.visible(request.user, Cadre.objects.select_related("region"))
    initial = {"household_no": request.GET.get("household", ""), "start": today()}
    form = f.PairingForm(request.POST or None, cadres=cadres, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            household = scoping.get_visible_or_404(
                request.user, Household.objects.all(), household_no=data["household_no"].strip()
            )
        except Http404:
            form.add_error("household_no", _("没有找到该户（或不在您的管辖范围内）"))
        else:
            try:
                services.pairing_create(
                    by=request.user,
                    cadre=data["cadre"],
                    household=household,
                    start=data["start"],
                    end=data["end"],
                    note=data["note"],
                )
            except ValidationError as exc:
                f.apply_errors(form, exc)
            else:
                messages.success(request, _("结对已保存"))
                return redirect("assistance:household", household_no=household.household_no)
    return _page(request, "assistance/form.html", {"form": form, "title": _("结对帮扶")})


@login_required
@require_POST
def pairing_end(request, pk: int):
    _require(perms.manages_assistance(request.user))
    pairing = scoping.get_visible_or_404(
        request.user, Pairing.objects.select_related("household"), pk=pk
    )
    form = f.EndForm(request.POST)
    if form.is_valid():
        try:
            services.pairing_end(by=request.user, pairing=pairing, end=form.cleaned_data["end"])
            messages.success(request, _("结对已结束"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        messages.error(request, _("请填写结束日期"))
    return redirect("assistance:household", household_no=pairing.household.household_no)


# --- a household's assistance: plan, measures, visits ---------------------------------------


def _household(request, household_no: str) -> Household:
    return registry_selectors.household_get(user=request.user, household_no=household_no)


@login_required
def household(request, household_no: str):
    return _household_page(request, _household(request, household_no))


def _household_page(request, hh: Household, **bound):
    """The page, with a refused form (`visit_form=`, ...) shown bound: its errors beside its
    fields and what was typed kept."""
    day = today()
    data = sel.household_assistance(household=hh, today=day)
    failed = sel.failed_criteria(hh)
    gaps = sel.plan_gaps(hh, failed)
    can_record = perms.records_visits(request.user)
    return _page(
        request,
        "assistance/household.html",
        {
            "household": hh,
            **data,
            "gaps": gaps,
            "unanswered": [g for g in gaps if not g.answered],
            "can_record": can_record,
            "visit_form": f.VisitForm(initial={"date": day}) if can_record else None,
            "measure_form": f.MeasureForm(initial={"start": day}) if can_record else None,
            "explanation_form": f.ExplanationForm() if can_record else None,
            "end_form": f.EndForm(initial={"end": day}),
            "status_choices": choices(MEASURE_STATUS),
            "today": day,
            **bound,
        },
    )


def _acting_cadre(request, hh: Household) -> Cadre:
    """Who a visit is logged for: a cadre logs their own; an officer logs for the household's
    current cadre (e.g. typing up a paper visit form)."""
    own = sel.cadre_for_user(request.user)
    if getattr(request.user, "role", "") == "cadre":
        if own is None:
            raise PermissionDenied
        return own
    current = sel.household_assistance(household=hh, today=today())["current_pairing"]
    if current is None:
        raise ValidationError({"date": [_("该户当前没有帮扶责任人，请先结对")]})
    return current.cadre


def _household_post(request, household_no, form_class, handle, *, key, with_files=False):
    _require(perms.records_visits(request.user))
    hh = _household(request, household_no)
    form = form_class(request.POST, request.FILES) if with_files else form_class(request.POST)
    if form.is_valid():
        try:
            handle(hh, form.cleaned_data)
        except ValidationError as exc:
            f.apply_errors(form, exc)
    if form.errors:
        # The fields' errors show beside them; one that names no field, only up here.
        general = [str(e) for e in form.non_field_errors()]
        messages.error(request, "；".join([_("未保存，请按提示修改"), *general]))
        return _household_page(request, hh, **{key: form})
    messages.success(request, _("已保存"))
    return redirect("assistance:household", household_no=hh.household_no)


@login_required
@require_POST
def visit_create(request, household_no: str):
    def handle(hh, data):
        services.visit_record(
            by=request.user,
            household=hh,
            cadre=_acting_cadre(request, hh),
            date=data["date"],
            found=data["found"],
            done=data["done"],
            photo=data.get("photo"),
            today=today(),
        )

    return _household_post(
        request, household_no, f.VisitForm, handle, key="visit_form", with_files=True
    )


@login_required
@require_POST
def measure_create(request, household_no: str):
    def handle(hh, data):
        services.measure_add(
            by=request.user,
            household=hh,
            kind=data["kind"],
            criterion=data["criterion"],
            description=data["description"],
            amount_fen=data["amount"],
            start=data["start"],
            status=data["status"],
            done_on=today() if data["status"] == "done" else None,
        )

    return _household_post(request, household_no, f.MeasureForm, handle, key="measure_form")


@login_required
@require_POST
def gap_explain(request, household_no: str):
    def handle(hh, data):
        services.gap_explain(
            by=request.user, household=hh, criterion=data["criterion"], text=data["text"]
        )

    return _household_post(request, household_no, f.ExplanationForm, handle, key="explanation_form")


@login_required
@require_POST
def measure_status(request, pk: int):
    _require(perms.records_visits(request.user))
    measure = scoping.get_visible_or_404(
        request.user, Measure.objects.select_related("plan__household"), pk=pk
    )
    form = f.MeasureStatusForm(request.POST)
    if form.is_valid():
        try:
            services.measure_set_status(
                by=request.user,
                measure=measure,
                status=form.cleaned_data["status"],
                done_on=form.cleaned_data["done_on"],
                today=today(),
            )
            messages.success(request, _("状态已更新"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    return redirect("assistance:household", household_no=measure.plan.household.household_no)


@login_required
def visit_list(request):
    region = _region(request)
    cadre = None
    if not perms.sees_steering(request.user):
        cadre = sel.cadre_for_user(request.user)
    visits = sel.visit_list(user=request.user, region_code=region.code, cadre=cadre)
    if _xlsx(request):
        return xlsx_response(
            f"走访记录_{region.name}",
            "走访记录",
            ["走访日期", "户编号", "走访人", "发现的情况", "帮扶的事项", "有照片"],
            (
                [
                    v.date,
                    v.household.household_no,
                    v.cadre.name,
                    v.found,
                    v.done,
                    _yes(bool(v.photo)),
                ]
                for v in visits
            ),
        )
    return _page(request, "assistance/visit_list.html", {"region": region, "visits": visits[:500]})


@login_required
def visit_photo(request, pk: int):
    visit = scoping.get_visible_or_404(request.user, Visit.objects.all(), pk=pk)
    if not visit.photo:
        raise Http404
    response = FileResponse(visit.photo.open("rb"), content_type=visit.photo_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response


# --- coverage, teams, first secretaries -----------------------------------------------------


@login_required
def coverage(request, code: str | None = None):
    _require(perms.sees_steering(request.user))
    region = _region(request, code)
    day = today()
    households = sel.uncovered_households(user=request.user, region=region, today=day)
    villages = sel.uncovered_villages(user=request.user, region=region, today=day)
    if _xlsx(request):
        if request.GET.get("list") == "villages":
            return xlsx_response(
                f"贫困村驻村力量缺口_{region.name}",
                "贫困村缺口",
                ["村代码", "村", "贫困村级别", "有驻村工作队", "有第一书记"],
                (
                    [
                        v.code,
                        v.name,
                        POOR_VILLAGE.label(v.poor_village),
                        _yes(v.has_team),
                        _yes(v.has_secretary),
                    ]
                    for v in villages
                ),
            )
        return xlsx_response(
            f"未落实帮扶责任人的贫困户_{region.name}",
            "贫困户缺口",
            ["户编号", "村代码", "村", "状态"],
            (
                [h.household_no, h.village_id, h.village.name, STATUS.label(h.status)]
                for h in households
            ),
        )
    return _page(
        request,
        "assistance/coverage.html",
        {
            "region": region,
            "summary": sel.coverage_summary(user=request.user, region=region, today=day),
            "households": households[:500],
            "household_count": households.count(),
            "villages": villages,
            "today": day,
        },
    )


@login_required
def team_list(request):
    _require(perms.sees_steering(request.user))
    region = _region(request)
    teams = sel.team_list(user=request.user, region_code=region.code)
    if _xlsx(request):
        return xlsx_response(
            f"驻村工作队_{region.name}",
            "驻村工作队",
            ["村代码", "村", "派出单位", "进驻日期", "撤离日期", "队员"],
            (
                [
                    t.village_id,
                    t.village.name,
                    t.unit,
                    t.start,
                    t.end,
                    "、".join(f"{m.name}({TEAM_ROLE.label(m.role)})" for m in t.members.all()),
                ]
                for t in teams
            ),
        )
    return _page(request, "assistance/team_list.html", {"region": region, "teams": teams})


@login_required
def team_create(request):
    _require(perms.manages_assistance(request.user))
    form = f.WorkTeamForm(
        request.POST or None,
        villages=_visible_regions(request, "village"),
        initial={"start": today(), "village": request.GET.get("village")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.work_team_create(
                by=request.user,
                village=data["village"],
                unit=data["unit"],
                start=data["start"],
                end=data["end"],
                members=form.member_rows(),
            )
        except ValidationError as exc:
            f.apply_errors(form, exc)
        else:
            messages.success(request, _("驻村工作队已保存"))
            return redirect(reverse("assistance:teams") + f"?region={data['village'].code}")
    return _page(request, "assistance/form.html", {"form": form, "title": _("派驻工作队")})


@login_required
@require_POST
def team_end(request, pk: int):
    _require(perms.manages_assistance(request.user))
    team = scoping.get_visible_or_404(request.user, WorkTeam.objects.all(), pk=pk)
    form = f.EndForm(request.POST)
    if form.is_valid():
        try:
            services.work_team_end(by=request.user, team=team, end=form.cleaned_data["end"])
            messages.success(request, _("已撤离"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    return redirect(reverse("assistance:teams") + f"?region={team.village_id}")


@login_required
def secretary_list(request):
    _require(perms.sees_steering(request.user))
    region = _region(request)
    secretaries = sel.secretary_list(user=request.user, region_code=region.code)
    if _xlsx(request):
        return xlsx_response(
            f"第一书记_{region.name}",
            "第一书记",
            ["村代码", "村", "姓名", "派出单位", "任职日期", "离任日期"],
            ([s.village_id, s.village.name, s.name, s.unit, s.start, s.end] for s in secretaries),
        )
    return _page(
        request, "assistance/secretary_list.html", {"region": region, "secretaries": secretaries}
    )


@login_required
def secretary_create(request):
    _require(perms.manages_assistance(request.user))
    form = f.FirstSecretaryForm(
        request.POST or None,
        villages=_visible_regions(request, "village"),
        initial={"start": today(), "village": request.GET.get("village")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            secretary = services.first_secretary_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            f.apply_errors(form, exc)
        else:
            messages.success(request, _("第一书记已保存"))
            return redirect(reverse("assistance:secretaries") + f"?region={secretary.village_id}")
    return _page(request, "assistance/form.html", {"form": form, "title": _("选派第一书记")})


@login_required
@require_POST
def secretary_end(request, pk: int):
    _require(perms.manages_assistance(request.user))
    secretary = scoping.get_visible_or_404(request.user, FirstSecretary.objects.all(), pk=pk)
    form = f.EndForm(request.POST)
    if form.is_valid():
        try:
            services.first_secretary_end(
                by=request.user, secretary=secretary, end=form.cleaned_data["end"]
            )
            messages.success(request, _("已离任"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    return redirect(reverse("assistance:secretaries") + f"?region={secretary.village_id}")


# --- targets and ranking --------------------------------------------------------------------


@login_required
def target_list(request):
    _require(perms.sees_steering(request.user))
    targets = sel.target_list(user=request.user)
    form = None
    if perms.steers(request.user):
        form = f.TargetForm(
            request.POST or None,
            regions=_visible_regions(request, "county"),
            initial={"year": today().year},
        )
        if request.method == "POST" and form.is_valid():
            try:
                target = services.target_set(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                f.apply_errors(form, exc)
            else:
                messages.success(request, _("目标已保存"))
                return redirect("assistance:target", code=target.region_id, year=target.year)
    elif request.method == "POST":
        raise PermissionDenied
    if _xlsx(request):
        return xlsx_response(
            "目标任务",
            "目标任务",
            ["年度", "区划代码", "区划", "减贫人数", "减贫户数", "退出贫困村数"],
            (
                [t.year, t.region_id, t.region.name, t.persons, t.households, t.villages]
                for t in targets
            ),
        )
    return _page(request, "assistance/target_list.html", {"targets": targets, "form": form})


@login_required
def target_detail(request, code: str, year: int):
    _require(perms.sees_steering(request.user))
    target = sel.target_get(user=request.user, region_code=code, year=year)
    region = target.region
    done = sel.progress(region=region, year=year)
    rows = sel.target_children(user=request.user, region=region, year=year)
    children = [r.region for r in rows if r.region.parent_id == region.code]
    children.sort(key=lambda r: r.code)
    form = None
    if perms.steers(request.user) and children:
        initial = {
            r.region.code: {fig: getattr(r.target, fig) for fig in f.SplitForm.FIGURES}
            for r in rows
            if r.target
        }
        form = f.SplitForm(request.POST or None, children=children, initial_rows=initial)
        if request.method == "POST" and form.is_valid():
            try:
                services.target_split(by=request.user, parent=target, shares=form.shares())
            except ValidationError as exc:
                f.apply_errors(form, exc)
            else:
                messages.success(request, _("目标已分解"))
                return redirect("assistance:target", code=code, year=year)
    elif request.method == "POST":
        raise PermissionDenied
    if _xlsx(request):
        return xlsx_response(
            f"排位通报_{region.name}_{year}",
            "排位通报",
            [
                "排名",
                "区划",
                "目标人数",
                "已减贫人数",
                "完成率(%)",
                "目标户数",
                "已减贫户数",
                "目标村数",
                "已退出村数",
            ],
            (
                [
                    r.rank,
                    r.region.name,
                    r.target.persons if r.target else None,
                    r.done.persons,
                    r.persons_percent,
                    r.target.households if r.target else None,
                    r.done.households,
                    r.target.villages if r.target else None,
                    r.done.villages,
                ]
                for r in rows
            ),
        )
    return _page(
        request,
        "assistance/target_detail.html",
        {
            "target": target,
            "region": region,
            "done": done,
            "persons_percent": sel.percent(done.persons, target.persons, places=1),
            "households_percent": sel.percent(done.households, target.households, places=1),
            "villages_percent": sel.percent(done.villages, target.villages, places=1),
            "rows": rows,
            "form": form,
        },
    )


# --- inspections and grades -----------------------------------------------------------------


@login_required
def inspection_list(request):
    _require(perms.sees_steering(request.user))
    region = _region(request)
    inspections = sel.inspection_list(user=request.user, region_code=region.code)
    form = None
    if perms.inspects(request.user):
        form = f.InspectionForm(
            request.POST or None,
            regions=_visible_regions(request, "township", "village"),
            initial={"date": today()},
        )
        if request.method == "POST" and form.is_valid():
            try:
                inspection = services.inspection_create(
                    by=request.user, today=today(), **form.cleaned_data
                )
            except ValidationError as exc:
                f.apply_errors(form, exc)
            else:
                messages.success(request, _("督查已登记，请录入发现的问题"))
                return redirect("assistance:inspection", pk=inspection.pk)
    elif request.method == "POST":
        raise PermissionDenied
    if _xlsx(request):
        return xlsx_response(
            f"督查_{region.name}",
            "督查",
            ["督查日期", "督查对象", "督查组", "问题数", "未整改数", "督查情况"],
            (
                [i.date, i.region.name, i.inspectors, i.finding_count, i.open_count, i.summary]
                for i in inspections
            ),
        )
    return _page(
        request,
        "assistance/inspection_list.html",
        {"region": region, "inspections": inspections, "form": form},
    )


@login_required
def inspection_detail(request, pk: int):
    _require(perms.sees_steering(request.user))
    inspection = sel.inspection_get(user=request.user, pk=pk)
    day = today()
    form = None
    if perms.inspects(request.user):
        form = f.FindingForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.finding_add(by=request.user, inspection=inspection, **form.cleaned_data)
            except ValidationError as exc:
                f.apply_errors(form, exc)
            else:
                messages.success(request, _("问题已录入"))
                return redirect("assistance:inspection", pk=pk)
    elif request.method == "POST":
        raise PermissionDenied
    findings = list(inspection.findings.all())
    for finding in findings:
        finding.is_overdue = sel.is_overdue(finding, day)
    return _page(
        request,
        "assistance/inspection_detail.html",
        {
            "inspection": inspection,
            "findings": findings,
            "form": form,
            "rectify_form": f.RectifyForm(initial={"rectified_on": day}),
            "can_rectify": perms.inspects(request.user) or perms.manages_assistance(request.user),
        },
    )


def _finding_rows(findings, day):
    for x in findings:
        yield [
            x.inspection.date,
            x.inspection.region.name,
            x.description,
            SEVERITY.label(x.severity),
            x.responsible_unit,
            x.deadline,
            x.rectified_on,
            x.rectification,
            _yes(sel.is_overdue(x, day)),
        ]


@login_required
def finding_list(request):
    _require(perms.sees_steering(request.user))
    region = _region(request)
    day = today()
    overdue_only = request.GET.get("overdue") == "1"
    findings = sel.finding_list(
        user=request.user, today=day, region_code=region.code, overdue_only=overdue_only
    )
    if _xlsx(request):
        return xlsx_response(
            f"督查问题_{region.name}",
            "督查问题",
            [
                "督查日期",
                "督查对象",
                "问题",
                "严重程度",
                "责任单位",
                "整改时限",
                "整改完成日期",
                "整改情况",
                "逾期未整改",
            ],
            _finding_rows(findings, day),
        )
    findings = list(findings[:500])
    for finding in findings:
        finding.is_overdue = sel.is_overdue(finding, day)
    return _page(
        request,
        "assistance/finding_list.html",
        {"region": region, "findings": findings, "overdue_only": overdue_only},
    )


@login_required
@require_POST
def finding_rectify(request, pk: int):
    _require(perms.inspects(request.user) or perms.manages_assistance(request.user))
    finding = scoping.get_visible_or_404(request.user, Finding.objects.all(), pk=pk)
    form = f.RectifyForm(request.POST)
    if form.is_valid():
        try:
            services.finding_rectify(
                by=request.user, finding=finding, today=today(), **form.cleaned_data
            )
            messages.success(request, _("整改情况已保存"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        messages.error(request, _("请填写整改完成日期和整改情况"))
    return redirect("assistance:inspection", pk=finding.inspection_id)


@login_required
def village_grades(request, code: str, year: int):
    _require(perms.sees_steering(request.user))
    region = _region(request, code)
    day = today()
    rule = sel.grading_rule_for(region)
    form = None
    if perms.steers(request.user) and region.level == "county":
        form = f.GradingRuleForm(
            request.POST or None,
            initial={
                "good_min_percent": rule.good_min_percent,
                "medium_min_percent": rule.medium_min_percent,
                "good_max_open_serious": rule.good_max_open_serious,
            },
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.grading_rule_set(by=request.user, county=region, **form.cleaned_data)
            except ValidationError as exc:
                f.apply_errors(form, exc)
            else:
                messages.success(request, _("分类规则已保存"))
                return redirect("assistance:grades", code=code, year=year)
    elif request.method == "POST":
        raise PermissionDenied
    grades = sel.village_grades(user=request.user, region=region, year=year, today=day)
    if _xlsx(request):
        return xlsx_response(
            f"好中差分类_{region.name}_{year}",
            "好中差分类",
            [
                "村代码",
                "村",
                "问题数",
                "已整改",
                "整改率(%)",
                "未整改严重问题",
                "逾期未整改",
                "分类",
            ],
            (
                [
                    g.village.code,
                    g.village.name,
                    g.findings,
                    g.rectified,
                    g.share,
                    g.open_serious,
                    g.overdue,
                    VILLAGE_GRADE.label(g.grade),
                ]
                for g in grades
            ),
        )
    return _page(
        request,
        "assistance/grades.html",
        {"region": region, "year": year, "grades": grades, "rule": rule, "form": form},
    )
