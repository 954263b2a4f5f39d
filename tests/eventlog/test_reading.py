"""committed_pages reads to the head even when read_all answers [] at an unsettled hole (what
PostgreSQL's read_all does while an older transaction on the cluster still runs)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, cast

from shared.eventlog.port import EventStore, RecordedEvent
from shared.eventlog.reading import committed_pages


def _event(position: int) -> RecordedEvent:
    return RecordedEvent(
        position=position,
        stream_id=f"s-{position % 3}",
        version=1,
        event_id=uuid.uuid4(),
        type="Happened",
        data={},
        metadata={},
        recorded_at=datetime(2019, 11, 4, tzinfo=UTC),
        prev_hash="",
        hash="",
    )


class _HoleyStore:
    """Positions 1..10 committed; after position 4 a hole answers [] ``stalls`` times."""

    def __init__(self, stalls: int) -> None:
        self.events = [_event(p) for p in range(1, 11)]
        self.stalls = stalls
        self.asked = 0

    async def read_all(self, *, after: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        self.asked += 1
        if after == 4 and self.stalls:
            self.stalls -= 1
            return []
        return [e for e in self.events if e.position > after][:limit]

    async def head_position(self) -> int:
        return self.events[-1].position


async def _positions(store: Any, **kwargs: Any) -> list[int]:
    return [
        event.position
        async for page in committed_pages(cast(EventStore, store), **kwargs)
        for event in page
    ]


async def test_an_empty_answer_with_events_ahead_is_asked_again() -> None:
    store = _HoleyStore(stalls=3)
    assert await _positions(store, page=2) == list(range(1, 11))
    assert store.stalls == 0


async def test_the_end_of_the_log_ends_the_pages() -> None:
    assert await _positions(_HoleyStore(stalls=0), after=7) == [8, 9, 10]


async def test_upto_stops_at_the_given_position() -> None:
    assert await _positions(_HoleyStore(stalls=1), page=3, upto=5) == [1, 2, 3, 4, 5]
