"""The per-stream hash chain.

Each event's hash is SHA-256 over the RFC 8785 (JSON Canonicalization Scheme) form of its
identity and content plus the previous event's hash in the same stream, so that the bytes hashed
do not depend on key order, whitespace or the database's JSON representation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import rfc8785

from shared.eventlog.port import EventLogError


class NotCanonicalJson(EventLogError, ValueError):
    """Event data or metadata that RFC 8785 cannot represent (e.g. NaN, non-string keys)."""


def canonical_json(value: Any, what: str) -> bytes:
    """RFC 8785 bytes of ``value``; ``what`` names the field in the error."""
    try:
        return bytes(rfc8785.dumps(value))
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise NotCanonicalJson(f"{what} is not representable as canonical JSON: {exc}") from exc


def format_recorded_at(value: datetime) -> str:
    """The one text form of an event's time, used in the hash and by SQLite's storage.

    Microsecond precision is what PostgreSQL's timestamptz keeps, so the value read back hashes
    the same as the value written.
    """
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(
    *,
    stream_id: str,
    version: int,
    event_id: UUID,
    type: str,
    data: Mapping[str, Any],
    metadata: Mapping[str, Any],
    recorded_at: datetime,
    prev_hash: str,
) -> str:
    document = {
        "stream_id": stream_id,
        "version": version,
        "event_id": str(event_id),
        "type": type,
        "data": dict(data),
        "metadata": dict(metadata),
        "recorded_at": format_recorded_at(recorded_at),
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical_json(document, "event")).hexdigest()
