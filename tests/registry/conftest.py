"""Helpers for the import and export tests: files written on the fly, and DB snapshots."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pytest
from django.db import connection

from jingzhun.regions.models import Region
from jingzhun.registry.models import Household, Income, Member
from tests.conftest import VILLAGE_A1A
from tests.factories import make_id_number

_household_numbers = itertools.count(1)


@pytest.fixture
def write(tmp_path):
    """write(name, rows, header=None, bom=False) → path; rows are dicts (or lists with header).

    `.xlsx` names give a workbook; values keep their Python type, so dates and numbers become
    real Excel cells.
    """

    def write(name: str, rows, header=None, *, bom: bool = False) -> Path:
        rows = list(rows)
        if header is None:  # every key of every row, in order of appearance
            header = list(dict.fromkeys(k for r in rows for k in r))
        values = [[r.get(h, "") for h in header] if isinstance(r, dict) else r for r in rows]
        path = tmp_path / name
        if name.endswith(".xlsx"):
            from openpyxl import Workbook

            workbook = Workbook()
            sheet = workbook.active
            sheet.append(header)
            for row in values:
                sheet.append(row)
            workbook.save(path)
        else:
            encoding = "utf-8-sig" if bom else "utf-8"
            with path.open("w", encoding=encoding, newline="") as fh:
                csv.writer(fh).writerows([header, *values])
        return path

    return write


def household_row(no: str | None = None, **over) -> dict:
    row = {
        "household_no": no or f"T{next(_household_numbers):06d}",
        "village_code": VILLAGE_A1A,
        "group": "3",
        "attribute": "general",
        "main_cause": "illness",
        "other_causes": "capital",
        "status": "poor",
        "registered_year": "2014",
        "exit_year": "",
        "food_clothing_secure": "1",
        "housing_safe": "是",
        "water_safe": "yes",
        "electricity": "true",
        "radio_tv": "0",
        "phone": "13800001234",
    }
    return {**row, **over}


def member_row(no: str, relation: str = "head", **over) -> dict:
    row = {
        "household_no": no,
        "id_number": make_id_number(sex="female" if relation == "spouse" else "male"),
        "name": "张三",
        "relation": relation,
        "ethnicity": "汉族",
        "education": "junior",
        "student": "none",
        "dropout": "0",
        "health": "healthy",
        "labour": "ordinary",
        "migrant_months": "6",
        "medical_insurance": "1",
        "pension_insurance": "1",
    }
    return {**row, **over}


def income_row(no: str, year: int = 2018, **over) -> dict:
    row = {
        "household_no": no,
        "year": str(year),
        "wage": "5000.50",
        "production": "2000",
        "property": "0",
        "transfer": "1000.05",
        "production_cost": "500",
        "medical_expense": "",
        "education_expense": "300",
    }
    return {**row, **over}


def _rows(model, *order: str, **renames):
    skip = ("id", "created_at", "updated_at")
    names = [f.attname for f in model._meta.concrete_fields if f.attname not in skip]
    fields = [renames.get(n, n) for n in names]
    return list(model.objects.order_by(*order).values_list(*fields))


def snapshot() -> dict[str, list]:
    """The registry's contents by natural key: comparable across databases and engines."""
    return {
        "regions": _rows(Region, "code"),
        "households": _rows(Household, "household_no"),
        "members": _rows(Member, "id_number", household_id="household__household_no"),
        "incomes": _rows(
            Income, "household__household_no", "year", household_id="household__household_no"
        ),
    }


def schema() -> list[tuple]:
    """PostgreSQL: every index and constraint of the imported tables, as the catalog defines
    them (empty on SQLite, where imports never alter the schema)."""
    if connection.vendor != "postgresql":
        return []
    tables = [m._meta.db_table for m in (Region, Household, Member, Income)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes "
            "WHERE tablename = ANY(%s) ORDER BY 1, 2",
            [tables],
        )
        found = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
            [tables],
        )
        return found + cursor.fetchall()


def clear_registry() -> None:
    Income.objects.all().delete()
    Member.objects.all().delete()
    Household.objects.all().delete()
    for level in ("village", "township", "county", "city", "province"):
        Region.objects.filter(level=level).delete()


@pytest.fixture(scope="session")
def synth_county(tmp_path_factory) -> Path:
    """A small synthetic county (200 households) in the four CSV files, made once."""
    synth = pytest.importorskip("jingzhun.registry.synth")
    out = tmp_path_factory.mktemp("synth")
    synth.generate_county(out, county="512021", households=200, seed=7)
    return out


KINDS = ("regions", "households", "members", "incomes")
