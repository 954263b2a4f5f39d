"""One fixture, two databases: every contract test runs against SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg
import pytest

from shared.clock import SimulatedClock
from shared.eventlog.port import EventStore
from shared.eventlog.postgres import PostgresEventStore
from shared.eventlog.sqlite import SqliteEventStore

START = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)


@dataclass(frozen=True)
class Backend:
    """How to build a store on the test's database and reach that database behind its back."""

    kind: str
    sqlite_path: Path | None = None
    pg_dsn: str | None = None
    pg_schema: str | None = None

    def make(self, clock: SimulatedClock | None = None) -> EventStore:
        if self.kind == "sqlite":
            assert self.sqlite_path is not None
            return SqliteEventStore(self.sqlite_path, clock=clock, poll_interval=0.01)
        assert self.pg_dsn is not None
        assert self.pg_schema is not None
        return PostgresEventStore(
            self.pg_dsn, schema=self.pg_schema, clock=clock, max_pool=4, poll_interval=0.01
        )

    async def execute(self, sql: str) -> None:
        """Raw SQL, e.g. to tamper with a row the way an intruder with DB access would."""
        if self.kind == "sqlite":
            async with aiosqlite.connect(self.sqlite_path) as conn:
                await conn.execute(sql)
                await conn.commit()
            return
        conn = await asyncpg.connect(self.pg_dsn, server_settings={"search_path": self.pg_schema})
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def fetchval(self, sql: str) -> Any:
        if self.kind == "sqlite":
            async with aiosqlite.connect(self.sqlite_path) as conn, conn.execute(sql) as cursor:
                row = await cursor.fetchone()
                return None if row is None else row[0]
        conn = await asyncpg.connect(self.pg_dsn, server_settings={"search_path": self.pg_schema})
        try:
            return await conn.fetchval(sql)
        finally:
            await conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.infra)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "postgres":
        return Backend(
            "postgres",
            pg_dsn=request.getfixturevalue("pg_dsn"),
            pg_schema=request.getfixturevalue("pg_schema"),
        )
    return Backend("sqlite", sqlite_path=tmp_path / "events.db")


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(START)


@pytest.fixture
async def store(backend: Backend, clock: SimulatedClock) -> AsyncIterator[EventStore]:
    opened = backend.make(clock)
    await opened.open()
    try:
        yield opened
    finally:
        await opened.close()
