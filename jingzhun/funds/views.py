"""Funds pages: the ledger report (with its XLSX), the project library, a project's fund lines,
progress and beneficiaries, and the project form with the subsidy calculator. Thin: selectors
read, services write, `core.scoping` bounds everything (out of scope answers 404).

Who: the roles that read a whole region's figures (county, township and village officers,
auditors; the same as the dashboards). The county office writes projects and progress.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.accounts.roles import role_of
from jingzhun.assistance.exports import xlsx_response
from jingzhun.assistance.forms import apply_errors
from jingzhun.core import scoping
from jingzhun.core.labels import label_in_language
from jingzhun.core.money import fen_to_yuan
from jingzhun.regions.models import Region
from jingzhun.registry import selectors as registry
from jingzhun.registry.models import Household
from jingzhun.reports.selectors import require_reader
from jingzhun.reports.views import XLSX

from . import selectors, services, standards, xlsx
from .forms import (
    AllocationForm,
    BeneficiaryForm,
    BudgetForm,
    ProgressForm,
    ProjectForm,
    RoadCalculatorForm,
)
from .models import Project
from .vocab import LEVEL, PROJECT_STATUS, UNIT


def writes_funds(user) -> bool:
    role = role_of(user)
    return bool(getattr(user, "is_superuser", False) or (role and role.key == "county_admin"))


def _region(request) -> Region:
    return registry.region_named_or_home(user=request.user, code=request.GET.get("region"))


def _year(request) -> int | None:
    raw = request.GET.get("year") or ""
    if not raw:
        return None
    if not raw.isdigit() or not 1990 <= int(raw) <= 2100:
        raise Http404
    return int(raw)


def _context(request, region: Region, **extra) -> dict:
    return {
        "region": region,
        "breadcrumbs": registry.region_breadcrumbs(user=request.user, region=region),
        "can_write": writes_funds(request.user),
        **extra,
    }


@login_required
def report(request):
    require_reader(request.user)
    region = _region(request)
    years = selectors.ledger_years(user=request.user, region_code=region.code)
    year = _year(request) or (years[-1] if years else timezone.localdate().year)
    result = selectors.funds_report(year=year, region_code=region.code, user=request.user)
    if request.GET.get("format") == "xlsx":
        name = _("%(name)s%(year)s年度扶贫资金报表.xlsx") % {"name": region.name, "year": year}
        response = HttpResponse(
            xlsx.report_workbook(result, region_name=region.name), content_type=XLSX
        )
        response["Content-Disposition"] = (
            f"attachment; filename=\"funds.xlsx\"; filename*=UTF-8''{quote(name)}"
        )
        return response
    projects = [
        {
            **p,
            "unit_label": label_in_language(UNIT, p["unit"]),
            "done_percent": _percent(p["completed_quantity"], p["planned_quantity"]),
        }
        for p in result.by_project
    ]
    budgets = [(label_in_language(LEVEL, b.level), b) for b in result.budgets]
    groupings = [
        (
            _("按资金级别"),
            _("资金级别"),
            [(label_in_language(LEVEL, k), v) for k, v in result.by_level.items()],
        ),
        (_("按用途"), _("用途"), list(result.by_category.items())),
        (_("按批次"), _("批次"), list(result.by_batch.items())),
    ]
    return render(
        request,
        "funds/report.html",
        _context(
            request,
            region,
            year=year,
            years=sorted(set(years) | {year}),
            report=result,
            budgets=budgets,
            groupings=groupings,
            projects=projects,
        ),
    )


def _percent(done, planned) -> str:
    planned = Decimal(planned)
    if not planned:
        return "—"
    return str((Decimal(done) * 100 / planned).quantize(Decimal("0.1")))


@login_required
def project_list(request):
    require_reader(request.user)
    region = _region(request)
    year = _year(request)
    projects = [
        {"project": p, "done_percent": _percent(p.completed, p.planned_quantity)}
        for p in selectors.project_list(user=request.user, region_code=region.code, year=year)
    ]
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            f"项目库_{region.name}",
            "项目库",
            [
                "项目年度",
                "项目名称",
                "用途类别",
                "实施地点",
                "区划代码",
                "状态",
                "单位",
                "计划规模",
                "已完成",
                "完成率(%)",
                "已安排资金(元)",
            ],
            (
                [
                    p.year,
                    p.name,
                    p.category,
                    p.location.name,
                    p.location_id,
                    PROJECT_STATUS.label(p.status),
                    UNIT.label(p.unit),
                    p.planned_quantity,
                    p.completed,
                    row["done_percent"],
                    fen_to_yuan(p.allocated_fen),
                ]
                for row in projects
                for p in [row["project"]]
            ),
        )
    return render(
        request,
        "funds/project_list.html",
        _context(request, region, year=year, projects=projects),
    )


@login_required
def project_detail(request, pk: int):
    require_reader(request.user)
    project = scoping.get_visible_or_404(
        request.user, Project.objects.select_related("location"), pk=pk
    )
    form = ProgressForm(initial={"date": timezone.localdate()})
    benefit_form = BeneficiaryForm(initial={"year": project.year, "amount": "0"})
    if request.method == "POST":
        if not writes_funds(request.user):
            raise PermissionDenied
        if "benefit-household_no" in request.POST:
            benefit_form = BeneficiaryForm(request.POST)
            if _add_beneficiary(request, project, benefit_form):
                return redirect("funds:project", pk=project.pk)
        else:
            form = ProgressForm(request.POST)
            if form.is_valid():
                try:
                    services.progress_record(by=request.user, project=project, **form.cleaned_data)
                except ValidationError as exc:
                    apply_errors(form, exc)
                else:
                    messages.success(request, _("已记录完成进度。"))
                    return redirect("funds:project", pk=project.pk)
    completed = selectors.project_completed_quantity(project)
    return render(
        request,
        "funds/project_detail.html",
        _context(
            request,
            project.location,
            project=project,
            completed=completed.quantize(Decimal("0.001")),
            standard_title=_standard_title(project.standard),
            done_percent=_percent(completed, project.planned_quantity),
            lines=selectors.project_lines(user=request.user, project=project),
            progress=project.progress.all(),
            beneficiaries=selectors.project_beneficiaries(user=request.user, project=project),
            form=form,
            benefit_form=benefit_form,
        ),
    )


def _add_beneficiary(request, project: Project, form: BeneficiaryForm) -> bool:
    """Link a registered household (in the writer's scope) to the project; False with the
    reason on the form when refused."""
    if not form.is_valid():
        return False
    data = form.cleaned_data
    household = (
        scoping.visible(request.user, Household.objects.all())
        .filter(household_no=data["household_no"].strip())
        .first()
    )
    if household is None:
        form.add_error("household_no", _("户编号不存在或不在您的管辖范围内。"))
        return False
    try:
        services.beneficiary_add(
            by=request.user,
            project=project,
            household=household,
            year=data["year"],
            amount_fen=data["amount"],
            note=data["note"],
        )
    except ValidationError as exc:
        apply_errors(form, exc)
        return False
    messages.success(request, _("已登记受益户 %(no)s。") % {"no": household.household_no})
    return True


def _standard_title(standard_id: str) -> str:
    if not standard_id:
        return ""
    try:
        return standards.load(standard_id).title
    except standards.StandardError:
        return standard_id


def calculate(data, calculator: RoadCalculatorForm):
    """The calculator's result for the planned length typed on the form, or None with the
    reason on the calculator. The project itself is not validated: it is not being saved."""
    if not calculator.is_valid():
        return None
    if data.get("unit") != "km":
        calculator.add_error(None, _("道路补助按公里计算：请把单位选为“公里”。"))
        return None
    try:
        length = ProjectForm.base_fields["planned_quantity"].clean(data.get("planned_quantity"))
    except ValidationError:
        calculator.add_error(None, _("请先填写计划建设规模（公里数），再计算补助。"))
        return None
    try:
        return standards.road_subsidy(
            length_km=length,
            width_m=calculator.cleaned_data["width_m"],
            road_class=calculator.cleaned_data["road_class"],
            cost_fen=calculator.cleaned_data["cost_fen"],
            standard_id=calculator.standard.id,
        )
    except standards.StandardError as exc:
        calculator.add_error(None, str(exc))
        return None


@login_required
def project_create(request):
    if not writes_funds(request.user):
        raise PermissionDenied
    region = _region(request)
    initial = {"location": region.code, "year": timezone.localdate().year, "unit": "km"}
    calculating = "calculate" in request.POST
    # While calculating, the project form keeps what was typed but is not judged yet.
    places = (
        scoping.visible(request.user, Region.objects.all())
        .filter(code__startswith=region.prefix, level__in=("county", "township", "village"))
        .order_by("code")
    )
    form = ProjectForm(
        None if calculating else (request.POST or None),
        initial=request.POST.dict() if calculating else initial,
        places=places,
    )
    calculator = RoadCalculatorForm(request.POST or None)
    subsidy = None
    if request.method == "POST":
        if calculating:
            subsidy = calculate(request.POST, calculator)
        elif form.is_valid():
            data = form.cleaned_data
            try:
                project = services.project_create(
                    by=request.user,
                    name=data["name"],
                    category=data["category"],
                    location=places.get(code=data["location"]),  # a choice, so it exists
                    year=data["year"],
                    planned_quantity=data["planned_quantity"],
                    unit=data["unit"],
                    standard=data["standard"],
                    note=data["note"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("项目已入库。"))
                return redirect("funds:project", pk=project.pk)
    return render(
        request,
        "funds/project_form.html",
        _context(
            request,
            region,
            form=form,
            calculator=calculator,
            subsidy=subsidy,
            standard=calculator.standard,
        ),
    )


def _ledger_region(request) -> Region:
    """Budgets and allocations are held by a county (the level that receives the money)."""
    region = _region(request)
    if region.level != "county":
        raise Http404
    return region


@login_required
def budget_create(request):
    if not writes_funds(request.user):
        raise PermissionDenied
    region = _ledger_region(request)
    form = BudgetForm(request.POST or None, initial={"budget_year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.budget_create(
                by=request.user,
                region=region,
                level=data["level"],
                budget_year=data["budget_year"],
                amount_fen=data["amount_fen"],
                source=data["source"],
                note=data["note"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("预算已登记。"))
            return redirect(
                f"{reverse('funds:report')}?region={region.code}&year={data['budget_year']}"
            )
    return render(
        request,
        "funds/ledger_form.html",
        _context(request, region, form=form, heading=_("登记预算（资金下达）"), nav="budget"),
    )


@login_required
def allocation_create(request):
    if not writes_funds(request.user):
        raise PermissionDenied
    region = _ledger_region(request)
    projects = selectors.project_list(user=request.user, region_code=region.code)
    year = timezone.localdate().year
    form = AllocationForm(
        request.POST or None,
        initial={"year": year, "budget_year": year},
        projects=projects,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.allocation_create(
                by=request.user,
                region=region,
                level=data["level"],
                budget_year=data["budget_year"],
                year=data["year"],
                batch=data["batch"],
                category=data["category"],
                amount_fen=data["amount_fen"],
                project=projects.filter(pk=data["project"]).first() if data["project"] else None,
                advance_for_year=data["advance_for_year"],
                note=data["note"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("资金已安排。"))
            return redirect(f"{reverse('funds:report')}?region={region.code}&year={data['year']}")
    return render(
        request,
        "funds/ledger_form.html",
        _context(request, region, form=form, heading=_("安排资金"), nav="allocation"),
    )
