"""Every figure of the roll-up against an independent count, and against region_stats."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from jingzhun.regions import codes
from jingzhun.registry.stats import COMMAND_LINE, region_stats
from jingzhun.reports import selectors, services
from jingzhun.reports.models import RegionFigures

from . import oracle
from .conftest import COUNTY, TODAY, YEAR

STATS_FIELDS = (
    "region_code",
    "year",
    "households",
    "persons",
    "poor_households",
    "poor_persons",
    "rural_population",
    "incidence",
    "by_cause",
    "by_attribute",
)


def _stats_part(row: dict) -> dict:
    return {k: row[k] for k in STATS_FIELDS}


@pytest.fixture
def refreshed(county):
    services.refresh(year=YEAR, today=TODAY)
    return county


def test_the_synthetic_county_has_what_the_figures_count(refreshed):
    data = oracle.figures("512021", YEAR, TODAY)
    assert data["households"] > 250
    assert data["poor_households"] > 0 and data["exited"]["households"] > 0
    assert data["identified"]["households"] > 0
    assert data["education"]["students"] > 0
    assert data["coverage"]["with_cadre"] > 0 and data["coverage"]["with_industry"] > 0
    assert data["poor_villages"]["total"] > 0
    assert len(refreshed.children.all()) >= 2


@pytest.mark.parametrize("which", ["county", "township", "village"])
def test_every_figure_matches_an_independent_count(refreshed, users, which):
    region = refreshed
    if which != "county":
        region = region.children.order_by("code").first()
    if which == "village":
        region = region.children.order_by("code").first()
    data = selectors.dashboard(user=users["county_admin"], code=region.code, year=YEAR)
    assert not data["live"]
    assert oracle.same(data, oracle.figures(region.prefix, YEAR, TODAY)) == []
    for child in data["children"]:
        expected = oracle.figures(codes.prefix(child["region_code"]), YEAR, TODAY)
        assert oracle.same(child, expected) == [], child["region_code"]


@pytest.mark.parametrize("year", [2015, 2017, YEAR])
def test_stats_figures_are_region_stats_at_every_level(county, users, year):
    services.refresh(year=year, today=TODAY)
    township = county.children.order_by("code").first()
    for region in (county, township, township.children.order_by("code").first()):
        for user in (COMMAND_LINE, users["county_admin"]):
            expected = region_stats(user=user, code=region.code, year=year)
            got = selectors.dashboard(user=users["county_admin"], code=region.code, year=year)
            assert _stats_part(got) == _stats_part(expected)
            assert [_stats_part(c) for c in got["children"]] == [
                _stats_part(c) for c in expected["children"]
            ]


def test_region_stats_of_a_county_by_village_are_its_townships_village_rows(county, users):
    for user in (COMMAND_LINE, users["county_admin"]):
        per_township = [
            village
            for township in county.children.order_by("code")
            for village in region_stats(user=user, code=township.code, year=YEAR)["children"]
        ]
        whole = region_stats(user=user, code=county.code, year=YEAR, children_level="village")
        assert per_township and whole["children"] == per_township
    officer = users["township_officer"]
    own = region_stats(user=officer, code=officer.region.code, year=YEAR)
    by_village = region_stats(
        user=officer, code=officer.region.code, year=YEAR, children_level="village"
    )
    assert by_village == own  # a township's villages are its children


def test_the_live_fallback_gives_the_stored_figures(county, users):
    live = selectors.dashboard(user=users["county_admin"], code=COUNTY, year=YEAR)
    assert live["live"]
    services.refresh(year=YEAR)
    stored = selectors.dashboard(user=users["county_admin"], code=COUNTY, year=YEAR)
    assert not stored["live"]
    for key in ("as_of", "live", "trend", "years"):
        live.pop(key), stored.pop(key)
    assert live == stored


def test_refresh_is_idempotent(county):
    services.refresh(year=YEAR, today=TODAY)
    first = {(f.region_id, f.year): f.data for f in RegionFigures.objects.all()}
    services.refresh(year=YEAR, today=TODAY)
    services.refresh(year=YEAR, region_code=county.children.first().code, today=TODAY)
    second = {(f.region_id, f.year): f.data for f in RegionFigures.objects.all()}
    assert first == second
    assert RegionFigures.objects.filter(region_id=COUNTY, year=YEAR).count() == 1


def test_a_partial_refresh_updates_the_ancestors_and_the_as_of(county, users):
    from jingzhun.registry.models import Household

    services.refresh(year=YEAR, today=TODAY)
    before = RegionFigures.objects.get(region_id=COUNTY, year=YEAR)
    household = Household.objects.filter(registered_year__lte=YEAR).exclude(status="removed")
    household = household.order_by("household_no").first()
    township = household.village.parent
    household.status = "removed"
    household.save()
    services.refresh(year=YEAR, region_code=township.code, today=TODAY)
    after = RegionFigures.objects.get(region_id=COUNTY, year=YEAR)
    assert after.data["households"] == before.data["households"] - 1
    assert after.refreshed_at == before.refreshed_at  # the other townships are as old as before
    data = selectors.dashboard(user=users["county_admin"], code=COUNTY, year=YEAR)
    assert oracle.same(data, oracle.figures("512021", YEAR, TODAY)) == []


def test_targets_and_funds_are_read_live(refreshed, users):
    data = selectors.dashboard(user=users["county_admin"], code=COUNTY, year=YEAR)
    county_target = data["targets"][0]
    assert county_target["target"] == {"persons": 200, "households": 60, "villages": 3}
    exited = oracle.figures("512021", YEAR, TODAY)["exited"]
    assert county_target["done"] == exited
    from jingzhun.assistance.selectors import percent

    assert county_target["percent"]["persons"] == percent(exited["persons"], 200, places=1)
    assert data["funds"]["total"] == "633456.01"
    assert data["funds"]["by_level"] == {"central": "623456.00", "county": "10000.01"}
    assert data["funds"]["by_category"] == {"产业发展": "133456.01", "基础设施": "500000.00"}


def test_the_trend_lists_every_refreshed_year(county, users):
    for year in (2016, 2017, 2018):
        services.refresh(year=year, today=TODAY)
    data = selectors.dashboard(user=users["county_admin"], code=COUNTY, year=2017)
    assert [t["year"] for t in data["trend"]] == [2016, 2017, 2018]
    for t in data["trend"]:
        stats = region_stats(user=COMMAND_LINE, code=COUNTY, year=t["year"])
        assert (t["poor_persons"], t["incidence"]) == (stats["poor_persons"], stats["incidence"])


def test_the_refresh_command(county, capsys):
    call_command("reports", "refresh", "--year", str(YEAR), "--format", "json")
    out = capsys.readouterr().out
    assert '"villages"' in out
    assert RegionFigures.objects.filter(region_id=COUNTY, year=YEAR).exists()
    call_command("reports", "refresh", "--region", "512021")  # every year in the registry
    years = set(RegionFigures.objects.filter(region_id=COUNTY).values_list("year", flat=True))
    assert YEAR in years and len(years) > 1


def test_the_refresh_command_refuses_an_unknown_region(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("reports", "refresh", "--region", "999999")


def test_coverage_reads_the_year_end(county):
    assert services.figures.coverage_day(2017, dt.date(2018, 5, 1)) == dt.date(2017, 12, 31)
    assert services.figures.coverage_day(2018, dt.date(2018, 5, 1)) == dt.date(2018, 5, 1)


def test_a_refresh_is_one_entry_in_the_audit_trail(county):
    from jingzhun.audit.models import AuditEntry
    from jingzhun.audit.services import verify

    before = AuditEntry.objects.count()
    result = services.refresh(year=YEAR, today=TODAY)
    (entry,) = AuditEntry.objects.filter(seq__gt=before)  # seq runs 1, 2, … without gaps
    assert (entry.action, entry.object_id) == ("reports.refresh", str(YEAR))
    assert entry.after == {"year": YEAR, "villages": result.villages, "regions": result.regions}
    assert verify().ok
