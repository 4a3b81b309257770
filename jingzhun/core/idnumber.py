"""Resident ID numbers (GB 11643) checked with python-stdnum's `stdnum.cn.ric`.

The length, digits, MOD 11-2 check character and birth date refuse a number. An unknown
region code for the birth year only warns: people registered late legitimately carry a code
their county got later (INTERFACES §2).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric
from stdnum.util import isdigits


class IdNumberError(ValueError):
    pass


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: dt.date
    sex: str  # "male" | "female"
    region_code: str
    warning: str = ""


def _compact(raw: object) -> str:
    text = raw if isinstance(raw, str) else str(raw or "")
    # The common case, 18 plain characters, skips stdnum's Unicode clean-up (most of the cost
    # when a million IDs are imported); anything else goes through it.
    if len(text) == 18 and text.isascii() and text[:17].isdigit():
        return text.upper()
    return ric.compact(text)


def parse_id_number(raw: object, *, today: dt.date | None = None) -> IdNumber:
    number = _compact(raw)
    if len(number) != 18:
        raise IdNumberError(f"证件号码应为18位，实为{len(number)}位 (must be 18 characters)")
    if not isdigits(number[:-1]) or not (number[-1].isdigit() or number[-1] == "X"):
        raise IdNumberError("证件号码只能是数字，末位可为X (digits only, last may be X)")
    if number[-1] != ric.calc_check_digit(number):
        raise IdNumberError("证件号码校验位错误 (wrong check character)")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise IdNumberError("证件号码中的出生日期无效 (invalid birth date)") from exc
    today = today or dt.date.today()
    if birth > today or birth.year < 1880:
        raise IdNumberError("证件号码中的出生日期不合理 (birth date out of range)")
    warning = ""
    if not region_known(number[:6], birth.year):
        warning = (
            f"区划代码{number[:6]}在{birth.year}年不存在，请核实 "
            f"(region code {number[:6]} unknown for {birth.year}; check)"
        )
    sex = "male" if int(number[16]) % 2 == 1 else "female"
    return IdNumber(number, birth, sex, number[:6], warning)


@lru_cache(maxsize=200_000)
def region_known(region: str, year: int) -> bool:
    """Whether python-stdnum knows the region code in that year.

    The answer depends on nothing else, and stdnum's lookup costs ~0.6 ms, so a county's few
    hundred (code, year) pairs are looked up once each instead of once per person.
    """
    try:
        ric.get_birth_place(f"{region}{year:04d}0101" + "0000")
    except stdnum_errors.ValidationError:
        return False
    return True


def regions_known(pairs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], bool]:
    """`region_known` for many (region code, year) pairs at once, for column-wise checks.

    python-stdnum's table is read once per region code rather than once per pair (a county's
    members carry thousands of pairs over a few hundred codes); the year test is stdnum's own
    (`ric.get_birth_place`). A code whose entry has no county list goes to `region_known`.
    """
    by_region: dict[str, list[int]] = {}
    for region, year in pairs:
        by_region.setdefault(region, []).append(year)
    known: dict[tuple[str, int], bool] = {}
    for region, years in by_region.items():
        info = dict(_region_info(region))
        if info and "county" not in info:
            known.update({(region, y): region_known(region, y) for y in years})
            continue
        counties = info["county"].split(",") if info else []
        for year in years:
            known[(region, year)] = _county_in_year(counties, year)
    return known


@lru_cache(maxsize=20_000)
def _region_info(region: str) -> tuple[tuple[str, str], ...]:
    """python-stdnum's entry for a region code, as (property, value) pairs: read once per code
    (a 1M-member import asks for the same thousand codes in every batch)."""
    from stdnum import numdb

    return tuple((k, v) for _, props in numdb.get("cn/loc").info(region) for k, v in props.items())


def _county_in_year(counties: list[str], year: int) -> bool:
    for county in counties:  # as ric.get_birth_place
        if not county.startswith("["):
            return True
        startend, _ = county[1:].split("]")
        start, end = startend.split("-")
        if start and year < int(start):
            continue
        if end and year > int(end):
            continue
        return True
    return False


def mask_id_number(number: str | None) -> str:
    """`512021********1234`: the region and the last four stay, the birth date goes."""
    if not number:
        return ""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
