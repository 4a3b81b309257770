import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("funds", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_json_report_is_the_contract_shape(anyue_2018):
    data = json.loads(run("report", "--year", "2018", "--region", "512021", "--format", "json"))
    assert {"year", "budgets", "allocations"} <= set(data)
    assert data["year"] == 2018
    for budget in data["budgets"]:
        assert {"level", "budget_year", "amount", "allocated", "remaining"} <= set(budget)
        assert isinstance(budget["amount"], str) and budget["amount"].count(".") == 1
    assert {"total", "by_level", "by_category", "by_batch"} <= set(data["allocations"])
    county = next(b for b in data["budgets"] if b["level"] == "county")
    assert county["remaining"] == "31416443.00"
    assert data["allocations"]["total"] == "92278557.00"


def test_the_table_and_csv_show_the_same_numbers(anyue_2018):
    table = run("report", "--year", "2018")
    assert "31416443.00" in table and "3141.6443" in table
    assert "E+" not in table  # 1320万, not 1.32E+3
    csv_text = run("report", "--year", "2018", "--format", "csv")
    assert "budget,county,2018,83775000.00,52358557.00,31416443.00" in csv_text
    assert "total,,,92278557.00" in csv_text


def test_an_unknown_region_is_a_usage_error_as_for_the_other_commands(places):
    with pytest.raises(CommandError) as refused:
        run("report", "--year", "2018", "--region", "512099")
    assert refused.value.returncode == 2
    assert "512099" in str(refused.value)


def test_a_malformed_region_or_year_is_a_usage_error(places):
    with pytest.raises(CommandError) as usage:
        run("report", "--year", "2018", "--region", "51209")
    assert usage.value.returncode == 2
    with pytest.raises(CommandError) as usage:
        run("report", "--year", "18")
    assert usage.value.returncode == 2
    with pytest.raises(CommandError):
        run("report")  # --year is required
