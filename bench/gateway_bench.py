"""Gateway throughput and hop latency next to raw aio-pika, on the same broker in the same run.

    python -m bench --only gateway [--quick]

Gateway: signed envelopes (ES256, x5c chain) published to the gateway's inbound exchange; the
gateway verifies signature, chain and revocation (OCSP answered in-process, cached as in
production), checks the access rule, claims the message id and appends to its hash-chained
message log in PostgreSQL, forwards to the recipient's queue, and logs the delivery state. The
clock stops when the recipient has consumed every message.

Raw: the same bytes published with confirms to a plain quorum queue and consumed, no gateway.

Throughput: all messages published at once (pipelined), time until the last is consumed.
Latency: one message at a time, publish to consume, p50 and p99.
Everything lives under a random namespace / schema, deleted at the end.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import aio_pika
import asyncpg
from prometheus_client import CollectorRegistry

from bench.harness import AMQP, PG, BenchConfig, Result
from gateway_svc.assembly import build_gateway
from gateway_svc.gateway import GatewayOptions
from gateway_svc.rules import DEFAULT_RULES
from gateway_svc.topology import INBOUND_EXCHANGE, recipient_queue
from shared.bus.memory import InMemoryBus
from shared.bus.port import Bus, Delivery, Message
from shared.bus.rabbitmq import RabbitMqBus
from shared.clock import SystemClock
from shared.envelope import Envelope
from shared.eventlog.factory import create_event_store
from shared.eventlog.port import EventStore
from shared.pki.ca import CaCredentials, CaUrls, create_issuing, create_root, issue_certificate
from shared.pki.jws import JwsSigner, JwsVerifier
from shared.pki.keys import KeyAlgorithm, generate_private_key
from shared.pki.profiles import InformationSystem, KeyPurpose
from shared.pki.revocation import CertState, SerialStatus, answer_ocsp
from shared.pki.revocation_client import RevocationChecker

CONNECT_TIMEOUT_S = 30.0
URLS = CaUrls(ocsp="http://bench.invalid/ocsp", crl="http://bench.invalid/crl")


class InProcessOcsp:
    """The CA's responder without HTTP: every certificate good."""

    def __init__(self, issuing: CaCredentials) -> None:
        self._issuing = issuing

    def post_ocsp(self, url: str, request_der: bytes) -> bytes:
        return answer_ocsp(
            request_der, self._issuing, lambda _: SerialStatus(CertState.GOOD), now=_now()
        )

    def get_crl(self, url: str) -> bytes:
        raise NotImplementedError("OCSP always answers in this benchmark")


def _now() -> datetime:
    return datetime.now(UTC)


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else 0


def figures(
    subject: str, n: int, seconds: float, latencies: list[float], ref: bool
) -> list[Result]:
    p50 = percentile(latencies, 50) * 1000
    p99 = percentile(latencies, 99) * 1000
    detail = {"messages": n, "seconds": round(seconds, 3), "latency_samples": len(latencies)}
    print(
        f"  {subject:<34} {n:>6} msgs {seconds:7.2f} s {n / seconds:>8.0f} msg/s"
        f"   hop p50 {p50:6.2f} ms  p99 {p99:6.2f} ms"
    )
    return [
        Result("gateway", "signed messages, pipelined", subject, "msg/s", n / seconds, ref, detail),
        Result("gateway", "hop latency p50, one at a time", subject, "ms", p50, ref),
        Result("gateway", "hop latency p99, one at a time", subject, "ms", p99, ref),
    ]


async def _drain(box: list[float], n: int) -> None:
    # Polls the list the consumer callback fills; 1 ms granularity, below the hop times measured.
    while len(box) < n:  # noqa: ASYNC110
        await asyncio.sleep(0.001)


async def measure(
    n: int,
    latency_n: int,
    publish_all: Callable[[list[bytes]], Awaitable[None]],
    publish_one: Callable[[bytes], Awaitable[None]],
    received: list[float],
    payloads: Callable[[int], list[bytes]],
) -> tuple[float, list[float]]:
    batch = payloads(n)
    received.clear()
    began = time.perf_counter()
    await publish_all(batch)
    await _drain(received, n)
    elapsed = time.perf_counter() - began
    latencies: list[float] = []
    for raw in payloads(latency_n):
        received.clear()
        start = time.perf_counter()
        await publish_one(raw)
        await _drain(received, 1)
        latencies.append(received[0] - start)
    return elapsed, latencies


@dataclass
class Rig:
    """A running gateway with a signing portal and a consuming recipient (``elicense``)."""

    payloads: Callable[[int], list[bytes]]  # that many freshly signed envelopes
    publish_all: Callable[[list[bytes]], Awaitable[None]]  # pipelined, confirms awaited
    publish_one: Callable[[bytes], Awaitable[None]]
    received: list[float]  # perf_counter of each delivery to the recipient

    async def pump(self, n: int) -> float:
        """Send ``n`` messages at once; seconds until the recipient has all of them."""
        self.received.clear()
        began = time.perf_counter()
        await self.publish_all(self.payloads(n))
        await _drain(self.received, n)
        return time.perf_counter() - began


@asynccontextmanager
async def gateway_rig(
    amqp_url: str | None, store: EventStore, tag: str, *, bus: InMemoryBus | None = None
) -> AsyncIterator[Rig]:
    """The gateway on ``store`` (opened and closed by the caller) and the broker, its names
    under the namespace ``tag`` (deleted at the end); or, given ``bus``, on that in-memory bus
    instead of a broker (connected and closed here)."""
    clock = SystemClock()
    now = _now()
    root = create_root(generate_private_key(KeyAlgorithm.ES256), common_name="Bench Root", now=now)
    issuing = create_issuing(
        root, generate_private_key(KeyAlgorithm.ES256), common_name="Bench CA", now=now
    )
    key = generate_private_key(KeyAlgorithm.ES256)
    certificate = issue_certificate(
        issuing, InformationSystem("portal"), KeyPurpose.SIGNING, key.public_key(),
        serial=4242, now=now, urls=URLS,
    )  # fmt: skip
    signer = JwsSigner(key, certificate, [issuing.certificate])
    verifier = JwsVerifier(
        [root.certificate], clock, RevocationChecker(InProcessOcsp(issuing), clock)
    )

    def payloads(count: int) -> list[bytes]:
        return [
            Envelope(
                message_id=uuid.uuid4(),
                correlation_id=f"bench-{uuid.uuid4().hex[:12]}",
                type="request.submitted.v1",
                sender="portal",
                recipient="elicense",
                service_code="culture.export",
                sent_at=_now(),
                body={"applicant_iin": "900101300126", "form": {"item": "painting", "n": 1}},
            )
            .signed(signer)
            .model_dump_json()
            .encode()
            for _ in range(count)
        ]

    broker: RabbitMqBus | None = None
    used: Bus
    if bus is not None:
        used = bus
    elif amqp_url:
        used = broker = RabbitMqBus(amqp_url, namespace=tag + ".", connection_name=tag)
    else:
        raise RuntimeError("the gateway rig needs RabbitMQ or an in-memory bus")
    await used.connect()
    gateway = build_gateway(
        store=store,
        bus=used,
        clock=clock,
        verifier=verifier,
        rules_path=DEFAULT_RULES,
        registry=CollectorRegistry(),
        options=GatewayOptions(prefetch=64),
    )
    try:
        await gateway.start()
        received: list[float] = []

        async def on_delivered(_delivery: Delivery) -> None:
            received.append(time.perf_counter())

        await used.consume(recipient_queue("elicense"), on_delivered, prefetch=256)

        async def publish_all(batch: list[bytes]) -> None:
            await used.publish_many(
                [Message(INBOUND_EXCHANGE, "portal", b, uuid.uuid4().hex) for b in batch]
            )

        async def publish_one(raw: bytes) -> None:
            await used.publish(Message(INBOUND_EXCHANGE, "portal", raw, uuid.uuid4().hex))

        yield Rig(payloads, publish_all, publish_one, received)
    finally:
        await gateway.stop()
        if broker is not None:
            await broker.delete_declared()
        await used.close()


async def bench(amqp_url: str, pg_dsn: str, n: int, latency_n: int) -> list[Result]:
    tag = "bench" + uuid.uuid4().hex[:8]
    # The broker first, with a bound: a broker that does not answer fails the benchmark at once
    # and leaves nothing behind (no schema created yet).
    raw_connection = await aio_pika.connect(amqp_url, timeout=CONNECT_TIMEOUT_S)
    separator = "&" if "?" in pg_dsn else "?"
    store = create_event_store(f"{pg_dsn}{separator}schema={tag}", clock=SystemClock())
    try:
        await store.open()  # creates the schema
        async with gateway_rig(amqp_url, store, tag) as rig:
            # Raw aio-pika on the same broker: a confirmed channel, one quorum queue.
            channel = await raw_connection.channel(publisher_confirms=True)
            queue = await channel.declare_queue(
                f"{tag}.raw", durable=True, arguments={"x-queue-type": "quorum"}
            )
            raw_received: list[float] = []

            async def on_raw(message: aio_pika.abc.AbstractIncomingMessage) -> None:
                raw_received.append(time.perf_counter())
                await message.ack()

            await channel.set_qos(prefetch_count=256)
            raw_consumer = await queue.consume(on_raw)

            def amqp(body: bytes) -> aio_pika.Message:
                return aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT)

            async def raw_all(batch: list[bytes]) -> None:
                await asyncio.gather(
                    *(
                        channel.default_exchange.publish(amqp(b), routing_key=queue.name)
                        for b in batch
                    )
                )

            async def raw_one(body: bytes) -> None:
                await channel.default_exchange.publish(amqp(body), routing_key=queue.name)

            size = len(rig.payloads(1)[0])
            print(f"gateway bench: {n} messages of {size} bytes, latency over {latency_n}")
            raw_time, raw_lat = await measure(
                n, latency_n, raw_all, raw_one, raw_received, rig.payloads
            )
            results = figures("raw aio-pika publish->consume", n, raw_time, raw_lat, True)
            gw_time, gw_lat = await measure(
                n, latency_n, rig.publish_all, rig.publish_one, rig.received, rig.payloads
            )
            results += figures("ours: verify+log+forward", n, gw_time, gw_lat, False)
            print(f"  the gateway reaches {100 * raw_time / gw_time:.1f}% of raw throughput")
            report = await store.verify_chain()
            print(f"  message log chain intact: {report.ok} ({report.events_checked} records)")
            if not report.ok:
                raise RuntimeError(f"the gateway's message log chain is broken: {report}")
            await queue.cancel(raw_consumer)
            for row in results:
                row.detail["envelope_bytes"] = size
            return results
    finally:
        await store.close()
        conn = await asyncpg.connect(pg_dsn)
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{tag}" CASCADE')
        finally:
            await conn.close()
        try:
            cleanup = await raw_connection.channel()
            await cleanup.queue_delete(f"{tag}.raw")
        finally:
            await raw_connection.close()


class _GatewayBench:
    name = "gateway"
    title = "gateway: verify + log + forward vs raw aio-pika publish->consume"
    needs = frozenset({PG, AMQP})

    def run(self, config: BenchConfig) -> list[Result]:
        n = config.pick(full=1000, quick=300, smoke=20)
        latency_n = config.pick(full=200, quick=50, smoke=5)
        return asyncio.run(bench(config.rabbitmq(), config.postgres(), n, latency_n))


BENCHMARK = _GatewayBench()
