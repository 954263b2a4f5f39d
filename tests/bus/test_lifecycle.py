"""Connection lifecycle errors, which need no broker: a bus that is not connected, or cannot
connect, says so with a BusError instead of failing later in an obscure way."""

from __future__ import annotations

import socket

import pytest

from shared.bus.memory import InMemoryBus
from shared.bus.port import BusError, Message
from shared.bus.rabbitmq import RabbitMqBus


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nobody listens once the socket is closed


@pytest.mark.parametrize("make", [InMemoryBus, lambda: RabbitMqBus("amqp://127.0.0.1:1/")])
async def test_unconnected_bus_refuses_work(make: object) -> None:
    bus = make()  # type: ignore[operator]
    with pytest.raises(BusError, match="not connected"):
        await bus.ping()
    with pytest.raises(BusError, match="not connected"):
        await bus.publish(Message("ev", "a", b"{}", "m1"))


async def test_memory_bus_ping_fails_after_close() -> None:
    bus = InMemoryBus()
    await bus.connect()
    await bus.ping()
    await bus.close()
    with pytest.raises(BusError):
        await bus.ping()


async def test_connecting_to_nothing_raises_bus_error() -> None:
    bus = RabbitMqBus(f"amqp://guest:guest@127.0.0.1:{closed_port()}/")
    with pytest.raises(BusError, match="cannot connect"):
        await bus.connect()


def test_rabbit_bus_refuses_nonsense_timeouts() -> None:
    with pytest.raises(ValueError, match="positive"):
        RabbitMqBus("amqp://localhost/", confirm_timeout_s=0)
