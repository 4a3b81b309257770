"""The synthetic county generator (`jingzhun synth`): formats, determinism, realism, IDs.

Everything but the last tests runs without a database: the generator is pure Python.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import statistics
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from stdnum.cn import ric

from jingzhun import vocab
from jingzhun.registry import synth

COUNTY = "512021"  # 安岳县


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def _digest(out: Path) -> dict[str, str]:
    return {
        name: hashlib.sha256((out / name).read_bytes()).hexdigest()
        for name, _ in synth.FILES.values()
    }


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One county of 3000 households, read back once for all the realism checks."""
    out = tmp_path_factory.mktemp("synth")
    summary = synth.generate_county(out, county=COUNTY, households=3000, seed=7)
    data: dict[str, object] = {"out": out, "summary": summary}
    for kind, (name, _columns) in synth.FILES.items():
        data[f"{kind}_header"], data[kind] = _read(out / name)
    return data


# --- formats -------------------------------------------------------------------------------


def test_files_have_exactly_the_interface_columns(county):
    assert county["regions_header"] == list(synth.REGION_COLUMNS)
    assert county["households_header"] == list(synth.HOUSEHOLD_COLUMNS)
    assert county["members_header"] == list(synth.MEMBER_COLUMNS)
    assert county["incomes_header"] == list(synth.INCOME_COLUMNS)
    # the contract spelled out in INTERFACES §2, not just our own constants
    assert synth.REGION_COLUMNS[:6] == (
        "code",
        "name",
        "rural_population",
        "poor_village",
        "exit_year",
        "collective_income",
    )
    assert synth.HOUSEHOLD_COLUMNS[0] == "household_no" and "phone" in synth.HOUSEHOLD_COLUMNS


def test_summary_counts_match_the_files(county):
    s = county["summary"]
    assert s.households == len(county["households"]) == 3000
    assert s.members == len(county["members"])
    assert s.incomes == len(county["incomes"]) == 2 * 3000  # 2018 and 2017
    assert s.regions == len(county["regions"])
    json.dumps(s.as_dict())  # machine-readable


def test_values_use_the_shared_vocabularies(county):
    for h in county["households"]:
        assert h["attribute"] in vocab.ATTRIBUTE.keys
        assert h["main_cause"] in vocab.CAUSE.keys
        assert all(c in vocab.CAUSE.keys for c in h["other_causes"].split(";") if c)
        assert h["main_cause"] not in h["other_causes"].split(";")
        assert h["status"] in vocab.STATUS.keys
    for m in county["members"]:
        assert m["relation"] in vocab.RELATION.keys
        assert m["sex"] in vocab.SEX.keys
        assert m["education"] in vocab.EDUCATION.keys
        assert m["student"] in vocab.STUDENT.keys
        assert m["health"] in vocab.HEALTH.keys
        assert m["labour"] in vocab.LABOUR.keys
    for r in county["regions"]:
        assert r["poor_village"] in vocab.POOR_VILLAGE.keys


def test_regions_form_a_complete_chain(county):
    regions = {r["code"]: r for r in county["regions"]}
    assert regions["510000000000"]["name"] == "四川省"
    assert regions["512000000000"]["name"] == "资阳市"
    assert regions["512021000000"]["name"] == "安岳县"
    for code in regions:
        assert len(code) == 12 and code.isdigit()
        if code[6:] != "000000":
            assert code[:6] == COUNTY
            assert code[:9] + "000" in regions  # the township exists
    villages = [r for r in county["regions"] if r["code"][9:] != "000"]
    assert {h["village_code"] for h in county["households"]} <= {v["code"] for v in villages}
    # roll-ups add up, and the county's poverty incidence is realistic
    county_row = regions["512021000000"]
    assert int(county_row["rural_population"]) == sum(int(v["rural_population"]) for v in villages)
    incidence = county["summary"].poor_persons / int(county_row["rural_population"])
    assert 0.005 < incidence < 0.15
    poor = [v for v in villages if v["poor_village"] != "none"]
    assert 0.1 < len(poor) / len(villages) < 0.35


# --- determinism ---------------------------------------------------------------------------


def test_same_arguments_give_byte_identical_files(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    synth.generate_county(a, county=COUNTY, households=400, seed=11)
    synth.generate_county(b, county=COUNTY, households=400, seed=11)
    synth.generate_county(c, county=COUNTY, households=400, seed=12)
    assert _digest(a) == _digest(b)
    assert _digest(a)["members.csv"] != _digest(c)["members.csv"]


def test_parts_and_workers_do_not_change_the_files(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    kwargs = {"county": COUNTY, "households": 900, "seed": 5, "part_size": 300}
    synth.generate_county(one, workers=1, **kwargs)
    synth.generate_county(two, workers=2, **kwargs)
    assert _digest(one) == _digest(two)
    assert not list(two.glob(".part*"))  # temporary part files are gone
    _, members = _read(one / "members.csv")
    assert len({m["id_number"] for m in members}) == len(members)


# --- ID numbers ----------------------------------------------------------------------------


def test_every_id_is_valid_unique_and_agrees_with_sex_and_birth_date(county):
    members = county["members"]
    ids = [m["id_number"] for m in members]
    assert len(set(ids)) == len(ids)
    for m in members:
        number = m["id_number"]
        assert ric.is_valid(number), number
        assert ric.get_birth_date(number).isoformat() == m["birth_date"]
        assert (int(number[16]) % 2 == 1) == (m["sex"] == "male")
        assert dt.date.fromisoformat(m["birth_date"]) <= dt.date(2018, 12, 31)


def test_id_region_is_the_code_of_the_birth_year(county):
    own = {synth.code_for_year(COUNTY, y) for y in range(1900, 2019)}
    prefixes = Counter(m["id_number"][:6] for m in county["members"])
    at_home = sum(n for code, n in prefixes.items() if code in own)
    share_elsewhere = 1 - at_home / len(county["members"])
    assert 0.01 < share_elsewhere < 0.06  # about 3 % migrated in with another county's ID
    for m in county["members"]:
        year = int(m["birth_date"][:4])
        if m["id_number"][:6] in own:
            assert m["id_number"][:6] == synth.code_for_year(COUNTY, year)


@pytest.mark.parametrize(
    ("year", "code"),
    [
        (1950, "512427"),
        (1984, "512427"),
        (1985, "511023"),
        (1997, "511023"),
        (1998, "513921"),
        (1999, "513921"),
        (2000, "512021"),
        (2018, "512021"),
    ],
)
def test_anyue_code_history_from_stdnum(year, code):
    """安岳县: 512427 before 1985, 511023 until 1998, 513921 until 2000, 512021 since."""
    assert synth.code_for_year("512021", year) == code
    body = f"{code}{year}0101001"
    assert ric.is_valid(body + ric.calc_check_digit(body + "0"))


def test_code_history_lineage():
    assert [p.code for p in synth.code_history("512021")] == [
        "512021",
        "513921",
        "511023",
        "512427",
    ]
    # 开州区 crossed a province boundary when 重庆 was created in 1997
    assert [p.code for p in synth.code_history("500154")] == [
        "500154",
        "500234",
        "511221",
        "512222",
    ]


def test_unknown_county_still_gets_valid_ids(tmp_path):
    summary = synth.generate_county(tmp_path, county="512099", households=30, seed=1)
    assert summary.name == "县512099"
    _, members = _read(tmp_path / "members.csv")
    assert all(ric.is_valid(m["id_number"]) for m in members)
    names = {r["code"]: r["name"] for r in _read(tmp_path / "regions.csv")[1]}
    assert names["510000000000"] == "四川省"


def test_id_factory_moves_a_full_day_to_the_next():
    ids = synth.IdFactory()
    numbers = [ids.issue("512021", 2001, 0, True)[0] for _ in range(ids.capacity + 2)]
    assert len(set(numbers)) == len(numbers)
    assert numbers[-1][6:14] == "20010102"
    assert all(ric.is_valid(n) and int(n[16]) % 2 == 1 for n in numbers)


# --- households and members ----------------------------------------------------------------


def _by_household(members):
    groups = defaultdict(list)
    for m in members:
        groups[m["household_no"]].append(m)
    return groups


def _age(m) -> int:
    return 2018 - int(m["birth_date"][:4])


def test_household_numbers_are_unique(county):
    numbers = [h["household_no"] for h in county["households"]]
    assert len(set(numbers)) == len(numbers)
    assert all(n.startswith(COUNTY) and len(n) == 13 for n in numbers)


def test_exactly_one_head_and_consistent_relations(county):
    groups = _by_household(county["members"])
    assert set(groups) == {h["household_no"] for h in county["households"]}
    for members in groups.values():
        heads = [m for m in members if m["relation"] == "head"]
        assert len(heads) == 1
        head = heads[0]
        assert 25 <= _age(head) <= 95
        for m in members:
            gap = _age(head) - _age(m)
            if m["relation"] == "spouse":
                assert m["sex"] != head["sex"]
            elif m["relation"] == "child":
                assert 18 <= gap <= 45
            elif m["relation"] == "parent":
                assert -45 <= gap <= -18
            elif m["relation"] == "grandchild":
                assert gap >= 36
        assert sum(m["relation"] == "spouse" for m in members) <= 1


def test_household_size_and_attribute_mix(county):
    sizes = Counter(m["household_no"] for m in county["members"])
    assert min(sizes.values()) >= 1 and max(sizes.values()) <= 8
    assert 3.3 <= statistics.mean(sizes.values()) <= 4.6
    attributes = Counter(h["attribute"] for h in county["households"])
    n = len(county["households"])
    assert 0.65 < attributes["general"] / n < 0.75
    assert 0.20 < attributes["dibao"] / n < 0.30
    assert 0.03 < attributes["tekun"] / n < 0.07
    # destitute-support: small, old, no one able to work
    tekun = {h["household_no"] for h in county["households"] if h["attribute"] == "tekun"}
    groups = _by_household(county["members"])
    assert statistics.mean(len(groups[h]) for h in tekun) < 1.6
    for h in tekun:
        for m in groups[h]:
            assert m["labour"] not in ("ordinary", "skilled")


def test_cause_mix_illness_largest_about_four_in_ten(county):
    causes = Counter(h["main_cause"] for h in county["households"])
    top, count = causes.most_common(1)[0]
    assert top == "illness"
    assert 0.35 < count / len(county["households"]) < 0.46
    assert causes["disability"] > causes["disaster"]
    assert causes["schooling"] > 0


def test_causes_agree_with_members(county):
    groups = _by_household(county["members"])
    for h in county["households"]:
        members = groups[h["household_no"]]
        if h["main_cause"] == "illness":
            assert any(m["health"] in ("chronic", "serious") for m in members)
        if h["main_cause"] == "disability":
            assert any(m["health"] == "disabled" for m in members)
        if h["main_cause"] == "schooling":
            assert any(m["student"] not in ("none", "preschool") for m in members)


def test_status_mix_for_2018(county):
    statuses = Counter(h["status"] for h in county["households"])
    n = len(county["households"])
    assert 0.55 < statuses["exited"] / n < 0.78
    assert 0.18 < statuses["poor"] / n < 0.40
    for h in county["households"]:
        if h["status"] in ("exited", "monitored", "returned"):
            assert int(h["registered_year"]) <= int(h["exit_year"]) <= 2018
        if h["status"] in ("poor", "removed"):
            assert h["exit_year"] == ""


def test_members_are_consistent_with_age(county):
    compulsory = [m for m in county["members"] if 6 <= _age(m) <= 15]
    dropouts = sum(m["dropout"] == "1" for m in compulsory)
    assert dropouts / len(compulsory) < 0.03
    for m in county["members"]:
        age = _age(m)
        if 6 <= age <= 15 and m["dropout"] != "1":
            assert m["student"] in ("primary", "junior", "senior")
        if m["dropout"] == "1":
            assert m["student"] == "none"
        if age < 16:
            assert m["labour"] == "none" and m["migrant_months"] == "0"
        if m["health"] == "disabled":
            assert m["disability_grade"] in {"1", "2", "3", "4"}
        else:
            assert m["disability_grade"] == ""
        assert 0 <= int(m["migrant_months"]) <= 12
    enrolled = sum(m["medical_insurance"] == "1" for m in county["members"])
    assert enrolled / len(county["members"]) > 0.98
    assert Counter(m["ethnicity"] for m in county["members"]).most_common(1)[0][0] == "汉族"


def test_housing_and_phones(county):
    unsafe = sum(h["housing_safe"] == "0" for h in county["households"])
    assert 0.005 < unsafe / len(county["households"]) < 0.08
    for h in county["households"]:
        assert h["phone"] == "" or (len(h["phone"]) == 11 and h["phone"].startswith("1"))


# --- incomes -------------------------------------------------------------------------------


def test_incomes_sit_around_the_line(county):
    sizes = Counter(m["household_no"] for m in county["members"])
    status = {h["household_no"]: h["status"] for h in county["households"]}
    above: dict[str, list[bool]] = defaultdict(list)
    for row in county["incomes"]:
        for key in ("wage", "production", "property", "transfer", "production_cost"):
            whole, _, cents = row[key].partition(".")
            assert whole.isdigit() and len(cents) == 2  # non-negative, two decimals
        if row["year"] != "2018":
            continue
        net = (
            float(row["wage"])
            + float(row["production"])
            + float(row["property"])
            + float(row["transfer"])
            - float(row["production_cost"])
        )
        above[status[row["household_no"]]].append(net / sizes[row["household_no"]] > 3535)
    assert sum(above["exited"]) / len(above["exited"]) > 0.95
    assert sum(above["poor"]) / len(above["poor"]) < 0.15


def test_income_years_and_some_drops(county):
    years = Counter(row["year"] for row in county["incomes"])
    assert years == {"2017": 3000, "2018": 3000}
    net: dict[str, dict[str, float]] = defaultdict(dict)
    for row in county["incomes"]:
        net[row["household_no"]][row["year"]] = sum(
            float(row[k]) for k in ("wage", "production", "property", "transfer")
        ) - float(row["production_cost"])
    drops = sum(v["2018"] < v["2017"] for v in net.values())
    assert 0.05 < drops / len(net) < 0.5


# --- arguments -----------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["5120", "51202a", "512000", "000000", "5120210000001"])
def test_bad_county_codes_are_refused(tmp_path, code):
    with pytest.raises(synth.SynthError):
        synth.generate_county(tmp_path, county=code, households=10, seed=1)


def test_households_must_be_positive(tmp_path):
    with pytest.raises(synth.SynthError):
        synth.generate_county(tmp_path, county=COUNTY, households=0, seed=1)


def test_twelve_digit_county_code_is_accepted(tmp_path):
    summary = synth.generate_county(tmp_path, county="512021000000", households=5, seed=1)
    assert summary.county == COUNTY


def test_progress_is_reported_about_every_tenth(tmp_path):
    calls: list[tuple[int, int]] = []
    synth.generate_county(
        tmp_path, county=COUNTY, households=200, seed=1, progress=lambda d, t: calls.append((d, t))
    )
    assert calls[-1] == (200, 200)
    assert 9 <= len(calls) <= 11


def test_vocabulary_keys_are_the_shared_ones():
    # the generator draws its attributes and causes from mixes over vocab's keys
    assert set(synth.ATTRIBUTE_MIX.values) == set(vocab.ATTRIBUTE.keys)
    assert set(synth.CAUSE_MIX.values) | {"schooling"} == set(vocab.CAUSE.keys)


# --- the management command (needs Django configured) ------------------------------------


def test_management_command_writes_files_and_a_json_summary(tmp_path):
    from django.core.management import call_command

    out, err = io.StringIO(), io.StringIO()
    call_command(
        "synth",
        county=COUNTY,
        households=50,
        seed=3,
        out=str(tmp_path),
        workers=1,
        stdout=out,
        stderr=err,
    )
    summary = json.loads(out.getvalue())
    assert summary["households"] == 50 and summary["county"] == COUNTY
    assert "100%" in err.getvalue()
    for name, _ in synth.FILES.values():
        assert (tmp_path / name).exists()


def test_management_command_usage_errors_exit_2(tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as excinfo:
        call_command("synth", county="12", households=5, out=str(tmp_path))
    assert excinfo.value.returncode == 2
    with pytest.raises(CommandError) as excinfo:
        call_command("synth", county=COUNTY, households=0, out=str(tmp_path))
    assert excinfo.value.returncode == 2


def test_without_a_county_the_command_writes_the_demo_county(tmp_path):
    from django.core.management import call_command

    out = io.StringIO()
    call_command(
        "synth", households=5, out=str(tmp_path), workers=1, stdout=out, stderr=io.StringIO()
    )
    summary = json.loads(out.getvalue())
    assert (summary["county"], summary["name"]) == ("512021", "安岳县")
