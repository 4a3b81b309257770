"""The columnar engine: frames in, long results and §3 reports out, for 1 or 100,000 rows."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date

import polars as pl
import pytest

from jingzhun.policy import (
    PolicyError,
    assess,
    assess_one,
    get_pack,
    to_report,
    verdicts,
    write_report,
)
from jingzhun.policy.facts import frame

ON = date(2018, 12, 31)
COMPLETE = {
    "members": 2,
    "net_income_fen": 2 * 400_000,
    "food_clothing_secure": True,
    "housing_safe": True,
    "water_safe": True,
    "electricity": True,
    "radio_tv": True,
}
ENROLLED = {"birth_date": date(1980, 1, 1), "dropout": False, "medical_insurance": True}


def households(*rows):
    return frame("households", rows)


def members(*rows):
    return frame("members", rows)


def test_the_package_imports_without_django():
    code = (
        "import sys, jingzhun.policy as p; "
        "p.load_packs(); "
        "assert 'django' not in sys.modules, sorted(m for m in sys.modules if 'django' in m)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_an_entity_fails_if_any_criterion_fails_even_when_others_are_unknown():
    pack = get_pack("cn-sichuan-2018")
    rows = households(
        {"household_no": "ok", **COMPLETE},
        {"household_no": "unknown", **COMPLETE, "radio_tv": None},
        {"household_no": "fails", **COMPLETE, "radio_tv": None, "electricity": False},
    )
    people = members(*({"household_no": h, **ENROLLED} for h in ("ok", "unknown", "fails")))
    result = assess(pack, "household", {"households": rows, "members": people}, on=ON)
    assert verdicts(result).rows() == [("ok", True), ("unknown", None), ("fails", False)]
    assert result.columns == ["household_no", "all_passed", "key", "passed", "value", "threshold"]


def test_results_keep_the_packs_criterion_order_and_the_input_order():
    pack = get_pack("cn-national-2018")
    numbers = [f"H{i:03d}" for i in range(50, 0, -1)]
    rows = households(*({"household_no": n, **COMPLETE} for n in numbers))
    people = members(*({"household_no": n, **ENROLLED} for n in reversed(numbers)))
    result = assess(pack, "household", {"households": rows, "members": people}, on=ON)
    assert verdicts(result)["household_no"].to_list() == numbers
    keys = [c.key for c in pack.criteria["household"]]
    assert result["key"].to_list() == [k for k in keys for _ in numbers]
    assert result["household_no"].to_list() == numbers * len(keys)
    report = to_report(pack, result)
    assert [r["household_no"] for r in report["results"]] == numbers
    assert [c["key"] for c in report["results"][0]["criteria"]] == keys


def test_the_report_has_the_interfaces_shape_with_null_for_unknown():
    pack = get_pack("cn-national-2018")
    rows = households({"household_no": "H1", **COMPLETE, "housing_safe": None})
    people = members({"household_no": "H1", **ENROLLED})
    result = assess(pack, "household", {"households": rows, "members": people}, on=ON)
    report = to_report(pack, result, year=2018)
    assert json.loads(json.dumps(report)) == report
    assert (report["policy"], report["year"]) == ("cn-national-2018", 2018)
    (entry,) = report["results"]
    assert (entry["household_no"], entry["passed"]) == ("H1", None)
    assert entry["criteria"][0] == {
        "key": "income",
        "passed": True,
        "value": "4000.00",
        "threshold": "> 3535.00",
    }
    assert {"key": "housing", "passed": None, "value": None, "threshold": "是"} in entry["criteria"]


def test_region_reports_are_keyed_by_region_code():
    pack = get_pack("cn-county-exit")
    counties = frame(
        "counties", [{"region_code": "512021000000", "approving": 95, "surveyed": 100}]
    )
    report = to_report(pack, assess(pack, "county", {"counties": counties}, on=ON))
    (entry,) = report["results"]
    assert entry["region_code"] == "512021000000" and entry["passed"] is None
    assert {"key": "approval", "passed": True, "value": "95.00", "threshold": "≥ 90.00"} in entry[
        "criteria"
    ]


def test_assess_one_says_what_a_household_still_lacks():
    pack = get_pack("cn-sichuan-2018")
    record = {"household_no": "H1", **COMPLETE, "radio_tv": False, "water_safe": None}
    result = assess_one(
        pack, "household", record, members=[{"household_no": "H1", **ENROLLED}], on=ON
    )
    assert result.passed is False
    assert [(c.key, c.label) for c in result.lacking] == [("radio_tv", "有广播电视")]
    assert [c.key for c in result.unknown] == ["water"]


def test_frames_with_sql_driver_types_are_accepted():
    pack = get_pack("cn-sichuan-2018")
    villages = pl.DataFrame(
        {
            "region_code": ["512021001001"],
            "poor_persons": pl.Series([10], dtype=pl.Int32),
            "rural_population": pl.Series([1000], dtype=pl.Int32),
            "collective_income_fen": [None],  # an all-null column arrives typed Null
            "hardened_road": [True],
            "clinic": [True],
            "culture_room": [True],
            "network": [True],
        }
    )
    result = assess(pack, "village", {"villages": villages}, on=ON)
    assert verdicts(result).rows() == [("512021001001", None)]


def test_a_missing_column_is_named():
    pack = get_pack("cn-sichuan-2018")
    villages = pl.DataFrame({"region_code": ["512021001001"]})
    with pytest.raises(PolicyError, match="villages frame: missing column 'poor_persons'"):
        assess(pack, "village", {"villages": villages}, on=ON)


def test_a_level_the_pack_does_not_cover_is_refused():
    with pytest.raises(PolicyError, match="no county criteria"):
        assess(get_pack("cn-national-2018"), "county", {}, on=ON)


def test_a_hundred_thousand_households_evaluate_in_one_pass():
    n = 100_000
    ids = pl.Series([f"H{i:06d}" for i in range(n)])
    index = pl.int_range(n, eager=True)
    households_frame = pl.DataFrame(
        {
            "household_no": ids,
            "members": (index % 6 + 1),
            "net_income_fen": (index * 7919 % 2_000_000),
            "food_clothing_secure": index % 50 != 0,
            "housing_safe": index % 40 != 0,
            "water_safe": index % 30 != 0,
            "electricity": True,
            "radio_tv": index % 97 != 0,
        }
    )
    members_frame = pl.DataFrame(
        {
            "household_no": pl.concat([ids, ids, ids]),
            "birth_date": pl.date_range(
                date(1950, 1, 1), date(2015, 1, 1), "1d", eager=True
            ).sample(3 * n, with_replacement=True, seed=1),
            "dropout": pl.int_range(3 * n, eager=True) % 1000 == 0,
            "student": None,
            "medical_insurance": pl.int_range(3 * n, eager=True) % 500 != 0,
        }
    )
    pack = get_pack("cn-sichuan-2018")
    result = assess(
        pack, "household", {"households": households_frame, "members": members_frame}, on=ON
    )
    assert result.height == n * len(pack.criteria["household"])
    outcome = verdicts(result)
    assert outcome.height == n
    assert outcome["passed"].null_count() == 0
    assert 0 < outcome["passed"].sum() < n


def test_the_streamed_report_is_the_same_document():
    pack = get_pack("cn-sichuan-2018")
    rows = households({"household_no": "H1", **COMPLETE}, {"household_no": "H2", "members": 1})
    people = members({"household_no": "H1", **ENROLLED})
    result = assess(pack, "household", {"households": rows, "members": people}, on=ON)
    out = io.StringIO()
    write_report(pack, result, out, year=2019)
    assert json.loads(out.getvalue()) == to_report(pack, result, year=2019)
