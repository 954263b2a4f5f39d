"""The provider workstations' read models rebuilt from the log, for ``egov replay provider``:
the role inboxes, the heads' overdue view and the SLA report (which depends on ``now``: a step
still open is late or not as of then)."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from provider_svc.projections import ProviderProjection
from regulations import definitions_dir
from shared.calendar import KzCalendar
from shared.eventlog.port import EventStore
from shared.regulation.catalog import Catalog
from shared.regulation.engine import StepEngine
from shared.regulation.model import Route


@functools.cache
def engines() -> list[StepEngine]:
    """The step engines of the regional-gateway services, as ``ProviderService`` builds them
    (loaded once: parsing the regulations takes longer than folding a few thousand events)."""
    calendar = KzCalendar()
    return [
        StepEngine(d, calendar)
        for d in Catalog.from_directory(definitions_dir()).definitions
        if d.route is Route.REGIONAL_GATEWAY
    ]


def digest(
    projection: ProviderProjection, engines: Sequence[StepEngine], now: datetime
) -> dict[str, Any]:
    """The read models as printable data, and their SHA-256 for comparing two builds."""
    views = {rid: v.as_dict() for rid, v in sorted(projection.requests.items())}
    overdue = {
        ws: [v.request_id for v in projection.overdue(ws)]
        for ws in sorted({v.workstation for v in projection.requests.values()})
    }
    sla = projection.sla(engines, now).render()
    body = {"inboxes": projection.summary(), "overdue": overdue, "sla": sla, "requests": views}
    sha = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    return {"inboxes": body["inboxes"], "overdue": overdue, "sla": sla, "sha256": sha}


def warm_up() -> None:
    """What the rebuild needs besides the log, loaded before ``egov replay`` starts its clock."""
    engines()


async def rebuild(store: EventStore, *, now: datetime) -> dict[str, Any]:
    """Replay the whole log into fresh read models; the SLA report as of ``now``."""
    projection = ProviderProjection()
    await projection.catch_up(store)
    return {"events": projection.events_seen} | digest(projection, engines(), now)
