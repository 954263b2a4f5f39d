"""registry_svc under test: a SQLite event log in a temporary directory, the CA's keys next to
it, and the HTTP app driven in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from registry_svc.components import RegistryComponents
from registry_svc.entrypoints.api import build_router
from shared.clock import SimulatedClock
from shared.eventlog.sqlite import SqliteEventStore
from shared.pki import oids
from shared.pki.http_signing import sign_request
from shared.pki.jws import JwsSigner
from shared.pki.pkcs12 import load_pkcs12
from shared.pki.profiles import (
    Individual,
    InformationSystem,
    KeyPurpose,
    LegalEntitySigner,
    simulator_operator,
)
from shared.web import create_service_app


class _NoBus:
    async def ping(self) -> None:
        return None


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(datetime.now(UTC))


@pytest.fixture
async def store(tmp_path: Path, clock: SimulatedClock) -> AsyncIterator[SqliteEventStore]:
    event_store = SqliteEventStore(tmp_path / "registry.sqlite3", clock=clock)
    await event_store.open()
    yield event_store
    await event_store.close()


@pytest.fixture
async def components(
    store: SqliteEventStore, clock: SimulatedClock, tmp_path: Path
) -> RegistryComponents:
    parts = RegistryComponents(
        store, clock, data_dir=tmp_path / "data", public_url="http://registry.test"
    )
    await parts.start()
    return parts


def make_app(components: RegistryComponents, store: SqliteEventStore) -> FastAPI:
    app = create_service_app(
        "registry",
        store=store,
        bus=_NoBus(),
        version="test",
        title="registry (test)",
        description="registry under test",
    )
    app.include_router(build_router(components))
    return app


@pytest.fixture
async def client(
    components: RegistryComponents, store: SqliteEventStore
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=make_app(components, store))
    async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as http:
        yield http


SignFn = Callable[[str, str, bytes], dict[str, str]]


async def system_signer(components: RegistryComponents, system_id: str) -> JwsSigner:
    issued = await components.ca.issue(
        InformationSystem(system_id), KeyPurpose.SIGNING, password="pw"
    )
    return JwsSigner.from_key_file(load_pkcs12(issued.pkcs12, password="pw"))


def signed_headers(
    signer: JwsSigner, method: str, target: str, body: bytes = b""
) -> dict[str, str]:
    return sign_request(signer, method, target, body)


@pytest.fixture
async def gateway(components: RegistryComponents) -> JwsSigner:
    return await system_signer(components, "gateway")


async def person_signer(
    components: RegistryComponents, holder: Individual | LegalEntitySigner
) -> JwsSigner:
    issued = await components.ca.issue(holder, KeyPurpose.SIGNING, password="pw")
    return JwsSigner.from_key_file(load_pkcs12(issued.pkcs12, password="pw"))


RA_PERSON = Individual("800101300125", "Operator", "Registration")


async def ra_signer(components: RegistryComponents) -> JwsSigner:
    """The registration authority's operator, who is also a registrar, as provisioned."""
    holder = simulator_operator(RA_PERSON, (oids.ROLE_RA_OPERATOR, oids.ROLE_REGISTRAR))
    return await person_signer(components, holder)


@pytest.fixture
async def ra(components: RegistryComponents) -> JwsSigner:
    return await ra_signer(components)


@pytest.fixture
async def citizen(components: RegistryComponents) -> JwsSigner:
    """Any citizen with their own personal signing certificate."""
    return await person_signer(components, Individual("851231400011", "Seitkali", "Aigerim"))
