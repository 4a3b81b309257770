"""Counts of the year by region: cases by kind and status (dashboards), and households and
persons newly identified, exited, returned and removed (`jingzhun stats`, target progress)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from jingzhun.assistance import selectors as assistance
from jingzhun.procedures import selectors, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided_exit(personas, exitable, walk):
    return walk(
        services.case_open(
            by=personas["village_officer"], kind="exit", household=exitable, year=2018
        )
    )


def test_procedure_counts_are_flat_by_kind_and_status_and_scoped(personas, decided_exit):
    counts = selectors.procedure_counts(user=personas["county_admin"], code="512021", year=2018)
    assert counts["exit.decided"] == 1
    assert sum(counts.values()) == 1
    assert all(isinstance(v, int) for v in counts.values())
    other_year = selectors.procedure_counts(user=personas["county_admin"], code="512021", year=2019)
    assert sum(other_year.values()) == 0
    # The township officer of A1 sees it; a county in another province's scope does not exist.
    assert (
        selectors.procedure_counts(
            user=personas["township_officer"], code="512021001000", year=2018
        )["exit.decided"]
        == 1
    )


def test_decision_counts_give_households_and_persons_per_child_region(personas, decided_exit):
    counts = selectors.decision_counts(user=personas["county_admin"], code="512021", year=2018)
    persons = decided_exit.household.members.count()
    assert counts["exited"] == {"households": 1, "persons": persons}
    assert counts["identified"] == {"households": 0, "persons": 0}
    (township,) = counts["children"]
    assert township["region_code"] == "512021001000"
    assert township["exited"] == {"households": 1, "persons": persons}


def test_jingzhun_stats_reports_the_years_decisions(decided_exit):
    out = io.StringIO()
    call_command("stats", "--region", "512021", "--year", "2018", stdout=out)
    data = json.loads(out.getvalue())
    assert data["procedures"]["exited"]["households"] == 1
    assert data["children"][0]["procedures"]["exited"]["households"] == 1
    text = io.StringIO()
    call_command("stats", "--region", "512021", "--year", "2018", "--format", "text", stdout=text)
    assert "脱贫 1户" in text.getvalue()


def test_target_progress_counts_a_decided_exit_even_after_the_household_returned(
    personas, decided_exit, places, walk
):
    household = decided_exit.household
    household.refresh_from_db()
    before = assistance.progress(region=places["A"], year=2018)
    assert before.households == 1 and before.persons == household.members.count()
    walk(
        services.case_open(
            by=personas["village_officer"], kind="return", household=household, year=2019
        )
    )
    household.refresh_from_db()
    assert household.status == "returned"
    after = assistance.progress(region=places["A"], year=2018)
    assert (after.households, after.persons) == (before.households, before.persons)


def test_target_progress_still_counts_exits_loaded_without_a_case(households, places):
    household = households["A1b"]
    household.status, household.exit_year = "exited", 2018
    household.save()
    assert assistance.progress(region=places["A"], year=2018).households == 1
