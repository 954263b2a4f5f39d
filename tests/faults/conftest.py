"""Fixtures of the fault tests: private PostgreSQL and RabbitMQ servers (see
:mod:`tests.faults.servers`), stopped and removed after the test whatever its outcome."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.faults.servers import PrivatePostgres, PrivateRabbitMQ, ServerError
from tests.infra import missing


@pytest.fixture
async def private_postgres() -> AsyncIterator[PrivatePostgres]:
    try:
        server = PrivatePostgres()
    except ServerError as exc:
        missing(f"a private PostgreSQL cluster ({exc})")
        raise
    try:
        await asyncio.to_thread(server.init)
        await asyncio.to_thread(server.start)
        yield server
    finally:
        await asyncio.to_thread(server.close)


@pytest.fixture
async def private_rabbitmq() -> AsyncIterator[PrivateRabbitMQ]:
    try:
        server = PrivateRabbitMQ()
    except ServerError as exc:
        missing(f"a private RabbitMQ node ({exc})")
        raise
    try:
        await asyncio.to_thread(server.start)
        yield server
    finally:
        await asyncio.to_thread(server.close)
