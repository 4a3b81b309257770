"""Signing in through accounts.services.login_attempt: throttled, with a clear lock-out."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_signing_in_opens_the_home_region(client, personas):
    response = client.post(reverse("login"), {"username": "county_admin", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 302


def test_signing_in_returns_to_the_page_asked_for_but_never_off_site(client, personas):
    wanted = reverse("search") + "?q=%E5%BC%A0"
    response = client.post(
        reverse("login"), {"username": "county_admin", "password": PASSWORD, "next": wanted}
    )
    assert response["Location"] == wanted
    client.logout()
    response = client.post(
        reverse("login"),
        {"username": "county_admin", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("home")


def test_a_wrong_password_is_refused_with_a_message(client, personas):
    response = client.post(reverse("login"), {"username": "county_admin", "password": "nope"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.text
    assert "_auth_user_id" not in client.session


def test_too_many_failures_lock_the_account_out_even_with_the_right_password(client, personas):
    for _ in range(5):
        client.post(reverse("login"), {"username": "county_admin", "password": "nope"})
    response = client.post(reverse("login"), {"username": "county_admin", "password": PASSWORD})
    assert response.status_code == 200
    assert "锁定" in response.text and "分钟后再试" in response.text
    assert "_auth_user_id" not in client.session


def test_signing_out_takes_a_post(client, personas):
    client.force_login(personas["county_admin"])
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_login_page_is_chinese_by_default(client, db):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert "登录" in page.text and 'lang="zh-CN"' in page.text


def test_a_sign_in_is_in_the_audit_trail(client, personas):
    from jingzhun.audit.models import AuditEntry

    client.post(reverse("login"), {"username": "county_admin", "password": PASSWORD})
    entry = AuditEntry.objects.filter(action="user.sign_in").get()
    assert entry.actor == "county_admin"
    assert entry.object_id == str(personas["county_admin"].pk)


def test_the_failure_that_locks_a_username_is_audited_once_and_the_guesses_after_it_not(
    client, personas
):
    from jingzhun.audit.models import AuditEntry

    for _ in range(4):
        client.post(reverse("login"), {"username": "county_admin", "password": "nope"})
    assert not AuditEntry.objects.filter(action="user.locked_out").exists()
    for _ in range(3):  # the fifth locks; the sixth and seventh are refused while locked
        client.post(reverse("login"), {"username": "county_admin", "password": "nope"})
    locked = AuditEntry.objects.filter(action="user.locked_out").get()
    assert locked.object_id == "county_admin"
    assert locked.after["failures"] == 5
    assert not AuditEntry.objects.filter(action="user.sign_in").exists()
