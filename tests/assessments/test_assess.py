import io
import json

import pytest
from django.core.management import call_command

from jingzhun.assessments.models import CountySurvey
from jingzhun.assessments.selectors import active_pack_id, assess_household, assess_region, pack_get
from tests.factories import HouseholdFactory, IncomeFactory, MemberFactory

pytestmark = pytest.mark.django_db


def household(village, no, *, net_yuan_per_person=None, persons=2, **conditions):
    h = HouseholdFactory(village=village, household_no=no, **conditions)
    for i in range(persons):
        MemberFactory(household=h, relation="head" if i == 0 else "child")
    if net_yuan_per_person is not None:
        IncomeFactory(
            household=h,
            year=2018,
            wage_fen=net_yuan_per_person * 100 * persons,
            production_fen=0,
            property_fen=0,
            transfer_fen=0,
            production_cost_fen=0,
        )
    return h


@pytest.fixture
def three(places):
    return {
        "above": household(places["A1a"], "A", net_yuan_per_person=3536),
        "at_line": household(places["A1a"], "B", net_yuan_per_person=3535),
        "no_income": household(places["A1b"], "C"),
    }


def results_by_key(report, key="household_no"):
    return {r[key]: r for r in report["results"]}


def test_income_strictly_above_the_line_passes_and_equal_fails(three):
    report = assess_region(
        level="household", pack=pack_get("cn-sichuan-2018"), year=2018, region_code="512021"
    )
    results = results_by_key(report)
    assert results["A"]["passed"] is True
    assert results["B"]["passed"] is False
    income = next(c for c in results["B"]["criteria"] if c["key"] == "income")
    assert income == {
        "key": "income",
        "passed": False,
        "value": "3535.00",
        "threshold": "> 3535.00",
    }


def test_a_household_without_an_income_record_is_unknown_not_passed(three):
    report = assess_region(
        level="household", pack=pack_get("cn-sichuan-2018"), year=2018, region_code="512021"
    )
    assert results_by_key(report)["C"]["passed"] is None


def test_a_missing_condition_is_unknown_and_a_failed_one_is_named(places):
    household(places["A1a"], "D", net_yuan_per_person=5000, water_safe=None, housing_safe=False)
    _, result = assess_household(
        household=__import__(
            "jingzhun.registry.models", fromlist=["Household"]
        ).Household.objects.get(household_no="D"),
        year=2018,
    )
    by_key = {c.key: c for c in result.criteria}
    assert by_key["water"].passed is None
    assert by_key["housing"].passed is False
    assert result.passed is False


def test_the_region_filter_keeps_other_villages_out(three):
    report = assess_region(
        level="household",
        pack=pack_get("cn-national-2018"),
        year=2018,
        region_code="512021001001",
    )
    assert set(results_by_key(report)) == {"A", "B"}


def test_village_incidence_is_poor_persons_over_rural_population(three, places):
    places["A1a"].rural_population = 400
    places["A1a"].save()
    report = assess_region(
        level="village", pack=pack_get("cn-sichuan-2018"), year=2018, region_code="512021"
    )
    incidence = next(
        c
        for c in results_by_key(report, "region_code")["512021001001"]["criteria"]
        if c["key"] == "incidence"
    )
    # 4 poor persons of 400: 1.00%, below Sichuan's 3%.
    assert incidence["value"] == "1.00"
    assert incidence["passed"] is True


def test_county_exit_uses_the_survey_and_fails_on_low_approval(three, places):
    CountySurvey.objects.create(
        region=places["A"],
        year=2018,
        wrongly_exited=1,
        exited_sampled=1000,
        missed=2,
        nonregistered_sampled=5000,
        approving=890,
        surveyed=1000,
        wrongly_exited_estimate=10,
        missed_estimate=10,
    )
    report = assess_region(
        level="county", pack=pack_get("cn-county-exit"), year=2018, region_code="512021"
    )
    county = results_by_key(report, "region_code")["512021000000"]
    by_key = {c["key"]: c for c in county["criteria"]}
    assert by_key["wrongly_exited_rate"]["passed"] is True
    assert by_key["approval"]["passed"] is False
    assert county["passed"] is False


def test_sichuan_regions_use_the_sichuan_pack_and_others_the_national_one():
    assert active_pack_id(region_code="512021001001", year=2018) == "cn-sichuan-2018"
    assert active_pack_id(region_code="110105001001", year=2018) == "cn-national-2018"
    assert active_pack_id(region_code="110105001001", year=2024) == "cn-national-2020"


def test_the_assess_command_prints_the_contract_json(three):
    out = io.StringIO()
    call_command(
        "assess",
        "households",
        "--policy",
        "cn-national-2018",
        "--year",
        "2018",
        "--region",
        "512021",
        stdout=out,
        stderr=io.StringIO(),
    )
    report = json.loads(out.getvalue())
    assert report["policy"] == "cn-national-2018"
    assert report["year"] == 2018
    assert {r["household_no"] for r in report["results"]} == {"A", "B", "C"}
    assert set(report["results"][0]["criteria"][0]) == {"key", "passed", "value", "threshold"}


def _assess_command(*args: str) -> str:
    out = io.StringIO()
    call_command("assess", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_commands_json_is_the_report_of_the_selector(three):
    args = ("households", "--policy", "cn-sichuan-2018", "--year", "2018", "--region", "512021")
    expected = assess_region(
        level="household", pack=pack_get("cn-sichuan-2018"), year=2018, region_code="512021"
    )
    assert json.loads(_assess_command(*args)) == expected


def test_the_commands_csv_lists_each_households_criteria_together(three):
    import csv

    args = ("households", "--policy", "cn-sichuan-2018", "--year", "2018", "--region", "512021")
    report = assess_region(
        level="household", pack=pack_get("cn-sichuan-2018"), year=2018, region_code="512021"
    )
    expected = [
        {
            "household_no": r["household_no"],
            "passed": "" if r["passed"] is None else str(r["passed"]),
            "criterion": c["key"],
            "criterion_passed": "" if c["passed"] is None else str(c["passed"]),
            "value": c["value"] or "",
            "threshold": c["threshold"] or "",
        }
        for r in report["results"]
        for c in r["criteria"]
    ]
    rows = list(csv.DictReader(io.StringIO(_assess_command(*args, "--format", "csv"))))
    assert rows == expected
    assert len(rows) == 3 * len(report["results"][0]["criteria"])


def test_a_region_without_households_gives_an_empty_report(three, places):
    code = places["B"].code  # 锦江区's village: no household registered there
    args = ("households", "--policy", "cn-sichuan-2018", "--year", "2018", "--region", code)
    assert json.loads(_assess_command(*args)) == {
        "policy": "cn-sichuan-2018",
        "year": 2018,
        "results": [],
    }
    assert _assess_command(*args, "--format", "csv").splitlines() == [
        "household_no,passed,criterion,criterion_passed,value,threshold"
    ]


def test_policy_show_prints_the_poverty_line_as_a_decimal_string():
    out = io.StringIO()
    call_command("policy", "show", "cn-national-2016", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["poverty_line"] == "3146.00"
    assert data["id"] == "cn-national-2016"


def test_policy_show_as_text_lists_sources_parameters_and_criteria_by_level():
    out = io.StringIO()
    call_command("policy", "show", "cn-sichuan-2018", stdout=out, stderr=io.StringIO())
    lines = out.getvalue().splitlines()
    assert lines.index("[source]") < lines.index("[parameters]") < lines.index("[household]")
    assert "  poverty_line = 3535.00 元/人·年" in lines
    assert "  statistical_line = 2995.00 元/人·年  [unconfirmed]" in lines
    income = next(line for line in lines if line.strip().startswith("income "))
    assert "income_above_line" in income and "(line=poverty_line)" in income
    assert "[village]" in lines and "[county]" in lines
    assert not any("{'key'" in line for line in lines)  # no Python reprs


def test_an_unknown_pack_is_a_usage_error():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as caught:
        call_command("assess", "households", "--policy", "nope", "--year", "2018")
    assert caught.value.returncode == 2


def test_village_incidence_agrees_with_the_stats_roll_up(three, places):
    from jingzhun.registry.stats import COMMAND_LINE, region_stats

    three["above"].status = "exited"
    three["above"].exit_year = 2019  # still poor at the end of 2018
    three["above"].save()
    report = assess_region(
        level="village", pack=pack_get("cn-sichuan-2018"), year=2018, region_code="512021001000"
    )
    assessed = {
        r["region_code"]: next(c["value"] for c in r["criteria"] if c["key"] == "incidence")
        for r in report["results"]
    }
    township = region_stats(user=COMMAND_LINE, code="512021001000", year=2018)
    for village in township["children"]:
        assert assessed[village["region_code"]] == village["incidence"]
