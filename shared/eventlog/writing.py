"""Database-independent parts of ``append``: argument checks, hashing the new events, and the
idempotent-replay decision. Both adapters call these inside their write transaction."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from shared.eventlog.hashing import canonical_json, event_hash_of_canonical
from shared.eventlog.port import (
    AppendResult,
    EventIdReused,
    InboxClaim,
    NewEvent,
    OutboxMessage,
    RecordedEvent,
)


@dataclass(frozen=True)
class PreparedEvent:
    """A new event with its version, JSON text and hash, ready to insert."""

    stream_id: str
    version: int
    event_id: UUID
    type: str
    data_json: str
    metadata_json: str
    recorded_at: datetime
    prev_hash: str
    hash: str


#: Each new event's data and metadata in RFC 8785 form, in the order of the events.
Canonical = list[tuple[bytes, bytes]]


def check_append_arguments(
    stream_id: str,
    events: Sequence[NewEvent],
    expected_version: int | None,
    outbox: Sequence[OutboxMessage] = (),
    inbox: InboxClaim | None = None,
) -> Canonical:
    """Raise on bad arguments before any I/O; return the events' canonical data and metadata
    (computed to check them; :func:`prepare` hashes them instead of computing them again)."""
    if not isinstance(stream_id, str) or not stream_id:
        raise ValueError(f"stream_id must be a non-empty string, got {stream_id!r}")
    for message in outbox:
        if not message.message_id or not message.exchange:
            raise ValueError(f"outbox message needs a message_id and an exchange: {message!r}")
        if not isinstance(message.body, bytes | bytearray):
            raise TypeError(
                f"outbox message {message.message_id} body must be bytes, "
                f"got {type(message.body).__name__}"
            )
    if inbox is not None and (not inbox.consumer or not inbox.message_id):
        raise ValueError(f"inbox claim needs a consumer and a message_id: {inbox!r}")
    if expected_version is not None and expected_version < 0:
        raise ValueError(f"expected_version must be None or >= 0, got {expected_version}")
    seen: set[UUID] = set()
    canonical: Canonical = []
    for event in events:
        if not event.type:
            raise ValueError(f"event {event.event_id} has an empty type")
        if event.event_id in seen:
            raise ValueError(f"event id {event.event_id} appears twice in one append")
        seen.add(event.event_id)
        # Fail before touching the database if the content cannot be hashed.
        canonical.append(
            (
                canonical_json(dict(event.data), f"data of event {event.event_id}"),
                canonical_json(dict(event.metadata), f"metadata of event {event.event_id}"),
            )
        )
    return canonical


def to_json(value: Mapping[str, Any]) -> str:
    """JSON text stored in the database; the hash never depends on it (RFC 8785 is recomputed)."""
    return json.dumps(dict(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def prepare(
    stream_id: str,
    events: Sequence[NewEvent],
    *,
    current_version: int,
    last_hash: str,
    recorded_at: datetime,
    canonical: Canonical | None = None,
) -> list[PreparedEvent]:
    """The events with versions, JSON text and chained hashes. ``canonical``: what
    :func:`check_append_arguments` returned for these events (computed here when None)."""
    if canonical is None:
        canonical = check_append_arguments(stream_id, events, None)
    if len(canonical) != len(events):
        raise ValueError(f"{len(canonical)} canonical forms for {len(events)} events")
    prepared: list[PreparedEvent] = []
    prev_hash = last_hash
    for offset, (event, (data, metadata)) in enumerate(zip(events, canonical, strict=True), 1):
        version = current_version + offset
        digest = event_hash_of_canonical(
            stream_id=stream_id,
            version=version,
            event_id=event.event_id,
            type=event.type,
            data=data,
            metadata=metadata,
            recorded_at=recorded_at,
            prev_hash=prev_hash,
        )
        prepared.append(
            PreparedEvent(
                stream_id=stream_id,
                version=version,
                event_id=event.event_id,
                type=event.type,
                data_json=to_json(event.data),
                metadata_json=to_json(event.metadata),
                recorded_at=recorded_at,
                prev_hash=prev_hash,
                hash=digest,
            )
        )
        prev_hash = digest
    return prepared


def replay_result(
    stream_id: str, events: Sequence[NewEvent], stored: Sequence[RecordedEvent]
) -> AppendResult:
    """The original result when ``events`` were all stored before, as one run of this stream;
    else :class:`EventIdReused` saying what differs.

    ``stored`` holds the already-stored events whose id is among ``events``' ids.
    """
    by_id = {event.event_id: event for event in stored}
    missing = [event.event_id for event in events if event.event_id not in by_id]
    if missing:
        raise EventIdReused(
            f"stream {stream_id!r}: {len(by_id)} of {len(events)} event ids are already stored "
            f"but {missing[0]} is not; a replay must repeat exactly the original batch"
        )
    ordered = [by_id[event.event_id] for event in events]
    for new, old in zip(events, ordered, strict=True):
        if old.stream_id != stream_id:
            raise EventIdReused(
                f"event id {new.event_id} is stored in stream {old.stream_id!r}, not {stream_id!r}"
            )
        if (
            old.type != new.type
            or canonical_json(old.data, "stored data") != canonical_json(dict(new.data), "data")
            or canonical_json(old.metadata, "stored metadata")
            != canonical_json(dict(new.metadata), "metadata")
        ):
            raise EventIdReused(
                f"event id {new.event_id} is stored with another type, data or metadata"
            )
    versions = [event.version for event in ordered]
    if versions != list(range(versions[0], versions[0] + len(versions))):
        raise EventIdReused(
            f"stream {stream_id!r}: the event ids were stored at versions {versions}, "
            "not as one consecutive batch in this order"
        )
    return AppendResult(
        stream_id=stream_id,
        first_position=ordered[0].position,
        last_position=ordered[-1].position,
        version=ordered[-1].version,
    )
