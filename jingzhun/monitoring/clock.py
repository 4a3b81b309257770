"""The one source of "now" for monitoring: deadlines, escalation and the minimum period all read
it, so a test can move time by patching `jingzhun.monitoring.clock.now`."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()


def today() -> dt.date:
    return timezone.localdate(now())
