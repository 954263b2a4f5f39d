"""Publish throughput with publisher confirms: ``publish_many`` (pipelined) against ``publish``
awaited one by one, on RabbitMQ and on the in-memory bus.

    python bench/bus_publish.py [--url amqp://guest:guest@127.0.0.1:5672/] [-n 5000]

Everything it declares lives under a random namespace and is deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from collections.abc import Awaitable, Callable

from shared.bus.memory import InMemoryBus
from shared.bus.port import Binding, Bus, Message, QueueSpec
from shared.bus.rabbitmq import RabbitMqBus


def batch(n: int, tag: str) -> list[Message]:
    body = b'{"applicant": "880101300123", "service": "elicense.permit"}'
    return [Message("bench", "bench.msg", body, f"{tag}-{i}") for i in range(n)]


async def timed(label: str, n: int, run: Callable[[], Awaitable[None]]) -> float:
    start = time.perf_counter()
    await run()
    elapsed = time.perf_counter() - start
    print(f"  {label:<28} {n:>6} msgs  {elapsed:7.3f} s  {n / elapsed:>9.0f} msg/s")
    return n / elapsed


async def measure(name: str, bus: Bus, n: int) -> None:
    await bus.declare_exchange("bench")
    await bus.declare_queue(QueueSpec("sink", bindings=[Binding("bench", "#")]))
    print(name)

    async def one_by_one() -> None:
        for message in batch(n, "single"):
            await bus.publish(message)

    async def pipelined() -> None:
        await bus.publish_many(batch(n, "many"))

    single = await timed("publish (awaited each)", n, one_by_one)
    many = await timed("publish_many (pipelined)", n, pipelined)
    print(f"  publish_many / publish = {many / single:.1f}x")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("EGOV_AMQP_URL"))
    parser.add_argument("-n", type=int, default=5000, help="messages per measurement")
    args = parser.parse_args()

    memory = InMemoryBus()
    await memory.connect()
    await measure("in-memory", memory, args.n)
    await memory.close()

    if not args.url:
        print("RabbitMQ skipped: pass --url or set EGOV_AMQP_URL")
        return
    rabbit = RabbitMqBus(args.url, namespace=f"bench{uuid.uuid4().hex[:8]}.")
    await rabbit.connect()
    try:
        await measure(f"RabbitMQ ({args.url.split('@')[-1]}, quorum queue)", rabbit, args.n)
    finally:
        await rabbit.delete_declared()
        await rabbit.close()


if __name__ == "__main__":
    asyncio.run(main())
