"""Loading packs: the shipped set, extends and overrides, warnings, and errors naming file and key."""

from __future__ import annotations

import json
import logging

import pytest

from jingzhun.policy import PolicyError, clear_cache, get_pack, list_rows, load_packs

from .conftest import minimal

SHIPPED = (
    [f"cn-national-{y}" for y in range(2014, 2021)]
    + [f"cn-sichuan-{y}" for y in range(2016, 2021)]
    + ["cn-county-exit"]
    + [f"cn-monitoring-{y}" for y in range(2020, 2026)]
)


def test_every_pack_named_in_the_spec_is_shipped():
    assert set(SHIPPED) <= set(load_packs())


@pytest.mark.parametrize(
    ("year", "line", "unconfirmed"),
    [
        (2014, "2800.00", False),
        (2016, "3146.00", False),
        (2018, "3535.00", False),
        (2019, "3747.00", True),
        (2020, "4000.00", True),
    ],
)
def test_national_packs_carry_the_years_line_and_say_when_it_is_unconfirmed(
    year, line, unconfirmed
):
    pack = get_pack(f"cn-national-{year}")
    assert pack.money("poverty_line") == line
    assert pack.parameters["poverty_line"].unconfirmed is unconfirmed


def test_national_packs_keep_both_line_series():
    assert get_pack("cn-national-2016").money("statistical_line") == "2952.00"
    assert get_pack("cn-national-2019").parameters["statistical_line"].unconfirmed


def test_safe_drinking_water_becomes_a_national_check_in_2019():
    keys = lambda year: [c.key for c in get_pack(f"cn-national-{year}").criteria["household"]]  # noqa: E731
    assert "water" not in keys(2018)
    assert keys(2019) == ["income", "food_clothing", "education", "medical", "housing", "water"]


def test_sichuan_extends_the_national_pack_of_the_year_and_inherits_its_line():
    for year in range(2016, 2021):
        pack = get_pack(f"cn-sichuan-{year}")
        assert pack.extends == f"cn-national-{year}"
        assert pack.money("poverty_line") == get_pack(f"cn-national-{year}").money("poverty_line")
        assert pack.levels == ("household", "village", "county")


def test_sichuan_overrides_the_inherited_village_incidence_in_place():
    pack = get_pack("cn-sichuan-2018")
    incidence = pack.criteria["village"][0]
    assert (incidence.key, incidence.args["limit"], incidence.args["west_limit"]) == (
        "incidence",
        3,
        None,
    )
    assert incidence.origin == "cn-sichuan-2018"
    assert [c.key for c in pack.criteria["household"]][-3:] == ["water", "electricity", "radio_tv"]


def test_sichuan_2018_warns_that_its_dibao_line_is_below_the_poverty_line(caplog):
    clear_cache()
    with caplog.at_level(logging.INFO, logger="jingzhun.policy"):
        pack = get_pack("cn-sichuan-2018")
    assert pack.money("dibao_line") == "3300.00"
    (warning,) = [w for w in pack.warnings if "dibao_line" in w]
    assert "3300.00 is below the poverty_line 3535.00" in warning
    assert warning.startswith("cn-sichuan-2018：农村低保标准3300.00元低于所适用的扶贫标准3535.00元")
    assert any("dibao_line 3300.00" in r.message for r in caplog.records)
    assert "两线合一" in pack.parameters["dibao_line"].note


def test_packs_without_a_contradiction_have_no_warning():
    assert get_pack("cn-sichuan-2019").warnings == ()
    assert get_pack("cn-national-2018").warnings == ()


def test_county_exit_is_three_rates_and_one_degree_with_the_western_provinces_as_data():
    pack = get_pack("cn-county-exit")
    assert [c.kind for c in pack.criteria["county"]] == [
        "comprehensive_incidence_below",
        "wrongly_exited_rate_below",
        "missed_rate_below",
        "approval_at_least",
    ]
    assert set(pack.value("west_provinces")) == {
        "15",
        "45",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
    }


def test_monitoring_packs_keep_the_threshold_apart_from_the_line():
    data = get_pack("cn-monitoring-2020").to_dict()
    assert (data["poverty_line"], data["monitoring_threshold"]) == ("4000.00", "6000.00")
    assert data["parameters"]["monitoring_multiple"]["value"] == "1.5"
    assert data["parameters"]["alert_verify_days"]["value"] == 15
    assert data["parameters"]["alert_decide_days"]["value"] == 30
    assert data["parameters"]["risk_elimination_min_months"]["value"] == 6


def test_from_2021_the_threshold_is_a_placeholder_the_province_must_set():
    pack = get_pack("cn-monitoring-2023")
    threshold = pack.parameters["monitoring_threshold"]
    assert (
        threshold.placeholder and threshold.unconfirmed and threshold.origin == "cn-monitoring-2023"
    )
    assert any("placeholder" in w for w in pack.warnings)
    assert pack.value("monitoring_classes") == ("unstable_exited", "marginal", "sudden_hardship")
    assert get_pack("cn-monitoring-2020").value("monitoring_classes") == (
        "unstable_exited",
        "marginal",
    )


def test_show_json_has_the_contract_keys_and_is_serialisable():
    data = get_pack("cn-sichuan-2018").to_dict()
    for key in (
        "id",
        "name",
        "year",
        "source",
        "extends",
        "poverty_line",
        "parameters",
        "criteria",
        "warnings",
    ):
        assert key in data
    assert data["source"][0]["title"]
    assert data["parameters"]["poverty_line"] == {
        "value": "3535.00",
        "unit": "元/人·年",
        "source": data["parameters"]["poverty_line"]["source"],
        "unconfirmed": False,
        "placeholder": False,
        "note": data["parameters"]["poverty_line"]["note"],
        "defined_in": "cn-national-2018",
    }
    income = data["criteria"]["household"][0]
    assert (income["kind"], income["params"]) == ("income_above_line", {"line": "poverty_line"})
    json.dumps(data, ensure_ascii=False)


def test_every_parameter_of_every_shipped_pack_cites_a_source():
    for pack in load_packs().values():
        assert pack.sources, pack.id
        for parameter in pack.parameters.values():
            assert parameter.source.strip(), (pack.id, parameter.name)


def test_list_rows_give_one_plain_row_per_pack():
    rows = {row["id"]: row for row in list_rows(load_packs())}
    assert rows["cn-sichuan-2018"]["poverty_line"] == "3535.00"
    assert rows["cn-sichuan-2018"]["warnings"] == 1
    assert rows["cn-monitoring-2021"]["monitoring_threshold"] == "6000.00"
    assert rows["cn-county-exit"]["poverty_line"] == ""


def test_a_county_pack_in_an_extra_directory_extends_a_shipped_one(pack_dir):
    directory = pack_dir(
        **{
            "county-512021-2018": minimal(
                "county-512021-2018",
                'extends = "cn-sichuan-2018"',
                """
                [parameters.poverty_line]
                value = "3600.50"
                source = "安岳县 working line (test)"

                [[village.criteria]]
                key = "collective_income"
                kind = "collective_income"
                minimum = "20000"

                [household]
                remove = ["radio_tv"]
                """,
            )
        }
    )
    pack = get_pack("county-512021-2018", [directory])
    assert pack.money("poverty_line") == "3600.50"
    income = pack.criteria["household"][0]
    assert income.args["line"] == 360_050 and income.origin == "cn-national-2014"
    assert "radio_tv" not in [c.key for c in pack.criteria["household"]]
    collective = [c for c in pack.criteria["village"] if c.key == "collective_income"][0]
    assert collective.args == {"minimum": 2_000_000, "strict": False}
    # The override does not leak into the shipped pack.
    assert get_pack("cn-sichuan-2018").money("poverty_line") == "3535.00"
    # Raising the line above the dibao line silences the Sichuan warning? No: 3300 < 3600.50.
    assert any("dibao_line" in w for w in pack.warnings)


def load_error(pack_dir, **files) -> str:
    directory = pack_dir(**files)
    with pytest.raises(PolicyError) as caught:
        load_packs([directory])
    return str(caught.value)


CRITERION = """
    [[household.criteria]]
    kind = "income_above_line"

    [[household.criteria]]
    kind = "housing_safe"

    [[household.criteria]]
    kind = "{kind}"
"""


def test_an_unknown_criterion_names_the_file_and_the_key(pack_dir):
    message = load_error(
        pack_dir, bad=minimal("bad", 'extends = "cn-national-2018"', CRITERION.format(kind="foo"))
    )
    assert message == "bad.toml: household.criteria[2].kind: unknown criterion 'foo'"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            '[parameters.poverty_line]\nvalue = 3535.5\nsource = "x"\n',
            "bad.toml: parameters.poverty_line.value: write the figure as a string",
        ),
        (
            '[parameters.poverty_line]\nvalue = "3535"\n',
            "bad.toml: parameters.poverty_line.source: every figure must cite its source",
        ),
        (
            '[parameters.poverty_line]\nsource = "x"\n',
            "bad.toml: parameters.poverty_line.value: missing",
        ),
        (
            '[parameters.povety_line]\nvalue = "1"\nsource = "x"\n',
            "bad.toml: parameters.povety_line: unknown parameter",
        ),
        (
            '[parameters.poverty_line]\nvalue = "35.001"\nsource = "x"\n',
            "bad.toml: parameters.poverty_line.value: 35.001 has more than two decimals",
        ),
        (
            '[parameters.west_provinces]\nvalue = ["5"]\nsource = "x"\n',
            "bad.toml: parameters.west_provinces.value: not 2-digit province codes: 5",
        ),
        (
            '[[village.criteria]]\nkind = "incidence_below"\n',
            "bad.toml: village.criteria[0].limit: missing",
        ),
        (
            '[[village.criteria]]\nkind = "incidence_below"\nlimit = "150"\n',
            "bad.toml: village.criteria[0].limit: a percentage between 0 and 100",
        ),
        (
            '[[village.criteria]]\nkind = "clinic"\ncolour = "red"\n',
            "bad.toml: village.criteria[0].colour: unknown key",
        ),
        (
            '[[household.criteria]]\nkind = "clinic"\n',
            "bad.toml: household.criteria[0].kind: criterion 'clinic' applies to village",
        ),
        (
            '[[household.criteria]]\nkind = "income_above_line"\nline = "dibao_line"\n',
            "bad.toml: household.criteria[0].line: the pack has no parameter 'dibao_line'",
        ),
        (
            '[[household.criteria]]\nkind = "income_above_line"\nline = "school_age_min"\n',
            "bad.toml: household.criteria[0].line: 'school_age_min' is not a money",
        ),
        (
            '[[household.criteria]]\nkind = "housing_safe"\n[[household.criteria]]\nkind = "housing_safe"\n',
            "bad.toml: household.criteria[1].key: duplicate criterion key 'housing_safe'",
        ),
        (
            '[household]\nremove = ["nothing"]\n',
            "bad.toml: household.remove: no inherited criterion 'nothing'",
        ),
        (
            '[parameters.school_age_max]\nvalue = 5\nsource = "x"\n',
            "bad.toml: parameters.school_age_max: school_age_max is below school_age_min",
        ),
    ],
)
def test_bad_parameters_name_the_file_and_the_key(pack_dir, body, expected):
    message = load_error(pack_dir, bad=minimal("bad", 'extends = "cn-national-2018"', body))
    assert message.startswith(expected), message


def test_a_west_limit_without_western_provinces_is_refused(pack_dir):
    body = '[[village.criteria]]\nkind = "incidence_below"\nlimit = "2"\nwest_limit = "3"\n'
    message = load_error(pack_dir, bad=minimal("bad", "", body))
    assert (
        message
        == "bad.toml: village.criteria[0].west: west_limit needs a west_provinces parameter in the pack"
    )


def test_an_unknown_parent_is_named(pack_dir):
    message = load_error(pack_dir, orphan=minimal("orphan", 'extends = "cn-nowhere"'))
    assert message == "orphan.toml: extends: unknown pack 'cn-nowhere'"


def test_an_extends_cycle_is_refused_and_shown(pack_dir):
    message = load_error(pack_dir, a=minimal("a", 'extends = "b"'), b=minimal("b", 'extends = "a"'))
    assert message == "a.toml: extends: cycle a → b → a"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("wrongname", minimal("other"), "wrongname.toml: id: 'other' does not match the file name"),
        ("broken", "id = ", "broken.toml: not valid TOML"),
        (
            "nosource",
            'id = "nosource"\nname = "x"\nname_en = "x"\nyear = 2018\n',
            "nosource.toml: source: every pack cites",
        ),
        (
            "noyear",
            'id = "noyear"\nname = "x"\nname_en = "x"\n[[source]]\ntitle = "t"\n',
            "noyear.toml: year: must be a year",
        ),
        ("extra", minimal("extra", 'colour = "red"'), "extra.toml: colour: unknown key"),
    ],
)
def test_malformed_files_are_refused_with_their_name(pack_dir, name, text, expected):
    assert load_error(pack_dir, **{name: text}).startswith(expected)


def test_a_pack_id_may_not_shadow_a_shipped_pack(pack_dir):
    message = load_error(pack_dir, **{"cn-national-2018": minimal("cn-national-2018")})
    assert message.startswith("cn-national-2018.toml: id: 'cn-national-2018' is already defined in")


def test_an_unknown_pack_id_is_a_policy_error():
    with pytest.raises(PolicyError, match="unknown policy pack 'cn-mars-2018'"):
        get_pack("cn-mars-2018")


def test_every_parameter_of_the_catalogue_has_a_chinese_name_for_the_pages():
    from jingzhun.policy.params import CATALOGUE, LABELS

    assert set(LABELS) == set(CATALOGUE)
    assert get_pack("cn-sichuan-2018").unconfirmed_labels == tuple(
        LABELS[name] for name in get_pack("cn-sichuan-2018").unconfirmed
    )
