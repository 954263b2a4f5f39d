"""Fixtures for the unit-level reliability tests: the SQLite event store and the in-memory bus
(the real adapters of the embedded mode)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.eventlog.sqlite import SqliteEventStore


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteEventStore]:
    store = SqliteEventStore(tmp_path / "producer.db")
    await store.open()
    yield store
    await store.close()


@pytest.fixture
async def consumer_store(tmp_path: Path) -> AsyncIterator[SqliteEventStore]:
    store = SqliteEventStore(tmp_path / "consumer.db")
    await store.open()
    yield store
    await store.close()
