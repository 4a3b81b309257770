"""Test settings: SQLite in a temporary file by default, PostgreSQL when DATABASE_URL is given."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F401,F403
from .env import parse_database_url, sqlite_database

_url = os.environ.get("DATABASE_URL")
_base = Path(__file__).resolve().parent.parent.parent
DATABASES = {
    "default": (
        parse_database_url(_url, base_dir=_base)
        if _url
        else sqlite_database(Path(tempfile.gettempdir()) / "jingzhun-test.sqlite3")
    )
}
# One test database per pytest process, so parallel runs on one server never drop each other's.
DATABASES["default"]["TEST"] = {"NAME": f"test_jingzhun_{os.getpid()}"}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not :memory:, so Playwright's live server thread sees the same data.
    DATABASES["default"]["TEST"]["NAME"] = str(
        Path(tempfile.gettempdir()) / f"jingzhun-test-{os.getpid()}.sqlite3"
    )
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdefghijklmnop"
JINGZHUN_VAR_DIR = tempfile.gettempdir()
