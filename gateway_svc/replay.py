"""The gateway's read model rebuilt from its log, for ``egov replay gateway``: the message log's
index (every record in log order, by message and by correlation id, and the latest delivery
state of each message to each recipient, parked envelopes included), folded by the same
``_Index.add`` the running ``MessageLog`` catches up with."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime
from typing import Any

from gateway_svc.messagelog import DeliveryState, _Index
from shared.canonical import canonical_json
from shared.eventlog.port import EventStore


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
