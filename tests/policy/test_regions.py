"""Village and county criteria: both sides of each threshold, missing data, west and east."""

from __future__ import annotations

import pytest

from .conftest import criterion

SICHUAN_VILLAGE = "512021001001"
EAST_VILLAGE = "320102001001"  # 江苏
WEST_COUNTY = "512021000000"  # 安岳县, 四川
EAST_COUNTY = "410102000000"  # 河南 (central: the 2% limit)


def village(code=SICHUAN_VILLAGE, **fields):
    return {"region_code": code, **fields}


def county(code=WEST_COUNTY, **fields):
    return {"region_code": code, **fields}


def test_kaizhou_incidence_reads_as_in_the_article():
    # Seed 002: 19,870 poor persons, 1.73% at the end of 2017.
    result = criterion(
        "cn-sichuan-2018",
        "village",
        "incidence",
        village(poor_persons=19_870, rural_population=1_148_555),
    )
    assert (result.passed, result.value, result.threshold) == (True, "1.73", "< 3.00")


@pytest.mark.parametrize(
    ("poor", "passed", "value"),
    [(299, True, "2.99"), (300, False, "3.00"), (301, False, "3.01")],
)
def test_incidence_must_be_strictly_below_the_limit(poor, passed, value):
    result = criterion(
        "cn-sichuan-2018",
        "village",
        "incidence",
        village(poor_persons=poor, rural_population=10_000),
    )
    assert (result.passed, result.value) == (passed, value)


def test_an_incidence_just_below_the_limit_never_displays_as_the_limit():
    result = criterion(
        "cn-sichuan-2018",
        "village",
        "incidence",
        village(poor_persons=29_999, rural_population=1_000_000),
    )
    assert (result.passed, result.value) == (True, "2.99")
    result = criterion(
        "cn-sichuan-2018",
        "village",
        "incidence",
        village(poor_persons=30_001, rural_population=1_000_000),
    )
    assert (result.passed, result.value) == (False, "3.00")  # 3.0001% is not below 3.00


@pytest.mark.parametrize(
    "fields",
    [{"poor_persons": 1}, {"rural_population": 100}, {"poor_persons": 0, "rural_population": 0}],
)
def test_incidence_is_unknown_without_both_counts(fields):
    assert criterion("cn-sichuan-2018", "village", "incidence", village(**fields)).passed is None


@pytest.mark.parametrize(
    ("code", "threshold", "passed"),
    [(SICHUAN_VILLAGE, "< 3.00", True), (EAST_VILLAGE, "< 2.00", False)],
)
def test_the_national_village_limit_is_three_percent_in_the_west_and_two_elsewhere(
    code, threshold, passed
):
    result = criterion(
        "cn-national-2018",
        "village",
        "incidence",
        village(code, poor_persons=250, rural_population=10_000),
    )
    assert (result.passed, result.threshold) == (passed, threshold)


@pytest.mark.parametrize(
    ("income_fen", "passed", "value"), [(1, True, "0.01"), (0, False, "0.00"), (None, None, None)]
)
def test_sichuan_collective_income_must_be_positive(income_fen, passed, value):
    result = criterion(
        "cn-sichuan-2018", "village", "collective_income", village(collective_income_fen=income_fen)
    )
    assert (result.passed, result.value, result.threshold) == (passed, value, "> 0.00")


@pytest.mark.parametrize("key", ["hardened_road", "clinic", "culture_room", "network"])
@pytest.mark.parametrize(("flag", "passed"), [(True, True), (False, False), (None, None)])
def test_village_facilities_follow_their_flag(key, flag, passed):
    assert criterion("cn-sichuan-2018", "village", key, village(**{key: flag})).passed is passed


@pytest.mark.parametrize("key", ["central_school", "health_center", "service_center"])
@pytest.mark.parametrize(
    ("having", "townships", "passed", "value"),
    [
        (13, 13, True, "13/13"),
        (12, 13, False, "12/13"),
        (None, 13, None, None),
        (3, None, None, None),
    ],
)
def test_every_township_needs_its_facility(key, having, townships, passed, value):
    record = county(townships=townships, **{f"townships_with_{key}": having})
    result = criterion("cn-sichuan-2018", "county", key, record)
    assert (result.passed, result.value) == (passed, value)


def comprehensive(code, poor):
    record = county(
        code,
        poor_persons=poor,
        missed_estimate=50,
        wrongly_exited_estimate=50,
        rural_population=100_000,
    )
    return criterion("cn-county-exit", "county", "comprehensive_incidence", record)


def test_comprehensive_incidence_adds_missed_and_wrongly_exited_persons():
    result = comprehensive(WEST_COUNTY, 1_900)
    assert (result.passed, result.value, result.threshold) == (True, "2.00", "< 3.00")


@pytest.mark.parametrize(
    ("code", "poor", "passed"),
    [
        (WEST_COUNTY, 2_899, True),
        (WEST_COUNTY, 2_900, False),
        (EAST_COUNTY, 1_899, True),
        (EAST_COUNTY, 1_900, False),
    ],
)
def test_comprehensive_incidence_limit_is_three_percent_west_and_two_east(code, poor, passed):
    assert comprehensive(code, poor).passed is passed


def test_comprehensive_incidence_is_unknown_without_the_estimates():
    record = county(poor_persons=10, missed_estimate=1, rural_population=100_000)
    assert criterion("cn-county-exit", "county", "comprehensive_incidence", record).passed is None


@pytest.mark.parametrize(
    ("key", "numerator", "denominator", "cases"),
    [
        (
            "wrongly_exited_rate",
            "wrongly_exited",
            "exited_sampled",
            [(19, True, "1.90"), (20, False, "2.00")],
        ),
        (
            "missed_rate",
            "missed",
            "nonregistered_sampled",
            [(19, True, "1.90"), (20, False, "2.00")],
        ),
        ("approval", "approving", "surveyed", [(900, True, "90.00"), (899, False, "89.90")]),
    ],
)
def test_sample_rates_on_both_sides_of_their_limit(key, numerator, denominator, cases):
    for count, passed, value in cases:
        record = county(**{numerator: count, denominator: 1_000})
        result = criterion("cn-county-exit", "county", key, record)
        assert (result.passed, result.value) == (passed, value), (key, count)
    assert criterion("cn-county-exit", "county", key, county(**{numerator: 5})).passed is None
    assert (
        criterion("cn-county-exit", "county", key, county(**{numerator: 0, denominator: 0})).passed
        is None
    )


def test_approval_just_under_ninety_percent_never_displays_as_ninety():
    result = criterion(
        "cn-county-exit", "county", "approval", county(approving=8_999, surveyed=10_000)
    )
    assert (result.passed, result.value, result.threshold) == (False, "89.99", "≥ 90.00")
