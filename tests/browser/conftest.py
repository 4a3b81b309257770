"""Browser tests drive Debian's chromium through Playwright's sync API.

Playwright's sync API runs an event loop in the test thread, which makes Django refuse
database calls there (SynchronousOnlyOperation) — the fixtures' and assertions' ORM calls
are synchronous and safe, so the guard is lifted for this folder only.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from django.db import connections

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture
def browser_page():
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's chromium (/usr/bin/chromium) is not installed: apt-get install chromium"
        )
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()
            _join_request_threads()
            # The test's own ORM calls ran while Playwright's loop was current, on a
            # connection pytest-django's teardown does not see: close it here.
            connections.close_all()


def _join_request_threads() -> None:
    """Let the live server's request threads finish (and close their database connections,
    which CONN_MAX_AGE keeps open through keep-alive) before the test database is dropped."""
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and "process_request_thread" in thread.name:
            thread.join(timeout=10)
