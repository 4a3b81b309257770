import datetime as dt

import pytest

from jingzhun.core.idnumber import IdNumberError, mask_id_number, parse_id_number
from tests.factories import make_id_number


def test_a_valid_id_gives_birth_date_and_sex():
    number = make_id_number("110105", "19800101", "female")
    info = parse_id_number(number)
    assert info.birth_date == dt.date(1980, 1, 1)
    assert info.sex == "female"
    assert info.warning == ""


def test_lower_case_check_letter_is_normalised():
    # 11010519491231002X is the standard's own example.
    assert parse_id_number("11010519491231002x").number == "11010519491231002X"


@pytest.mark.parametrize(
    "number, reason",
    [
        ("51202119800101001", "18"),
        ("5120211980010100123", "18"),
        ("512021198013010014", "出生日期"),
        ("51202A198001010011", "数字"),
    ],
)
def test_malformed_ids_are_refused_with_a_reason(number, reason):
    with pytest.raises(IdNumberError, match=reason):
        parse_id_number(number)


def test_a_wrong_check_character_is_refused():
    good = make_id_number()
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(IdNumberError, match="校验"):
        parse_id_number(wrong)


def test_a_birth_date_in_the_future_is_refused():
    number = make_id_number(birth="20300101")
    with pytest.raises(IdNumberError):
        parse_id_number(number, today=dt.date(2026, 1, 1))


def test_a_region_code_unknown_for_the_birth_year_only_warns():
    # 512021 (安岳县) exists only from 2000; someone born in 1970 carrying it registered late.
    info = parse_id_number(make_id_number("512021", "19700101"))
    assert "512021" in info.warning


def test_masking_keeps_region_and_last_four():
    assert mask_id_number("512021198001011234") == "512021********1234"
