"""E-licensing's read models rebuilt from its log, for ``egov replay elicense``: the permit
registry and the index of requests per provider, by the projections the service runs; the
digest is the permit registry's (``Projections.registry_digest``)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from elicense_svc.projections import default_engines
from elicense_svc.projections import rebuild as rebuild_projections
from shared.eventlog.port import EventStore


async def rebuild(store: EventStore, *, now: datetime) -> dict[str, Any]:
    """The read models from position 0; ``now`` is unused (permit states are in the log)."""
    projections = await rebuild_projections(store, default_engines())
    return {
        "events": projections.events,
        "sha256": projections.registry_digest(),
        "requests": len(projections.requests),
        "permits": len(projections.permits),
        "permits_by_state": dict(
            sorted(Counter(p.state.value for p in projections.permits.values()).items())
        ),
    }
