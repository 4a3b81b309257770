"""Accounts: creating users, signing in with throttling, and API tokens hashed at rest."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jingzhun.audit import services as audit
from jingzhun.regions.models import Region

from .models import ApiToken, LoginFailure, User
from .roles import ROLES


class LockedOut(Exception):  # noqa: N818
    def __init__(self, seconds: int):
        super().__init__(f"登录失败次数过多，请{seconds // 60 + 1}分钟后再试 (too many failures)")
        self.seconds = seconds


@transaction.atomic
def user_create(
    *,
    by,
    username: str,
    role: str,
    password: str,
    region: Region | None = None,
    display_name: str = "",
    check_password_strength: bool = True,
) -> User:
    if role not in ROLES:
        raise ValidationError({"role": [f"未知角色 {role!r}; roles: {', '.join(ROLES)}"]})
    needed = ROLES[role].region_level
    if needed and (region is None or region.level != needed):
        raise ValidationError({"region": [f"角色 {role} 须绑定{needed}级区划 (needs a {needed})"]})
    if role in ("auditor", "department", "cadre") and region is None:
        raise ValidationError({"region": [f"角色 {role} 须绑定区划 (needs a region)"]})
    user = User(username=username, role=role, region=region, display_name=display_name)
    if check_password_strength:
        validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit.record(
        by=by,
        action="user.create",
        object_type="user",
        object_id=user.pk,
        region_code=region.code if region else "",
        after={"username": username, "role": role, "region": region.code if region else None},
    )
    return user


@transaction.atomic
def superuser_create(*, by, username: str, password: str) -> User:
    """A superuser (sees and administers everything): audited like any other account."""
    user = User.objects.create_superuser(username, password=password)
    audit.record(
        by=by,
        action="user.create",
        object_type="user",
        object_id=user.pk,
        after={"username": username, "superuser": True},
    )
    return user


@transaction.atomic
def password_set(*, by, user: User, password: str, check_strength: bool = True) -> User:
    """A new password. The trail says that it changed, never what it is."""
    if check_strength:
        validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(
        by=by,
        action="user.password_set",
        object_type="user",
        object_id=user.pk,
        region_code=user.region_id or "",
    )
    return user


def _window_start() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.JINGZHUN_LOGIN_LOCKOUT_SECONDS)


def login_attempt(*, request, username: str, password: str) -> User | None:
    """Authenticate, refusing a username that failed too often recently (whatever the address,
    so that guessing from many addresses is throttled too)."""
    failures = LoginFailure.objects.filter(username=username, at__gte=_window_start())
    if failures.count() >= settings.JINGZHUN_LOGIN_MAX_FAILURES:
        oldest = failures.order_by("at").values_list("at", flat=True).first()
        remaining = settings.JINGZHUN_LOGIN_LOCKOUT_SECONDS - int(
            (timezone.now() - oldest).total_seconds()
        )
        raise LockedOut(max(remaining, 1))
    user = authenticate(request, username=username, password=password)
    if user is None:
        address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
        LoginFailure.objects.create(username=username, address=address, at=timezone.now())
        LoginFailure.objects.filter(at__lt=_window_start()).delete()
        if failures.count() == settings.JINGZHUN_LOGIN_MAX_FAILURES:
            # This failure locked the username: one entry, not one per refused guess (those
            # are the short-lived LoginFailure rows), so a guessing run cannot flood the trail.
            audit.record(
                by=None,
                action="user.locked_out",
                object_type="user",
                object_id=username,
                after={
                    "failures": settings.JINGZHUN_LOGIN_MAX_FAILURES,
                    "seconds": settings.JINGZHUN_LOGIN_LOCKOUT_SECONDS,
                    "address": address,
                },
            )
        return None
    failures.delete()
    audit.record(
        by=user,
        action="user.sign_in",
        object_type="user",
        object_id=user.pk,
        region_code=user.region_id or "",
    )
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


@transaction.atomic
def token_issue(*, user: User) -> str:
    token = secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=user,
        digest=_digest(token),
        expires_at=timezone.now() + dt.timedelta(hours=settings.JINGZHUN_TOKEN_TTL_HOURS),
    )
    audit.record(
        by=user,
        action="token.issue",
        object_type="api_token",
        object_id=row.pk,
        region_code=user.region_id or "",
        after={"expires_at": row.expires_at},
    )
    return token


def token_user(token: str) -> User | None:
    """The active user a token belongs to, or None if it is unknown, expired or revoked."""
    now = timezone.now()
    row = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(token), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


@transaction.atomic
def token_revoke(*, token: str) -> bool:
    row = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(token), revoked_at__isnull=True)
        .first()
    )
    if row is None:
        return False
    now = timezone.now()
    if not ApiToken.objects.filter(pk=row.pk, revoked_at__isnull=True).update(revoked_at=now):
        return False
    audit.record(
        by=row.user,
        action="token.revoke",
        object_type="api_token",
        object_id=row.pk,
        region_code=row.user.region_id or "",
        after={"revoked_at": now},
    )
    return True
