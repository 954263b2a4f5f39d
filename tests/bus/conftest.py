"""The ``bus`` fixture runs every contract test against both adapters: the in-memory one and
RabbitMQ (under this test's own namespace, deleted afterwards)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from shared.bus.memory import InMemoryBus
from shared.bus.port import Bus, Delivery, Message
from shared.bus.rabbitmq import RabbitMqBus

WAIT_S = 30.0  # generous upper bound for "eventually": the machine is shared and slow


@pytest.fixture(params=[pytest.param("memory"), pytest.param("rabbitmq", marks=pytest.mark.infra)])
async def bus(request: pytest.FixtureRequest, unique_name: str) -> AsyncIterator[Bus]:
    if request.param == "memory":
        memory = InMemoryBus()
        await memory.connect()
        yield memory
        await memory.close()
        return
    url = request.getfixturevalue("amqp_url")
    rabbit = RabbitMqBus(url, namespace=unique_name + ".", connection_name=unique_name)
    await rabbit.connect()
    yield rabbit
    await rabbit.delete_declared()
    await rabbit.close()


async def eventually(predicate: Callable[[], bool], what: str) -> None:
    """Wait until ``predicate()`` holds; fail with ``what`` after WAIT_S seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while not predicate():
        if loop.time() > deadline:
            pytest.fail(f"timed out waiting for: {what}")
        await asyncio.sleep(0.02)


class Recorder:
    """A handler that records every delivery; an optional ``behaviour`` may raise or wait."""

    def __init__(self, behaviour: Callable[[Delivery], Awaitable[None]] | None = None) -> None:
        self.deliveries: list[Delivery] = []
        self._behaviour = behaviour

    async def __call__(self, delivery: Delivery) -> None:
        self.deliveries.append(delivery)
        if self._behaviour is not None:
            await self._behaviour(delivery)

    @property
    def ids(self) -> list[str]:
        return [d.message.message_id for d in self.deliveries]


@pytest.fixture
def make_message() -> Callable[..., Message]:
    counter = itertools.count(1)

    def make(exchange: str = "ev", routing_key: str = "a.b", **kwargs: object) -> Message:
        n = next(counter)
        fields: dict[str, object] = {"body": f'{{"n": {n}}}'.encode(), "message_id": f"m{n}"}
        fields.update(kwargs)
        return Message(exchange=exchange, routing_key=routing_key, **fields)  # type: ignore[arg-type]

    return make
