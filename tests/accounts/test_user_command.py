"""`jingzhun user create`."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from jingzhun.accounts.models import User
from jingzhun.audit.models import AuditEntry
from tests.conftest import COUNTY_A, TOWNSHIP_A1

pytestmark = pytest.mark.django_db


def _run(*args, stdin: str | None = None, monkeypatch=None):
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    call_command("user", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_without_password_stdin_a_strong_password_is_generated_and_printed_once(places):
    out, err = _run("create", "li", "--role", "county_admin", "--region", "512021")
    password = out.strip()
    assert len(password) >= 20
    assert password not in err
    user = User.objects.get(username="li")
    assert (user.role, user.region_id) == ("county_admin", COUNTY_A)
    assert authenticate(username="li", password=password) == user
    assert user.password != password
    assert AuditEntry.objects.get(action="user.create").after["username"] == "li"


def test_the_password_can_come_from_stdin_and_is_not_printed(places, monkeypatch):
    out, _ = _run(
        "create",
        "wang",
        "--role",
        "township_officer",
        "--region",
        TOWNSHIP_A1,
        "--password-stdin",
        stdin="Zhun-que-2018-xyz\n",
        monkeypatch=monkeypatch,
    )
    assert out == ""
    assert authenticate(username="wang", password="Zhun-que-2018-xyz") is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "a", "--role", "mayor", "--region", "512021"], "role"),
        (["create", "a", "--role", "county_admin"], "region"),
        (["create", "a", "--role", "county_admin", "--region", TOWNSHIP_A1], "region"),
        (["create", "a", "--role", "auditor", "--region", "999999"], "no such region"),
        (["create", "a", "--role", "auditor", "--region", "12x"], "12"),
        (["create", "a b", "--role", "auditor", "--region", "512021"], "username"),
    ],
)
def test_invalid_input_exits_1_with_the_message_and_creates_nobody(places, args, message):
    with pytest.raises(CommandError) as caught:
        _run(*args)
    assert caught.value.returncode == 1
    assert message in str(caught.value)
    assert not User.objects.exists()


def test_a_weak_password_from_stdin_is_refused(places, monkeypatch):
    with pytest.raises(CommandError) as caught:
        _run(
            "create",
            "zhao",
            "--role",
            "auditor",
            "--region",
            "512021",
            "--password-stdin",
            stdin="123\n",
            monkeypatch=monkeypatch,
        )
    assert caught.value.returncode == 1


def test_a_taken_username_is_refused(places):
    _run("create", "li", "--role", "auditor", "--region", "512021")
    with pytest.raises(CommandError) as caught:
        _run("create", "li", "--role", "auditor", "--region", "512021")
    assert caught.value.returncode == 1
    assert User.objects.count() == 1
