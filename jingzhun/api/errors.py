"""Errors as the API answers them: one JSON shape per kind, whatever raised them.

- 404 `{"detail": "Not Found"}` — missing and out of scope alike, never more.
- 422 `{"detail": [{"loc": ["body", "field"], "msg": "..."}]}` — ninja's own validation and the
  services' django ValidationError both.
- 409 `{"detail": "...", "current_version": N}` — a stale version.
- 403 `{"detail": "..."}` — the role may not take this step.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError

from jingzhun.accounts.services import LockedOut
from jingzhun.core.errors import ConflictError, PermissionDenied

NOT_FOUND = {"detail": "Not Found"}
_INDEXED = re.compile(r"^(\w+)\[(\d+)\](?:\.(\w+))?$")


def _field_loc(field: str, where: str) -> list[str | int]:
    if field == "__all__":
        return [where]
    match = _INDEXED.match(field)
    if match:  # the services name a member's field as `members[0].id_number`
        loc = [where, match.group(1), int(match.group(2))]
        return [*loc, match.group(3)] if match.group(3) else loc
    return [where, field]


def django_errors(exc: DjangoValidationError, *, where: str = "body") -> list[dict]:
    if hasattr(exc, "error_dict"):
        return [
            {"loc": _field_loc(field, where), "msg": msg}
            for field, messages in exc.message_dict.items()
            for msg in messages
        ]
    return [{"loc": [where], "msg": msg} for msg in exc.messages]


def ninja_errors(exc: NinjaValidationError, body_params: frozenset[str]) -> list[dict]:
    items = []
    for error in exc.errors:
        loc = list(error.get("loc", ()))
        # ninja puts the handler's parameter name after "body": drop it, keep the field names.
        if len(loc) >= 2 and loc[0] == "body" and loc[1] in body_params:
            loc = [loc[0], *loc[2:]]
        items.append(
            {
                "loc": [p if isinstance(p, int) else str(p) for p in loc],
                "msg": error.get("msg", "invalid"),
            }
        )
    return items


BODY_PARAMS = frozenset({"payload"})


def install(api: NinjaAPI) -> None:
    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, NOT_FOUND, status=404)

    @api.exception_handler(NinjaValidationError)
    def invalid_request(request, exc):
        return api.create_response(request, {"detail": ninja_errors(exc, BODY_PARAMS)}, status=422)

    @api.exception_handler(DjangoValidationError)
    def invalid_data(request, exc):
        return api.create_response(request, {"detail": django_errors(exc)}, status=422)

    @api.exception_handler(ConflictError)
    def conflict(request, exc):
        return api.create_response(
            request, {"detail": str(exc), "current_version": exc.current_version}, status=409
        )

    @api.exception_handler(IntegrityError)
    def concurrent_write(request, exc):
        # A unique constraint lost to a concurrent writer between our check and the insert.
        return api.create_response(
            request,
            {"detail": "与并发修改冲突，请重试 (conflicts with a concurrent change; retry)"},
            status=409,
        )

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return api.create_response(request, {"detail": str(exc)}, status=403)

    @api.exception_handler(LockedOut)
    def locked_out(request, exc):
        response = api.create_response(request, {"detail": str(exc)}, status=429)
        response["Retry-After"] = str(exc.seconds)
        return response
