"""DATABASE_URL: what the settings make of it."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from jingzhun.settings.env import parse_database_url

BASE = Path("/srv/jingzhun")


def test_a_postgresql_url_turns_jit_off_for_its_connections():
    db = parse_database_url("postgresql://app@db:5432/jingzhun", base_dir=BASE)
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["HOST"], db["PORT"]) == ("jingzhun", "app", "db", "5432")
    assert db["OPTIONS"]["options"] == "-c jit=off"


def test_server_options_in_the_url_are_kept_and_their_own_jit_wins():
    kept = parse_database_url(
        "postgresql://app@db/jingzhun?options=-c%20work_mem%3D64MB&sslmode=require", base_dir=BASE
    )
    assert kept["OPTIONS"] == {"options": "-c work_mem=64MB -c jit=off", "sslmode": "require"}
    own = parse_database_url("postgresql://app@db/jingzhun?options=-c%20jit%3Don", base_dir=BASE)
    assert own["OPTIONS"]["options"] == "-c jit=on"


def test_a_relative_sqlite_url_lands_under_the_project():
    db = parse_database_url("sqlite:///var/x.sqlite3", base_dir=BASE)
    assert db["NAME"] == str(BASE / "var" / "x.sqlite3")
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_an_unknown_scheme_is_refused():
    with pytest.raises(ImproperlyConfigured, match="mysql"):
        parse_database_url("mysql://root@db/x", base_dir=BASE)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
def test_the_test_database_connection_runs_without_jit():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
