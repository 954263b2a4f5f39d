"""Gap-free sequences (request numbers per provider and year, permit numbers per year).

Each sequence is one stream of ``NumberAllocated`` events appended with optimistic
concurrency: the stream version *is* the last number, so two writers can never take the same
one. Allocation is idempotent per key (the request id): a retried command gets the number it
got the first time instead of burning a new one.
"""

from __future__ import annotations

import re

from elicense_svc.domain import events as ev
from shared.eventlog.port import ConcurrencyConflict, EventStore, NewEvent

_SCOPE = re.compile(r"^[A-Za-z0-9_.-]+$")
_ATTEMPTS = 20


class Counters:
    def __init__(self, store: EventStore) -> None:
        self._store = store
        # Per scope: key -> number, and the stream version already read (a cache of the log).
        self._known: dict[str, dict[str, int]] = {}
        self._read: dict[str, int] = {}

    async def _catch_up(self, scope: str) -> dict[str, int]:
        known = self._known.setdefault(scope, {})
        after = self._read.get(scope, 0)
        for event in await self._store.read_stream(
            ev.COUNTER_STREAM_PREFIX + scope, from_version=after + 1
        ):
            known[str(event.data["key"])] = int(event.data["number"])
            self._read[scope] = event.version
        return known

    async def allocate(self, scope: str, key: str) -> int:
        if not _SCOPE.fullmatch(scope):
            raise ValueError(f"counter scope {scope!r} has characters outside [A-Za-z0-9_.-]")
        for _ in range(_ATTEMPTS):
            known = await self._catch_up(scope)
            if key in known:
                return known[key]
            number = self._read.get(scope, 0) + 1
            try:
                await self._store.append(
                    ev.COUNTER_STREAM_PREFIX + scope,
                    [NewEvent(ev.NUMBER_ALLOCATED, {"scope": scope, "key": key, "number": number})],
                    expected_version=number - 1,
                )
            except ConcurrencyConflict:
                continue  # another writer took this number: read it and try the next one
            self._known[scope][key] = number
            # max: a concurrent allocation in this process may have read further already.
            self._read[scope] = max(self._read.get(scope, 0), number)
            return number
        raise RuntimeError(f"counter {scope}: no number after {_ATTEMPTS} contended attempts")

    async def lookup(self, scope: str, key: str) -> int | None:
        return (await self._catch_up(scope)).get(key)
