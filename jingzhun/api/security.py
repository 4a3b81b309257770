"""Who is calling: a bearer token (hashed at rest) or a browser session with CSRF."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from jingzhun.accounts.services import token_user


class BearerAuth(HttpBearer):
    """`Authorization: Bearer TOKEN`; unknown, expired and revoked tokens are all refused."""

    def authenticate(self, request: HttpRequest, token: str):
        if not token or len(token) > 200 or not token.isascii():
            return None
        user = token_user(token)
        if user is not None:
            request.api_token = token
        return user


class SessionAuth(APIKeyCookie):
    """The browser's Django session. Unsafe methods must carry the CSRF token.

    Unlike ninja's `django_auth`, the CSRF check runs only when a session cookie is present, so
    a caller with a bad bearer token gets 401, not a confusing CSRF refusal.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None):
        if not key or not request.user.is_authenticated:
            return None
        if check_csrf(request):
            raise HttpError(403, "CSRF check failed")
        return request.user


bearer_auth = BearerAuth()
session_auth = SessionAuth()
AUTH = [bearer_auth, session_auth]
