"""Household criteria: each on both sides of its threshold and with its data missing."""

from __future__ import annotations

from datetime import date

import pytest

from .conftest import criterion

SICHUAN = "cn-sichuan-2018"  # poverty_line 3535; school ages 6–15
LINE_FEN = 353_500


def household(**fields):
    return {"household_no": "H1", **fields}


@pytest.mark.parametrize(
    ("income_fen", "passed", "value"),
    [
        (LINE_FEN * 4 + 1, True, "3535.01"),
        (LINE_FEN * 4, False, "3535.00"),
        (LINE_FEN * 4 - 1, False, "3535.00"),  # 3534.9975: rounds to the line, still fails
        (LINE_FEN * 4 - 3, False, "3534.99"),
        (-400, False, "-1.00"),
    ],
)
def test_income_passes_only_when_strictly_above_the_line(income_fen, passed, value):
    result = criterion(
        SICHUAN, "household", "income", household(members=4, net_income_fen=income_fen)
    )
    assert (result.passed, result.value, result.threshold) == (passed, value, "> 3535.00")


def test_income_exactly_on_the_line_fails():
    result = criterion(
        SICHUAN, "household", "income", household(members=1, net_income_fen=LINE_FEN)
    )
    assert result.passed is False


@pytest.mark.parametrize(
    "fields", [{"members": 3}, {"net_income_fen": 10**7}, {"members": 0, "net_income_fen": 10**7}]
)
def test_income_is_unknown_without_an_income_record_or_a_household_size(fields):
    result = criterion(SICHUAN, "household", "income", household(**fields))
    assert result.passed is None and result.value is None


@pytest.mark.parametrize(
    ("key", "column"),
    [
        ("food_clothing", "food_clothing_secure"),
        ("water", "water_safe"),
        ("electricity", "electricity"),
        ("radio_tv", "radio_tv"),
        ("housing", "housing_safe"),
    ],
)
@pytest.mark.parametrize(
    ("flag", "passed", "value"), [(True, True, "是"), (False, False, "否"), (None, None, None)]
)
def test_yes_no_criteria_follow_their_flag_and_are_unknown_when_unrecorded(
    key, column, flag, passed, value
):
    result = criterion(SICHUAN, "household", key, household(**{column: flag}))
    assert (result.passed, result.value, result.threshold) == (passed, value, "是")


def test_relocation_secures_housing_whatever_the_old_house():
    for rating in (False, None):
        result = criterion(
            SICHUAN, "household", "housing", household(housing_safe=rating, relocated=True)
        )
        assert result.passed is True


def test_an_unsafe_house_without_a_relocation_record_fails():
    assert criterion(SICHUAN, "household", "housing", household(housing_safe=False)).passed is False


ON = date(2018, 9, 1)


def child(age_years: int, **fields):
    """A member who turns `age_years` on the assessment date."""
    return {
        "household_no": "H1",
        "birth_date": date(ON.year - age_years, ON.month, ON.day),
        **fields,
    }


def education(*members):
    return criterion(SICHUAN, "household", "education", household(), members=members, on=ON)


def test_a_school_age_dropout_fails_compulsory_education():
    result = education(child(12, dropout=True), child(40, dropout=False))
    assert (result.passed, result.value, result.threshold) == (False, "1", "0")


@pytest.mark.parametrize("age", [6, 15])
def test_the_age_window_includes_both_ends(age):
    assert education(child(age, dropout=True)).passed is False


@pytest.mark.parametrize("age", [5, 16])
def test_dropouts_outside_the_age_window_do_not_count(age):
    assert education(child(age, dropout=True)).passed is True


def test_age_is_taken_at_the_assessment_date():
    # Born one day after ON's date sixteen years earlier: still 15 on the assessment date.
    member = {
        "household_no": "H1",
        "birth_date": date(ON.year - 16, ON.month, ON.day + 1),
        "dropout": True,
    }
    assert education(member).passed is False


def test_no_school_age_dropout_passes():
    result = education(child(10, dropout=False), child(50))
    assert (result.passed, result.value) == (True, "0")


def test_an_enrolled_student_needs_no_dropout_flag():
    assert education(child(10, student="primary")).passed is True


@pytest.mark.parametrize(
    "member",
    [
        child(10),  # school age, dropout not recorded
        child(10, student="none"),  # school age, not in school, dropout not recorded
        {"household_no": "H1", "dropout": True},  # a dropout of unknown age
    ],
)
def test_compulsory_education_is_unknown_when_a_dropout_cannot_be_ruled_out(member):
    assert education(member).passed is None


def test_a_member_of_unknown_age_who_did_not_drop_out_does_not_matter():
    assert education({"household_no": "H1", "dropout": False}).passed is True


def test_member_criteria_are_unknown_for_a_household_with_no_member_rows():
    assert education().passed is None
    assert criterion(SICHUAN, "household", "medical", household()).passed is None


def insurance(*flags):
    members = tuple({"household_no": "H1", "medical_insurance": f} for f in flags)
    return criterion(SICHUAN, "household", "medical", household(), members=members)


def test_every_member_enrolled_in_medical_insurance_passes():
    result = insurance(True, True, True)
    assert (result.passed, result.value, result.threshold) == (True, "3/3", "3/3")


def test_one_member_not_enrolled_fails_even_if_another_is_unrecorded():
    result = insurance(True, False, None)
    assert (result.passed, result.value) == (False, "1/3")


def test_medical_insurance_is_unknown_when_a_member_is_unrecorded():
    assert insurance(True, None).passed is None


def test_months_under_monitoring_count_whole_months():
    def months(since, on):
        return criterion(
            "cn-monitoring-2020",
            "household",
            "months_monitored",
            household(monitoring_since=since),
            on=on,
        )

    assert months(date(2020, 1, 15), date(2020, 7, 15)).passed is True
    result = months(date(2020, 1, 15), date(2020, 7, 14))
    assert (result.passed, result.value, result.threshold) == (False, "5", "≥ 6")
    assert months(None, date(2020, 7, 14)).passed is None


def test_the_monitoring_pack_compares_income_with_the_monitoring_threshold():
    result = criterion(
        "cn-monitoring-2020", "household", "income", household(members=2, net_income_fen=1_200_001)
    )
    assert (result.passed, result.value, result.threshold) == (True, "6000.01", "> 6000.00")
