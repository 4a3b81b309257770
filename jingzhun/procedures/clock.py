"""The one time source of the procedures engine.

Notice periods are enforced against `now()`; tests replace it (see `tests/procedures`) instead
of sleeping, so the rule is checked with a fake clock and the real one alike.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()


def today() -> dt.date:
    return timezone.localdate(now())
