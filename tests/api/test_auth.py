"""Bearer tokens and browser sessions."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.test import Client
from django.utils import timezone

from jingzhun.accounts.models import ApiToken
from jingzhun.audit.models import AuditEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

HOUSEHOLD = "/api/v1/households/5120210010010001"


def _token(client, username="county_admin", password=PASSWORD):
    return client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
    )


def _bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_a_token_is_issued_for_good_credentials_and_opens_the_api(client, seeded):
    response = _token(client)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expires_at"}
    assert client.get(HOUSEHOLD, **_bearer(body["token"])).status_code == 200


def test_only_the_hash_of_a_token_is_stored(client, seeded):
    token = _token(client).json()["token"]
    row = ApiToken.objects.get()
    assert row.digest == hashlib.sha256(token.encode()).hexdigest()
    stored = [str(v) for v in ApiToken.objects.values_list(flat=False).get()]
    assert token not in stored
    assert not AuditEntry.objects.filter(after__icontains=token).exists()


def test_issuing_and_revoking_a_token_are_audited(client, seeded):
    token = _token(client).json()["token"]
    client.post("/api/v1/auth/revoke", **_bearer(token))
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    assert actions[-2:] == ["token.issue", "token.revoke"]


def test_wrong_credentials_answer_401_without_saying_which_part_was_wrong(client, seeded):
    wrong_password = _token(client, password="nope")
    unknown_user = _token(client, username="nobody")
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.json() == unknown_user.json()


def test_an_expired_token_is_refused(client, seeded):
    token = _token(client).json()["token"]
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(HOUSEHOLD, **_bearer(token)).status_code == 401


def test_a_revoked_token_is_refused(client, seeded):
    token = _token(client).json()["token"]
    assert client.post("/api/v1/auth/revoke", **_bearer(token)).status_code == 204
    assert client.get(HOUSEHOLD, **_bearer(token)).status_code == 401
    assert ApiToken.objects.get().revoked_at is not None


def test_a_token_of_a_deactivated_user_is_refused(client, seeded):
    token = _token(client).json()["token"]
    seeded["personas"]["county_admin"].__class__.objects.filter(username="county_admin").update(
        is_active=False
    )
    assert client.get(HOUSEHOLD, **_bearer(token)).status_code == 401


@pytest.mark.parametrize("header", ["Bearer ", "Bearer nonsense", "Basic abc", "Bearer é"])
def test_a_malformed_or_unknown_token_is_refused(client, seeded, header):
    assert client.get(HOUSEHOLD, HTTP_AUTHORIZATION=header).status_code == 401


def test_repeated_failures_lock_the_username_out_with_429(client, seeded, settings):
    settings.JINGZHUN_LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        assert _token(client, password="wrong").status_code == 401
    locked = _token(client)  # even the right password, while locked out
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
    assert not ApiToken.objects.exists()


def test_the_lockout_ends_after_the_window(client, seeded, settings):
    from jingzhun.accounts.models import LoginFailure

    settings.JINGZHUN_LOGIN_MAX_FAILURES = 2
    for _ in range(2):
        _token(client, password="wrong")
    LoginFailure.objects.update(at=timezone.now() - dt.timedelta(hours=1))
    assert _token(client).status_code == 200


def test_a_session_works_for_reading(client_for):
    assert client_for("county_admin").get(HOUSEHOLD).status_code == 200


def test_a_session_write_without_the_csrf_token_is_refused(client_for):
    client = client_for("county_admin", enforce_csrf=True)
    response = client.patch(
        HOUSEHOLD, {"version": 1, "group": "三组"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_a_session_write_with_the_csrf_token_is_accepted(client_for):
    client = client_for("county_admin", enforce_csrf=True)
    client.get("/api/v1/docs")  # any page that sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.patch(
        HOUSEHOLD,
        {"version": 1, "group": "三组"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200, response.content


def test_a_bearer_write_needs_no_csrf_token(seeded):
    client = Client(enforce_csrf_checks=True)
    token = _token(client).json()["token"]
    response = client.patch(
        HOUSEHOLD,
        {"version": 1, "group": "三组"},
        content_type="application/json",
        **_bearer(token),
    )
    assert response.status_code == 200, response.content
