"""The audit trail as a page, for the roles that read it (county admins, auditors).

The export is the API's (`/api/v1/audit/export`, which accepts the browser session), so there
is one export and it is itself audited. Personal data inside before/after is masked by role.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from jingzhun.core import privacy
from jingzhun.regions import codes
from jingzhun.registry.selectors import region_get

from . import selectors

PAGE_SIZE = 50


@login_required
def entry_list(request):
    user = request.user
    if not selectors.may_read_audit(user):
        raise PermissionDenied
    region = None
    if request.GET.get("region"):
        try:
            code = codes.normalize_code(request.GET["region"])
        except codes.RegionCodeError as exc:
            raise Http404 from exc
        region = region_get(user=user, code=code)  # outside the scope: 404, like missing
    entries = selectors.entry_list(user=user, region_code=region.code if region else None)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "entry": entry,
            "before": privacy.shown_values(user, entry.before),
            "after": privacy.shown_values(user, entry.after),
        }
        for entry in page
    ]
    return render(
        request,
        "audit/entry_list.html",
        {
            "page": page,
            "rows": rows,
            "region": region,
            "region_code": region.code if region else "",
        },
    )
