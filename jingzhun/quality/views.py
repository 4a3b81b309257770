"""Per-region pages: counts per rule and per village, drill-down to the records.

Every read goes through jingzhun.core.scoping; a region outside the user's scope is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jingzhun.accounts.roles import role_of
from jingzhun.core import scoping
from jingzhun.regions import codes
from jingzhun.regions.models import Region
from jingzhun.registry.selectors import home_region_for, region_breadcrumbs

from . import selectors
from .kinds import KINDS
from .services import CheckError, run_checks


def _region(request, code: str) -> Region:
    return scoping.get_visible_or_404(request.user, Region.objects.all(), code=code)


def _may_run(user) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    role = role_of(user)
    return bool(role and role.writes_registry)


@login_required
def index(request):
    region = home_region_for(request.user)
    if region is None:
        raise Http404
    return redirect("quality:region", code=region.code)


@login_required
def region(request, code: str):
    place = _region(request, code)
    user = request.user
    rules = selectors.by_rule(user=user, region_code=place.code)
    villages = selectors.by_village(user=user, region_code=place.code)
    return render(
        request,
        "quality/region.html",
        {
            "region": place,
            "breadcrumbs": region_breadcrumbs(user=user, region=place),
            "rules": rules,
            "villages": villages,
            "backlog": selectors.backlog(user=user, region_code=place.code),
            "runs": selectors.runs(user=user, region_code=place.code),
            "may_run": _may_run(user),
        },
    )


@login_required
@require_POST
def run(request, code: str):
    place = _region(request, code)
    if not _may_run(request.user):
        raise Http404
    try:
        outcome = run_checks(place.code, by=request.user)
    except CheckError as exc:
        messages.error(request, str(exc))
    else:
        r = outcome.run
        messages.success(
            request,
            _("核查完成：%(found)d 个问题，新增 %(new)d，已整改 %(resolved)d")
            % {"found": r.found, "new": r.new, "resolved": r.resolved},
        )
    return redirect("quality:region", code=place.code)


@login_required
def rule_findings(request, code: str, rule_id: str):
    place = _region(request, code)
    rules = selectors.rules_for(place.code)
    if rule_id not in rules:
        raise Http404
    village = request.GET.get("village") or None
    if village:
        try:
            village = codes.normalize_code(village)
        except codes.RegionCodeError as exc:
            raise Http404 from exc
        if not village.startswith(place.prefix):
            raise Http404
    show = request.GET.get("show", "open")
    qs = selectors.findings(
        user=request.user,
        region_code=place.code,
        rule_id=rule_id,
        village=village,
        open_only=show != "all",
    )
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    names = dict(
        Region.objects.filter(code__in={f.region_code for f in page}).values_list("code", "name")
    )
    return render(
        request,
        "quality/rule.html",
        {
            "region": place,
            "breadcrumbs": region_breadcrumbs(user=request.user, region=place),
            "rule": rules[rule_id],
            "page": page,
            "names": names,
            "village": village,
            "show": show,
            "edit": _edit_target(rules[rule_id]) if _may_run(request.user) else None,
        },
    )


def _edit_target(rule) -> str:
    """Which form corrects a finding of this rule: the member's, the year's income, or the
    household's (a rule reading income fields is fixed on the income form)."""
    if any(f.startswith("income.") for f in rule.fields):
        return "income"
    return "member" if KINDS[rule.kind].object_type == "member" else "household"
