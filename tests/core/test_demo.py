"""`jingzhun demo --no-serve`: a county, one login per role, every write in the audit trail."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from jingzhun.accounts.models import User
from jingzhun.assistance.models import Cadre, Pairing
from jingzhun.audit.models import AuditEntry
from jingzhun.audit.services import verify
from jingzhun.registry.models import Household

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = ["county_admin", "township_officer", "village_officer", "cadre", "auditor", "department"]


def _demo() -> list[str]:
    out = io.StringIO()
    call_command("demo", households=40, no_serve=True, stdout=out, stderr=io.StringIO())
    return [line.split() for line in out.getvalue().splitlines() if line.startswith("  ")]


def test_the_demo_loads_a_county_and_prints_one_working_login_per_role():
    logins = _demo()
    assert [row[2] for row in logins] == [*ROLES, "superuser"]
    assert Household.objects.count() == 40
    for username, password, *_ in logins:
        assert User.objects.get(username=username).check_password(password), username
    cadre = Cadre.objects.get(user__username="cadre")
    assert Pairing.objects.filter(cadre=cadre).exists()


def test_every_write_of_the_demo_is_in_the_audit_trail():
    _demo()
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions.count("user.create") == User.objects.count()
    assert actions.count("cadre.create") == Cadre.objects.count() == 1
    assert actions.count("pairing.create") == Pairing.objects.count()
    assert {f"import.{k}" for k in ("regions", "households", "members", "incomes")} <= set(actions)
    assert verify().ok


def test_running_the_demo_again_gives_new_passwords_audited_and_no_duplicates():
    first = {row[0]: row[1] for row in _demo()}
    entries = AuditEntry.objects.count()
    second = {row[0]: row[1] for row in _demo()}
    assert set(second) == set(first) - {"admin"}  # the superuser is made once
    assert all(second[u] != first[u] for u in second)
    assert Household.objects.count() == 40 and Cadre.objects.count() == 1
    resets = AuditEntry.objects.filter(seq__gt=entries, action="user.password_set")
    assert resets.count() == len(second)
    assert not any("password" in (e.after or {}) for e in resets)
    assert verify().ok


def test_the_demo_loads_seed_003s_funds_ledger_once():
    from jingzhun.funds.models import Allocation, Budget
    from jingzhun.funds.selectors import funds_report

    _demo()
    county_2018 = next(
        b
        for b in funds_report(year=2018, region_code="512021000000").as_contract()["budgets"]
        if (b["level"], b["budget_year"]) == ("county", 2018)
    )
    assert county_2018["remaining"] == "31416443.00"  # seed 003: 3141.6443万 for the second batch
    counts = (Budget.objects.count(), Allocation.objects.count())
    _demo()
    assert (Budget.objects.count(), Allocation.objects.count()) == counts
    assert AuditEntry.objects.filter(action="funds.allocation.create").count() == counts[1]
