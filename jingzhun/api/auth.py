"""Signing in for a token, and giving it back."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Status

from jingzhun.accounts import services as accounts

from .schemas import MessageOut, TokenIn, TokenOut
from .security import bearer_auth

router = Router(tags=["auth"])


@router.post(
    "/token",
    auth=None,
    response={200: TokenOut, 401: MessageOut, 429: MessageOut},
    summary="Exchange a username and password for a bearer token",
    description=(
        "The token expires after JINGZHUN_TOKEN_TTL_HOURS "
        f"({settings.JINGZHUN_TOKEN_TTL_HOURS} h by default); only its SHA-256 is stored. "
        "Repeated failures for a username lock it out (429 with Retry-After)."
    ),
)
def token(request: HttpRequest, payload: TokenIn):
    user = accounts.login_attempt(
        request=request, username=payload.username, password=payload.password
    )
    if user is None:
        return Status(401, {"detail": "用户名或密码错误 (wrong username or password)"})
    raw = accounts.token_issue(user=user)
    row = user.api_tokens.order_by("-pk").first()
    return Status(200, {"token": raw, "expires_at": row.expires_at})


@router.post(
    "/revoke",
    auth=bearer_auth,
    response={204: None},
    summary="Revoke the bearer token this request carries",
)
def revoke(request: HttpRequest):
    accounts.token_revoke(token=request.api_token)
    return Status(204, None)
