"""Who is acting and from where, for the audit trail, without threading `request` everywhere.

The web middleware sets it per request; commands set it for their run. Services still take the
acting user explicitly (`by=`); the context only adds where the call came from.
"""

from __future__ import annotations

import contextvars
import socket
from contextlib import contextmanager

_source: contextvars.ContextVar[str] = contextvars.ContextVar("audit_source", default="")


def current_source() -> str:
    return _source.get() or f"cli:{socket.gethostname()}"


@contextmanager
def audit_source(source: str):
    token = _source.set(source)
    try:
        yield
    finally:
        _source.reset(token)
