"""Publish throughput with publisher confirms: ``publish_many`` (pipelined) against ``publish``
awaited one by one, on RabbitMQ and on the in-memory bus.

    python -m bench --only bus [--quick]

Everything it declares lives under a random namespace and is deleted at the end.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable

from bench.harness import AMQP, BenchConfig, Result
from shared.bus.memory import InMemoryBus
from shared.bus.port import Binding, Bus, Message, QueueSpec
from shared.bus.rabbitmq import RabbitMqBus


def batch(n: int, tag: str) -> list[Message]:
    body = b'{"applicant": "880101300123", "service": "elicense.permit"}'
    return [Message("bench", "bench.msg", body, f"{tag}-{i}") for i in range(n)]


async def timed(n: int, run: Callable[[], Awaitable[None]]) -> float:
    start = time.perf_counter()
    await run()
    return n / (time.perf_counter() - start)


async def measure(adapter: str, bus: Bus, n: int) -> list[Result]:
    await bus.declare_exchange("bench")
    await bus.declare_queue(QueueSpec("sink", bindings=[Binding("bench", "#")]))

    async def one_by_one() -> None:
        for message in batch(n, "single"):
            await bus.publish(message)

    async def pipelined() -> None:
        await bus.publish_many(batch(n, "many"))

    case = f"{adapter}: publish with confirms"
    detail = {"messages": n}
    return [
        Result("bus", case, "publish, confirm awaited each", "msg/s",
               await timed(n, one_by_one), True, detail),
        Result("bus", case, "ours: publish_many, confirms pipelined", "msg/s",
               await timed(n, pipelined), False, detail),
    ]  # fmt: skip


async def bench(amqp_url: str, n: int) -> list[Result]:
    memory = InMemoryBus()
    await memory.connect()
    try:
        results = await measure("in-memory", memory, n)
    finally:
        await memory.close()
    rabbit = RabbitMqBus(amqp_url, namespace=f"bench{uuid.uuid4().hex[:8]}.")
    await rabbit.connect()
    try:
        results += await measure("RabbitMQ quorum queue", rabbit, n)
    finally:
        await rabbit.delete_declared()
        await rabbit.close()
    return results


class _BusBench:
    name = "bus"
    title = "message bus: publish one by one vs pipelined confirms"
    needs = frozenset({AMQP})

    def run(self, config: BenchConfig) -> list[Result]:
        return asyncio.run(bench(config.rabbitmq(), config.pick(full=5000, quick=1000, smoke=50)))


BENCHMARK = _BusBench()
