from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jingzhun.monitoring.models import Alert
from tests.conftest import COUNTY_A
from tests.monitoring.conftest import LINE, YEAR, exited

pytestmark = pytest.mark.django_db


def test_scan_prints_what_it_raised_as_json_and_a_rerun_raises_nothing(places, clock, capsys):
    household = exited(places["A1a"], members=2, net=2 * LINE)
    call_command("monitor", "scan", "--year", str(YEAR), "--region", COUNTY_A, "--format", "json")
    first = json.loads(capsys.readouterr().out)
    assert first["raised"] == 1 and first["policy"] == "cn-monitoring-2023"
    assert first["alerts"][0]["household_no"] == household.household_no
    assert first["alerts"][0]["rule"] == "income_below_line"
    call_command("monitor", "scan", "--year", str(YEAR), "--region", COUNTY_A, "--format", "json")
    assert json.loads(capsys.readouterr().out)["raised"] == 0


def test_scan_without_a_region_runs_every_county(places, clock, capsys):
    exited(places["A1a"], members=1, net=LINE)
    exited(places["B"], members=1, net=LINE)
    call_command("monitor", "scan", "--year", str(YEAR), "--format", "json")
    assert [s["raised"] for s in json.loads(capsys.readouterr().out)["scans"]] == [1, 1]


@pytest.mark.parametrize(
    "args",
    [
        ["scan", "--year", "2019", "--region", COUNTY_A],  # no monitoring pack for 2019
        ["scan", "--year", str(YEAR), "--region", "999999"],
        ["scan", "--year", str(YEAR), "--region", COUNTY_A, "--policy", "cn-national-2018"],
    ],
)
def test_usage_errors_and_refusals_exit_2_or_1(places, clock, args):
    with pytest.raises(CommandError) as error:
        call_command("monitor", *args)
    expected = 1 if "--policy" in args else 2
    assert error.value.returncode == expected


def test_escalate_reports_how_many_it_moved(places, clock, capsys):
    exited(places["A1a"], members=1, net=LINE)
    call_command("monitor", "scan", "--year", str(YEAR), "--region", COUNTY_A)
    capsys.readouterr()
    clock.advance(days=16)
    call_command("monitor", "escalate", "--region", COUNTY_A)
    assert json.loads(capsys.readouterr().out) == {"escalated": 1}
    assert Alert.objects.get().tier == "township"
