"""The crash test's consumer process: consumes the work queue through the inbox and appends one
effect event per work item. Runs until SIGTERM, then stops gracefully (in-flight handlers finish
and ack).

Each absorbed duplicate is printed as a line starting with ``workload.DUPLICATE_MARK``, so the
test can count them across incarnations killed with ``kill -9``.

    python -m tests.reliability.consumer DSN SCHEMA AMQP_URL NAMESPACE
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal

from shared.bus.port import Delivery
from shared.bus.rabbitmq import RabbitMqBus
from shared.eventlog.port import NewEvent
from shared.eventlog.postgres import PostgresEventStore
from shared.inbox import Effects, InboxConsumer
from tests.reliability import workload


class PrintedDuplicates:
    def processed(self) -> None:
        pass

    def duplicate(self, delivery: Delivery) -> None:
        print(
            f"{workload.DUPLICATE_MARK} {delivery.message.message_id} "
            f"redelivered={delivery.redelivered} attempt={delivery.attempt}",
            flush=True,
        )


async def handle(delivery: Delivery) -> Effects:
    n = json.loads(delivery.message.body)["n"]
    event = NewEvent(type="WorkDone.v1", data={"n": n, "message_id": delivery.message.message_id})
    return Effects(stream_id=workload.effect_stream(n), events=[event])


async def consume(dsn: str, schema: str, amqp_url: str, namespace: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    store = PostgresEventStore(dsn, schema=schema)
    bus = RabbitMqBus(amqp_url, namespace=namespace)
    await store.open()
    await bus.connect()
    await bus.declare_exchange(workload.EXCHANGE)
    await bus.declare_queue(workload.queue_spec())
    inbox = InboxConsumer(store, workload.CONSUMER, handle, metrics=PrintedDuplicates())
    consumer = await inbox.consume(bus, workload.QUEUE, prefetch=16)
    print("consumer started", flush=True)
    await stop.wait()
    await consumer.stop()
    await bus.close()
    await store.close()
    print("consumer stopped", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dsn")
    parser.add_argument("schema")
    parser.add_argument("amqp_url")
    parser.add_argument("namespace")
    args = parser.parse_args()
    asyncio.run(consume(args.dsn, args.schema, args.amqp_url, args.namespace))


if __name__ == "__main__":
    main()
