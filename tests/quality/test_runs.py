"""Findings across runs: kept, resolved, idempotent; a region's settings and own rules."""

from __future__ import annotations

import pytest

from jingzhun.audit.models import AuditEntry
from jingzhun.quality.models import CheckRun, Finding, RuleSetting
from jingzhun.quality.services import CheckError, set_rule
from jingzhun.registry.models import Member
from tests.conftest import COUNTY_A, TOWNSHIP_A1, VILLAGE_A1A, VILLAGE_A1B, VILLAGE_B
from tests.quality.cases import _member
from tests.quality.conftest import open_ids

RULE = "medical-insurance-missing"


@pytest.fixture
def uninsured(places):
    return {
        "A1a": _member(medical_insurance=False)(places["A1a"]),
        "A1b": _member(medical_insurance=False)(places["A1b"]),
        "B": _member(medical_insurance=False)(places["B"]),
    }


def test_finding_resolves_when_the_data_is_fixed(uninsured, check):
    first = check([RULE]).run
    assert open_ids(RULE) == {uninsured["A1a"].pk, uninsured["A1b"].pk}  # not county B's
    assert (first.found, first.new, first.resolved) == (2, 2, 0)
    Member.objects.filter(pk=uninsured["A1a"].pk).update(medical_insurance=True)
    second = check([RULE]).run
    assert open_ids(RULE) == {uninsured["A1b"].pk}
    assert (second.found, second.new, second.resolved) == (1, 0, 1)
    fixed = Finding.objects.get(object_id=uninsured["A1a"].pk)
    assert fixed.resolved_at is not None and fixed.resolution == "fixed"


def test_rerun_is_idempotent_and_keeps_first_seen(uninsured, check):
    check([RULE])
    before = {f.object_id: (f.pk, f.first_seen, f.last_seen) for f in Finding.objects.all()}
    run = check([RULE]).run
    after = {f.object_id: (f.pk, f.first_seen, f.last_seen) for f in Finding.objects.all()}
    assert set(before) == set(after)
    for oid, (pk, first_seen, last_seen) in before.items():
        assert after[oid][0] == pk and after[oid][1] == first_seen
        assert after[oid][2] >= last_seen
    assert (run.new, run.resolved) == (0, 0)
    assert Finding.objects.count() == 2


def test_a_problem_that_comes_back_opens_a_new_finding(uninsured, check):
    check([RULE])
    Member.objects.filter(pk=uninsured["A1a"].pk).update(medical_insurance=True)
    check([RULE])
    Member.objects.filter(pk=uninsured["A1a"].pk).update(medical_insurance=False)
    check([RULE])
    rows = Finding.objects.filter(object_id=uninsured["A1a"].pk).order_by("id")
    assert [r.resolved_at is None for r in rows] == [False, True]


def test_a_run_over_a_village_leaves_other_villages_alone(uninsured, check):
    check([RULE])
    Member.objects.filter(pk=uninsured["A1b"].pk).update(medical_insurance=True)
    check([RULE], region=VILLAGE_A1A)
    assert open_ids(RULE) == {uninsured["A1a"].pk, uninsured["A1b"].pk}
    check([RULE], region=COUNTY_A)
    assert open_ids(RULE) == {uninsured["A1a"].pk}


def test_switching_a_rule_off_for_a_county(uninsured, check):
    check([RULE])
    set_rule(COUNTY_A, RULE, enabled=False)
    run = check().run
    assert RULE not in run.counts
    assert open_ids(RULE) == set()
    assert set(Finding.objects.filter(rule_id=RULE).values_list("resolution", flat=True)) == {
        "disabled"
    }
    # county B is not affected
    check([RULE], region=VILLAGE_B)
    assert open_ids(RULE) == {uninsured["B"].pk}
    assert AuditEntry.objects.filter(action="quality.rule_setting").exists()


def test_switching_a_rule_off_for_one_village_only(uninsured, check):
    set_rule(VILLAGE_A1B, RULE, enabled=False)
    check([RULE])
    assert open_ids(RULE) == {uninsured["A1a"].pk}


def test_parameter_override_for_a_township(places, check):
    old = _member("19600101", pension_insurance=False)(places["A1a"])  # 58 at the end of 2018
    check(["pension-missing-over-60"])
    assert open_ids("pension-missing-over-60") == set()
    set_rule(TOWNSHIP_A1, "pension-missing-over-60", params={"age_min": 55})
    check(["pension-missing-over-60"])
    assert open_ids("pension-missing-over-60") == {old.pk}


def test_a_county_adds_its_own_rule_from_a_shipped_kind(places, check):
    smoker = _member(ethnicity="彝族")(places["A1a"])
    _member(ethnicity="彝族")(places["B"])
    set_rule(
        COUNTY_A,
        "yi-ethnicity-check",
        definition={
            "kind": "member",
            "level": "warning",
            "message_zh": "彝族成员核对民族",
            "message_en": "Check ethnicity",
            "fields": ["member.ethnicity"],
            "params": {"where": {"ethnicity": "彝族"}},
        },
    )
    run = check().run
    assert run.counts["yi-ethnicity-check"] == 1
    assert open_ids("yi-ethnicity-check") == {smoker.pk}
    check(region=VILLAGE_B)  # outside county A the rule does not exist
    assert open_ids("yi-ethnicity-check") == {smoker.pk}


def test_bad_settings_are_refused(places):
    with pytest.raises(CheckError):
        set_rule(COUNTY_A, "no-such-rule", enabled=False)
    with pytest.raises(CheckError):
        set_rule(COUNTY_A, RULE, params={"age_min": "old"})
    with pytest.raises(CheckError):
        set_rule(COUNTY_A, RULE, definition={"kind": "member"})
    with pytest.raises(CheckError):
        set_rule(COUNTY_A, "own-rule", definition={"kind": "member", "level": "error"})
    assert not RuleSetting.objects.exists()


def test_unknown_region_and_rule(places, check):
    with pytest.raises(CheckError):
        check(region="999999")
    with pytest.raises(CheckError):
        check(["no-such-rule"])
    assert not CheckRun.objects.exists()


def test_all_rules_on_a_clean_household_find_nothing(households, check):
    # the shared fixture households: head + spouse, insured, with no income record yet
    from tests.factories import IncomeFactory

    for household in households.values():
        IncomeFactory(household=household, year=2018)
        household.members.update(pension_insurance=True, labour="ordinary")
        household.main_cause = "capital"  # the factory's 因病 with nobody ill is a finding
        household.save()
    run = check().run
    assert run.found == 0, {k: v for k, v in run.counts.items() if v}
    assert run.by is None and CheckRun.objects.count() == 1
