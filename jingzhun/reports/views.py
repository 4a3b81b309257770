"""Dashboard pages, their JSON and the XLSX report tables. Thin: selectors do the reading."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jingzhun.regions.models import Region
from jingzhun.registry import selectors as registry

from . import presenters, selectors, xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(request) -> int | None:
    raw = request.GET.get("year")
    if raw in (None, ""):
        return None
    try:
        year = int(raw)
    except ValueError as exc:
        raise Http404 from exc
    if not 1990 <= year <= 2100:
        raise Http404
    return year


@login_required
def index(request):
    selectors.require_reader(request.user)
    code = request.user.region_id
    if code is None:
        first = Region.objects.filter(parent__isnull=True).order_by("code").first()
        if first is None:
            raise Http404
        code = first.code
    return redirect("reports:dashboard", code=code)


@login_required
def dashboard(request, code: str):
    region = selectors.region_for(user=request.user, code=code)
    data = selectors.dashboard_for(user=request.user, region=region, year=_year(request))
    sections = presenters.sections(data)
    return render(
        request,
        "reports/dashboard.html",
        {
            "region": region,
            "data": data,
            "as_of": selectors.as_of_local(data),
            "key_figures": presenters.key_figures(data),
            "sections": sections,
            "charts": {s.key: s.chart for s in sections if s.chart},
            "crumbs": registry.region_breadcrumbs(user=request.user, region=region),
        },
    )


@login_required
def figures_json(request, code: str):
    data = selectors.dashboard(user=request.user, code=code, year=_year(request))
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def _attachment(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = (
        f"attachment; filename=\"report.xlsx\"; filename*=UTF-8''{quote(filename)}"
    )
    return response


@login_required
def summary_xlsx(request, code: str):
    data = selectors.dashboard(user=request.user, code=code, year=_year(request))
    name = _("%(name)s%(year)s年统计汇总表.xlsx") % {"name": data["name"], "year": data["year"]}
    return _attachment(xlsx.summary_workbook(data), name)


@login_required
def households_xlsx(request, code: str):
    region = selectors.region_for(user=request.user, code=code)
    year = _year(request) or selectors.default_year(region)
    name = _("%(name)s%(year)s年贫困户明细表.xlsx") % {"name": region.name, "year": year}
    return _attachment(xlsx.household_workbook(user=request.user, region=region, year=year), name)
