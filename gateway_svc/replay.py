"""The gateway's read model rebuilt from its log, for ``egov replay gateway``: the message log's
index (every record in log order, by message and by correlation id, and the latest delivery
state of each message to each recipient, parked envelopes included), folded by the same
``_Index.add`` the running ``MessageLog`` catches up with.

And :func:`after_import`, which ``egov eventlog import gateway`` runs: an export carries events
only, so an imported log would have forgotten which message ids the gateway has seen, and a
message replayed after the import would be admitted again."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime
from typing import Any

from gateway_svc.messagelog import REPLAY_CONSUMER, DeliveryState, Record, _Index
from shared.canonical import canonical_json
from shared.eventlog.port import AlreadyProcessed, EventStore, InboxClaim, RecordedEvent


async def rebuild(store: EventStore, *, now: datetime) -> dict[str, Any]:
    """The index from position 0; ``now`` is unused (delivery states are in the log)."""
    index = _Index()
    count = 0
    while batch := await store.read_all(after=index.position, limit=1000):
        for event in batch:
            index.add(event)
        count += len(batch)
    deliveries = [
        {
            "message_id": d.message_id,
            "recipient": d.recipient,
            "state": d.state.value,
            "reason": d.reason,
            "position": d.position,
            "envelope_raw": d.envelope_raw,
            "correlation_id": d.correlation_id,
        }
        for _, d in sorted(index.deliveries.items())
    ]
    body = {"entries": [entry.as_json() for entry in index.entries], "deliveries": deliveries}
    states = Counter(d.state.value for d in index.deliveries.values())
    return {
        "events": count,
        "sha256": hashlib.sha256(canonical_json(body)).hexdigest(),
        "records": len(index.entries),
        "records_by_type": dict(sorted(Counter(e.record for e in index.entries).items())),
        "messages": len(index.by_message),
        "deliveries_by_state": dict(sorted(states.items())),
        "parked": states.get(DeliveryState.NOT_DELIVERED.value, 0),
    }


def claim_of(event: RecordedEvent) -> str | None:
    """The replay-protection claim the gateway made in the transaction that wrote ``event``:
    the message id of an accepted message (gateway.py) and of a logged sync request (sync.py),
    ``<hop>:<message id>`` of a regional hop (gateway.py); None for the other records."""
    data = event.data
    message_id = data.get("message_id")
    if not isinstance(message_id, str) or not message_id:
        return None
    if event.type in (Record.ACCEPTED, Record.SYNC_REQUEST):
        return message_id
    if event.type == Record.RELAYED:
        return f"{data['hop']}:{message_id}"
    return None


async def after_import(store: EventStore) -> int:
    """Claim again, in the imported log's inbox, every message id its records show the gateway
    claimed, so the rebuilt gateway refuses their replays as the original did; returns how
    many. Idempotent: a claim already present is skipped."""
    claimed = 0
    after = 0
    while batch := await store.read_all(after=after, limit=1000):
        for event in batch:
            claim = claim_of(event)
            if claim is None or await store.is_processed(REPLAY_CONSUMER, claim):
                continue
            try:
                await store.append(event.stream_id, [], inbox=InboxClaim(REPLAY_CONSUMER, claim))
            except AlreadyProcessed:
                continue  # a record of another hop named it first
            claimed += 1
        after = batch[-1].position
    return claimed
