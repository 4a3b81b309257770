"""Field rules for households and members, shared by forms, the API, import and services."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError

from jingzhun.core.idnumber import IdNumberError, parse_id_number

MEMBER_FIELDS = (
    "id_number",
    "name",
    "relation",
    "sex",
    "birth_date",
    "ethnicity",
    "education",
    "student",
    "dropout",
    "health",
    "disability_grade",
    "labour",
    "migrant_months",
    "medical_insurance",
    "pension_insurance",
)

HOUSEHOLD_FIELDS = (
    "household_no",
    "village_id",
    "group",
    "attribute",
    "main_cause",
    "other_causes",
    "status",
    "registered_year",
    "exit_year",
    "food_clothing_secure",
    "housing_safe",
    "water_safe",
    "electricity",
    "radio_tv",
    "relocated",
    "phone",
)


# A contact number as clerks write it: digits with the separators of a landline (0832-1234567),
# an extension or two numbers (、 ; /), at least one digit; no letters. The import's cell
# parser, the vectorised pass (a polars regex: the same syntax) and the model share it.
PHONE_PATTERN = r"[0-9+\-() /、,;，；]*[0-9][0-9+\-() /、,;，；]*"
PHONE_MESSAGE = "联系电话只能包含数字和 + - ( ) / 、; 等分隔符 (a phone number holds digits and separators only)"


def validate_phone(value: str) -> None:
    if value and not re.fullmatch(PHONE_PATTERN, value):
        raise ValidationError(PHONE_MESSAGE, code="phone")


def check_identity(data: dict, *, today: dt.date | None = None) -> dict:
    """Fill sex and birth date from the ID number, or refuse them when they disagree with it.

    Returns the data with `id_number` normalised and `id_warning` set.
    """
    errors: dict[str, list[str]] = {}
    try:
        info = parse_id_number(data.get("id_number"), today=today)
    except IdNumberError as exc:
        raise ValidationError({"id_number": [str(exc)]}) from exc
    result = dict(data, id_number=info.number, id_warning=info.warning)
    if data.get("sex") in (None, ""):
        result["sex"] = info.sex
    elif data["sex"] != info.sex:
        errors["sex"] = ["性别与证件号码不符 (sex does not match the ID number)"]
    if data.get("birth_date") in (None, ""):
        result["birth_date"] = info.birth_date
    elif data["birth_date"] != info.birth_date:
        errors["birth_date"] = ["出生日期与证件号码不符 (birth date does not match the ID number)"]
    if errors:
        raise ValidationError(errors)
    return result


def check_member_consistency(data: dict) -> None:
    errors: dict[str, list[str]] = {}
    grade = data.get("disability_grade")
    if grade is not None and data.get("health") != "disabled":
        errors["disability_grade"] = ["仅残疾人填写残疾等级 (only for disabled members)"]
    if data.get("dropout") and data.get("student") not in (None, "", "none"):
        errors["dropout"] = ["在校生不能同时为辍学 (a pupil in school is not a dropout)"]
    if errors:
        raise ValidationError(errors)


def check_household_years(data: dict) -> None:
    exit_year = data.get("exit_year")
    registered = data.get("registered_year")
    if exit_year and registered and exit_year < registered:
        raise ValidationError({"exit_year": ["脱贫年度早于识别年度 (exit before registration)"]})
    if data.get("status") in ("exited",) and not exit_year:
        raise ValidationError({"exit_year": ["已脱贫户须填写脱贫年度 (exit year required)"]})
