"""Fixtures for the data-quality tests: a check run with a fixed year and reference date."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import COUNTY_A

YEAR = 2018
ON = dt.date(2018, 12, 31)


@pytest.fixture
def check(db):
    """check(rule_ids=None, region=COUNTY_A) → the run's Outcome."""
    from jingzhun.quality.services import run_checks

    def run(rule_ids=None, region=COUNTY_A, **kw):
        kw.setdefault("year", YEAR)
        kw.setdefault("on", ON)
        return run_checks(region, rule_ids=rule_ids, **kw)

    return run


def open_ids(rule_id: str) -> set[int]:
    from jingzhun.quality.models import Finding

    return set(
        Finding.objects.filter(rule_id=rule_id, resolved_at__isnull=True).values_list(
            "object_id", flat=True
        )
    )
