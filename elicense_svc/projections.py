"""Read models rebuilt from the log: the permit registry and the index of requests per
provider. ``egov replay elicense`` builds them from position 0 and prints what it found."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from elicense_svc.domain import events as ev
from elicense_svc.domain import permit as permits
from elicense_svc.domain import request as req
from elicense_svc.engines import Engines
from shared.canonical import canonical_json
from shared.eventlog.port import EventStore, RecordedEvent


@dataclass
class Projections:
    engines: Engines
    position: int = 0
    events: int = 0
    permits: dict[str, permits.Permit] = field(default_factory=dict)
    requests: dict[str, req.ElicenseRequest] = field(default_factory=dict)
    _permit_events: dict[str, list[RecordedEvent]] = field(default_factory=dict)
    # Request ids per applicant (IIN or BIN), in the order they arrived: the applicant's list.
    _by_applicant: dict[str, list[str]] = field(default_factory=dict)

    def apply(self, event: RecordedEvent) -> None:
        if event.position <= self.position:
            # Already applied: two catch-ups that read the same batch concurrently (two HTTP
            # calls at once) must not apply it twice.
            return
        self.position = event.position
        self.events += 1
        stream = event.stream_id
        if stream.startswith(ev.PERMIT_STREAM_PREFIX):
            number = stream.removeprefix(ev.PERMIT_STREAM_PREFIX)
            history = self._permit_events.setdefault(number, [])
            history.append(event)
            self.permits[number] = permits.fold_permit(history)
        elif stream.startswith(ev.REQUEST_STREAM_PREFIX):
            request_id = stream.removeprefix(ev.REQUEST_STREAM_PREFIX)
            if event.type == ev.REQUEST_RECEIVED:
                state = req.fold([event], stream_version=event.version)
                self.requests[request_id] = state
                self._by_applicant.setdefault(state.applicant.id, []).append(request_id)
            else:
                state = req.apply(self.requests[request_id], [event])
                self.requests[request_id] = state

    async def catch_up(self, store: EventStore) -> int:
        """Apply the events after the last one seen; returns how many."""
        count = 0
        while True:
            batch = await store.read_all(after=self.position, limit=1000)
            if not batch:
                return count
            for event in batch:
                self.apply(event)
            count += len(batch)

    def requests_of(self, provider: str) -> list[dict[str, Any]]:
        return [self._row(state) for state in self._of(provider)]

    def page_of(
        self, provider: str, *, offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of the provider's requests, the newest first, and how many there are: the
        steps are worked out for the page's rows only, so a page costs O(its rows)."""
        states = self._of(provider)
        states.reverse()
        return [self._row(state) for state in states[offset : offset + limit]], len(states)

    def page_of_applicant(
        self, applicant: str, *, offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of the requests whose applicant is ``applicant`` (an IIN, or a BIN), the
        latest first, and how many there are."""
        ids = self._by_applicant.get(applicant, [])
        chosen = list(reversed(ids))[offset : offset + limit]
        return [self._row(self.requests[i]) for i in chosen], len(ids)

    def _of(self, provider: str) -> list[req.ElicenseRequest]:
        found = [s for s in self.requests.values() if s.provider == provider]
        return sorted(found, key=lambda s: str(s.number))

    def _row(self, state: req.ElicenseRequest) -> dict[str, Any]:
        engine = self.engines.get(state.service, state.version)
        steps = state.steps(engine)
        current = steps.current
        step_deadline = current.deadline if current is not None else None
        return {
            "request_id": state.request_id,
            "number": state.number,
            "service": state.service,
            "version": state.version,
            "channel": state.channel.value,
            "status": req.status_of(engine, state),
            "step": current.step if current else None,
            "role": current.role if current else None,
            "step_deadline": step_deadline.isoformat() if step_deadline else None,
            "deadline": steps.deadline.isoformat(),
            "finished": steps.finished,
            "permit_number": state.permit_number,
        }

    def registry_digest(self) -> str:
        """SHA-256 of the permit registry's canonical form: equal digests, equal registries."""
        rows = [
            {
                "number": p.number,
                "state": p.state.value,
                "edition": p.document["edition"],
                "signature": p.signature,
                "request_id": p.request_id,
            }
            for p in sorted(self.permits.values(), key=lambda p: p.number)
        ]
        return hashlib.sha256(canonical_json({"permits": rows})).hexdigest()


async def rebuild(store: EventStore, engines: Engines) -> Projections:
    """The read models from position 0 (``egov replay elicense``)."""
    projections = Projections(engines)
    await projections.catch_up(store)
    return projections


def default_engines() -> Engines:
    from regulations import definitions_dir
    from shared.calendar import KzCalendar
    from shared.regulation.catalog import Catalog

    return Engines(Catalog.from_directory(definitions_dir()), KzCalendar())
