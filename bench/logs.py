"""Filled event logs of each service, for the replay and the pages benchmarks: each written by
that service's own code where that is cheap, into a SQLite file (``egov run``'s store; the replay
benchmark exports it and imports it into PostgreSQL too, the pages benchmark serves it).

* portal: request streams as the portal writes them (draft, form, submitted, two statuses:
  5 events per request), appended directly; driving the real portal costs an Argon2id hash
  per applicant.
* gateway: the real gateway (``bench.gateway_bench.gateway_rig``) verifying, logging and
  forwarding signed envelopes over RabbitMQ (or, without a broker, the in-memory bus), its
  message log in SQLite (about 4 records per message).
* elicense: ``ElicenseService`` taking each portal request to a signed, handed-out permit
  (register, assign, check, draft, sign, hand out), as tests/elicense/test_permits.py does;
  with ``spread``, request i stops after i mod 7 of those six steps (a desk with every stage).
* registry: ``registry_svc.seed`` registering a synthetic population (persons, and a tenth as
  many legal entities headed by them): one event each.
* provider: ``ProviderService`` working each A-2018 portal request to the certificate
  (tests/provider/fill_log.py; the pages benchmark fills a live harness with its ``fill_into``,
  ``spread``: request i stops after i mod 8 of the 8 steps, every request open).

The elicense and provider fills reuse their test harnesses (fake registry, in-process CA): the
point is a log with the events and proportions the real service writes.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from shared.clock import SimulatedClock
from shared.eventlog.port import NewEvent
from shared.eventlog.sqlite import SqliteEventStore

Filler = Callable[[Path, int, str | None], Awaitable[Path]]


async def fill_portal(
    directory: Path, requests: int, _amqp: str | None = None, *, owner: str = "900101300126"
) -> Path:
    """``requests`` requests of the applicant whose account id is ``owner``."""
    from portal_svc.domain import events

    path = directory / "portal.sqlite3"
    store = SqliteEventStore(path)
    await store.open()
    try:
        at = "2019-11-04T03:00:00+00:00"
        for i in range(requests):
            rid = f"P{i:06d}"
            status = {"request_id": rid, "at": "2019-11-04T04:00:00+00:00"}
            await store.append(
                events.request_stream(rid),
                [
                    NewEvent(
                        events.DRAFT_CREATED,
                        {
                            "request_id": rid,
                            "owner": owner,
                            "service": "cultural_values_export",
                            "version": "almaty-2018",
                            "channel": "portal",
                            "recipient": "provider.almaty.culture",
                            "applicant_iin": owner,
                            "at": at,
                        },
                        metadata={"actor": owner},
                    ),
                    NewEvent(
                        events.FORM_FILLED,
                        {"request_id": rid, "form": {"item_description": "A dombra"}, "at": at},
                        metadata={"actor": owner},
                    ),
                    NewEvent(
                        events.REQUEST_SUBMITTED,
                        {"request_id": rid, "deadline": at, "term": "11 working days", "at": at},
                        metadata={"actor": owner},
                    ),
                    NewEvent(
                        events.STATUS_CHANGED,
                        status | {"status": "registered", "step": "register"},
                        metadata={"actor": "gateway"},
                    ),
                    NewEvent(
                        events.STATUS_CHANGED,
                        status | {"status": "in_progress", "step": "review"},
                        metadata={"actor": "gateway"},
                    ),
                ],
                expected_version=0,
            )
    finally:
        await store.close()
    return path


async def fill_registry(directory: Path, persons: int, _amqp: str | None = None) -> Path:
    from registry_svc.domain.registry import RegistryView
    from registry_svc.seed import generate_population, load_population

    path = directory / "registry.sqlite3"
    store = SqliteEventStore(path)
    await store.open()
    try:
        population = generate_population(persons, max(1, persons // 10), seed=20191104)
        await load_population(store, population, RegistryView())
    finally:
        await store.close()
    return path


async def fill_provider(directory: Path, requests: int, _amqp: str | None = None) -> Path:
    from tests.provider.fill_log import fill

    await fill(requests, directory)
    return directory / "provider.sqlite3"


async def fill_elicense(
    directory: Path, requests: int, _amqp: str | None = None, *, spread: bool = False
) -> Path:
    from datetime import timedelta

    from elicense_svc.domain.directory import Directory
    from elicense_svc.domain.permit import signing_bytes
    from elicense_svc.engines import Engines
    from elicense_svc.handlers import ElicenseService, RetryPolicy
    from regulations import definitions_dir
    from shared.calendar import KzCalendar
    from shared.pki.profiles import InformationSystem
    from shared.regulation.catalog import Catalog
    from tests.elicense import conftest as el
    from tests.elicense.test_paths import portal_submit
    from tests.pki.fakes import FakeCaEndpoint

    path = directory / "elicense.sqlite3"
    clock = SimulatedClock(el.START)
    store = SqliteEventStore(path, clock=clock)
    await store.open()
    try:
        ca = el.make_test_ca(datetime(2013, 1, 1, tzinfo=UTC))
        pki = el.Pki(ca, clock, FakeCaEndpoint(ca, clock))
        directory_ = Directory.from_mapping(el.DIRECTORY)
        applicant = el.APPLICANT_IIN
        service = ElicenseService(
            store=store,
            clock=clock,
            engines=Engines(Catalog.from_directory(definitions_dir()), KzCalendar()),
            directory=directory_,
            lookup=el.FakeRegistry(records={applicant: {"iin": applicant, "name": "A"}}),
            signer=pki.signer(InformationSystem("elicense")),
            verifier=pki.verifier(),
            retry=RetryPolicy(base=timedelta(seconds=30), max=timedelta(minutes=10)),
        )
        clerk = el.staff_actor(
            directory_, el.CLERK_IIN, pki.staff(el.CLERK_IIN, el.ALMATY_CULTURE_BIN)
        )
        executor = el.staff_actor(
            directory_, el.EXECUTOR_IIN, pki.staff(el.EXECUTOR_IIN, el.ALMATY_CULTURE_BIN)
        )
        head_signer = pki.staff(el.HEAD_IIN, el.ALMATY_CULTURE_BIN)
        head = el.staff_actor(directory_, el.HEAD_IIN, head_signer)
        for i in range(requests):
            rid = f"p-{i}"
            await portal_submit(service, pki, request_id=rid)
            steps = i % 7 if spread else 6
            # 000 p.5.1: the executor registers a request that came through the portal.
            if steps >= 1:
                await service.act(executor, rid, step="register_portal", outcome="registered")
            if steps >= 2:
                await service.act(head, rid, step="assign_executor", outcome="assigned")
            if steps >= 3:
                await service.act(executor, rid, step="check_documents", outcome="complete")
            if steps >= 4:
                await service.act(executor, rid, step="prepare_result", outcome="result_drafted")
            if steps >= 5:
                draft = await service.permit_draft(head, rid)
                signature = head_signer.sign(signing_bytes(draft))
                await service.act(
                    head, rid, step="sign", outcome="signed", document_signature=signature
                )
            if steps >= 6:
                await service.act(clerk, rid, step="hand_out", outcome="issued")
        await service.idle()
    finally:
        await store.close()
    return path


async def fill_gateway(directory: Path, messages: int, amqp_url: str | None = None) -> Path:
    """Through RabbitMQ at ``amqp_url``; without one, through the in-memory bus (the gateway's
    same code, the broker's part left out)."""
    from bench.gateway_bench import gateway_rig
    from shared.bus.memory import InMemoryBus

    path = directory / "gateway.sqlite3"
    store = SqliteEventStore(path)
    await store.open()
    bus = None if amqp_url else InMemoryBus()
    try:
        async with gateway_rig(amqp_url, store, "bench" + uuid.uuid4().hex[:8], bus=bus) as rig:
            for start in range(0, messages, 500):
                await rig.pump(min(500, messages - start))
    finally:
        await store.close()
    return path


FILLERS: dict[str, Filler] = {
    "portal": fill_portal,
    "gateway": fill_gateway,
    "elicense": fill_elicense,
    "registry": fill_registry,
    "provider": fill_provider,
}
