import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from jingzhun.audit.models import AuditEntry
from jingzhun.core import scoping
from jingzhun.core.money import wan_to_fen
from jingzhun.funds import selectors, services
from jingzhun.funds.models import Allocation, Budget, Project

pytestmark = pytest.mark.django_db


def road(places, **kw):
    return services.project_create(
        by=None,
        name=kw.pop("name", "长河村通社公路"),
        category="社级道路建设",
        location=places["A1a"],
        year=2018,
        planned_quantity=kw.pop("planned", "5.5"),
        unit="km",
        standard="anyue-2018-roads",
        **kw,
    )


def test_progress_adds_up_and_completes_the_project(places):
    project = road(places)
    services.progress_record(by=None, project=project, date=dt.date(2018, 5, 1), quantity="2")
    project.refresh_from_db()
    assert project.status == "in_progress"
    services.progress_record(by=None, project=project, date=dt.date(2018, 8, 1), quantity="3.5")
    project.refresh_from_db()
    assert project.status == "completed"
    assert selectors.project_completed_quantity(project) == Decimal("5.5")
    assert AuditEntry.objects.filter(action="funds.project.progress").count() == 2


def test_quantities_must_be_positive_and_exact(places):
    with pytest.raises(ValidationError):
        road(places, planned="0")
    project = road(places)
    with pytest.raises(ValidationError):
        services.progress_record(by=None, project=project, date=dt.date(2018, 5, 1), quantity=0.5)
    assert Project.objects.count() == 1


def test_the_report_shows_projects_with_money_and_physical_progress(places):
    project = road(places)
    services.progress_record(by=None, project=project, date=dt.date(2018, 5, 1), quantity="2")
    services.budget_create(
        by=None, region=places["A"], level="county", budget_year=2018, amount_fen=wan_to_fen("100")
    )
    services.allocation_create(
        by=None,
        region=places["A"],
        level="county",
        budget_year=2018,
        year=2018,
        batch="1",
        category="社级道路建设",
        project=project,
        amount_fen=wan_to_fen("55"),
    )
    (row,) = selectors.funds_report(year=2018).as_contract()["allocations"]["by_project"]
    assert row["name"] == "长河村通社公路"
    assert (row["planned_quantity"], row["completed_quantity"]) == ("5.500", "2.000")
    assert row["allocated"] == "550000.00"


def test_a_project_outside_the_budget_region_is_refused(places):
    project = services.project_create(
        by=None,
        name="东风村水池",
        category="蓄水池建设",
        location=places["B"],
        year=2018,
        planned_quantity="3",
        unit="tank",
    )
    services.budget_create(
        by=None, region=places["A"], level="county", budget_year=2018, amount_fen=100
    )
    with pytest.raises(ValidationError, match="不在"):
        services.allocation_create(
            by=None,
            region=places["A"],
            level="county",
            budget_year=2018,
            year=2018,
            batch="1",
            category="蓄水池建设",
            project=project,
            amount_fen=100,
        )
    assert not Allocation.objects.exists()


def test_household_benefits_are_summed_per_year(places, households):
    from jingzhun.assistance.models import Measure, Plan

    household = households["A1a"]
    project = road(places)
    water = road(places, name="长河村蓄水池", planned="2")
    services.beneficiary_add(
        by=None, project=project, household=household, year=2018, amount_fen=0, note="通路"
    )
    services.beneficiary_add(
        by=None, project=water, household=household, year=2018, amount_fen=120000
    )
    services.beneficiary_add(
        by=None, project=water, household=household, year=2019, amount_fen=30000
    )
    plan = Plan.objects.create(household=household)
    Measure.objects.create(
        plan=plan,
        batch=Measure._meta.get_field("batch").choices[0][0],
        kind=Measure._meta.get_field("kind").choices[0][0],
        description="产业发展到户资金",
        amount_fen=100000,
        start=dt.date(2018, 3, 1),
    )
    benefits = selectors.household_benefits(household=household)
    assert [(b["year"], b["total_fen"], len(b["items"])) for b in benefits] == [
        (2018, 220000, 3),
        (2019, 30000, 1),
    ]
    assert {i["kind"] for i in benefits[0]["items"]} == {"project", "measure"}
    with pytest.raises(ValidationError, match="不在项目地点"):
        services.beneficiary_add(by=None, project=project, household=households["B"], year=2018)


def test_funds_records_are_scoped_by_region(places, personas):
    services.budget_create(
        by=None, region=places["A"], level="county", budget_year=2018, amount_fen=100
    )
    services.budget_create(
        by=None, region=places["B"].parent.parent, level="county", budget_year=2018, amount_fen=7
    )
    mine = scoping.visible(personas["county_admin"], Budget.objects.all())
    assert [b.region_id for b in mine] == ["512021000000"]
    theirs = selectors.funds_report(year=2018, user=personas["outsider"])
    assert [b.amount for b in theirs.budgets] == [7]
    assert not scoping.visible(personas["village_officer"], Budget.objects.all()).exists()
    for model in (Budget, Allocation, Project):
        assert model.SCOPE_REGION and model.SCOPE_HOUSEHOLD is None
