"""Replay: events per second to rebuild each service's read models from its log (``egov replay
SERVICE``), on SQLite (``egov run``'s store) and on PostgreSQL (``egov up``'s), next to reading
the same log without folding it.

    python -m bench --only replay [--quick]

Each service's log is filled by its own code (bench/logs.py) into a SQLite file, exported
(``shared.eventlog.export``) and imported into a PostgreSQL schema of its own, so both stores
hold the same events. Then, on each store, ``egov.commands.replay.replay_log`` (what ``egov
replay SERVICE --url`` runs; it times the rebuild alone, not opening the store) and, as the
reference, ``read_all`` in pages of 1,000 with nothing done to the events: the ratio says what
the fold costs on top of reading. The median of a few runs is reported; the two stores' rebuilds
must give the same SHA-256. The schemas are dropped at the end.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime

import asyncpg

from bench.harness import AMQP, PG, BenchConfig, Result
from bench.logs import FILLERS
from shared.eventlog.export import export_log, import_log
from shared.eventlog.factory import open_event_store

# The instant time-dependent views (the provider's SLA report) are computed for, so that the two
# stores' digests compare.
NOW = datetime(2019, 12, 2, 6, 0, tzinfo=UTC)


async def read_only(url: str) -> tuple[int, float]:
    store = await open_event_store(url)
    try:
        began = time.perf_counter()
        after = count = 0
        while page := await store.read_all(after=after, limit=1000):
            count += len(page)
            after = page[-1].position
        return count, time.perf_counter() - began
    finally:
        await store.close()


async def measure(
    service: str, store_kind: str, url: str, repeats: int
) -> tuple[list[Result], str]:
    from egov.commands.replay import replay_log

    replays = [await replay_log(service, url=url, now=NOW) for _ in range(repeats)]
    digests = {r["sha256"] for r in replays}
    if len(digests) != 1:
        raise RuntimeError(f"{service} on {store_kind}: two rebuilds differ: {digests}")
    events = int(replays[0]["events"])
    reads = [await read_only(url) for _ in range(repeats)]
    if {count for count, _ in reads} != {events}:
        raise RuntimeError(f"{service} on {store_kind}: replayed {events}, read {reads}")
    case = f"{service}, {store_kind}, {events:,} events"
    rebuild = statistics.median(events / float(r["seconds"]) for r in replays)
    read = statistics.median(events / seconds for _, seconds in reads)
    print(f"  {case:<40} rebuild {rebuild:>9.0f} events/s   read only {read:>9.0f} events/s")
    detail = {"events": events, "runs_s": [r["seconds"] for r in replays]}
    return [
        Result("replay", case, "read_all only (no fold)", "events/s", read, True,
               {"events": events, "runs_s": [round(s, 4) for _, s in reads]}),
        Result("replay", case, f"ours: egov replay {service}", "events/s", rebuild, False, detail),
    ], next(iter(digests))  # fmt: skip


async def bench(config: BenchConfig, sizes: dict[str, int], repeats: int) -> list[Result]:
    dsn = config.postgres()
    tag = "bench" + uuid.uuid4().hex[:8]
    separator = "&" if "?" in dsn else "?"
    results: list[Result] = []
    schemas: list[str] = []
    try:
        for service, size in sizes.items():
            directory = config.workdir / service
            directory.mkdir(parents=True, exist_ok=True)
            began = time.perf_counter()
            sqlite_path = await FILLERS[service](directory, size, config.amqp_url)
            print(f"  {service}: log filled ({size} units) in {time.perf_counter() - began:.1f} s")
            sqlite_url = f"sqlite:///{sqlite_path.resolve()}"
            rows, sqlite_digest = await measure(service, "SQLite", sqlite_url, repeats)
            results += rows

            export = directory / f"{service}.jsonl"
            source = await open_event_store(sqlite_url)
            try:
                with export.open("wb") as out:
                    await export_log(source, out, service=service)
            finally:
                await source.close()
            schema = f"{tag}_{service}"
            schemas.append(schema)
            pg_url = f"{dsn}{separator}schema={schema}"
            target = await open_event_store(pg_url)
            try:
                with export.open("rb") as handle:
                    await import_log(target, handle, service=service)
            finally:
                await target.close()
            rows, pg_digest = await measure(service, "PostgreSQL", pg_url, repeats)
            results += rows
            if pg_digest != sqlite_digest:
                raise RuntimeError(f"{service}: the PostgreSQL rebuild differs from SQLite's")
    finally:
        if schemas:
            conn = await asyncpg.connect(dsn)
            try:
                for schema in schemas:
                    await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            finally:
                await conn.close()
    return results


class _ReplayBench:
    name = "replay"
    title = "replay: rebuilding each service's read models, vs reading its log"
    needs = frozenset({PG, AMQP})  # AMQP: the gateway's log is filled through the broker

    def run(self, config: BenchConfig) -> list[Result]:
        sizes = {
            "portal": config.pick(full=4000, quick=400, smoke=20),  # requests, 5 events each
            "gateway": config.pick(full=1500, quick=300, smoke=10),  # messages
            "elicense": config.pick(full=300, quick=30, smoke=2),  # requests to a permit
            "registry": config.pick(full=20000, quick=4000, smoke=50),  # persons
            "provider": config.pick(full=300, quick=30, smoke=2),  # requests to the certificate
        }
        repeats = config.pick(full=3, quick=2, smoke=1)
        return asyncio.run(bench(config, sizes, repeats))


BENCHMARK = _ReplayBench()
