"""Request and response shapes. Money is a decimal string in yuan, never a float."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, StringConstraints

from jingzhun.vocab import (
    ATTRIBUTE,
    CAUSE,
    EDUCATION,
    HEALTH,
    LABOUR,
    RELATION,
    SEX,
    STATUS,
    STUDENT,
)


def _no_control(value: str) -> str:
    # PostgreSQL refuses NUL in text and lone surrogates cannot be encoded: refuse them here
    # (422) rather than let the database fail (500).
    if "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value):
        raise ValueError("text must not contain NUL or unpaired surrogate characters")
    return value


def text(max_length: int, min_length: int = 0):
    return Annotated[
        str,
        StringConstraints(max_length=max_length, min_length=min_length),
        AfterValidator(_no_control),
    ]


# 2, 4, 6, 9 or 12 digits: a region code, shorter ones padded (INTERFACES §2).
REGION_CODE_PATTERN = r"^[0-9]{2}([0-9]{2}([0-9]{2}([0-9]{3}([0-9]{3})?)?)?)?$"
RegionCode = Annotated[str, StringConstraints(pattern=REGION_CODE_PATTERN)]
HouseholdNo = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[^\x00]+$")]
Year = Annotated[int, Field(ge=1949, le=2100)]
# Every integer the database stores is bounded so that no input overflows a column (→ 422).
Version = Annotated[int, Field(ge=1, le=2_147_483_647)]
ObjectId = Annotated[int, Field(ge=1, le=9_223_372_036_854_775_807)]

Attribute = Literal[ATTRIBUTE.keys]  # type: ignore[valid-type]
Cause = Literal[CAUSE.keys]  # type: ignore[valid-type]
StatusKey = Literal[STATUS.keys]  # type: ignore[valid-type]
Relation = Literal[RELATION.keys]  # type: ignore[valid-type]
Sex = Literal[SEX.keys]  # type: ignore[valid-type]
Education = Literal[("", *EDUCATION.keys)]  # type: ignore[valid-type]
Student = Literal[STUDENT.keys]  # type: ignore[valid-type]
Health = Literal[HEALTH.keys]  # type: ignore[valid-type]
Labour = Literal[("", *LABOUR.keys)]  # type: ignore[valid-type]


class ErrorItem(Schema):
    loc: list[str | int]
    msg: str


class ValidationErrorOut(Schema):
    detail: list[ErrorItem]


class MessageOut(Schema):
    detail: str


class ConflictOut(Schema):
    detail: str
    current_version: int | None = None


# --- auth -------------------------------------------------------------------------------


class TokenIn(Schema):
    username: text(150, 1)
    password: text(4096, 1)


class TokenOut(Schema):
    token: str
    expires_at: dt.datetime


# --- regions and stats --------------------------------------------------------------------


class RegionRef(Schema):
    code: str
    name: str
    level: str


class ChildSummary(Schema):
    code: str
    name: str
    level: str
    households: int
    poor_households: int
    persons: int


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None
    rural_population: int | None
    poor_village: str
    exit_year: int | None
    collective_income: str | None = Field(description="yuan, decimal string")
    facilities: dict[str, bool | None]
    breadcrumbs: list[RegionRef]
    children: list[ChildSummary]


class StatsOut(Schema):
    region_code: str
    year: int
    households: int
    persons: int
    poor_households: int
    poor_persons: int
    rural_population: int
    incidence: str | None = Field(description="percent, decimal string; null without population")
    by_cause: dict[str, int]
    by_attribute: dict[str, int]
    children: list[StatsOut]


class AlertRow(Schema):
    id: int
    household_no: str
    village: RegionRef
    year: int
    rule: str
    level: Literal["red", "orange", "yellow"]
    reason: str
    reason_en: str = Field("", description="the reason in English ('' for alerts raised before)")
    data: dict
    status: str
    tier: Literal["village", "township", "county"]
    responsible_region: str
    owner_cadre: str | None
    raised_on: dt.date
    verify_by: dt.date
    decide_by: dt.date
    due_on: dt.date | None
    overdue: bool
    escalations: int
    identified_on: dt.date | None
    closed_on: dt.date | None


class AlertsOut(Schema):
    items: list[AlertRow]
    count: int
    page: int
    page_size: int


# --- households -----------------------------------------------------------------------------


class HouseholdRow(Schema):
    household_no: str
    village: RegionRef
    group: str
    attribute: str
    main_cause: str
    status: str
    registered_year: int
    exit_year: int | None
    persons: int
    head_name: str | None


class HouseholdPage(Schema):
    items: list[HouseholdRow]
    count: int
    page: int
    page_size: int


class Conditions(Schema):
    food_clothing_secure: bool | None
    housing_safe: bool | None
    water_safe: bool | None
    electricity: bool | None
    radio_tv: bool | None
    relocated: bool


class MemberOut(Schema):
    id: int
    id_number: str = Field(description="masked for roles that do not need it whole")
    id_warning: str
    name: str
    relation: str
    sex: str
    birth_date: dt.date | None = Field(description="null where the ID number is masked")
    age: int
    ethnicity: str
    education: str
    student: str
    dropout: bool | None
    health: str
    disability_grade: int | None
    labour: str
    migrant_months: int | None
    medical_insurance: bool | None
    pension_insurance: bool | None
    version: int


class IncomeOut(Schema):
    year: int
    wage: str
    production: str
    property: str
    transfer: str
    production_cost: str
    medical_expense: str | None
    education_expense: str | None
    net: str
    per_capita: str | None
    version: int


class HistoryOut(Schema):
    seq: int
    at: dt.datetime
    actor: str
    source: str
    action: str
    object_type: str
    object_id: str
    before: dict | list | None
    after: dict | list | None


class CriterionOut(Schema):
    key: str
    label: str
    passed: bool | None = Field(description="null: unknown for want of data, never a pass")
    value: str | None
    threshold: str | None


class AssessmentOut(Schema):
    policy: str = Field(description="the policy pack applied (`jingzhun policy show ID`)")
    year: int
    passed: bool | None
    criteria: list[CriterionOut]


class HouseholdOut(Schema):
    household_no: str
    village: RegionRef
    group: str
    attribute: str
    main_cause: str
    other_causes: list[str]
    status: str
    registered_year: int
    exit_year: int | None
    phone: str
    version: int
    conditions: Conditions
    members: list[MemberOut]
    incomes: list[IncomeOut]
    assessments: list[AssessmentOut] = Field(
        description="the standard applied for each year with an income record, newest first"
    )
    history: list[HistoryOut]


class HouseholdPatch(Schema):
    version: Version = Field(description="the version you read; a stale one answers 409")
    group: text(50) | None = None
    attribute: Attribute | None = None
    main_cause: Cause | None = None
    other_causes: list[Cause] | None = None
    status: StatusKey | None = None
    registered_year: Year | None = None
    exit_year: Year | None = None
    food_clothing_secure: bool | None = None
    housing_safe: bool | None = None
    water_safe: bool | None = None
    electricity: bool | None = None
    radio_tv: bool | None = None
    relocated: bool | None = None
    phone: text(20) | None = None


class MemberFields(Schema):
    ethnicity: text(20) = ""
    education: Education = ""
    student: Student = "none"
    dropout: bool | None = None
    health: Health = "healthy"
    disability_grade: Annotated[int, Field(ge=1, le=4)] | None = None
    labour: Labour = ""
    migrant_months: Annotated[int, Field(ge=0, le=12)] | None = None
    medical_insurance: bool | None = None
    pension_insurance: bool | None = None


class MemberIn(MemberFields):
    id_number: text(18, 1)
    name: text(50, 1)
    relation: Relation
    sex: Sex | None = None
    birth_date: dt.date | None = None


class MemberPatch(Schema):
    version: Version = Field(description="the version you read; a stale one answers 409")
    id_number: text(18, 1) | None = None
    name: text(50, 1) | None = None
    relation: Relation | None = None
    sex: Sex | None = None
    birth_date: dt.date | None = None
    ethnicity: text(20) | None = None
    education: Education | None = None
    student: Student | None = None
    dropout: bool | None = None
    health: Health | None = None
    disability_grade: Annotated[int, Field(ge=1, le=4)] | None = None
    labour: Labour | None = None
    migrant_months: Annotated[int, Field(ge=0, le=12)] | None = None
    medical_insurance: bool | None = None
    pension_insurance: bool | None = None


class HouseholdIn(Schema):
    household_no: text(32, 1)
    village: RegionCode = Field(description="12-digit code of the village")
    attribute: Attribute
    main_cause: Cause
    other_causes: list[Cause] = []
    status: StatusKey = "poor"
    registered_year: Year
    exit_year: Year | None = None
    group: text(50) = ""
    food_clothing_secure: bool | None = None
    housing_safe: bool | None = None
    water_safe: bool | None = None
    electricity: bool | None = None
    radio_tv: bool | None = None
    relocated: bool = False
    phone: text(20) = ""
    members: list[MemberIn] = Field(min_length=1, max_length=50)


# --- audit ----------------------------------------------------------------------------------


class AuditRow(HistoryOut):
    household_no: str
    region_code: str
    prev_hash: str
    hash: str


class AuditPage(Schema):
    items: list[AuditRow]
    count: int
    page: int
    page_size: int
