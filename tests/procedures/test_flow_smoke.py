import pytest

from jingzhun.procedures import services

pytestmark = pytest.mark.django_db


def test_an_exit_walks_to_the_county_decision(personas, exitable, walk, clock):
    case = services.case_open(
        by=personas["village_officer"], kind="exit", household=exitable, year=2018
    )
    case = walk(case)
    exitable.refresh_from_db()
    assert case.status == "decided", case.events.values_list("action", "step")
    assert exitable.status == "exited"
    assert exitable.exit_year == 2018
    assert case.assessment["passed"] is True
