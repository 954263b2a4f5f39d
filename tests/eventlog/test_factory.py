"""Opening a store from a URL, the embedded in-memory mode, and the audit entry point."""

from __future__ import annotations

from pathlib import Path

import aiosqlite
import asyncpg
import pytest

from shared.eventlog import create_event_store, open_event_store
from shared.eventlog.audit import verify_event_log
from shared.eventlog.factory import UnsupportedEventStoreUrl
from shared.eventlog.port import NewEvent
from shared.eventlog.postgres import PostgresEventStore
from shared.eventlog.sqlite import SqliteEventStore


def test_postgres_url_with_schema() -> None:
    store = create_event_store("postgresql://u@db:5432/egov?schema=elicense&sslmode=disable")
    assert isinstance(store, PostgresEventStore)
    assert store.schema == "elicense"


def test_postgres_url_without_schema_uses_public() -> None:
    store = create_event_store("postgres://u@db/egov")
    assert isinstance(store, PostgresEventStore)
    assert store.schema == "public"


def test_sqlite_urls() -> None:
    assert isinstance(create_event_store("sqlite:///var/events.db"), SqliteEventStore)
    assert isinstance(create_event_store("sqlite:///:memory:"), SqliteEventStore)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u@db/egov", "unsupported event store URL scheme 'mysql'"),
        ("events.db", "unsupported event store URL scheme ''"),
        ("sqlite://events.db", "three slashes"),
        ("sqlite:///", "names no file"),
        ("postgresql://db/egov?schema=a&schema=b", "schema 2 times"),
        ("postgresql://db/egov?schema=no-dashes", "not a plain identifier"),
    ],
)
def test_bad_urls_are_refused_with_the_reason(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        create_event_store(url)


def test_unsupported_url_error_is_a_value_error() -> None:
    assert issubclass(UnsupportedEventStoreUrl, ValueError)


async def test_in_memory_sqlite_works_end_to_end() -> None:
    store = await open_event_store("sqlite:///:memory:")
    try:
        await store.append("a", [NewEvent("A.v1", {"n": 1})], expected_version=0)
        assert [e.data for e in await store.read_all()] == [{"n": 1}]
        assert (await store.verify_chain()).ok
    finally:
        await store.close()


async def test_audit_reports_a_tampered_sqlite_log(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    url = f"sqlite:///{path}"
    store = await open_event_store(url)
    try:
        await store.append("a", [NewEvent("A.v1", {"n": 1}), NewEvent("A.v1", {"n": 2})])
    finally:
        await store.close()
    assert (await verify_event_log(url)).ok

    async with aiosqlite.connect(path) as conn:
        await conn.execute("UPDATE events SET type = 'Forged.v1' WHERE version = 2")
        await conn.commit()
    report = await verify_event_log(url)
    assert not report.ok
    assert report.events_checked == 2
    assert report.reason is not None
    assert "stream 'a' version 2" in report.reason


@pytest.mark.infra
async def test_audit_over_a_postgres_url_with_schema(pg_dsn: str, pg_schema: str) -> None:
    url = f"{pg_dsn}?schema={pg_schema}"
    store = await open_event_store(url)
    try:
        await store.append("a", [NewEvent("A.v1", {"n": 1})])
    finally:
        await store.close()
    report = await verify_event_log(url)
    assert report.ok
    assert report.events_checked == 1
    conn = await asyncpg.connect(pg_dsn)
    try:
        # the store wrote into the schema named in the URL, not into public
        tables = await conn.fetchval(
            "SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = 'events'",
            pg_schema,
        )
        assert tables == 1
    finally:
        await conn.close()


async def test_sqlite_verify_reports_a_row_that_is_no_longer_json(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    store = await open_event_store(f"sqlite:///{path}")
    try:
        await store.append("a", [NewEvent("A.v1", {"n": 1})])
        async with aiosqlite.connect(path) as conn:
            await conn.execute("UPDATE events SET data = '{not json' WHERE version = 1")
            await conn.commit()
        report = await store.verify_chain()
    finally:
        await store.close()
    assert report.first_broken_position == 1
    assert report.reason is not None
    assert report.reason.startswith("content changed: row is not decodable")
