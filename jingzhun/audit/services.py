"""Appending to the audit trail, and checking it.

Each entry's hash covers its own fields and the previous entry's hash. Appends are serialised
(an advisory lock on PostgreSQL; SQLite's IMMEDIATE transactions already serialise writers), so
the chain has no forks.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from .context import current_source
from .models import AuditEntry

GENESIS = "0" * 64
_LOCK_KEY = 0x4A5A_A0D1  # any constant: "the audit chain" for pg_advisory_xact_lock


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def _canonical_time(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def entry_hash(entry: AuditEntry) -> str:
    payload = {
        "seq": entry.seq,
        "at": _canonical_time(entry.at),
        "actor_id": entry.actor_id,
        "actor": entry.actor,
        "source": entry.source,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "household_no": entry.household_no,
        "region_code": entry.region_code,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def diff(before: dict | None, after: dict | None) -> tuple[dict | None, dict | None]:
    """Only what changed, so the history reads as old → new for each field."""
    if before is None or after is None:
        return before, after
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record(
    *,
    by,
    action: str,
    object_type: str,
    object_id: object = "",
    household_no: str = "",
    region_code: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Append one entry. Must run inside the transaction of the write it describes."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        last = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
        entry = AuditEntry(
            seq=seq,
            at=timezone.now(),
            actor_id=getattr(by, "pk", None),
            actor=getattr(by, "username", "") or "system",
            source=current_source()[:100],
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            household_no=household_no or "",
            region_code=region_code or "",
            before=_jsonable(before),
            after=_jsonable(after),
            prev_hash=prev_hash,
        )
        entry.hash = entry_hash(entry)
        entry.save(force_insert=True)
        return entry


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    broken_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify(*, chunk_size: int = 5000) -> VerifyResult:
    """Walk the chain in order; the first entry whose hash or link does not hold is named."""
    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    entries: Iterator[AuditEntry] = AuditEntry.objects.order_by("seq").iterator(chunk_size)
    for entry in entries:
        if entry.seq != expected_seq:
            return VerifyResult(
                checked, expected_seq, f"entry #{expected_seq} is missing (found #{entry.seq})"
            )
        if entry.prev_hash != prev_hash:
            return VerifyResult(
                checked, entry.seq, f"entry #{entry.seq} does not link to the entry before it"
            )
        if entry_hash(entry) != entry.hash:
            return VerifyResult(checked, entry.seq, f"entry #{entry.seq} was altered")
        prev_hash = entry.hash
        expected_seq += 1
        checked += 1
    return VerifyResult(checked)
