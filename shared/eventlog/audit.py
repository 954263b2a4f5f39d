"""Tamper-evidence check of a service's event log (``egov audit verify`` calls this)."""

from __future__ import annotations

from shared.clock import Clock
from shared.eventlog.factory import open_event_store
from shared.eventlog.port import ChainReport


async def verify_event_log(url: str, *, clock: Clock | None = None) -> ChainReport:
    """Open the store at ``url``, walk its hash chains and return the report."""
    store = await open_event_store(url, clock=clock)
    try:
        return await store.verify_chain()
    finally:
        await store.close()
