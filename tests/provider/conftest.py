"""provider_svc under test: SQLite event logs, a simulated clock, a real НУЦ (registry_svc's
CA in-process) issuing the workstations', the portal's, the PSC desk's and the staff's
certificates, and the inbox consumer driven with deliveries as the gateway makes them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from provider_svc.domain.workstations import WORKSTATIONS
from provider_svc.domain.workstations import workstation as workstation_of
from provider_svc.handlers import REQUEST_TYPE, ProviderService
from provider_svc.ports import ApplicantRecord
from registry_svc.ca_service import CaService, LocalRevocationSource
from regulations import definitions_dir
from shared.bus.port import Delivery, Message
from shared.calendar import KzCalendar
from shared.clock import SimulatedClock
from shared.envelope import Envelope
from shared.eventlog.port import RecordedEvent
from shared.eventlog.sqlite import SqliteEventStore
from shared.ids import Gender, make_iin
from shared.inbox import InboxConsumer
from shared.pki.ca import CaUrls
from shared.pki.jws import JwsSigner, JwsVerifier
from shared.pki.pkcs12 import KeyFile, load_pkcs12
from shared.pki.profiles import (
    EntityRole,
    Individual,
    InformationSystem,
    KeyPurpose,
    LegalEntitySigner,
)
from shared.pki.revocation_client import RevocationChecker
from shared.regulation.catalog import Catalog

# Monday 4 November 2019, 09:00 in Almaty: A 2018, C and D are in force, a working day.
ALMATY_2019 = datetime(2019, 11, 4, 3, 0, tzinfo=UTC)
# Monday 4 March 2013, 09:00 in Astana: E (astana-2012) is in force.
ASTANA_2013 = datetime(2013, 3, 4, 3, 0, tzinfo=UTC)

APPLICANT = make_iin(date(1980, 5, 17), Gender.MALE, 1)
UNKNOWN_PERSON = make_iin(date(1975, 1, 2), Gender.FEMALE, 7)


def iin(serial: int) -> str:
    return make_iin(date(1985, 3, 1), Gender.FEMALE, serial)


@dataclass
class FakeRegistry:
    """The person registry as the gateway's sync channel would answer; records the asks."""

    known: set[str] = field(default_factory=lambda: {APPLICANT})
    asked: list[tuple[str, str]] = field(default_factory=list)

    async def person(self, iin: str, *, workstation: str) -> ApplicantRecord:
        self.asked.append((iin, workstation))
        return ApplicantRecord(iin, iin in self.known, "TESTOV TEST" if iin in self.known else None)


@dataclass
class Harness:
    store: SqliteEventStore
    clock: SimulatedClock
    ca: CaService
    verifier: JwsVerifier
    service: ProviderService
    inbox: InboxConsumer
    registry: FakeRegistry
    systems: dict[str, JwsSigner]
    staff: dict[tuple[str, str], tuple[str, JwsSigner]] = field(default_factory=dict)
    # Each staff member's key file, by IIN: the same key signs CMS in a browser.
    key_files: dict[str, KeyFile] = field(default_factory=dict)

    async def system_signer(self, system_id: str) -> JwsSigner:
        if system_id not in self.systems:
            issued = await self.ca.issue(
                InformationSystem(system_id), KeyPurpose.SIGNING, password="pw"
            )
            self.systems[system_id] = JwsSigner.from_key_file(
                load_pkcs12(issued.pkcs12, password="pw")
            )
        return self.systems[system_id]

    async def hire(self, workstation: str, role: str, *roles: str) -> tuple[str, JwsSigner]:
        """A staff member in ``role`` (and ``roles``) with a personal signing certificate."""
        key = (workstation, role)
        if key in self.staff:
            return self.staff[key]
        staff_iin = iin(len(self.staff) + 10)
        person = Individual(staff_iin, f"Staff{len(self.staff)}", role.replace("_", ""))
        department = workstation_of(workstation)  # its staff sign with OU=BIN<its BIN>
        holder = LegalEntitySigner(person, department.bin, department.name, EntityRole.EMPLOYEE)
        issued = await self.ca.issue(holder, KeyPurpose.SIGNING, password="pw")
        self.key_files[staff_iin] = load_pkcs12(issued.pkcs12, password="pw")
        signer = JwsSigner.from_key_file(self.key_files[staff_iin])
        await self.service.appoint(
            workstation, iin=staff_iin, name=f"{role} clerk", roles=[role, *roles], by="test-admin"
        )
        self.staff[key] = (staff_iin, signer)
        return self.staff[key]

    async def deliver(
        self,
        *,
        sender: str,
        recipient: str,
        service_code: str,
        body: Mapping[str, Any],
        type_: str = REQUEST_TYPE,
        correlation_id: str | None = None,
    ) -> str:
        """What the gateway puts in ``to.<recipient>``: the sender's signed envelope."""
        signer = await self.system_signer(sender)
        envelope = Envelope(
            message_id=uuid4(),
            correlation_id=correlation_id or str(uuid4()),
            type=type_,
            sender=sender,
            recipient=recipient,
            service_code=service_code,
            sent_at=self.clock.now(),
            body=dict(body),
        ).signed(signer)
        message = Message(
            "egov.deliver", recipient, envelope.model_dump_json().encode(), str(envelope.message_id)
        )
        await self.inbox(Delivery(message, f"to.{recipient}", 1, False))
        await self.service.arm(envelope.correlation_id)
        return envelope.correlation_id

    async def outbox(self) -> list[Envelope]:
        rows = await self.store.pending_outbox(limit=10_000)
        return [Envelope.model_validate_json(r.message.body) for r in rows]

    async def statuses(self, request_id: str) -> list[str]:
        return [
            str(e.body["status"])
            for e in await self.outbox()
            if e.correlation_id == request_id and e.type == "status.changed.v2"
        ]

    async def stream(self, request_id: str) -> list[RecordedEvent]:
        return await self.store.read_stream(f"provider-request-{request_id}")


def applicant_body(**form: Any) -> dict[str, Any]:
    return {
        "applicant_iin": APPLICANT,
        "form": form or {"item_description": "A painting", "destination_country": "France"},
        "documents": [{"code": "standard_p9_documents", "sha256": "00" * 32}],
    }


async def make_harness(tmp_path: Path, start: datetime) -> AsyncIterator[Harness]:
    clock = SimulatedClock(start)
    ca_store = SqliteEventStore(tmp_path / "ca.sqlite3", clock=clock)
    store = SqliteEventStore(tmp_path / "provider.sqlite3", clock=clock)
    await ca_store.open()
    await store.open()
    ca = CaService(
        ca_store, clock, tmp_path / "ca", urls=CaUrls(ocsp="http://ca/ocsp", crl="http://ca/crl")
    )
    await ca.start()
    checker = RevocationChecker(LocalRevocationSource(ca), clock, use_cache=False)
    verifier = JwsVerifier([ca.trust_anchor], clock, checker)
    registry = FakeRegistry()
    harness_systems: dict[str, JwsSigner] = {}
    catalog = Catalog.from_directory(definitions_dir())
    service = ProviderService(
        store,
        clock,
        catalog,
        KzCalendar(),
        signers=harness_systems,
        verifier=verifier,
        lookup=registry,
    )
    harness = Harness(
        store,
        clock,
        ca,
        verifier,
        service,
        # One inbox for every workstation's queue, each delivery taken as its queue's
        # workstation (production runs one per queue: workstation_inbox).
        InboxConsumer(
            store,
            "provider",
            lambda d: service.handle_delivery(d, workstation=d.queue.removeprefix("to.")),
        ),
        registry,
        harness_systems,
    )
    try:
        for ws in WORKSTATIONS:
            await harness.system_signer(ws.system_id)
        yield harness
    finally:
        service.stop_timers()
        await store.close()
        await ca_store.close()


@pytest.fixture
async def almaty(tmp_path: Path) -> AsyncIterator[Harness]:
    async for h in make_harness(tmp_path, ALMATY_2019):
        yield h


@pytest.fixture
async def astana(tmp_path: Path) -> AsyncIterator[Harness]:
    async for h in make_harness(tmp_path, ASTANA_2013):
        yield h


def decode(body: bytes) -> dict[str, Any]:
    return dict(json.loads(body))
