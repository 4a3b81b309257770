"""Writes to the registry. Every write is validated here, audited, and version-checked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from jingzhun.audit import services as audit
from jingzhun.core.errors import ConflictError
from jingzhun.regions.models import Region

from .models import Household, Income, Member
from .rules import (
    HOUSEHOLD_FIELDS,
    MEMBER_FIELDS,
    check_household_years,
    check_identity,
    check_member_consistency,
)


def snapshot(obj, fields: Iterable[str]) -> dict:
    return {f: getattr(obj, f) for f in fields}


def _full_clean(obj, *, exclude: Iterable[str] = ()) -> None:
    obj.full_clean(exclude=list(exclude), validate_unique=True, validate_constraints=True)


def _id_taken_message(member: Member) -> str:
    return (
        f"该证件号码已登记在户 {member.household.household_no} "
        f"(ID already registered in household {member.household.household_no})"
    )


def _check_id_unique(id_number: str, *, exclude_pk: int | None = None) -> None:
    clash = Member.objects.select_related("household").filter(id_number=id_number)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    other = clash.first()
    if other is not None:
        raise ValidationError({"id_number": [_id_taken_message(other)]})


def _build_member(household: Household, data: dict, *, today: dt.date | None = None) -> Member:
    clean = check_identity(data, today=today)
    check_member_consistency(clean)
    member = Member(household=household, **{k: clean.get(k) for k in MEMBER_FIELDS if k in clean})
    member.id_warning = clean["id_warning"]
    return member


@transaction.atomic
def household_register(
    *,
    by,
    household_no: str,
    village: Region,
    attribute: str,
    main_cause: str,
    registered_year: int,
    members: list[dict],
    status: str = "poor",
    other_causes: str = "",
    group: str = "",
    exit_year: int | None = None,
    food_clothing_secure: bool | None = None,
    housing_safe: bool | None = None,
    water_safe: bool | None = None,
    electricity: bool | None = None,
    radio_tv: bool | None = None,
    relocated: bool = False,
    phone: str = "",
    today: dt.date | None = None,
) -> Household:
    """Register a household with its members; exactly one of them is the head."""
    if village.level != "village":
        raise ValidationError({"village": ["户只能登记在村一级 (households belong to a village)"]})
    heads = [m for m in members if m.get("relation") == "head"]
    if len(heads) != 1:
        raise ValidationError(
            {"members": [f"每户须有且仅有一名户主，现有{len(heads)}名 (exactly one head)"]}
        )
    household = Household(
        household_no=household_no,
        village=village,
        group=group,
        attribute=attribute,
        main_cause=main_cause,
        other_causes=other_causes,
        status=status,
        registered_year=registered_year,
        exit_year=exit_year,
        food_clothing_secure=food_clothing_secure,
        housing_safe=housing_safe,
        water_safe=water_safe,
        electricity=electricity,
        radio_tv=radio_tv,
        relocated=relocated,
        phone=phone,
    )
    check_household_years(snapshot(household, HOUSEHOLD_FIELDS))
    _full_clean(household)
    household.save()
    seen: dict[str, int] = {}
    built = []
    for index, data in enumerate(members):
        try:
            member = _build_member(household, data, today=today)
            if member.id_number in seen:
                raise ValidationError(
                    {"id_number": [f"证件号码与第{seen[member.id_number] + 1}名成员重复"]}
                )
            seen[member.id_number] = index
            _check_id_unique(member.id_number)
            _full_clean(member, exclude=["household"])
        except ValidationError as exc:
            raise _member_error(index, exc) from exc
        member.save()
        built.append(member)
    audit.record(
        by=by,
        action="household.register",
        object_type="household",
        object_id=household.pk,
        household_no=household.household_no,
        region_code=village.code,
        after={
            **snapshot(household, HOUSEHOLD_FIELDS),
            "members": [snapshot(m, MEMBER_FIELDS) for m in built],
        },
    )
    return household


def _member_error(index: int, exc: ValidationError) -> ValidationError:
    """A member's errors keyed `members[i].field`, so pages and the API can place them."""
    if not hasattr(exc, "error_dict"):
        return ValidationError({f"members[{index}]": exc.messages})
    return ValidationError(
        {
            f"members[{index}]" if field == "__all__" else f"members[{index}].{field}": messages
            for field, messages in exc.message_dict.items()
        }
    )


def _locked_update(model, obj, *, expected_version: int, changes: dict) -> None:
    """Compare-and-set on `version`: a stale edit is refused, never silently overwrites."""
    updated = model.objects.filter(pk=obj.pk, version=expected_version).update(
        version=F("version") + 1, **changes
    )
    if updated == 0:
        current = model.objects.filter(pk=obj.pk).values_list("version", flat=True).first()
        raise ConflictError(
            "记录已被他人修改，请刷新后重试 (the record was changed by someone else; reload)",
            current_version=current,
        )
    obj.version = expected_version + 1


@transaction.atomic
def household_update(*, by, household: Household, expected_version: int, **changes) -> Household:
    unknown = set(changes) - set(HOUSEHOLD_FIELDS)
    if unknown or "household_no" in changes:
        raise ValidationError(f"不可修改的字段 (fields that cannot change): {sorted(unknown)}")
    before = snapshot(household, HOUSEHOLD_FIELDS)
    for field, value in changes.items():
        setattr(household, field, value)
    check_household_years(snapshot(household, HOUSEHOLD_FIELDS))
    _full_clean(household, exclude=["household_no"])
    after = snapshot(household, HOUSEHOLD_FIELDS)
    old, new = audit.diff(before, after)
    if not new:
        return household
    _locked_update(Household, household, expected_version=expected_version, changes=new)
    audit.record(
        by=by,
        action="household.update",
        object_type="household",
        object_id=household.pk,
        household_no=household.household_no,
        region_code=household.village_id,
        before=old,
        after=new,
    )
    return household


def _member_audit(by, action: str, member: Member, before, after) -> None:
    audit.record(
        by=by,
        action=action,
        object_type="member",
        object_id=member.pk,
        household_no=member.household.household_no,
        region_code=member.household.village_id,
        before=before,
        after=after,
    )


@transaction.atomic
def member_add(*, by, household: Household, data: dict, today: dt.date | None = None) -> Member:
    member = _build_member(household, data, today=today)
    if member.relation == "head" and household.members.filter(relation="head").exists():
        raise ValidationError({"relation": ["该户已有户主 (the household already has a head)"]})
    _check_id_unique(member.id_number)
    _full_clean(member, exclude=["household"])
    try:
        member.save()
    except IntegrityError as exc:  # a concurrent writer took the ID or the head
        raise ValidationError({"id_number": ["证件号码或户主冲突，请重试"]}) from exc
    _member_audit(by, "member.add", member, None, snapshot(member, MEMBER_FIELDS))
    return member


@transaction.atomic
def member_update(
    *, by, member: Member, expected_version: int, data: dict, today: dt.date | None = None
) -> Member:
    unknown = set(data) - set(MEMBER_FIELDS)
    if unknown:
        raise ValidationError(f"未知字段 (unknown fields): {sorted(unknown)}")
    before = snapshot(member, MEMBER_FIELDS)
    merged = {**before, **data}
    if "id_number" in data and data["id_number"] != before["id_number"]:
        # A new ID number brings its own sex and birth date unless they were given too.
        merged["sex"] = data.get("sex")
        merged["birth_date"] = data.get("birth_date")
    clean = check_identity(merged, today=today)
    check_member_consistency(clean)
    if clean["relation"] != before["relation"]:
        if before["relation"] == "head":
            raise ValidationError(
                {"relation": ["请先指定新户主 (name the new head first: use change_head)"]}
            )
        if clean["relation"] == "head":
            raise ValidationError({"relation": ["该户已有户主 (the household already has a head)"]})
    _check_id_unique(clean["id_number"], exclude_pk=member.pk)
    for field in MEMBER_FIELDS:
        setattr(member, field, clean[field])
    member.id_warning = clean["id_warning"]
    _full_clean(member, exclude=["household", "id_number"])
    old, new = audit.diff(before, snapshot(member, MEMBER_FIELDS))
    if not new:
        return member
    _locked_update(
        Member,
        member,
        expected_version=expected_version,
        changes={**new, "id_warning": member.id_warning},
    )
    _member_audit(by, "member.update", member, old, new)
    return member


@transaction.atomic
def household_change_head(*, by, household: Household, new_head: Member, old_head_relation: str):
    """Hand the head role to another member (the head died or moved, say)."""
    if new_head.household_id != household.pk:
        raise ValidationError({"new_head": ["不是本户成员 (not a member of this household)"]})
    old_head = household.members.filter(relation="head").first()
    if old_head is None or old_head.pk == new_head.pk:
        raise ValidationError({"new_head": ["无需变更 (nothing to change)"]})
    Member.objects.filter(pk=old_head.pk).update(
        relation=old_head_relation, version=F("version") + 1
    )
    Member.objects.filter(pk=new_head.pk).update(relation="head", version=F("version") + 1)
    _member_audit(
        by,
        "member.change_head",
        new_head,
        {"head": old_head.id_number},
        {"head": new_head.id_number, "old_head_relation": old_head_relation},
    )


@transaction.atomic
def member_remove(*, by, member: Member, reason: str) -> None:
    """A member leaves the household (death, marriage out, moving). The head cannot leave."""
    if member.relation == "head":
        raise ValidationError({"relation": ["请先指定新户主 (name a new head first)"]})
    if not reason.strip():
        raise ValidationError({"reason": ["请填写原因 (give the reason)"]})
    before = snapshot(member, MEMBER_FIELDS)
    _member_audit(by, "member.remove", member, before, {"reason": reason})
    member.delete()


INCOME_FIELDS = ("year", *Income.AMOUNT_FIELDS)


@transaction.atomic
def income_set(
    *, by, household: Household, year: int, amounts_fen: dict[str, int | None]
) -> Income:
    """Record or correct a household's income for a year (amounts in fen)."""
    unknown = set(amounts_fen) - set(Income.AMOUNT_FIELDS)
    if unknown:
        raise ValidationError(f"未知收入项 (unknown income fields): {sorted(unknown)}")
    income = Income.objects.filter(household=household, year=year).first()
    before = snapshot(income, INCOME_FIELDS) if income else None
    if income is None:
        income = Income(household=household, year=year)
    for field, value in amounts_fen.items():
        if value is not None and value < 0:
            raise ValidationError({field: ["金额不能为负 (must not be negative)"]})
        if value is None and field not in ("medical_expense_fen", "education_expense_fen"):
            value = 0
        setattr(income, field, value)
    _full_clean(income, exclude=["household"])
    if before is None:
        income.save()
        after = snapshot(income, INCOME_FIELDS)
        action = "income.add"
    else:
        old, new = audit.diff(before, snapshot(income, INCOME_FIELDS))
        if not new:
            return income
        _locked_update(Income, income, expected_version=income.version, changes=new)
        before, after, action = old, new, "income.update"
    audit.record(
        by=by,
        action=action,
        object_type="income",
        object_id=income.pk,
        household_no=household.household_no,
        region_code=household.village_id,
        before=before,
        after=after,
    )
    return income
