"""Reading a whole log to its end, for callers that must not stop early.

``EventStore.read_all`` may answer ``[]`` while committed events lie ahead: on PostgreSQL, when a
hole right after ``after`` (a position drawn by a transaction that rolled back or still runs)
cannot be settled within its wait, because some older transaction anywhere on the cluster is
still open (docs/eventlog.md). A catch-up subscriber just asks again later; a start-up scan or an
export that took ``[]`` for the end would miss events. :func:`committed_pages` asks again while
the head lies ahead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from shared.eventlog.port import EventStore, RecordedEvent

PAGE = 1000


async def committed_pages(
    store: EventStore, *, after: int = 0, upto: int | None = None, page: int = PAGE
) -> AsyncIterator[list[RecordedEvent]]:
    """The log after ``after`` in position order, a page at a time, to the head committed when
    each page is asked for (with ``upto``: no event past it)."""
    while True:
        batch = await store.read_all(after=after, limit=page)
        if not batch and await store.head_position() > after:
            continue  # a hole's writer still runs: committed events lie ahead, ask again
        if upto is not None:
            batch = [event for event in batch if event.position <= upto]
        if not batch:
            return
        yield batch
        after = batch[-1].position
        if upto is not None and after >= upto:
            return
