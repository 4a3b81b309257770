"""The audit trail: every write appends a chained entry; tampering is named by `audit verify`."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from jingzhun.accounts import services as accounts
from jingzhun.audit.models import AuditEntry
from jingzhun.audit.services import GENESIS, entry_hash
from jingzhun.registry import services
from tests.factories import make_id_number

TABLE = AuditEntry._meta.db_table


def _assert_chained():
    previous = GENESIS
    for expected_seq, entry in enumerate(AuditEntry.objects.order_by("seq"), start=1):
        assert entry.seq == expected_seq
        assert entry.prev_hash == previous
        assert entry.hash == entry_hash(entry)
        previous = entry.hash


def _writes(places):
    """Every registry and account service write, each with the action it must record."""
    admin = accounts.user_create(
        by=None,
        username="admin-a",
        role="county_admin",
        password="x" * 20,
        region=places["A"],
        check_password_strength=False,
    )
    state = {}

    def register():
        state["h"] = services.household_register(
            by=admin,
            household_no="H-AUDIT-1",
            village=places["A1a"],
            attribute="general",
            main_cause="illness",
            registered_year=2015,
            members=[{"id_number": make_id_number(), "name": "甲", "relation": "head"}],
        )

    def update():
        services.household_update(by=admin, household=state["h"], expected_version=1, group="一组")

    def add():
        state["m"] = services.member_add(
            by=admin,
            household=state["h"],
            data={"id_number": make_id_number(sex="female"), "name": "乙", "relation": "spouse"},
        )

    def member_update():
        services.member_update(
            by=admin, member=state["m"], expected_version=1, data={"ethnicity": "汉族"}
        )

    def change_head():
        services.household_change_head(
            by=admin, household=state["h"], new_head=state["m"], old_head_relation="spouse"
        )

    def income():
        services.income_set(by=admin, household=state["h"], year=2018, amounts_fen={"wage_fen": 1})

    def income_again():
        services.income_set(by=admin, household=state["h"], year=2018, amounts_fen={"wage_fen": 2})

    def remove():
        old = state["h"].members.exclude(pk=state["m"].pk).get()
        services.member_remove(by=admin, member=old, reason="迁出")

    def token():
        state["t"] = accounts.token_issue(user=admin)

    def revoke():
        accounts.token_revoke(token=state["t"])

    def user():
        accounts.user_create(
            by=admin,
            username="aud",
            role="auditor",
            password="y" * 20,
            region=places["A"],
            check_password_strength=False,
        )

    def password():
        accounts.password_set(by=admin, user=admin, password="z" * 20, check_strength=False)

    def superuser():
        accounts.superuser_create(by=admin, username="root-a", password="w" * 20)

    return [
        (register, "household.register"),
        (update, "household.update"),
        (add, "member.add"),
        (member_update, "member.update"),
        (change_head, "member.change_head"),
        (income, "income.add"),
        (income_again, "income.update"),
        (remove, "member.remove"),
        (token, "token.issue"),
        (revoke, "token.revoke"),
        (user, "user.create"),
        (password, "user.password_set"),
        (superuser, "user.create"),
    ]


@pytest.mark.django_db
def test_every_service_write_appends_one_chained_entry(places):
    steps = _writes(places)
    for step, action in steps:
        before = AuditEntry.objects.count()
        step()
        assert AuditEntry.objects.count() == before + 1, action
        assert AuditEntry.objects.order_by("-seq").first().action == action
    _assert_chained()


def _verify() -> tuple[int, str]:
    from io import StringIO

    out = StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=StringIO())
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, out.getvalue()


@pytest.fixture
def chain(db, places):
    for step, _ in _writes(places)[:6]:
        step()
    assert AuditEntry.objects.count() == 7
    return AuditEntry.objects.order_by("seq")


def test_a_clean_chain_verifies(chain):
    assert _verify() == (0, "7 entries verified\n")


def test_an_altered_row_is_named(chain):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET after = %s WHERE seq = 4", ['{"forged": true}'])
    code, message = _verify()
    assert code == 1
    assert "entry #4" in message and "altered" in message


def test_an_altered_actor_is_named(chain):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET actor = 'someone-else' WHERE seq = 2")
    assert _verify()[0] == 1
    assert "#2" in _verify()[1]


def test_a_row_rehashed_after_altering_still_breaks_the_link_to_the_next(chain):
    """An attacker who recomputes the altered row's own hash is caught at the next row."""
    entry = AuditEntry.objects.get(seq=3)
    entry.after = {"forged": True}
    new_hash = entry_hash(entry)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET after = %s, hash = %s WHERE seq = 3",
            ['{"forged": true}', new_hash],
        )
    code, message = _verify()
    assert code == 1 and "entry #4" in message


def test_a_deleted_row_is_named(chain):
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE seq = 3")
    code, message = _verify()
    assert code == 1
    assert "entry #3" in message and "missing" in message


def test_reordered_rows_are_named(chain):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET seq = -1 WHERE seq = 5")
        cursor.execute(f"UPDATE {TABLE} SET seq = 5 WHERE seq = 6")
        cursor.execute(f"UPDATE {TABLE} SET seq = 6 WHERE seq = -1")
    code, message = _verify()
    assert code == 1
    assert "entry #5" in message


def test_a_shifted_timestamp_is_named(chain):
    entry = AuditEntry.objects.get(seq=6)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET at = %s WHERE seq = 6", [entry.at - dt.timedelta(days=1)]
        )
    assert "#6" in _verify()[1]


def test_truncating_the_newest_entries_is_caught_only_against_a_recorded_head(chain):
    from io import StringIO

    out = StringIO()
    call_command("audit", "head", stdout=out)
    head = out.getvalue().strip()
    assert head.startswith("7:")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE seq = 7")
    assert _verify()[0] == 0  # the chain alone cannot tell
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify", "--expect-head", head, stdout=StringIO())
    assert caught.value.returncode == 1
    assert "#7" in str(caught.value)


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        host = settings["HOST"] or "127.0.0.1"
        return (
            f"postgresql://{settings['USER']}@{host}:{settings['PORT'] or 5432}/{settings['NAME']}"
        )
    return f"sqlite:///{Path(settings['NAME']).resolve()}"


@pytest.mark.django_db(transaction=True)
def test_the_console_script_exits_0_then_1_naming_the_entry(places):
    for step, _ in _writes(places)[:3]:
        step()
    script = Path(sys.executable).with_name("jingzhun")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jingzhun.settings.dev",
        "DATABASE_URL": _database_url(),
    }
    ok = subprocess.run([script, "audit", "verify"], env=env, capture_output=True, text=True)
    assert (ok.returncode, ok.stdout.strip()) == (0, "4 entries verified"), ok.stderr
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET source = 'web:10.0.0.9' WHERE seq = 2")
    broken = subprocess.run([script, "audit", "verify"], env=env, capture_output=True, text=True)
    assert broken.returncode == 1
    assert "entry #2" in broken.stderr
