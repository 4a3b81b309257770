"""A synthetic county for the 建档立卡 registry: regions, households, members and incomes.

Pure Python, no Django import: the `jingzhun synth` command wraps it, and bench scripts call
`generate_county` directly. Everything flows from one `random.Random(seed)` (the subclass
`Rng`), and rows are written as they are made, so a million households need no more memory
than a hundred (only per-village counters and the ID-number sequence counters, bounded by the
date space, are kept).

The distributions and their sources are documented in docs/synthetic-data.md; the constants
below carry the figures, the code the dependencies between them (a destitute-support household
is old and cannot work, an illness household has someone ill, a schooling household a student).
"""

from __future__ import annotations

import csv
import math
import random
import re
import shutil
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache, lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Any, TextIO

from stdnum import numdb
from stdnum.cn import ric

# --- the file formats (INTERFACES §2) -------------------------------------------------------

REGION_COLUMNS = (
    "code",
    "name",
    "rural_population",
    "poor_village",
    "exit_year",
    "collective_income",
    "hardened_road",
    "clinic",
    "culture_room",
    "network",
    "central_school",
    "health_center",
    "service_center",
)
HOUSEHOLD_COLUMNS = (
    "household_no",
    "village_code",
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
    "phone",
)
MEMBER_COLUMNS = (
    "household_no",
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
INCOME_COLUMNS = (
    "household_no",
    "year",
    "wage",
    "production",
    "property",
    "transfer",
    "production_cost",
    "medical_expense",
    "education_expense",
)
FILES = {
    "regions": ("regions.csv", REGION_COLUMNS),
    "households": ("households.csv", HOUSEHOLD_COLUMNS),
    "members": ("members.csv", MEMBER_COLUMNS),
    "incomes": ("incomes.csv", INCOME_COLUMNS),
}

# --- policy figures the generator aims at ---------------------------------------------------

# The line counties applied in exit checks (POLICY.md "Income lines"); 2019 and 2020 are the
# derived, unconfirmed figures. Later years have no national line: the generator extends the
# 2020 figure by 5 % a year only so that incomes keep a plausible scale (not a policy claim).
POVERTY_LINE = {2014: 2800, 2015: 2968, 2016: 3146, 2017: 3335, 2018: 3535, 2019: 3747, 2020: 4000}
FIRST_YEAR = 2014  # 建档立卡 began in 2014
LAST_YEAR = 2025


def poverty_line(year: int) -> float:
    if year in POVERTY_LINE:
        return float(POVERTY_LINE[year])
    if year < FIRST_YEAR:
        return POVERTY_LINE[FIRST_YEAR] / 1.06 ** (FIRST_YEAR - year)
    return POVERTY_LINE[2020] * 1.05 ** (year - 2020)


# --- small helpers --------------------------------------------------------------------------


class Weighted:
    """A discrete distribution sampled with one `random()` call and a bisection.

    `random.choices` rebuilds its cumulative weights on every call unless given them, and its
    generality costs time; this is the hot path of a million-household run.
    """

    __slots__ = ("values", "cum", "total")

    def __init__(self, pairs: Sequence[tuple[Any, float]]) -> None:
        self.values = [v for v, _ in pairs]
        self.cum = list(accumulate(w for _, w in pairs))
        self.total = self.cum[-1]

    def pick(self, rng: Rng) -> Any:
        return self.values[bisect_right(self.cum, rng.random() * self.total)]

    def share(self, value: Any) -> float:
        i = self.values.index(value)
        return (self.cum[i] - (self.cum[i - 1] if i else 0)) / self.total


class Rng(random.Random):
    """`random.Random` with cheaper integer draws for the hot path.

    `randint`/`randrange`/`choice` go through `_randbelow`, several Python calls each; with
    millions of draws that dominates a run. These take one `random()` (53 bits: the bias of
    `int(random() * n)` for the small n used here is below 1e-13) and stay deterministic.
    """

    def below(self, n: int) -> int:
        return int(self.random() * n)

    def between(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def pick(self, seq: Sequence[Any]) -> Any:
        return seq[int(self.random() * len(seq))]


def _fen(yuan: float) -> str:
    """Yuan as a two-decimal string (never negative, never `1e-05`)."""
    return "%.2f" % (yuan if yuan > 0 else 0.0)


def _b(flag: bool) -> str:
    return "1" if flag else "0"


# --- distributions (docs/synthetic-data.md explains each) ------------------------------------

ATTRIBUTE_MIX = Weighted([("general", 70), ("dibao", 25), ("tekun", 5)])

# Household size for ordinary and minimum-allowance households; mean 3.74. With the 5 % of small
# destitute-support households the register's mean is about 3.6 persons.
SIZE_MIX = Weighted([(1, 8), (2, 17), (3, 20), (4, 24), (5, 17), (6, 9), (7, 3.5), (8, 1.5)])
TEKUN_SIZE_MIX = Weighted([(1, 70), (2, 25), (3, 5)])

# Head's age (years) by bucket; a single-person household is mostly an old person.
HEAD_AGE_MIX = Weighted(
    [((25, 34), 8), ((35, 44), 17), ((45, 54), 27), ((55, 64), 25), ((65, 74), 16), ((75, 85), 7)]
)
SINGLE_AGE_MIX = Weighted([((40, 59), 25), ((60, 69), 30), ((70, 79), 30), ((80, 89), 15)])
TEKUN_AGE_MIX = Weighted([((30, 59), 12), ((60, 69), 28), ((70, 79), 38), ((80, 92), 22)])

# Main cause of poverty. Illness about four in ten (国务院扶贫办, 2015/2016: 因病致贫返贫 ≈ 42 %
# of registered households); the rest is a judgement from county reports that list causes.
CAUSE_MIX = Weighted(
    [
        ("illness", 40.5),
        ("disability", 12),
        ("capital", 12),
        ("skills", 10.5),
        ("labour", 9.5),
        ("disaster", 2.5),
        ("transport", 2),
        ("drive", 2),
        ("land", 1.3),
        ("water", 1),
        ("marriage", 0.2),
        ("other", 0.5),
    ]
)
# Households with a pupil (about 40 %) name schooling costs 15 % of the time: about 6 % overall.
SCHOOLING_SHARE = 0.15
TEKUN_CAUSE_MIX = Weighted([("labour", 40), ("illness", 35), ("disability", 25)])
OTHER_CAUSE_COUNT = Weighted([(0, 35), (1, 45), (2, 20)])

# Registration year (most were identified in the 2014 campaign, the rest in the yearly
# dynamic adjustments) and the yearly exit hazard for a household still registered as poor.
REGISTERED_MIX = {2014: 78, 2015: 8, 2016: 6, 2017: 5, 2018: 2, 2019: 1}
EXIT_HAZARD = {2014: 0.04, 2015: 0.18, 2016: 0.25, 2017: 0.28, 2018: 0.30, 2019: 0.55, 2020: 1.0}
ATTRIBUTE_HAZARD = {"general": 1.1, "dibao": 0.85, "tekun": 0.7}
# Poor-village exit hazard by year (安岳: 162 poor villages in 2014, 78 left by 2018).
VILLAGE_EXIT_HAZARD = {2015: 0.10, 2016: 0.20, 2017: 0.30, 2018: 0.40, 2019: 0.60, 2020: 1.0}
POOR_VILLAGE_SHARE = 0.20  # 秦州: 84 of 420 villages; 安岳: 162 of about 900
POOR_VILLAGE_LEVEL = Weighted([("province", 60), ("city", 15), ("county", 25)])

# Health by age band: (healthy, chronic, serious, disabled).
HEALTH_BY_AGE = (
    (15, Weighted([("healthy", 96), ("chronic", 2), ("serious", 1), ("disabled", 1)])),
    (45, Weighted([("healthy", 88), ("chronic", 6), ("serious", 2), ("disabled", 4)])),
    (60, Weighted([("healthy", 70), ("chronic", 20), ("serious", 4), ("disabled", 6)])),
    (200, Weighted([("healthy", 50), ("chronic", 35), ("serious", 6), ("disabled", 9)])),
)
HEALTH_FOR_AGE = tuple(
    next(mix for below, mix in HEALTH_BY_AGE if age < below) for age in range(100)
)
DISABILITY_GRADE = Weighted([(1, 15), (2, 25), (3, 30), (4, 30)])  # grade 1 is the most severe

# Highest schooling of adults by birth cohort (rural China; older cohorts far less schooled).
EDUCATION_BY_COHORT = (
    (1950, Weighted([("illiterate", 45), ("primary", 40), ("junior", 12), ("senior", 3)])),
    (1965, Weighted([("illiterate", 25), ("primary", 45), ("junior", 25), ("senior", 5)])),
    (
        1980,
        Weighted(
            [("illiterate", 8), ("primary", 35), ("junior", 45), ("senior", 10), ("college", 2)]
        ),
    ),
    (
        1995,
        Weighted(
            [("illiterate", 3), ("primary", 15), ("junior", 55), ("senior", 20), ("college", 7)]
        ),
    ),
    (
        9999,
        Weighted(
            [("illiterate", 1), ("primary", 5), ("junior", 45), ("senior", 30), ("college", 19)]
        ),
    ),
)
DROPOUT_RATE = 0.005  # among children of compulsory-school age (6–15)

ETHNIC_MINORITIES = {  # by province prefix: the minorities a rural county there plausibly has
    "51": ("彝族", "藏族", "羌族"),
    "50": ("土家族", "苗族"),
    "62": ("回族", "藏族", "东乡族"),
    "52": ("苗族", "布依族", "侗族"),
    "53": ("彝族", "白族", "哈尼族"),
    "45": ("壮族", "瑶族"),
    "43": ("土家族", "苗族"),
    "63": ("藏族", "回族"),
    "64": ("回族",),
    "65": ("维吾尔族", "哈萨克族"),
    "54": ("藏族",),
    "15": ("蒙古族",),
}
MINORITY_SHARE = 0.02

# 2019 公安部 surname ranking, top ~80 with their approximate shares (percent).
SURNAMES = Weighted(
    list(
        zip(
            "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩邓冯曹彭曾肖田董潘袁蔡蒋余于"
            "杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎"
            "史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤",
            [7.1, 7.0, 6.7, 5.1, 4.6, 3.2, 2.5, 2.2, 2.0, 1.9, 1.5, 1.4, 1.3, 1.3, 1.2, 1.2, 1.1]
            + [1.0] * 8
            + [0.7] * 15
            + [0.5] * 20
            + [0.35] * 20
            + [0.25] * 100,
            strict=False,
        )
    )
)
_MALE_OLD = "德文明国华建平福贵荣成林清发祥忠义才永金树春光全兴洪军强志富海山云正良"
_MALE_YOUNG = "伟强磊军勇杰涛超鹏浩宇俊波斌刚鑫辉亮飞峰阳帅林龙凯文明川江华明豪轩睿博"
_FEMALE_OLD = "秀英兰桂芳珍凤玉华琼素翠淑菊梅莲琴碧群淑芬德会先春"
_FEMALE_YOUNG = "丽娟婷敏静燕艳霞欣雨涵萱怡佳雪琳思诗晓梦倩颖玲蓉月"
_FEMALE_OLD_GIVEN = (  # noqa: SIM905 - a word list reads better as one string
    "秀英 桂兰 玉兰 桂英 秀兰 玉珍 凤英 素珍 淑珍 翠花 秀珍 桂芳 玉华 德芳 素华 琼英 "
    "会英 碧芳 群英 素芬 春兰 秀芳 桂珍 玉英 菊芳"
).split()

PHONE_PREFIXES = (  # noqa: SIM905
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "177 180 181 182 183 187 188 189 198 199"
).split()

# Syllables for township and village names (place-name characters common in the south-west).
_PLACE_FIRST = "石金银龙凤白黄青新和平安兴福长高柏松竹桃花水清永太双三五大小红马牛鹤云"
_PLACE_SECOND = "桥河坝山岭湾沟坪岩林泉溪塘庙寺堡场口坡垭观湖田井园池坎滩峰台"


# --- region-code history from python-stdnum -------------------------------------------------


@dataclass(frozen=True)
class Period:
    """One name a 6-digit code carried, with python-stdnum's year range (inclusive, open = None)."""

    code: str
    name: str
    start: int | None
    end: int | None

    def covers(self, year: int) -> bool:
        return (self.start is None or year >= self.start) and (self.end is None or year <= self.end)


_PERIOD_RE = re.compile(r"^\[(\d*)-(\d*)\](.*)$")


@lru_cache(maxsize=1)
def _stdnum_locations() -> tuple[dict[str, str], dict[str, tuple[Period, ...]]]:
    """Province names and every county-level code's periods, from stdnum's cn/loc.dat.

    `stdnum.cn.ric.get_birth_place` reads the same database through `numdb.get("cn/loc")`:
    a code is valid for a birth year when one of its periods covers that year, and a period
    without brackets covers every year. We read it the same way so generated IDs pass.
    """
    db = numdb.get("cn/loc")
    provinces: dict[str, str] = {}
    codes: dict[str, tuple[Period, ...]] = {}
    for _length, low, high, props, children in db.prefixes:
        for prov in range(int(low), int(high) + 1):
            provinces[f"{prov:02d}"] = props.get("province", "")
            for _clen, clow, chigh, cprops, _ in children:
                for county in range(int(clow), int(chigh) + 1):
                    code = f"{prov:02d}{county:04d}"
                    periods = []
                    for part in cprops.get("county", "").split(","):
                        match = _PERIOD_RE.match(part)
                        if match:
                            start, end, name = match.groups()
                            periods.append(
                                Period(
                                    code,
                                    name,
                                    int(start) if start else None,
                                    int(end) if end else None,
                                )
                            )
                        elif part:
                            periods.append(Period(code, part, None, None))
                    codes[code] = tuple(periods)
    return provinces, codes


def _base_name(name: str) -> str:
    for suffix in ("自治县", "自治旗", "县", "区", "市", "旗"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _same_place(a: str, b: str) -> bool:
    """Whether two names plausibly denote the same county across a re-coding or a renaming:
    equal names, equal stems (安县 / 安州区 share no stem, but 开县 / 开州区 do by prefix), or
    a renaming that keeps the first character (秦城区 → 秦州区)."""
    if a == b:
        return True
    sa, sb = _base_name(a), _base_name(b)
    return sa == sb or sa.startswith(sb) or sb.startswith(sa)


def _latest(periods: Sequence[Period]) -> Period | None:
    if not periods:
        return None
    return max(periods, key=lambda p: (p.end is None, p.end or 0, p.start or 0))


@lru_cache(maxsize=256)
def code_history(code: str) -> tuple[Period, ...]:
    """The periods of a county's lineage in python-stdnum, newest first.

    Walks back from the code's latest period: earlier periods of the same code that name the
    same place (秦城区 → 秦州区), then a predecessor code whose range ends where the lineage
    begins and that names the same place, preferring one in the same province and prefecture
    (安岳县: 512021 ← 513921 ← 511023 ← 512427; 开州区: 500154 ← 500234 ← 511221 ← 512222).
    Returns () for a code python-stdnum does not know.
    """
    _, codes = _stdnum_locations()
    own = codes.get(code, ())
    current = _latest(own)
    if current is None:
        return ()
    lineage = [current]
    names = {current.name}
    # earlier periods of the same code (a rename), newest first, while they still name the place
    for period in sorted(own, key=lambda p: p.start or 0, reverse=True):
        if period is current:
            continue
        if any(period.name[:1] == n[:1] for n in names):
            lineage.append(period)
            names.add(period.name)
        else:
            break
    seen = {code}
    while True:
        begins = min((p.start for p in lineage), key=lambda s: -1 if s is None else s)
        if begins is None:
            break
        candidates = [
            p
            for c, periods in codes.items()
            if c not in seen
            for p in periods
            if p.end is not None
            and begins - 1 <= p.end <= begins
            and any(_same_place(p.name, n) for n in names)
        ]
        if not candidates:
            break
        pred = min(
            candidates,
            key=lambda p: (
                p.name not in names,  # the same name first
                p.code[:2] != code[:2],  # then the same province
                p.code[:4] != code[:4],  # and prefecture
                p.code,
            ),
        )
        seen.add(pred.code)
        lineage.append(pred)
        names.add(pred.name)
    return tuple(lineage)


@cache
def _all_periods() -> tuple[Period, ...]:
    _, codes = _stdnum_locations()
    return tuple(p for periods in codes.values() for p in periods if p.code[4:] != "00")


@cache
def _valid_periods(year: int) -> tuple[Period, ...]:
    """Every county-level code's period that python-stdnum accepts for a birth year, by code."""
    return tuple(sorted((p for p in _all_periods() if p.covers(year)), key=lambda p: p.code))


def _valid_codes(year: int) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.code for p in _valid_periods(year)))


@cache
def code_for_year(county: str, year: int) -> str:
    """The 6-digit code an ID issued for someone born in `year` in `county` carries.

    The county's own lineage when it covers the year (where two codes overlap at a boundary
    year, the newer one: stdnum accepts either). Otherwise — a county created after the person
    was born, or a code stdnum does not know — the nearest code valid that year, sharing the
    longest prefix (the prefecture, else the province): the registration office of the time.
    """
    covering = [p for p in code_history(county) if p.covers(year)]
    if covering:
        return max(covering, key=lambda p: -1 if p.start is None else p.start).code
    valid = _valid_periods(year)
    if not valid:  # pragma: no cover - stdnum always has codes without a start year
        raise ValueError(f"python-stdnum knows no region code for {year}")
    _, city, name = region_names(county)
    target = int(county)

    def rank(p: Period) -> tuple[bool, int, int, str]:
        # a code of the same place under an older name or level (天水市 622501 for 秦州区
        # before 1985) first, then the same prefecture, the same province, the nearest code
        kin = _same_place(p.name, name) or _same_place(p.name, city)
        common = 4 if p.code[:4] == county[:4] else 2 if p.code[:2] == county[:2] else 0
        return (not kin, -common, abs(int(p.code) - target), p.code)

    return min(valid, key=rank).code


def region_names(county: str) -> tuple[str, str, str]:
    """(province, city, county) names: python-stdnum's current names, else placeholders."""
    provinces, codes = _stdnum_locations()
    province = provinces.get(county[:2]) or f"省{county[:2]}"
    city_period = _latest(codes.get(county[:4] + "00", ()))
    county_period = _latest(codes.get(county, ()))
    city = city_period.name if city_period else f"市{county[:4]}"
    name = county_period.name if county_period else f"县{county}"
    return province, city, name


# --- resident ID numbers --------------------------------------------------------------------

_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _month_days(leap: bool) -> list[str]:
    days = []
    for month, n in enumerate(_MONTH_DAYS, start=1):
        for day in range(1, n + 1 + (1 if leap and month == 2 else 0)):
            days.append(f"{month:02d}{day:02d}")
    return days


_MMDD = (_month_days(False), _month_days(True))


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


_YEAR_DAYS = {year: 366 if _is_leap(year) else 365 for year in range(1880, 2101)}


class IdFactory:
    """Allocates unique 18-character resident ID numbers.

    Uniqueness without remembering every number: for each (region, birth date, sex) a counter
    n gives slot index k + n·K (part k of K, so parts generated apart never meet), mapped to an
    order-code slot by (211·index + offset) mod 499 — a bijection, 499 being prime — and the
    slot to an odd (male) or even (female) order code 001–998. Memory is bounded by the number
    of distinct birth dates, not of people. A full key moves the person to the next day.
    """

    SLOTS = 499
    STRIDE = 211

    def __init__(self, part: int = 0, parts: int = 1) -> None:
        if not 0 <= part < parts <= self.SLOTS:
            raise ValueError(f"part {part} of {parts}")
        self.part = part
        self.parts = parts
        # how many counters fit in this part's share of the 499 slots
        self.capacity = len(range(part, self.SLOTS, parts))
        self._used: dict[tuple[str, int, int, bool], int] = {}

    def issue(self, region: str, year: int, day_index: int, male: bool) -> tuple[str, str]:
        """(id_number, ISO birth date) for someone born on day `day_index` of `year`."""
        used = self._used
        key = (region, year, day_index, male)
        n = used.get(key, 0)
        days = _MMDD[_is_leap(year)]
        while n >= self.capacity:  # a full day: the next one (rare; see the class docstring)
            day_index += 1
            if day_index >= len(days):
                year, day_index = year + 1, 0
                days = _MMDD[_is_leap(year)]
            key = (region, year, day_index, male)
            n = used.get(key, 0)
        used[key] = n + 1
        mmdd = days[day_index]
        index = self.part + n * self.parts
        slot = (self.STRIDE * index + day_index * 7 + year) % self.SLOTS
        body = f"{region}{year}{mmdd}{2 * slot + 1 if male else 2 * slot + 2:03d}"
        return body + ric.calc_check_digit(body + "0"), f"{year}-{mmdd[:2]}-{mmdd[2:]}"


# --- the plan: townships and villages -------------------------------------------------------


@dataclass
class Village:
    code: str
    name: str
    poor_level: str  # POOR_VILLAGE key
    exit_year: int | None
    groups: int
    households: int = 0
    # filled while generating: registered persons, and those counted poor in the year
    persons: int = 0
    poor_persons: int = 0
    registered_share: float = 0.1
    collective_income: float = 0.0
    facilities: tuple[bool, bool, bool, bool] = (True, True, True, True)


@dataclass
class Township:
    code: str
    name: str
    villages: list[Village] = field(default_factory=list)
    services: tuple[bool, bool, bool] = (True, True, True)


def _place_name(rng: Rng, used: set[str], suffix: str) -> str:
    for _ in range(200):
        name = rng.pick(_PLACE_FIRST) + rng.pick(_PLACE_SECOND) + suffix
        if name not in used:
            used.add(name)
            return name
    # more places than syllable pairs: number them, as some real villages are (一村, 二村...)
    name = f"{rng.pick(_PLACE_FIRST)}{rng.pick(_PLACE_SECOND)}{len(used) + 1}{suffix}"
    used.add(name)
    return name


HOUSEHOLDS_PER_VILLAGE = 45  # registered households per village (秦州: 19,129 in 420 villages)
VILLAGES_PER_TOWNSHIP = 15
MAX_TOWNSHIPS = 899  # township codes 100–998
MAX_VILLAGES = 799  # village codes 200–998 in a township (村委会 codes start at 200)


def _exit_year(rng: Rng, hazards: dict[int, float], start: int, year: int) -> int | None:
    for y in range(start, year + 1):
        if rng.random() < hazards.get(y, 1.0 if y > 2020 else 0.0):
            return y
    return None


def plan_county(rng: Rng, county: str, households: int, year: int) -> list[Township]:
    """Townships and villages, with each village's share of the registered households."""
    n_villages = max(1, round(households / HOUSEHOLDS_PER_VILLAGE))
    n_townships = max(1, min(MAX_TOWNSHIPS, round(n_villages / VILLAGES_PER_TOWNSHIP)))
    n_villages = min(n_villages, n_townships * MAX_VILLAGES)
    township_names: set[str] = set()
    townships: list[Township] = []
    # split villages over townships as evenly as a little noise allows
    per = [
        n_villages // n_townships + (1 if i < n_villages % n_townships else 0)
        for i in range(n_townships)
    ]
    n_towns = min(100, math.ceil(2 * n_townships / 3))
    for t, count in enumerate(per):
        # real codes: 1xx towns (镇), 2xx townships (乡); about two thirds are towns
        code_t = 100 + t if t < n_towns else 200 + t - n_towns
        suffix = "镇" if code_t < 200 else "乡"
        township = Township(
            code=f"{county}{code_t:03d}000",
            name=_place_name(rng, township_names, suffix),
            services=(rng.random() < 0.95, rng.random() < 0.95, rng.random() < 0.97),
        )
        village_names: set[str] = set()
        for v in range(count):
            poor = rng.random() < POOR_VILLAGE_SHARE
            level = POOR_VILLAGE_LEVEL.pick(rng) if poor else "none"
            exit_year = _exit_year(rng, VILLAGE_EXIT_HAZARD, 2015, year) if poor else None
            village = Village(
                code=f"{township.code[:9]}{200 + v:03d}",
                name=_place_name(rng, village_names, "村"),
                poor_level=level,
                exit_year=exit_year,
                groups=rng.between(4, 12),
            )
            # registered households / rural population: high in poor villages
            village.registered_share = rng.uniform(0.18, 0.35) if poor else rng.uniform(0.04, 0.12)
            still_poor = poor and exit_year is None
            if still_poor:
                village.collective_income = rng.uniform(0, 30000)
                village.facilities = (
                    rng.random() < 0.80,
                    rng.random() < 0.85,
                    rng.random() < 0.75,
                    rng.random() < 0.92,
                )
            else:
                # an exited poor village had to show a collective economy (一低五有)
                low = 20000 if poor else 30000
                village.collective_income = low + rng.lognormvariate(10.5, 0.9)
                village.facilities = (
                    rng.random() < 0.98 or poor,
                    rng.random() < 0.97 or poor,
                    rng.random() < 0.95 or poor,
                    rng.random() < 0.99 or poor,
                )
            township.villages.append(village)
        townships.append(township)
    # households: poor villages hold about three times as many registered households
    villages = [v for t in townships for v in t.villages]
    weights = [
        rng.lognormvariate(0, 0.5) * (3.0 if v.poor_level != "none" else 1.0) for v in villages
    ]
    total = sum(weights)
    exact = [households * w / total for w in weights]
    counts = [int(x) for x in exact]
    short = households - sum(counts)
    order = sorted(
        range(len(villages)), key=lambda i: (counts[i] - exact[i], i)
    )  # largest remainder
    for i in order[:short]:
        counts[i] += 1
    for village, n in zip(villages, counts, strict=True):
        village.households = n
    return townships


# --- people ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Person:
    relation: str
    male: bool
    age: int
    surname: str
    health: str = "healthy"
    grade: int | None = None
    student: str = "none"
    dropout: bool = False
    labour: str = "none"
    migrant: int = 0


def _given_name(rng: Rng, male: bool, birth_year: int) -> str:
    old = birth_year < 1975
    if not male and old and rng.random() < 0.6:
        return rng.pick(_FEMALE_OLD_GIVEN)
    pool = (_MALE_OLD if old else _MALE_YOUNG) if male else (_FEMALE_OLD if old else _FEMALE_YOUNG)
    if rng.random() < (0.25 if old else 0.12):
        return rng.pick(pool)
    return rng.pick(pool) + rng.pick(pool)


def _compose(rng: Rng, size: int, attribute: str) -> list[Person]:
    """The members of a household: one head, then spouse, parents, children, grandchildren.

    Ages respect the relations: children are 20–42 years younger than the head, parents 20–38
    older, grandchildren at least 20 years younger than their parent generation.
    """
    surname = SURNAMES.pick(rng)
    if attribute == "tekun":
        lo, hi = TEKUN_AGE_MIX.pick(rng)
    elif size == 1:
        lo, hi = SINGLE_AGE_MIX.pick(rng)
    else:
        lo, hi = HEAD_AGE_MIX.pick(rng)
    age = rng.between(lo, hi)
    # rural heads are mostly men; women head a household mostly when widowed or alone
    head_male = rng.random() < (0.65 if size == 1 else 0.85)
    head = Person("head", head_male, age, surname)
    people = [head]
    left = size - 1
    if left == 0:
        return people
    family_surname = surname
    if rng.random() < (0.70 if size == 2 else 0.88) and not (attribute == "tekun" and age < 60):
        delta = rng.gauss(2.0, 3.0)
        spouse_age = int(round(age - delta if head_male else age + delta))
        spouse_age = max(20, min(95, spouse_age))
        spouse = Person("spouse", not head_male, spouse_age, SURNAMES.pick(rng))
        people.append(spouse)
        left -= 1
        if not head_male:
            family_surname = spouse.surname  # children take the father's surname
    if left and len(people) == 1 and rng.random() < 0.12:
        # an unmarried head living with a brother or sister
        people.append(
            Person("sibling", rng.random() < 0.5, max(16, age + rng.between(-8, 8)), surname)
        )
        left -= 1
    if left and age <= 55:
        n_parents = min(left, (0, 0, 0, 0, 0, 0, 0, 1, 1, 2)[rng.below(10)])
        father_age = age + rng.between(22, 38)
        mother_age = max(age + 20, father_age - rng.between(0, 5))
        if n_parents == 2 and father_age <= 95:
            people.append(Person("parent", True, father_age, surname))
            people.append(Person("parent", False, mother_age, SURNAMES.pick(rng)))
            left -= 2
        elif n_parents >= 1 and mother_age <= 95:
            people.append(Person("parent", False, mother_age, SURNAMES.pick(rng)))
            left -= 1
    children: list[Person] = []
    while left:
        if age < 48 or not children or len(children) < (1 + rng.below(3)):
            gap = rng.between(20, min(42, age))
            child_age = age - gap
            child = Person("child", rng.random() < 0.53, child_age, family_surname)
            if rng.random() < 0.04:
                child.surname = SURNAMES.pick(rng)  # takes the mother's surname
            children.append(child)
            people.append(child)
            left -= 1
            continue
        parent = max(children, key=lambda c: c.age)
        if parent.age < 21:
            # too young to have children: another child instead
            child_age = max(0, age - rng.between(20, min(42, age)))
            child = Person("child", rng.random() < 0.53, child_age, family_surname)
            children.append(child)
            people.append(child)
            left -= 1
            continue
        if (
            parent.male
            and left >= 2
            and not any(p.relation == "other" for p in people)
            and rng.random() < 0.6
        ):
            # the eldest son's wife (之儿媳), filed as "other" in the national relation codes
            people.append(
                Person("other", False, max(20, parent.age + rng.between(-4, 1)), SURNAMES.pick(rng))
            )
            left -= 1
            continue
        gc_age = max(0, parent.age - rng.between(20, min(35, parent.age)))
        gc_surname = family_surname if parent.male else SURNAMES.pick(rng)
        people.append(Person("grandchild", rng.random() < 0.53, gc_age, gc_surname))
        left -= 1
    return people


def _student(rng: Rng, age: int) -> str:
    if age < 3:
        return "none"
    if age < 6:
        return "preschool" if rng.random() < 0.8 else "none"
    if age < 12:
        return "primary"
    if age < 15:
        return "junior"
    if age == 15:
        return "junior" if rng.random() < 0.6 else "senior"
    if age < 18:
        r = rng.random()
        return "senior" if r < 0.55 else "vocational" if r < 0.85 else "none"
    if age == 18:
        r = rng.random()
        return (
            "senior"
            if r < 0.25
            else "college"
            if r < 0.45
            else "vocational"
            if r < 0.55
            else "none"
        )
    if age < 23:
        return "college" if rng.random() < 0.25 else "none"
    return "none"


_EDUCATION_OF_STUDENT = {
    "preschool": "preschool",
    "primary": "primary",
    "junior": "junior",
    "senior": "senior",
    "vocational": "senior",
    "college": "college",
}


def _education(rng: Rng, person: Person, birth_year: int) -> str:
    if person.student != "none":
        return _EDUCATION_OF_STUDENT[person.student]
    if person.age < 6:
        return "preschool"
    if person.age < 12:
        return "primary"
    if person.age < 16:
        return "junior" if person.age >= 13 else "primary"
    for before, mix in EDUCATION_BY_COHORT:
        if birth_year < before:
            level = mix.pick(rng)
            if level in ("senior", "college") and person.age < 19:
                return "junior"
            return level
    return "junior"  # pragma: no cover


def _health(rng: Rng, age: int) -> str:
    for below, mix in HEALTH_BY_AGE:
        if age < below:
            return mix.pick(rng)
    return "healthy"  # pragma: no cover


def _labour(rng: Rng, person: Person) -> str:
    age, health = person.age, person.health
    if age < 16 or person.student != "none":
        return "none"
    if health == "serious":
        return "none" if rng.random() < 0.7 else "weak"
    if health == "disabled":
        if person.grade is not None and person.grade <= 2:
            return "none"
        r = rng.random()
        return "weak" if r < 0.6 else "ordinary" if r < 0.9 else "none"
    if age >= 70:
        return "none" if rng.random() < 0.75 else "weak"
    if age >= 60:
        r = rng.random()
        return "weak" if r < 0.5 else "ordinary" if r < 0.9 else "none"
    if health == "chronic":
        return "weak" if rng.random() < 0.6 else "ordinary"
    r = rng.random()
    return "ordinary" if r < 0.75 else "skilled" if r < 0.90 else "weak"


def _migrant_months(rng: Rng, person: Person) -> int:
    if person.labour in ("ordinary", "skilled") and person.age < 60:
        if rng.random() < 0.5:
            return (6, 8, 9, 10, 10, 11, 12, 12, 12, 12)[rng.below(10)]
        return rng.between(1, 3) if rng.random() < 0.15 else 0
    if person.labour == "weak" and rng.random() < 0.1:
        return rng.between(3, 8)
    return 0


# --- the run --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SynthSummary:
    county: str
    name: str
    seed: int
    year: int
    income_years: list[int]
    regions: int
    villages: int
    households: int
    members: int
    incomes: int
    poor_households: int
    poor_persons: int
    rural_population: int
    out_dir: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class SynthError(ValueError):
    """A usage error: the arguments cannot describe a county."""


def normalize_county(raw: object) -> str:
    """A 6-digit county code from `512021` or `512021000000`; SynthError otherwise."""
    text = str(raw or "").strip()
    if len(text) == 12 and text.endswith("000000"):
        text = text[:6]
    if len(text) != 6 or not text.isdigit():
        raise SynthError(f"county code must be 6 digits (or 12 ending in 000000): {raw!r}")
    if text[:2] == "00" or text[2:4] == "00" and text[4:] == "00":
        raise SynthError(f"{text} is not a county-level code")
    if text[4:] == "00":
        raise SynthError(f"{text} is a prefecture-level code; give a county (区/县) code")
    return text


ProgressFn = Callable[[int, int], None]

# Households are generated in parts of fixed size, each from its own random stream seeded by
# (seed, part): the files are then the same whether the parts run one after another or in
# parallel processes. At most MAX_PARTS parts, so each part keeps enough ID order codes.
PART_HOUSEHOLDS = 50_000
MAX_PARTS = 64


@dataclass
class _Part:
    index: int
    parts: int
    first: int  # sequence number of the part's first household (1-based)
    slices: list[tuple[Village, int]]  # (village, households of it in this part)


@dataclass
class _PartResult:
    index: int
    members: int = 0
    incomes: int = 0
    poor_households: int = 0
    poor_persons: int = 0
    villages: list[tuple[int, int]] = field(default_factory=list)  # (persons, poor persons)


def _split_parts(townships: list[Township], households: int, part_size: int) -> list[_Part]:
    parts_n = max(1, min(MAX_PARTS, math.ceil(households / part_size)))
    size = math.ceil(households / parts_n)
    parts: list[_Part] = []
    current = _Part(0, parts_n, 1, [])
    room = size
    seq = 1
    for township in townships:
        for village in township.villages:
            left = village.households
            while left:
                take = min(left, room)
                current.slices.append((village, take))
                left -= take
                room -= take
                seq += take
                if room == 0 and seq <= households:
                    parts.append(current)
                    current = _Part(len(parts), parts_n, seq, [])
                    room = size
    if current.slices:
        parts.append(current)
    for part in parts:
        part.parts = len(parts)
    return parts


def _write_part(
    part: _Part,
    county: str,
    seed: int,
    year: int,
    years_back: int,
    writers: tuple[Callable[[str], Any], Callable[[str], Any], Callable[[str], Any]],
    progress: Callable[[int], None] | None = None,
) -> _PartResult:
    rng = Rng(f"{seed}/{part.index}")
    gen = _HouseholdWriter(rng, county, year, years_back, IdFactory(part.index, part.parts))
    w_h, w_m, w_i = writers
    seq = part.first
    result = _PartResult(part.index)
    for village, count in part.slices:
        # count the part's own people: a village split over two parts sums both
        village.persons = village.poor_persons = 0
        for _ in range(count):
            gen.household(village, f"{county}{seq:07d}", w_h, w_m, w_i)
            if progress is not None:
                progress(seq)
            seq += 1
        result.villages.append((village.persons, village.poor_persons))
    result.members = gen.members
    result.incomes = gen.incomes
    result.poor_households = gen.poor_households
    result.poor_persons = gen.poor_persons
    return result


def _part_files(out: Path, index: int) -> list[Path]:
    return [out / f".part{index:03d}.{kind}.csv" for kind in ("households", "members", "incomes")]


def _write_part_files(args: tuple[_Part, str, int, int, int, str]) -> _PartResult:
    """A worker process: one part into its own files, to be concatenated in order."""
    part, county, seed, year, years_back, out = args
    paths = _part_files(Path(out), part.index)
    handles = [path.open("w", encoding="utf-8", newline="") for path in paths]
    try:
        writers = (handles[0].write, handles[1].write, handles[2].write)
        return _write_part(part, county, seed, year, years_back, writers)
    finally:
        for fh in handles:
            fh.close()


def generate_county(
    out_dir: Path | str,
    *,
    county: str,
    households: int,
    seed: int,
    year: int = 2018,
    years_back: int = 1,
    workers: int = 1,
    progress: ProgressFn | None = None,
    part_size: int = PART_HOUSEHOLDS,
) -> SynthSummary:
    """Write regions.csv, households.csv, members.csv and incomes.csv into `out_dir`.

    Deterministic: the same arguments give byte-identical files, whatever `workers` is (it
    only sets how many processes generate the parts). `years_back` adds income rows for that
    many earlier years (1 → the year and the one before), so year-on-year drops exist.
    `progress(done, total)` is called about every 10 % of the households.
    """
    county = normalize_county(county)
    if households <= 0:
        raise SynthError(f"households must be positive: {households}")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise SynthError(f"year must be between {FIRST_YEAR} and {LAST_YEAR}: {year}")
    if years_back < 0 or year - years_back < FIRST_YEAR - 4:
        raise SynthError(f"years_back must be between 0 and {year - FIRST_YEAR + 4}: {years_back}")
    if workers < 1:
        raise SynthError(f"workers must be at least 1: {workers}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = Rng(seed)
    townships = plan_county(rng, county, households, year)
    province_name, city_name, county_name = region_names(county)
    parts = _split_parts(townships, households, part_size)

    def open_csv(kind: str) -> tuple[TextIO, Any]:
        filename, columns = FILES[kind]
        fh = (out / filename).open("w", encoding="utf-8", newline="")
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        return fh, writer

    step = max(1, households // 10)
    results: list[_PartResult] = []
    # the header through csv.writer; the rows are written straight to the same handle
    fh_h, _ = open_csv("households")
    fh_m, _ = open_csv("members")
    fh_i, _ = open_csv("incomes")
    try:
        if workers == 1 or len(parts) == 1:

            def tick(done: int) -> None:
                if progress is not None and (done % step == 0 or done == households):
                    progress(done, households)

            for part in parts:
                results.append(
                    _write_part(
                        part,
                        county,
                        seed,
                        year,
                        years_back,
                        (fh_h.write, fh_m.write, fh_i.write),
                        tick,
                    )
                )
        else:
            results = _run_parallel(
                parts,
                county,
                seed,
                year,
                years_back,
                out,
                workers,
                (fh_h, fh_m, fh_i),
                progress,
                households,
            )
    finally:
        fh_h.close()
        fh_m.close()
        fh_i.close()
    # each village's people, summed over the parts it was split across
    totals: dict[str, list[int]] = {}
    for part, result in zip(parts, results, strict=True):
        for (village, _count), (persons, poor) in zip(part.slices, result.villages, strict=True):
            acc = totals.setdefault(village.code, [0, 0])
            acc[0] += persons
            acc[1] += poor
    for township in townships:
        for village in township.villages:
            village.persons, village.poor_persons = totals.get(village.code, (0, 0))

    # Regions last: the rural population follows from the people actually generated.
    county_rural = 0
    rows: list[tuple[Any, ...]] = []
    for township in townships:
        township_rural = 0
        village_rows = []
        for v in township.villages:
            rural = _rural_population(rng, v)
            township_rural += rural
            village_rows.append(
                (
                    v.code,
                    v.name,
                    rural,
                    v.poor_level,
                    v.exit_year or "",
                    _fen(v.collective_income),
                    *(_b(f) for f in v.facilities),
                    "",
                    "",
                    "",
                )
            )
        county_rural += township_rural
        township_flags = ("",) * 4 + tuple(_b(f) for f in township.services)
        rows.append((township.code, township.name, township_rural, "none", "", "", *township_flags))
        rows.extend(village_rows)
    blank = ("",) * 7
    fh_r, w_r = open_csv("regions")
    try:
        w_r.writerow((county[:2].ljust(12, "0"), province_name, "", "none", "", "", *blank))
        w_r.writerow((county[:4].ljust(12, "0"), city_name, "", "none", "", "", *blank))
        w_r.writerow((county.ljust(12, "0"), county_name, county_rural, "none", "", "", *blank))
        w_r.writerows(rows)
    finally:
        fh_r.close()

    return SynthSummary(
        county=county,
        name=county_name,
        seed=seed,
        year=year,
        income_years=list(range(year - years_back, year + 1)),
        regions=3 + len(rows),
        villages=sum(len(t.villages) for t in townships),
        households=households,
        members=sum(r.members for r in results),
        incomes=sum(r.incomes for r in results),
        poor_households=sum(r.poor_households for r in results),
        poor_persons=sum(r.poor_persons for r in results),
        rural_population=county_rural,
        out_dir=str(out),
    )


def _run_parallel(
    parts: list[_Part],
    county: str,
    seed: int,
    year: int,
    years_back: int,
    out: Path,
    workers: int,
    handles: tuple[TextIO, TextIO, TextIO],
    progress: ProgressFn | None,
    households: int,
) -> list[_PartResult]:
    """Parts in worker processes; each finished part is appended to the files in order and
    its temporary files removed, so the disk holds at most a few parts beyond the result."""
    import multiprocessing

    jobs = [(part, county, seed, year, years_back, str(out)) for part in parts]
    results: list[_PartResult] = []
    done = 0
    with multiprocessing.get_context().Pool(min(workers, len(parts))) as pool:
        # imap keeps the parts' order; the pool runs ahead while the files are appended
        for result in pool.imap(_write_part_files, jobs):
            for path, fh in zip(_part_files(out, result.index), handles, strict=True):
                with path.open("r", encoding="utf-8", newline="") as part_fh:
                    shutil.copyfileobj(part_fh, fh, 1 << 20)
                path.unlink()
            results.append(result)
            done += sum(count for _v, count in parts[result.index].slices)
            if progress is not None:
                progress(done, households)
    return results


def _rural_population(rng: Rng, village: Village) -> int:
    """农村户籍人口: registered persons over the village's registered share.

    A poor village that has exited must have met the incidence test (一低五有: below 3 %), so
    its population is at least the poor persons over 2.5 %; the other villages fall where the
    draw puts them (a few percent to about 15 % incidence while many are still poor).
    """
    base = village.persons / village.registered_share if village.persons else rng.between(600, 2500)
    if village.exit_year is not None:
        base = max(base, village.poor_persons / 0.025)
    return max(int(math.ceil(base)), village.persons, 1)


@cache
def _migrant_pools(county: str, birth_year: int) -> tuple[tuple[str, ...], ...]:
    """Codes for IDs issued elsewhere: neighbouring counties (same prefecture), the same
    province, other provinces — each valid in the birth year, the county's own excluded."""
    valid = _valid_codes(birth_year)
    own = code_for_year(county, birth_year)
    city = tuple(c for c in valid if c[:4] == county[:4] and c != own)
    prov = tuple(c for c in valid if c[:2] == county[:2] and c != own)
    other = tuple(c for c in valid if c[:2] != county[:2])
    return city, prov, other


class _HouseholdWriter:
    """Generates one household at a time and writes its rows; keeps only running counts."""

    def __init__(self, rng: Rng, county: str, year: int, years_back: int, ids: IdFactory) -> None:
        self.rng = rng
        self.county = county
        self.year = year
        self.years = list(range(year - years_back, year + 1))
        self.ids = ids
        self.members = 0
        self.incomes = 0
        self.poor_households = 0
        self.poor_persons = 0
        self.minorities = ETHNIC_MINORITIES.get(county[:2], ("彝族", "苗族", "土家族"))
        self.lines = {y: poverty_line(y) for y in self.years}
        self.own_codes: dict[int, str] = {}
        self.registered = Weighted([(y, w) for y, w in REGISTERED_MIX.items() if y <= year])
        self.monitored_share = 0.01 if year < 2019 else 0.03 if year < 2020 else 0.05
        self._hazards: dict[tuple[str, float], dict[int, float]] = {}

    def _migrant_code(self, birth_year: int) -> str:
        pools = _migrant_pools(self.county, birth_year)
        r = self.rng.random()
        pool = pools[0] if r < 0.6 else pools[1] if r < 0.85 else pools[2]
        if not pool:
            pool = pools[1] or pools[2]
        return self.rng.pick(pool)

    def _status(self, attribute: str, village: Village) -> tuple[str, int, int | None]:
        """(status, registered_year, exit_year) as of the year."""
        rng, year = self.rng, self.year
        registered = self.registered.pick(rng)
        if village.exit_year is not None:
            place = 1.15  # households of an exited poor village were lifted with it
        elif village.poor_level != "none":
            place = 0.8  # a poor village not yet out keeps more of its households poor
        else:
            place = 1.0
        hazards = self._hazards.get((attribute, place))
        if hazards is None:
            factor = ATTRIBUTE_HAZARD[attribute] * place
            hazards = self._hazards[(attribute, place)] = {
                y: 1.0 if h >= 1.0 else min(1.0, h * factor) for y, h in EXIT_HAZARD.items()
            }
        exit_year = _exit_year(rng, hazards, registered, year)
        r = rng.random()
        if r < 0.015:
            # wrongly registered, dead or moved away (清退 / 自然减少)
            return "removed", registered, None
        if exit_year is None:
            return "poor", registered, None
        if exit_year < year and r < 0.03:
            return "returned", registered, exit_year
        if r > 1 - self.monitored_share:
            return "monitored", registered, exit_year
        return "exited", registered, exit_year

    def household(
        self,
        village: Village,
        household_no: str,
        write_h: Callable[[str], Any],
        write_m: Callable[[str], Any],
        write_i: Callable[[str], Any],
    ) -> None:
        # The hot path: locals instead of attribute look-ups, `r()` instead of `uniform`.
        rng = self.rng
        r = rng.random
        year = self.year
        attribute = ATTRIBUTE_MIX.pick(rng)
        tekun = attribute == "tekun"
        size = TEKUN_SIZE_MIX.pick(rng) if tekun else SIZE_MIX.pick(rng)
        people = _compose(rng, size, attribute)

        # students and health come before the cause so the cause can be made consistent
        for p in people:
            age = p.age
            p.student = _student(rng, age)
            if 6 <= age <= 15 and r() < DROPOUT_RATE:
                p.student, p.dropout = "none", True
            p.health = HEALTH_FOR_AGE[age if age < 100 else 99].pick(rng)
            if p.health == "disabled":
                p.grade = DISABILITY_GRADE.pick(rng)
        if tekun:
            main = TEKUN_CAUSE_MIX.pick(rng)
        elif r() < SCHOOLING_SHARE and any(p.student not in ("none", "preschool") for p in people):
            main = "schooling"  # only a household with a pupil can be poor from school costs
        else:
            main = CAUSE_MIX.pick(rng)
        if main == "illness" and not any(p.health in ("chronic", "serious") for p in people):
            adults = [p for p in people if p.age >= 18] or people
            sick = adults[int(r() * len(adults))]
            sick.health, sick.grade = ("serious" if r() < 0.4 else "chronic"), None
        elif main == "disability" and not any(p.health == "disabled" for p in people):
            who = people[int(r() * len(people))]
            who.health, who.grade = "disabled", DISABILITY_GRADE.pick(rng)
        others: list[str] = []
        for _ in range(OTHER_CAUSE_COUNT.pick(rng)):
            c = CAUSE_MIX.pick(rng)
            if c != main and c not in others and c != "schooling":
                others.append(c)

        status, registered, exit_year = self._status(attribute, village)
        poor_now = status == "poor" or status == "returned"
        n = len(people)
        village.persons += n
        if poor_now:
            village.poor_persons += n
            self.poor_households += 1
            self.poor_persons += n

        # living conditions: exit required 两不愁三保障, so the gaps sit with the poor
        if poor_now:
            conditions = (
                "1" if r() < 0.99 else "0",
                "1" if r() < 0.90 else "0",
                "1" if r() < 0.93 else "0",
                "1" if r() < 0.995 else "0",
                "1" if r() < 0.95 else "0",
            )
        else:
            conditions = (
                "1",
                "1" if r() < 0.995 else "0",
                "1" if r() < 0.99 else "0",
                "1",
                "1" if r() < 0.99 else "0",
            )
        old_alone = tekun or all(p.age >= 70 for p in people)
        if old_alone and r() < 0.15:
            phone = ""  # an old person alone without a mobile phone
        else:
            phone = f"{PHONE_PREFIXES[int(r() * len(PHONE_PREFIXES))]}{int(r() * 1e8):08d}"
        # Rows are formatted directly, not through csv.writer: no generated value can hold a
        # comma, quote or line break (causes are `;`-separated), and this is the hot path.
        write_h(
            f"{household_no},{village.code},{1 + int(r() * village.groups)},{attribute},"
            f"{main},{';'.join(others)},{status},{registered},{exit_year or ''},"
            f"{','.join(conditions)},{phone}\n"
        )

        # members
        if r() < MINORITY_SHARE:
            ethnicity = self.minorities[int(r() * len(self.minorities))]
        else:
            ethnicity = "汉族"
        insurance_gap = 0.01 if poor_now else 0.004
        issue = self.ids.issue
        own_codes = self.own_codes
        rows = []
        for p in people:
            age = p.age
            birth_year = year - age
            male = p.male
            # a newborn is born in the first half of the year, so no birth date lies ahead
            day = int(r() * (181 if age == 0 else _YEAR_DAYS[birth_year]))
            if r() < MIGRANT_ID_SHARE:
                region = self._migrant_code(birth_year)
            else:
                region = own_codes.get(birth_year) or self._own_code(birth_year)
            number, birth = issue(region, birth_year, day, male)
            student = p.student
            labour = _labour(rng, p)
            if tekun and (labour == "ordinary" or labour == "skilled"):
                labour = "weak"  # 特困供养: no member able to work (a data-cleaning rule)
            p.labour = labour
            if labour == "none":
                p.migrant = 0
            else:
                p.migrant = _migrant_months(rng, p)
            name = p.surname + _given_name(rng, male, birth_year)
            member_ethnicity = "汉族" if p.relation == "spouse" and r() >= 0.9 else ethnicity
            pension = age >= 16 and student == "none" and r() < (0.95 if age >= 60 else 0.85)
            rows.append(
                f"{household_no},{number},{name},{p.relation},{'male' if male else 'female'},"
                f"{birth},{member_ethnicity},{_education(rng, p, birth_year)},{student},"
                f"{'1' if p.dropout else '0'},{p.health},{p.grade or ''},{labour},{p.migrant},"
                f"{'0' if r() < insurance_gap else '1'},{'1' if pension else '0'}\n"
            )
        write_m("".join(rows))
        self.members += n

        # incomes: per-capita net income around the year's line, by the status in that year
        z = rng.gauss(0.0, 1.0)  # the household's persistent position
        elders = migrants = workers = 0
        medical = 0.0
        students = []
        for p in people:
            if p.age >= 60:
                elders += 1
            if p.migrant >= 6:
                migrants += 1
            if p.labour != "none":
                workers += 1
            if p.student != "none":
                students.append(_EDUCATION_COST[p.student])
            if p.health == "serious":
                medical += 1000 + 19000 * r()
            elif p.health == "chronic":
                medical += 200 + 2800 * r()
            elif r() < 0.3:
                medical += 400 * r()
        if tekun:
            allowance_lo, allowance_span = 0.8, 0.3
        elif attribute == "dibao":
            allowance_lo, allowance_span = 0.3, 0.25
        else:
            allowance_lo, allowance_span = 0.03, 0.12
        if migrants:
            wage_lo, wage_span = 0.55, 0.35
        elif workers:
            wage_lo, wage_span = 0.1, 0.35
        else:
            wage_lo, wage_span = 0.0, 0.1
        rows = []
        for y in self.years:
            line = self.lines[y]
            if status == "removed":
                median = 2.0
            elif registered > y:
                median = 1.05  # not yet identified: near the line
            elif exit_year is None or y < exit_year or (status == "returned" and y == year):
                median = 0.78
            elif status == "monitored" and y == year:
                median = 1.12  # an income drop or a shock put it under watch
            else:
                median = min(2.2, 1.45 + 0.08 * (y - exit_year))
            ratio = median * math.exp(0.22 * z + 0.10 * rng.gauss(0.0, 1.0))
            if median == 0.78 and ratio >= 1.0 and r() < 0.9:
                ratio = 0.5 + 0.48 * r()  # the poor are mostly below the line
            elif median >= 1.45 and ratio <= 1.01 and r() < 0.97:
                ratio = 1.02 + 0.28 * r()  # the exited mostly stably above
            net = ratio * line * n
            pension = elders * 12 * (70 + 6 * (y - 2014))  # basic resident pension, rising
            allowance = n * line * (allowance_lo + allowance_span * r())
            transfer = min(allowance + pension, net * (0.75 + 0.2 * r()))
            rest = net - transfer
            prop = rest * 0.06 * r()
            wage = (rest - prop) * (wage_lo + wage_span * r())
            production_net = rest - prop - wage
            cost = production_net * (0.3 + 0.5 * r())
            education = 0.0
            for lo, span in students:
                education += lo + span * r()
            rows.append(
                f"{household_no},{y},{wage:.2f},{production_net + cost:.2f},{prop:.2f},"
                f"{transfer:.2f},{cost:.2f},{medical * (0.7 + 0.6 * r()):.2f},{education:.2f}\n"
            )
        write_i("".join(rows))
        self.incomes += len(rows)

    def _own_code(self, birth_year: int) -> str:
        code = self.own_codes[birth_year] = code_for_year(self.county, birth_year)
        return code


MIGRANT_ID_SHARE = 0.03  # IDs issued elsewhere: people who married or moved in

# Education spending per student and year, (low, span) in yuan: compulsory schooling is free
# of tuition (books, board, transport remain); senior school, vocational and college are not.
_EDUCATION_COST = {
    "preschool": (500.0, 1500.0),
    "primary": (200.0, 600.0),
    "junior": (300.0, 700.0),
    "senior": (1500.0, 2500.0),
    "vocational": (800.0, 1700.0),
    "college": (5000.0, 7000.0),
}
