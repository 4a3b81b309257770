"""A small synthetic county (generate_county + import_file), with assistance and funds on top.

Everything the dashboards count is present: several townships and villages, every status,
pairings current and ended, plans with industry and cancelled measures, a work team and a first
secretary, targets, and fund allocations at two levels.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from jingzhun.regions.models import Region
from jingzhun.registry.models import Household
from tests.conftest import PASSWORD
from tests.factories import region_chain

COUNTY = "512021000000"
YEAR = 2018
TODAY = dt.date(2018, 12, 31)
_CACHE: dict[str, Path] = {}


def synthetic_files(tmp_path_factory) -> Path:
    if "dir" not in _CACHE:
        from jingzhun.registry.synth import generate_county

        out = tmp_path_factory.mktemp("synth-county")
        generate_county(out, county="512021", households=300, seed=11, year=YEAR)
        _CACHE["dir"] = out
    return _CACHE["dir"]


@pytest.fixture
def county(db, tmp_path_factory, tmp_path):
    from jingzhun.registry.importing import import_file

    source = synthetic_files(tmp_path_factory)
    for kind in ("regions", "households", "members", "incomes"):
        shutil.copy(source / f"{kind}.csv", tmp_path / f"{kind}.csv")
        import_file(kind, tmp_path / f"{kind}.csv")
    _second_township()
    _assistance_and_funds()
    return Region.objects.get(code=COUNTY)


def _second_township() -> None:
    """A second township (the synthetic 300 households fill one), built with the factories:
    one household of each status, a returned one, a student and a dropout."""
    from tests.factories import HouseholdFactory, MemberFactory

    village = region_chain("512021201001", {"512021201000": "石羊乡", "512021201001": "新华村"})
    village.rural_population = 850
    village.save()
    for n, (status, registered, exit_year, cause) in enumerate(
        [
            ("poor", 2014, None, "illness"),
            ("poor", YEAR, None, "schooling"),
            ("exited", 2014, YEAR, "disability"),
            ("exited", 2015, 2016, "illness"),
            ("returned", 2014, 2016, "disaster"),
            ("monitored", 2016, None, "labour"),
            ("removed", 2014, None, "illness"),
            ("poor", YEAR + 1, None, "capital"),
        ]
    ):
        household = HouseholdFactory(
            village=village,
            household_no=f"51202120100100{n:02d}",
            status=status,
            registered_year=registered,
            exit_year=exit_year,
            main_cause=cause,
            attribute=("general", "dibao", "tekun")[n % 3],
        )
        MemberFactory(household=household, relation="head")
        MemberFactory(
            household=household,
            relation="child",
            student="junior" if n % 2 else "none",
            dropout=(n == 1),
        )


def _assistance_and_funds() -> None:
    from jingzhun.assistance.models import (
        Cadre,
        FirstSecretary,
        Measure,
        Pairing,
        Plan,
        Target,
        WorkTeam,
    )
    from jingzhun.funds.models import Allocation, Budget

    county = Region.objects.get(code=COUNTY)
    townships = list(county.children.order_by("code"))
    cadre = Cadre.objects.create(name="赵帮扶", unit="县农业局", region=county)
    households = list(Household.objects.order_by("household_no"))
    for i, h in enumerate(households):
        if i % 3 == 0:
            Pairing.objects.create(cadre=cadre, household=h, start=dt.date(2017, 1, 1))
        elif i % 7 == 0:  # ended before the year's end: not covered
            Pairing.objects.create(
                cadre=cadre, household=h, start=dt.date(2016, 1, 1), end=dt.date(2017, 6, 30)
            )
        if i % 2 == 0:
            plan = Plan.objects.create(household=h)
            if i % 4 == 0:
                Measure.objects.create(
                    plan=plan,
                    batch="production",
                    kind="industry",
                    description="种植花椒",
                    amount_fen=150_000,
                    start=dt.date(2018, 3, 1),
                )
            elif i % 6 == 0:
                Measure.objects.create(
                    plan=plan,
                    batch="production",
                    kind="industry",
                    description="养殖（已取消）",
                    amount_fen=0,
                    start=dt.date(2018, 3, 1),
                    status="cancelled",
                )
            else:
                Measure.objects.create(
                    plan=plan,
                    batch="education",
                    kind="education_aid",
                    description="雨露计划",
                    amount_fen=30_000,
                    start=dt.date(2018, 9, 1),
                )
    villages = list(
        Region.objects.filter(level="village", code__startswith="512021").order_by("code")
    )
    for village, (kind, exit_year) in zip(
        villages[::3],
        [("province", None), ("city", YEAR), ("county", 2017), ("province", 2019)],
        strict=False,
    ):
        village.poor_village, village.exit_year = kind, exit_year
        village.save()
    poor_villages = list(
        Region.objects.filter(level="village", code__startswith="512021")
        .exclude(poor_village="none")
        .order_by("code")
    )
    if poor_villages:
        WorkTeam.objects.create(
            village=poor_villages[0], unit="县财政局", start=dt.date(2016, 1, 1)
        )
        FirstSecretary.objects.create(
            name="钱书记", unit="县财政局", village=poor_villages[0], start=dt.date(2016, 1, 1)
        )
    Target.objects.create(region=county, year=YEAR, persons=200, households=60, villages=3)
    Target.objects.create(region=townships[0], year=YEAR, persons=80, households=25, villages=1)
    Budget.objects.create(region=county, level="central", budget_year=YEAR, amount_fen=10**9)
    Budget.objects.create(region=county, level="county", budget_year=YEAR, amount_fen=10**8)
    for level, category, fen in (
        ("central", "产业发展", 12_345_600),
        ("central", "基础设施", 50_000_000),
        ("county", "产业发展", 1_000_001),
    ):
        Allocation.objects.create(
            region=county,
            level=level,
            budget_year=YEAR,
            year=YEAR,
            batch="第一批",
            category=category,
            amount_fen=fen,
        )


@pytest.fixture
def users(county, django_user_model):
    outside = region_chain("510104001001")

    def user(username, role, region):
        u = django_user_model.objects.create(username=username, role=role, region=region)
        u.set_password(PASSWORD)
        u.save()
        return u

    township = county.children.order_by("code").first()
    return {
        "county_admin": user("county_admin", "county_admin", county),
        "township_officer": user("township_officer", "township_officer", township),
        "auditor": user("auditor", "auditor", county),
        "cadre": user("cadre", "cadre", county),
        "department": user("department", "department", county),
        "outsider": user("outsider", "county_admin", outside.parent.parent),
    }
