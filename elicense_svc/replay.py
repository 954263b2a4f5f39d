"""E-licensing's read models rebuilt from its log, for ``egov replay elicense``: the permit
registry and the index of requests per provider, by the projections the service runs; the
digest is the permit registry's (``Projections.registry_digest``)."""

from __future__ import annotations

import functools
from collections import Counter
from datetime import datetime
from typing import Any

from elicense_svc.engines import Engines
from elicense_svc.projections import default_engines
from elicense_svc.projections import rebuild as rebuild_projections
from shared.eventlog.port import EventStore


@functools.cache
def _engines() -> Engines:
    return default_engines()


def warm_up() -> None:
    """The regulations, loaded before ``egov replay`` starts its clock (parsing them takes
    longer than folding a few thousand events)."""
    _engines()


async def rebuild(store: EventStore, *, now: datetime) -> dict[str, Any]:
    """The read models from position 0; ``now`` is unused (permit states are in the log)."""
    projections = await rebuild_projections(store, _engines())
    return {
        "events": projections.events,
        "sha256": projections.registry_digest(),
        "requests": len(projections.requests),
        "permits": len(projections.permits),
        "permits_by_state": dict(
            sorted(Counter(p.state.value for p in projections.permits.values()).items())
        ),
    }
