from __future__ import annotations

from .context import audit_source


def client_address(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is whatever the client says unless a trusted proxy
    # rewrote it, and an audit trail must not record what an attacker chose.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with audit_source(f"web:{client_address(request)}"):
            return self.get_response(request)
