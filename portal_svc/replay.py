"""The portal's read models rebuilt from its log, for ``egov replay portal``: the cabinet (each
request's row and status history, results, survey indicators, the desks' e-mails, sessions) by
the same ``apply`` the running service folds, so the digest equals the live cabinet's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from portal_svc.projections import CabinetState, apply
from shared.eventlog.port import EventStore


async def rebuild(store: EventStore, *, now: datetime) -> dict[str, Any]:
    """Fold the whole log into a fresh cabinet; ``now`` is unused (the cabinet has no clock)."""
    state = CabinetState()
    count = 0
    while batch := await store.read_all(after=state.position, limit=1000):
        for event in batch:
            apply(state, event)
        count += len(batch)
    return {
        "events": count,
        "sha256": state.digest(),
        "requests": len(state.requests),
        "results": len(state.results),
        "sessions": len(state.sessions),
        "surveys": sum(1 for row in state.requests.values() if row["surveyed"]),
        "emails": len(state.emails),
    }
