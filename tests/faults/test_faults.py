"""Fault injection through ``egov up`` (issue 10, point 3): while applications flow through the
five service processes, every service is killed with SIGKILL and restarted, RabbitMQ is
restarted, PostgreSQL is crashed and restarted (private servers: tests/faults/servers.py).
Afterwards, from the services' own logs: every application reached its final status exactly
once (cabinet and workstation), no duplicate by id or by meaning, every message of the gateway's
log accounted for, every hash chain intact (tests/faults/checks.py).

Size: ``EGOV_FAULT_N`` applications (default 24, for CI); ``EGOV_FAULT_SEED`` picks the fault
order and points (default 20261124); ``EGOV_FAULT_RATE`` the arrival rate (default 2/s);
``EGOV_FAULT_LOGS`` a folder for the services' logs.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from pathlib import Path

import pytest

from egov.client import OperatorKeys, TopologyClient, TopologyUrls
from egov.stack import SERVICES, StackOptions, running_stack
from shared.eventlog.postgres import PostgresEventStore
from tests.faults.campaign import Campaign
from tests.faults.checks import (
    Findings,
    all_events,
    check_messages,
    check_requests,
    verify_chains,
)
from tests.faults.journeys import Fleet
from tests.faults.servers import PrivatePostgres, PrivateRabbitMQ

N = int(os.environ.get("EGOV_FAULT_N", "24"))
SEED = int(os.environ.get("EGOV_FAULT_SEED", "20261124"))
RATE = float(os.environ.get("EGOV_FAULT_RATE", "2.0"))
MIX = "A=0.5,C=0.25,D=0.25"  # the regional services in force on the default simulated day
REFUSE_SHARE = 0.25
DRAIN_S = 150.0  # after the last fault; a bound against hanging
LOGS = os.environ.get("EGOV_FAULT_LOGS")  # keep the services' logs there (default: tmp_path)
QUIET_WITHIN_S = 120.0  # for the last redeliveries and relays after the load run ends
# Applicants' password hashing at its default cost would dominate the set-up.
CHEAP_HASHING = {"EGOV_PORTAL_ARGON2_MEMORY_KIB": "1024", "EGOV_PORTAL_ARGON2_TIME_COST": "1"}

pytestmark = [pytest.mark.infra, pytest.mark.slow, pytest.mark.timeout(600)]


async def open_stores(options: StackOptions) -> dict[str, PostgresEventStore]:
    stores = {}
    for service in SERVICES:
        store = PostgresEventStore(options.pg_dsn, schema=options.schema(service))
        await store.open()
        stores[service] = store
    return stores


async def settled(options: StackOptions, stores: dict[str, PostgresEventStore]) -> Findings:
    """The checks, repeated until they pass or ``QUIET_WITHIN_S`` passed: after the last
    application's final status, a relay may still be publishing a copy and a redelivery may be
    waiting out its backoff. The last findings are returned either way."""
    deadline = time.monotonic() + QUIET_WITHIN_S
    while True:
        found = check_requests(
            await all_events(stores["portal"]), await all_events(stores["provider"])
        )
        account, _, parked, problems = await check_messages(stores, options)
        found.account, found.dead_letters = account, parked
        found.problems += problems
        if (not found.problems and account.ok) or time.monotonic() > deadline:
            found.chains = await verify_chains(stores)
            return found
        await asyncio.sleep(1.0)


def absorbed_duplicates(options: StackOptions) -> dict[str, int]:
    """Deliveries each service's inbox acked as duplicates (its log line survives kill -9:
    the services write unbuffered)."""
    found = {}
    for service in SERVICES:
        path = options.logs / f"{service}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        found[service] = text.count("duplicate delivery ignored")
    return found


async def test_every_application_ends_once_through_kills_and_server_restarts(
    private_postgres: PrivatePostgres, private_rabbitmq: PrivateRabbitMQ, tmp_path: Path
) -> None:
    options = StackOptions(
        data_dir=tmp_path / "var",
        pg_dsn=private_postgres.dsn,
        amqp_url=private_rabbitmq.url,
        namespace="faults",
        env=CHEAP_HASHING,
        log_dir=Path(LOGS) if LOGS else None,
    )
    began = time.monotonic()
    async with running_stack(options, timeout_s=120) as stack:
        stack_up_s = time.monotonic() - began
        urls = TopologyUrls.from_mapping(stack.urls)
        async with TopologyClient(urls, operators=OperatorKeys.load(options.data_dir)) as client:
            fleet = Fleet(client, stack.event_store_url("provider"), count=N, mix=MIX, seed=SEED)
            await fleet.prepare(REFUSE_SHARE)
            campaign = Campaign(stack, private_rabbitmq, private_postgres, N, random.Random(SEED))
            work_began = time.monotonic()
            run = asyncio.create_task(fleet.run(RATE))
            try:
                await campaign.run(fleet.progress, run.done)
                await asyncio.wait({run}, timeout=DRAIN_S)
            finally:
                run.cancel()
            work_s = time.monotonic() - work_began
        # Where the messages are, for a run that did not finish (a cheap look at the broker).
        queues = await asyncio.to_thread(
            private_rabbitmq.ctl,
            "list_queues", "name", "messages_ready", "messages_unacknowledged", "consumers",
        )  # fmt: skip
        stores = await open_stores(options)
        try:
            found = await settled(options, stores)
        finally:
            for store in stores.values():
                await store.close()
        stopped = await stack.stop()

    journeys = fleet.journeys
    tolerated = sum((j.errors for j in journeys), Counter[str]())
    print(
        f"\nfault campaign (seed {SEED}, {N} applications at {RATE}/s): stack up in "
        f"{stack_up_s:.1f} s, work {work_s:.1f} s, total {time.monotonic() - began:.1f} s\n"
        + "\n".join(f"  {f.describe()}" for f in campaign.faults)
        + f"\ndriver: {sum(j.actions for j in journeys)} staff actions, "
        f"{sum(j.submits for j in journeys)} submissions for {len(journeys)} applications; "
        f"errors met and outlived: {dict(sorted(tolerated.items()))}\n"
        f"inbox duplicates absorbed: {absorbed_duplicates(options)}\n"
        f"{found.report()}\nservers: PostgreSQL {private_postgres.timings.summary()}; "
        f"RabbitMQ {private_rabbitmq.timings.summary()}; exit statuses {stopped}"
    )
    unfinished = [
        f"{j.request_id or j.number}: {j.errors.most_common(3)}" for j in journeys if not j.done
    ]
    assert not unfinished, "\n".join([*unfinished, found.report(), queues.stdout])
    assert all(f.fired_at_s is not None for f in campaign.faults)
    assert not found.problems, found.report()
    assert found.account is not None
    assert found.account.ok, found.account.report()
    assert all(report.ok for report in found.chains.values()), found.chains
    # Every application was taken (a refusal while a service was down is retried) and ended.
    assert [j.failure for j in journeys if j.failure] == []
    assert all(j.done for j in journeys)
    assert found.requests == N
    assert found.final == Counter(j.status for j in journeys)
    # The stack stopped cleanly after it all.
    assert set(stopped.values()) == {0}, stopped
