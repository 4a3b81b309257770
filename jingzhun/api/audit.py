"""The audit trail for roles that read it (county admins, auditors): a page, and a CSV export."""

from __future__ import annotations

import csv
import json

from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from ninja import Query, Router

from jingzhun.audit import selectors
from jingzhun.audit import services as audit
from jingzhun.regions import codes

from . import presenters
from .paging import PageParams, page_of
from .schemas import AuditPage, MessageOut, RegionCode, ValidationErrorOut

router = Router(tags=["audit"])

CSV_COLUMNS = (
    "seq",
    "at",
    "actor",
    "source",
    "action",
    "object_type",
    "object_id",
    "household_no",
    "region_code",
    "before",
    "after",
    "prev_hash",
    "hash",
)


class AuditFilters(PageParams):
    region: RegionCode | None = None


def _entries(request, region: str | None):
    user = request.auth
    code = None
    if region:
        code = codes.normalize_code(region)
        # A region outside the caller's scope answers 404, like everywhere else.
        from jingzhun.registry.selectors import region_get

        region_get(user=user, code=code)
    return selectors.entry_list(user=user, region_code=code)


@router.get(
    "/audit",
    response={200: AuditPage, 403: MessageOut, 404: MessageOut, 422: ValidationErrorOut},
    summary="Audit entries concerning your region, newest first",
    description="County admins and auditors only (403 for other roles). ID numbers and phone "
    "numbers inside before/after are masked as your role requires.",
)
def audit_list(request: HttpRequest, filters: Query[AuditFilters]):
    entries = _entries(request, filters.region)
    return page_of(entries, filters, lambda e: presenters.audit_entry(request.auth, e, full=True))


def _safe_cell(value: object) -> str:
    # Spreadsheet formula injection: a cell starting with = + - @ is shown as text.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value: str) -> str:
        return value


@router.get(
    "/audit/export",
    response={200: None, 403: MessageOut, 404: MessageOut, 422: ValidationErrorOut},
    summary="The same entries as CSV (UTF-8 with BOM, for spreadsheet programs)",
    description="The export itself is recorded in the audit trail.",
    openapi_extra={
        "responses": {200: {"description": "CSV", "content": {"text/csv": {"schema": {}}}}}
    },
)
def audit_export(request: HttpRequest, region: RegionCode | None = None):
    user = request.auth
    entries = _entries(request, region)
    audit.record(
        by=user,
        action="audit.export",
        object_type="audit",
        region_code=codes.normalize_code(region) if region else (user.region_id or ""),
        after={"region": region, "rows": entries.count()},
    )
    writer = csv.writer(_Echo())

    def rows():
        yield "\ufeff" + writer.writerow(CSV_COLUMNS)
        for entry in entries.order_by("seq").iterator(chunk_size=2000):
            data = presenters.audit_entry(user, entry, full=True)
            for key in ("before", "after"):
                data[key] = "" if data[key] is None else json.dumps(data[key], ensure_ascii=False)
            data["at"] = entry.at.isoformat()
            yield writer.writerow([_safe_cell(data[c]) for c in CSV_COLUMNS])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
