"""Fixtures shared by every test package. Each test gets its own PostgreSQL schema and its own
RabbitMQ names, so tests never see each other's data."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

from tests import infra


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that restart the shared broker run last: whatever state a restart leaves the
    broker in, no other test of the run depends on it."""
    items.sort(key=lambda item: item.get_closest_marker("broker_restart") is not None)


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    with infra.postgres_dsn() as dsn:
        yield dsn


@pytest.fixture(scope="session")
def amqp_url() -> Iterator[str]:
    with infra.amqp_url() as url:
        yield url


@pytest.fixture
def unique_name() -> str:
    """A short name no other test uses (prefix for exchanges, queues, schemas)."""
    return "t" + uuid.uuid4().hex[:12]


@pytest.fixture
async def pg_schema(pg_dsn: str, unique_name: str) -> AsyncIterator[str]:
    """A fresh, empty schema for this test; dropped afterwards."""
    conn = await asyncpg.connect(pg_dsn)
    try:
        await conn.execute(f'CREATE SCHEMA "{unique_name}"')
    finally:
        await conn.close()
    yield unique_name
    conn = await asyncpg.connect(pg_dsn)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{unique_name}" CASCADE')
    finally:
        await conn.close()
