"""`jingzhun user create USERNAME --role ROLE [--region CODE] [--password-stdin]`."""

from __future__ import annotations

import secrets
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from jingzhun.accounts.roles import ROLES
from jingzhun.accounts.services import user_create
from jingzhun.regions import codes
from jingzhun.regions.models import Region


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{field}: {msg}" for field, msgs in exc.message_dict.items() for msg in msgs]
    return list(exc.messages)


class Command(BaseCommand):
    help = "Manage users. `create` makes one with a role and region (INTERFACES §1)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        create = sub.add_parser("create", help="create a user with a role and a region")
        create.add_argument("username")
        create.add_argument("--role", required=True, help=f"one of: {', '.join(ROLES)}")
        create.add_argument("--region", help="region code (2/4/6/9/12 digits)")
        create.add_argument("--display-name", default="")
        create.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of stdin; without it a strong "
            "password is generated and printed once",
        )

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "create":
            self._create(**options)

    def _create(self, *, username, role, region, display_name, password_stdin, **_):
        region_obj = None
        if region:
            try:
                code = codes.normalize_code(region)
            except codes.RegionCodeError as exc:
                raise CommandError(str(exc), returncode=1) from exc
            region_obj = Region.objects.filter(code=code).first()
            if region_obj is None:
                raise CommandError(f"区划不存在 (no such region): {code}", returncode=1)
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError("stdin held no password", returncode=1)
            generated = False
        else:
            password = secrets.token_urlsafe(18)
            generated = True
        try:
            user = user_create(
                by=None,
                username=username,
                role=role,
                password=password,
                region=region_obj,
                display_name=display_name,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(_messages(exc)), returncode=1) from exc
        self.stderr.write(
            f"created {user.username} ({role}, {region_obj.code if region_obj else 'no region'})"
        )
        if generated:
            # Printed once, to stdout, and never stored: only the hash is kept.
            self.stdout.write(password)
