"""Monitoring pages: the alert list of a region, an alert with its timeline and the next
allowed action, and the risk-event form on a household. Thin: services write, selectors read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jingzhun.accounts.roles import role_of
from jingzhun.core import scoping
from jingzhun.regions.models import Region
from jingzhun.registry import selectors as registry
from jingzhun.registry.selectors import home_region_for, region_breadcrumbs

from . import clock, selectors, services
from .forms import AlertFilterForm, NoteForm, RiskEventForm, VerifyForm, apply_errors
from .presenters import alert_data_rows, board_sections
from .scan import ScanError, ScanRefused, scan
from .services import elimination_check

SCANNERS = ("county_admin", "township_officer")


def _role(user) -> str:
    role = role_of(user)
    return role.key if role else ""


@login_required
def index(request):
    region = home_region_for(request.user)
    if region is None:
        raise Http404
    return redirect("monitoring:region", code=region.code)


@login_required
def region(request, code: str):
    place = scoping.get_visible_or_404(request.user, Region.objects.all(), code=code)
    form = AlertFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    alerts = selectors.alert_list(
        user=request.user,
        region_code=place.code,
        level=filters.get("level") or None,
        status=filters.get("status") or None,
        overdue=True if filters.get("overdue") else None,
        year=filters.get("year"),
        overdue_first=True,
    )
    page = Paginator(alerts, 50).get_page(request.GET.get("page"))
    sections = board_sections(
        selectors.alert_board(user=request.user, code=place.code, year=filters.get("year")),
        selectors.monitored_trend(user=request.user, code=place.code),
    )
    return render(
        request,
        "monitoring/region.html",
        {
            "region": place,
            "breadcrumbs": region_breadcrumbs(user=request.user, region=place),
            "form": form,
            "sections": sections,
            "charts": {s.key: s.chart for s in sections},
            "page": page,
            "today": clock.today(),
            "may_scan": _role(request.user) in SCANNERS or request.user.is_superuser,
            "this_year": clock.today().year,
        },
    )


@login_required
@require_POST
def scan_run(request, code: str):
    place = scoping.get_visible_or_404(request.user, Region.objects.all(), code=code)
    if not (_role(request.user) in SCANNERS or request.user.is_superuser):
        raise PermissionDenied
    year = request.POST.get("year", "")
    try:
        outcome = scan(by=request.user, region_code=place.code, year=int(year))
    except (ValueError, ScanError, ScanRefused) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("扫描完成：%(households)d 户，监测对象 %(classified)d 户，新增预警 %(raised)d 条")
            % {
                "households": outcome.scan.households,
                "classified": outcome.scan.classified,
                "raised": outcome.scan.raised,
            },
        )
    return redirect("monitoring:region", code=place.code)


@login_required
def alert_detail(request, pk: int):
    alert = selectors.alert_get(user=request.user, pk=pk)
    actions = selectors.next_actions(user=request.user, alert=alert)
    return render(
        request,
        "monitoring/alert.html",
        {
            "alert": alert,
            "breadcrumbs": region_breadcrumbs(user=request.user, region=alert.household.village),
            "timeline": selectors.alert_timeline(alert=alert),
            "actions": actions,
            "verify_form": VerifyForm(initial={"visited_on": clock.today()}),
            "note_form": NoteForm(),
            "check": elimination_check(alert) if alert.status in ("measures", "reviewed") else None,
            "today": clock.today(),
            "rule_label": selectors.rule_label(alert.rule),
            "data_rows": alert_data_rows(alert.data),
        },
    )


_ACTIONS = {
    "verify": lambda by, alert, data: services.alert_verify(
        by=by,
        alert=alert,
        visited_on=data["visited_on"],
        found=data["found"],
        risk_confirmed=data["risk_confirmed"],
    ),
    "close": lambda by, alert, data: services.alert_close(by=by, alert=alert, note=data["note"]),
    "submit": lambda by, alert, data: services.alert_submit(by=by, alert=alert, note=data["note"]),
    "measures": lambda by, alert, data: services.alert_measures(
        by=by, alert=alert, note=data["note"]
    ),
    "review": lambda by, alert, data: services.alert_review(by=by, alert=alert, note=data["note"]),
    "eliminate": lambda by, alert, data: services.alert_request_elimination(
        by=by, alert=alert, note=data["note"]
    ),
}


@login_required
@require_POST
def alert_action(request, pk: int, action: str):
    alert = selectors.alert_get(user=request.user, pk=pk)
    if action not in _ACTIONS or action not in selectors.next_actions(
        user=request.user, alert=alert
    ):
        raise PermissionDenied
    form = (VerifyForm if action == "verify" else NoteForm)(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("monitoring:alert", pk=alert.pk)
    try:
        _ACTIONS[action](request.user, alert, form.cleaned_data)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已办理。"))
    return redirect("monitoring:alert", pk=alert.pk)


@login_required
def event_create(request, household_no: str):
    household = registry.household_get(user=request.user, household_no=household_no)
    if _role(request.user) not in selectors.EVENT_RECORDERS:
        raise PermissionDenied
    form = RiskEventForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.risk_event_record(
                by=request.user,
                household=household,
                kind=data["kind"],
                date=data["date"],
                source=data["source"],
                amount_fen=data["amount"],
                note=data["note"],
                member=data["member"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已登记风险事件，下次监测扫描时生成预警。"))
            return redirect("household", household_no=household.household_no)
    return render(
        request,
        "monitoring/event_form.html",
        {
            "form": form,
            "household": household,
            "breadcrumbs": region_breadcrumbs(user=request.user, region=household.village),
        },
    )
