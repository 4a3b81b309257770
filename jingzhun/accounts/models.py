from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import ROLE_CHOICES, ROLES, Role


class User(AbstractUser):
    """A person who signs in. Everything they see is bounded by `region` (and, for cadres, by
    the households paired with them)."""

    SCOPE_REGION = "region__code"
    SCOPE_HOUSEHOLD = None

    role = models.CharField(_("角色"), max_length=20, choices=ROLE_CHOICES, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所属区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    @property
    def role_info(self) -> Role | None:
        return ROLES.get(self.role)

    def __str__(self) -> str:
        return self.display_name or self.username


class LoginFailure(models.Model):
    """Failed sign-ins, kept briefly, to throttle guessing by username and address."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.username} @ {self.at:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """A bearer token; only its SHA-256 is stored, so a leaked table grants nothing."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token of {self.user_id} until {self.expires_at:%Y-%m-%d %H:%M}"
