"""The JSON API under /api/v1/ (INTERFACES §4)."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from . import audit, auth, errors, procedures, registry
from .security import AUTH

api = NinjaAPI(
    title="Jingzhun API",
    version="1",
    urls_namespace="api-v1",
    description=(
        "精准扶贫建档立卡 registry. Authenticate with `Authorization: Bearer TOKEN` "
        "(POST /api/v1/auth/token) or a browser session (unsafe methods need the CSRF token). "
        "Everything is bounded by your role's region: a record outside it answers 404 exactly "
        "like a missing one. Money is a decimal string in yuan. Errors: see docs/api.md."
    ),
    auth=AUTH,
    # Swagger UI from ninja's bundled static files; no validator badge (it calls out to
    # validator.swagger.io), so the page references no external host.
    docs=Swagger(settings={"validatorUrl": None}),
)
errors.install(api)
api.add_router("/auth", auth.router)
api.add_router("", registry.router)
api.add_router("", audit.router)
api.add_router("", procedures.router)
