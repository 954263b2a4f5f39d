"""What only the RabbitMQ adapter can show: durable topology, persistent messages, and recovery
when the broker drops the connection or restarts. These drive ``rabbitmqctl`` on this machine.

The restart test stops the broker application for a few seconds, which disturbs anyone else
using it at that moment; set ``EGOV_SKIP_BROKER_RESTART=1`` to skip it on a shared machine.
CI runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import pytest
from aiormq.exceptions import ChannelPreconditionFailed

from shared.bus.port import Binding, BusError, Message, QueueSpec
from shared.bus.rabbitmq import RabbitMqBus
from tests.bus.conftest import Recorder, eventually

pytestmark = pytest.mark.infra


def rabbitmqctl(*args: str) -> str:
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is not on PATH (the broker is not on this machine)")
    done = subprocess.run(
        ["rabbitmqctl", *args], capture_output=True, text=True, timeout=120, check=True
    )
    return done.stdout


def close_connections_named(name: str) -> int:
    """Close (broker side) every connection whose client gave ``name``; returns how many.

    The JSON listing shows client properties but prints pids in a form ``close_connection``
    does not accept, so connections are matched by their peer address across two listings."""
    listing = rabbitmqctl(
        "list_connections", "name", "client_properties", "--formatter", "json", "-q"
    )
    peers = {
        conn["name"]
        for conn in json.loads(listing or "[]")
        if ["connection_name", "longstr", name] in conn["client_properties"]
    }
    closed = 0
    for line in rabbitmqctl("list_connections", "pid", "name", "-q").splitlines():
        pid, _, peer = line.partition("\t")
        if peer in peers:
            rabbitmqctl("close_connection", pid, "test: the broker drops the connection")
            closed += 1
    return closed


@pytest.fixture
async def rabbit(amqp_url: str, unique_name: str) -> AsyncIterator[RabbitMqBus]:
    bus = RabbitMqBus(
        amqp_url,
        namespace=unique_name + ".",
        connection_name=unique_name,
        reconnect_interval_s=0.5,
    )
    await bus.connect()
    await bus.declare_exchange("ev")
    await bus.declare_queue(QueueSpec("q", bindings=[Binding("ev", "#")]))
    yield bus
    await bus.delete_declared()
    await bus.close()


def message(n: int) -> Message:
    return Message(exchange="ev", routing_key="a.b", body=b"{}", message_id=f"m{n}")


def assert_nothing_lost(recorder: Recorder) -> None:
    """Both messages arrived. m1 may arrive twice: when the connection died before its ack
    reached the broker, the broker delivers it again, flagged as redelivered."""
    assert set(recorder.ids) == {"m1", "m2"}
    assert recorder.ids.count("m2") == 1
    assert all(d.redelivered for d in recorder.deliveries[1:] if d.message.message_id == "m1")


async def wait_ping(bus: RabbitMqBus) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while True:
        try:
            await bus.ping()
            return
        except BusError:
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.2)


async def test_queues_are_durable_quorum_and_messages_persistent(
    rabbit: RabbitMqBus, amqp_url: str, unique_name: str
) -> None:
    await rabbit.publish(message(1))
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(f"{unique_name}.q", passive=True)
        incoming = await queue.get(no_ack=True, fail=True)
        assert incoming.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
        assert incoming.message_id == "m1"
        # Redeclaring with another queue type is refused: the queue really is a quorum queue.
        with pytest.raises(ChannelPreconditionFailed):
            await channel.declare_queue(
                f"{unique_name}.q", durable=True, arguments={"x-queue-type": "classic"}
            )
    finally:
        await connection.close()


async def test_recovers_when_the_broker_closes_the_connection(
    rabbit: RabbitMqBus, unique_name: str
) -> None:
    recorder = Recorder()
    await rabbit.consume("q", recorder)
    await rabbit.publish(message(1))
    await eventually(lambda: recorder.ids == ["m1"], "the first message")

    assert close_connections_named(unique_name) == 1
    # Publishing right away waits for the robust connection to come back, then is confirmed.
    await rabbit.publish(message(2))
    await eventually(lambda: "m2" in recorder.ids, "a message after the reconnect")
    await wait_ping(rabbit)
    assert_nothing_lost(recorder)


async def dead_lettering_works(url: str) -> bool:
    """Whether quorum at-least-once dead-lettering (what our retry queues use) works now.

    RabbitMQ 3.10.8 sometimes comes back from ``stop_app``/``start_app`` without its
    dead-letter worker supervisor (``rabbit_fifo_dlx_sup``: noproc); every quorum queue that
    dead-letters then crashes and every later test on the broker fails with INTERNAL_ERROR."""
    name = f"probe.{uuid.uuid4().hex[:12]}"
    try:
        connection = await aio_pika.connect(url, timeout=10)
    except Exception:
        return False
    try:
        channel = await connection.channel()
        arguments: dict[str, Any] = {
            "x-queue-type": "quorum",
            "x-message-ttl": 1,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": f"{name}.dlq",
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        }
        dlq = await channel.declare_queue(
            f"{name}.dlq", durable=True, arguments={"x-queue-type": "quorum"}
        )
        await channel.declare_queue(name, durable=True, arguments=arguments)
        await channel.default_exchange.publish(aio_pika.Message(b"probe"), routing_key=name)
        for _ in range(50):
            if await dlq.get(no_ack=True, fail=False) is not None:
                return True
            await asyncio.sleep(0.1)
        return False
    except Exception:
        return False
    finally:
        with contextlib.suppress(Exception):
            cleanup = await connection.channel()
            await cleanup.queue_delete(name)
            await cleanup.queue_delete(f"{name}.dlq")
        await connection.close()


async def restart_broker_app(url: str) -> None:
    """``start_app`` and wait; restart again while dead-lettering is broken (see above), so the
    broker is left healthy for whatever runs next on it (CI runs on a long-lived machine)."""
    for _ in range(3):
        await asyncio.to_thread(rabbitmqctl, "start_app")
        await asyncio.to_thread(rabbitmqctl, "await_startup")
        if await dead_lettering_works(url):
            return
        await asyncio.to_thread(rabbitmqctl, "stop_app")
    await asyncio.to_thread(rabbitmqctl, "start_app")
    await asyncio.to_thread(rabbitmqctl, "await_startup")
    assert await dead_lettering_works(url), "the broker came back without dead-lettering"


@pytest.mark.slow
@pytest.mark.broker_restart
@pytest.mark.skipif(
    os.environ.get("EGOV_SKIP_BROKER_RESTART") == "1",
    reason="EGOV_SKIP_BROKER_RESTART=1: the broker is shared with other test runs",
)
async def test_recovers_after_a_broker_restart(rabbit: RabbitMqBus, amqp_url: str) -> None:
    recorder = Recorder()
    await rabbit.consume("q", recorder)
    await rabbit.publish(message(1))
    await eventually(lambda: recorder.ids == ["m1"], "the first message")

    await asyncio.to_thread(rabbitmqctl, "stop_app")
    try:
        with pytest.raises(BusError):
            await rabbit.ping()
    finally:
        await restart_broker_app(amqp_url)

    await wait_ping(rabbit)
    # The durable quorum queue survived, the consumer was re-established by the robust
    # connection, and a publish after the restart is confirmed and delivered.
    await rabbit.publish(message(2))
    await eventually(lambda: "m2" in recorder.ids, "a message after the restart")
    assert_nothing_lost(recorder)
