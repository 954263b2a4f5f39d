"""The crash test's producer process: appends one event with one outbox row per work item (one
transaction each) and runs the outbox relay, until every item is appended and every row sent.

Restartable after ``kill -9``: the request stream's version says how many items were appended,
and ``expected_version`` makes a second append of the same item impossible.

    python -m tests.reliability.producer DSN SCHEMA AMQP_URL NAMESPACE TOTAL
"""

from __future__ import annotations

import argparse
import asyncio

from shared.bus.rabbitmq import RabbitMqBus
from shared.eventlog.postgres import PostgresEventStore
from shared.outbox import OutboxRelay
from tests.reliability import workload


async def produce(dsn: str, schema: str, amqp_url: str, namespace: str, total: int) -> None:
    store = PostgresEventStore(dsn, schema=schema)
    bus = RabbitMqBus(amqp_url, namespace=namespace)
    await store.open()
    await bus.connect()
    await bus.declare_exchange(workload.EXCHANGE)
    relay = OutboxRelay(store, bus, batch_size=50, poll_interval=0.2, backoff_max=1.0)
    relay.start()
    appended = await store.stream_version(workload.REQUEST_STREAM)
    print(f"producer resumes after item {appended}", flush=True)
    for n in range(appended + 1, total + 1):
        event, message = workload.request(n)
        await store.append(
            workload.REQUEST_STREAM, [event], expected_version=n - 1, outbox=[message]
        )
        relay.notify()
    # The relay runs in this process but announces nothing: poll the table it empties.
    while await store.pending_outbox(limit=1):  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    await relay.stop()
    await bus.close()
    await store.close()
    print("producer done", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dsn")
    parser.add_argument("schema")
    parser.add_argument("amqp_url")
    parser.add_argument("namespace")
    parser.add_argument("total", type=int)
    args = parser.parse_args()
    asyncio.run(produce(args.dsn, args.schema, args.amqp_url, args.namespace, args.total))


if __name__ == "__main__":
    main()
