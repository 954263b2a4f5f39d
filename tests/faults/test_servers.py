"""The private servers the fault tests restart: data committed before a restart (a crash, for
PostgreSQL's ``immediate`` stop and RabbitMQ's SIGKILL) is there after it, the broker comes back
with dead-lettering working, and closing leaves no process, port or directory behind."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from shared.bus.port import Binding, BusError, Delivery, Message, QueueSpec
from shared.bus.rabbitmq import RabbitMqBus
from tests.bus.test_rabbitmq import dead_lettering_works
from tests.faults.servers import PrivatePostgres, PrivateRabbitMQ, port_open

pytestmark = [pytest.mark.infra, pytest.mark.slow]


async def test_private_postgres_keeps_committed_rows_across_a_crash_restart(
    private_postgres: PrivatePostgres,
) -> None:
    conn = await asyncpg.connect(private_postgres.dsn)
    await conn.execute("CREATE TABLE kept (n int PRIMARY KEY)")
    await conn.execute("INSERT INTO kept SELECT generate_series(1, 100)")

    await asyncio.to_thread(private_postgres.restart, "immediate")

    # The old connection died with the server; a new one sees every committed row.
    with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError, OSError)):
        await conn.fetchval("SELECT 1")
    conn = await asyncpg.connect(private_postgres.dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM kept") == 100
    finally:
        await conn.close()

    await asyncio.to_thread(private_postgres.close)
    assert not port_open(private_postgres.port)
    assert not private_postgres.root.exists()
    print(f"\nprivate PostgreSQL: {private_postgres.timings.summary()}")


async def reconnected(bus: RabbitMqBus) -> None:
    """Wait until the robust connection is back (a bound against hanging, not a speed check)."""
    async with asyncio.timeout(60):
        while True:
            try:
                await bus.ping()
            except BusError:
                await asyncio.sleep(0.1)
            else:
                return


async def test_private_rabbitmq_keeps_confirmed_messages_across_stop_and_crash(
    private_rabbitmq: PrivateRabbitMQ,
) -> None:
    spec = QueueSpec("kept", bindings=(Binding("faults", "#"),), max_attempts=2)
    bus = RabbitMqBus(private_rabbitmq.url, namespace="t.", reconnect_interval_s=0.2)
    await bus.connect()
    try:
        await bus.declare_exchange("faults")
        await bus.declare_queue(spec)
        await bus.publish(Message("faults", "one", b"1", "m1"))
        await asyncio.to_thread(private_rabbitmq.restart)  # rabbitmqctl stop, start
        await reconnected(bus)
        await bus.publish(Message("faults", "two", b"2", "m2"))
        await asyncio.to_thread(private_rabbitmq.restart, crash=True)  # SIGKILL, start
        await reconnected(bus)

        received: list[str] = []
        both = asyncio.Event()

        async def handler(delivery: Delivery) -> None:
            received.append(delivery.message.message_id)
            if len(received) == 2:
                both.set()

        await bus.consume("kept", handler)
        async with asyncio.timeout(60):  # the robust connection reconnects by itself
            await both.wait()
        assert sorted(received) == ["m1", "m2"]
        # A full node restart, unlike stop_app/start_app (docs/bus.md), keeps quorum
        # dead-lettering, which every retry queue of ours relies on.
        assert await dead_lettering_works(private_rabbitmq.url)
    finally:
        await bus.close()

    await asyncio.to_thread(private_rabbitmq.close)
    assert not port_open(private_rabbitmq.port)
    assert not port_open(private_rabbitmq.epmd_port)
    assert not private_rabbitmq.root.exists()
    print(f"\nprivate RabbitMQ: {private_rabbitmq.timings.summary()}")
