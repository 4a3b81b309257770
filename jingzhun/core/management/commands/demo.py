"""`jingzhun demo`: from nothing to a working system in one step."""

from __future__ import annotations

import datetime as dt
import secrets
import sys
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

DEMO_COUNTY = "512021"  # 安岳县, the county of seed 003

# One user per role, bound to a region the synthetic county is sure to have.
DEMO_USERS = (
    ("county_admin", "county_admin", "county"),
    ("township_officer", "township_officer", "township"),
    ("village_officer", "village_officer", "village"),
    ("cadre", "cadre", "township"),
    ("auditor", "auditor", "county"),
    ("department", "department", "county"),
)


class Command(BaseCommand):
    help = "Migrate, load a synthetic county, create one user per role, print logins, serve."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=3000)
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true")
        parser.add_argument("--seed", type=int, default=2018)

    def handle(self, *args, households: int, addr: str, no_serve: bool, seed: int, **options):
        if households <= 0:
            raise CommandError("--households must be positive", returncode=2)
        err = self.stderr
        err.write("== migrating the database")
        call_command("migrate", interactive=False, verbosity=0)
        from jingzhun.registry.models import Household

        if Household.objects.exists():
            err.write("== the database already holds households: loading skipped")
        else:
            self._load_county(households=households, seed=seed)
        self._load_funds()
        logins = self._create_users()
        out = self.stdout
        out.write("\n演示账号 Demo logins (username / password / role / region):")
        for username, password, role, region in logins:
            out.write(f"  {username:18} {password:22} {role:18} {region}")
        out.write("")
        if no_serve:
            return
        out.write(f"Serving on http://{addr}/  (Ctrl-C to stop)")
        sys.stdout.flush()
        call_command("runserver", addr, use_reloader=False, insecure_serving=True)

    def _load_county(self, *, households: int, seed: int) -> None:
        from jingzhun.registry.importing import import_file
        from jingzhun.registry.synth import generate_county

        with tempfile.TemporaryDirectory(prefix="jingzhun-demo-") as tmp:
            out_dir = Path(tmp)
            self.stderr.write(f"== generating a synthetic county of {households} households")
            generate_county(out_dir, county=DEMO_COUNTY, households=households, seed=seed)
            for kind in ("regions", "households", "members", "incomes"):
                self.stderr.write(f"== importing {kind}")
                import_file(kind, out_dir / f"{kind}.csv", by=None)

    def _load_funds(self) -> None:
        """The funds ledger of seed 003 (安岳县 2018), so the funds pages show the article's
        figures: budgets, the first batch and 2017's advance, 3141.6443万 left for the second."""
        from jingzhun.funds.models import Budget
        from jingzhun.funds.seed003 import load_ledger
        from jingzhun.regions.models import Region

        if Budget.objects.exists():
            return
        self.stderr.write("== loading the funds ledger of seed 003 (2018)")
        load_ledger(by=None, county=Region.objects.get(code=DEMO_COUNTY.ljust(12, "0")))

    @transaction.atomic
    def _create_users(self) -> list[tuple[str, str, str, str]]:
        from jingzhun.accounts.models import User
        from jingzhun.accounts.services import password_set, superuser_create, user_create
        from jingzhun.assistance import services as assistance
        from jingzhun.assistance.models import Cadre
        from jingzhun.regions.models import Region
        from jingzhun.registry.models import Household

        county = Region.objects.get(code=DEMO_COUNTY.ljust(12, "0"))
        township = county.children.order_by("code").first()
        village = township.children.order_by("code").first() if township else None
        places = {"county": county, "township": township, "village": village}
        logins = []
        for username, role, level in DEMO_USERS:
            password = secrets.token_urlsafe(9)
            region = places[level]
            existing = User.objects.filter(username=username).first()
            if existing:
                user = password_set(by=None, user=existing, password=password, check_strength=False)
            else:
                user = user_create(
                    by=None,
                    username=username,
                    role=role,
                    password=password,
                    region=region,
                    check_password_strength=False,
                )
            logins.append((username, password, role, f"{region.name} {region.code}"))
            if role == "cadre" and not Cadre.objects.filter(user=user).exists():
                cadre = assistance.cadre_create(
                    by=None, name="演示帮扶责任人", unit="县农业农村局", region=region, user=user
                )
                for household in Household.objects.filter(
                    village__code__startswith=region.prefix, status="poor"
                ).order_by("household_no")[:5]:
                    assistance.pairing_create(
                        by=None, cadre=cadre, household=household, start=dt.date(2018, 1, 1)
                    )
        if not User.objects.filter(is_superuser=True).exists():
            password = secrets.token_urlsafe(9)
            superuser_create(by=None, username="admin", password=password)
            logins.append(("admin", password, "superuser", "(all)"))
        return logins
