"""Crash test with real processes: the producer (appends + outbox relay) and the consumer (inbox)
are killed with SIGKILL at random points, several times each, and restarted until all work is
done. Then every one of the work items must have exactly one effect.

PostgreSQL (one schema per process) and RabbitMQ (a namespace of its own) are real.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pytest

from shared.bus.rabbitmq import RabbitMqBus
from shared.eventlog.postgres import PostgresEventStore
from tests.reliability import workload
from tests.reliability.support import all_events

TOTAL = 1_000
KILLS_EACH = 5
# Another seed for exploration: EGOV_CRASH_SEED=7 pytest tests/reliability/test_crash.py
SEED = int(os.environ.get("EGOV_CRASH_SEED", "20251124"))
DEADLINE_S = 150  # a bound against hanging; a run on a busy 2-core machine takes far less
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Role:
    """One of the two processes, restarted after each kill."""

    name: str
    argv: list[str]
    kill_at: list[int]  # progress thresholds, ascending, at which to kill -9
    logs: Path
    proc: asyncio.subprocess.Process | None = None
    incarnation: int = 0
    kills: list[int] = field(default_factory=list)  # progress seen at each kill

    async def start(self) -> None:
        self.incarnation += 1
        log = (self.logs / f"{self.name}-{self.incarnation}.log").open("wb")
        try:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                f"tests.reliability.{self.name}",
                *self.argv,
                cwd=REPO,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        finally:
            log.close()  # the child holds its own descriptor

    async def kill(self, progress: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()
        self.kills.append(progress)

    def output(self) -> str:
        return "".join(
            f"--- {path.name}\n{path.read_text()[-3000:]}"
            for path in sorted(self.logs.glob(f"{self.name}-*.log"))
        )

    def duplicates(self) -> Counter[str]:
        """Absorbed duplicates by origin: redelivered by the broker (the consumer died before
        its ack) or published again by the relay (the producer died before its mark)."""
        origins: Counter[str] = Counter()
        for path in self.logs.glob(f"{self.name}-*.log"):
            for line in path.read_text().splitlines():
                if line.startswith(workload.DUPLICATE_MARK):
                    redelivered = "redelivered=True" in line
                    origins["broker redelivery" if redelivered else "relay republish"] += 1
        return origins


@pytest.fixture
async def consumer_schema(pg_dsn: str, unique_name: str) -> AsyncIterator[str]:
    """The consumer service's own database schema (the producer uses ``pg_schema``)."""
    name = unique_name + "_consumer"
    conn = await asyncpg.connect(pg_dsn)
    try:
        await conn.execute(f'CREATE SCHEMA "{name}"')
    finally:
        await conn.close()
    yield name
    conn = await asyncpg.connect(pg_dsn)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    finally:
        await conn.close()


async def effects_per_item(store: PostgresEventStore) -> Counter[int]:
    return Counter(e.data["n"] for e in await all_events(store) if e.type == "WorkDone.v1")


@pytest.mark.infra
@pytest.mark.slow
async def test_each_work_item_has_exactly_one_effect_despite_kill_9(
    pg_dsn: str,
    pg_schema: str,
    consumer_schema: str,
    amqp_url: str,
    unique_name: str,
    tmp_path: Path,
) -> None:
    namespace = unique_name + "."
    bus = RabbitMqBus(amqp_url, namespace=namespace)
    producer_store = PostgresEventStore(pg_dsn, schema=pg_schema)
    consumer_store = PostgresEventStore(pg_dsn, schema=consumer_schema)
    await bus.connect()
    # The topology exists before the producer's first publish: a mandatory publish to an
    # exchange without the queue would be unroutable.
    await bus.declare_exchange(workload.EXCHANGE)
    await bus.declare_queue(workload.queue_spec())
    await producer_store.open()
    await consumer_store.open()

    rng = random.Random(SEED)
    producer = Role(
        "producer",
        [pg_dsn, pg_schema, amqp_url, namespace, str(TOTAL)],
        kill_at=sorted(rng.sample(range(50, TOTAL - 50), KILLS_EACH)),
        logs=tmp_path,
    )
    consumer = Role(
        "consumer",
        [pg_dsn, consumer_schema, amqp_url, namespace],
        kill_at=sorted(rng.sample(range(50, TOTAL - 50), KILLS_EACH)),
        logs=tmp_path,
    )
    started = time.monotonic()
    try:
        await producer.start()
        await consumer.start()
        producer_done = False
        while True:
            elapsed = time.monotonic() - started
            assert elapsed < DEADLINE_S, (
                f"work not done after {DEADLINE_S} s\n{producer.output()}\n{consumer.output()}"
            )
            appended = await producer_store.stream_version(workload.REQUEST_STREAM)
            effects = await consumer_store.head_position()
            for role, progress in ((producer, appended), (consumer, effects)):
                assert role.proc is not None
                code = role.proc.returncode
                if role is producer and code == 0:
                    producer_done = True
                    continue
                assert code is None, f"{role.name} exited with {code}\n{role.output()}"
                # A kill point already passed is taken only once the new incarnation has made
                # progress of its own, so that every kill interrupts real work.
                last_kill = role.kills[-1] if role.kills else -1
                if role.kill_at and progress >= role.kill_at[0] and progress > last_kill:
                    role.kill_at.pop(0)
                    await role.kill(progress)
                    await role.start()
            # Positions may have gaps, so the head only says when counting is worth it.
            if (
                producer_done
                and effects >= TOTAL
                and len(await effects_per_item(consumer_store)) == TOTAL
            ):
                break
            await asyncio.sleep(0.02)
        assert consumer.proc is not None
        consumer.proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(60):
            code = await consumer.proc.wait()
        assert code == 0, f"the consumer did not stop cleanly\n{consumer.output()}"
        duration = time.monotonic() - started

        per_item = await effects_per_item(consumer_store)
        assert sorted(per_item) == list(range(1, TOTAL + 1)), "some work item has no effect"
        assert {n: c for n, c in per_item.items() if c > 1} == {}, "duplicate effects"
        assert await producer_store.stream_version(workload.REQUEST_STREAM) == TOTAL
        assert await producer_store.pending_outbox() == []
        assert await bus.dead_letters(workload.QUEUE) == []
        assert len(producer.kills) >= 3, f"the producer was killed only at {producer.kills}"
        assert len(consumer.kills) >= 3, f"the consumer was killed only at {consumer.kills}"
        print(
            f"\ncrash test (seed {SEED}): {TOTAL} items in {duration:.1f} s; "
            f"producer killed at items "
            f"{producer.kills}, consumer killed at effects {consumer.kills}; "
            f"duplicate deliveries absorbed by the inbox: {dict(consumer.duplicates())}"
        )
    finally:
        for role in (producer, consumer):
            if role.proc is not None and role.proc.returncode is None:
                role.proc.kill()
                await role.proc.wait()
        await bus.delete_declared()
        await bus.close()
        await producer_store.close()
        await consumer_store.close()
