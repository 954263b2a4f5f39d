"""The per-stream hash chain.

Each event's hash is SHA-256 over the RFC 8785 (JSON Canonicalization Scheme) form of its
identity and content plus the previous event's hash in the same stream, so that the bytes hashed
do not depend on key order, whitespace or the database's JSON representation.
"""

from __future__ import annotations

import hashlib
import json
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
    return event_hash_of_canonical(
        stream_id=stream_id,
        version=version,
        event_id=event_id,
        type=type,
        data=canonical_json(dict(data), "data"),
        metadata=canonical_json(dict(metadata), "metadata"),
        recorded_at=recorded_at,
        prev_hash=prev_hash,
    )


def event_hash_of_canonical(
    *,
    stream_id: str,
    version: int,
    event_id: UUID,
    type: str,
    data: bytes,
    metadata: bytes,
    recorded_at: datetime,
    prev_hash: str,
) -> str:
    """:func:`event_hash` with ``data`` and ``metadata`` already in RFC 8785 form, so an append
    that checked them (``writing.check_append_arguments``) does not canonicalise them twice.

    The document is assembled member by member: RFC 8785 serialises an object as its members
    sorted by key, each ``key:value`` with the value in its own canonical form, so splicing the
    canonical parts under the fixed, already sorted ASCII keys gives the bytes canonicalising
    the whole document would (tests/eventlog/test_hashing.py checks it on generated events).
    """
    document = b"".join(
        (
            b'{"data":', data,
            b',"event_id":', _canonical_scalar(str(event_id)),
            b',"metadata":', metadata,
            b',"prev_hash":', _canonical_scalar(prev_hash),
            b',"recorded_at":', _canonical_scalar(format_recorded_at(recorded_at)),
            b',"stream_id":', _canonical_scalar(stream_id),
            b',"type":', _canonical_scalar(type),
            b',"version":', _canonical_scalar(version),
            b"}",
        )
    )  # fmt: skip
    return hashlib.sha256(document).hexdigest()


def _canonical_scalar(value: str | int) -> bytes:
    # For a string or an integer, RFC 8785 and ``json.dumps`` without ASCII escaping write the
    # same bytes (escapes of '"', '\\' and control characters only, lowercase \u00xx; digits)
    # at a fraction of the cost; the test above checks it on generated strings.
    return json.dumps(value, ensure_ascii=False).encode()
