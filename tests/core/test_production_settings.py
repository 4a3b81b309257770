"""The production settings: `jingzhun check --deploy` is clean, and missing secrets stop it."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

JINGZHUN = Path(sys.executable).with_name("jingzhun")
ENV = {
    "DJANGO_SETTINGS_MODULE": "jingzhun.settings.production",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "DATABASE_URL": "sqlite:////tmp/jingzhun-deploy-check.sqlite3",
    "ALLOWED_HOSTS": "example.gov.cn",
}


def _check(env: dict[str, str]) -> subprocess.CompletedProcess:
    # The deployment's environment, not the test run's: the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE for Playwright's event loop, which no server should carry.
    harness = {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in ENV and k not in harness}
    return subprocess.run(
        [str(JINGZHUN), "check", "--deploy", "--fail-level", "WARNING"],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


pytestmark = pytest.mark.skipif(not JINGZHUN.exists(), reason="the console script is not installed")


def test_check_deploy_reports_no_issues_with_production_settings():
    done = _check(ENV)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_its_environment(missing):
    done = _check({k: v for k, v in ENV.items() if k != missing})
    assert done.returncode != 0
    assert missing in done.stderr


def test_a_short_secret_key_is_refused():
    done = _check({**ENV, "SECRET_KEY": "short"})
    assert done.returncode != 0
    assert "at least 50 characters" in done.stderr
