"""Concurrent POST /ca/certificates, as a load generator sends them: every call is issued (none
answers 500 after losing the CA stream's version race), the serials are distinct, every issued
certificate is in the CA's state and its log, and the log's hash chain verifies. On SQLite and
on PostgreSQL; on PostgreSQL also with two registry processes' worth of CaService writing the
same stream at once (only the version check orders them)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest

from registry_svc import ca_service
from registry_svc.ca_service import CaService
from registry_svc.components import RegistryComponents
from registry_svc.domain.ca import CA_STREAM, CERTIFICATE_ISSUED
from registry_svc.errors import RegistryError
from shared.clock import SimulatedClock
from shared.eventlog.factory import open_event_store
from shared.eventlog.port import ConcurrencyConflict, EventStore
from shared.ids import Gender, IdError, make_iin
from shared.pki.ca import CaUrls
from shared.pki.jws import JwsSigner
from shared.pki.profiles import InformationSystem, KeyPurpose
from tests.registry.conftest import make_app, ra_signer, signed_headers

CALLS = 40
URLS = CaUrls(ocsp="http://registry.test/ocsp", crl="http://registry.test/crl")


def _iins(count: int) -> list[str]:
    found: list[str] = []
    for serial in range(10 * count):
        with contextlib.suppress(IdError):  # a serial with no check digit
            found.append(make_iin(date(1990, 1, 1), Gender.MALE, serial))
        if len(found) == count:
            return found
    raise AssertionError("too few IINs")


IINS = _iins(CALLS)


def _person(index: int) -> dict[str, str]:
    # The registry does not look the IIN up when issuing; it must only be a valid IIN.
    return {
        "kind": "individual",
        "iin": IINS[index],
        "surname": "Оспанов",
        "given_name": f"Ерлан{index}",
        "password": "pw",
    }


async def _issue_all(
    clients: Sequence[httpx.AsyncClient], signer: JwsSigner, count: int
) -> list[httpx.Response]:
    async def one(index: int) -> httpx.Response:
        body = json.dumps(_person(index)).encode()
        headers = signed_headers(signer, "POST", "/ca/certificates", body)
        headers["content-type"] = "application/json"
        client = clients[index % len(clients)]
        return await client.post("/ca/certificates", content=body, headers=headers)

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def _check(
    responses: Sequence[httpx.Response], store: EventStore, components: RegistryComponents
) -> None:
    failed = [(r.status_code, r.text[:200]) for r in responses if r.status_code != 201]
    assert failed == []
    serials = [int(r.json()["serial"], 16) for r in responses]
    assert len(set(serials)) == len(serials)
    await components.ca.refresh()
    assert set(serials) <= set(components.ca.state.issued)
    events = await store.read_stream(CA_STREAM)
    logged = [int(str(e.data["serial"]), 16) for e in events if e.type == CERTIFICATE_ISSUED]
    assert len(logged) == len(set(logged))
    assert set(serials) <= set(logged)
    assert [e.version for e in events] == list(range(1, len(events) + 1))
    report = await store.verify_chain()
    assert report.ok, report


async def _client(components: RegistryComponents, store: EventStore) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=make_app(components, store))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://registry.test")


async def test_concurrent_issuance_over_http_on_sqlite(
    components: RegistryComponents, client: httpx.AsyncClient
) -> None:
    signer = await ra_signer(components)
    responses = await _issue_all([client], signer, CALLS)
    await _check(responses, components.ca._store, components)


@pytest.fixture
async def pg_store(pg_dsn: str, pg_schema: str) -> AsyncIterator[EventStore]:
    url = f"{pg_dsn}{'&' if '?' in pg_dsn else '?'}schema={pg_schema}"
    store = await open_event_store(url, clock=SimulatedClock(datetime.now(UTC)))
    try:
        yield store
    finally:
        await store.close()


@pytest.mark.infra
async def test_concurrent_issuance_over_http_on_postgres(
    pg_store: EventStore, tmp_path: Path
) -> None:
    clock = SimulatedClock(datetime.now(UTC))
    components = RegistryComponents(
        pg_store, clock, data_dir=tmp_path, public_url="http://registry.test"
    )
    await components.start()
    signer = await ra_signer(components)
    async with await _client(components, pg_store) as client:
        responses = await _issue_all([client], signer, CALLS)
    await _check(responses, pg_store, components)


@pytest.mark.infra
async def test_two_ca_instances_issue_concurrently_on_postgres(
    pg_store: EventStore, tmp_path: Path
) -> None:
    """Two CaService over one log and one key directory, as two registry processes: their
    writes meet only at the stream's version check, and every issuance still succeeds."""
    clock = SimulatedClock(datetime.now(UTC))
    first = RegistryComponents(pg_store, clock, data_dir=tmp_path, public_url="http://r.test")
    await first.start()
    second = RegistryComponents(pg_store, clock, data_dir=tmp_path, public_url="http://r.test")
    await second.start()
    signer = await ra_signer(first)
    async with (
        await _client(first, pg_store) as one,
        await _client(second, pg_store) as two,
    ):
        responses = await _issue_all([one, two], signer, CALLS)
    await _check(responses, pg_store, first)
    issued = await second.ca.issue(InformationSystem("after"), KeyPurpose.SIGNING, password="p")
    await first.ca.refresh()
    assert issued.serial in first.ca.state.issued


class _SlowFirstRead:
    """An event store whose first CA read is answered late: a refresh that read earlier
    finishes after one that read later."""

    def __init__(self, store: EventStore) -> None:
        self._store = store
        self.release = asyncio.Event()
        self._first = True

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    async def read_stream(self, stream_id: str, from_version: int = 1) -> object:
        events = await self._store.read_stream(stream_id, from_version=from_version)
        if self._first:
            self._first = False
            await self.release.wait()
        return events


async def test_a_late_refresh_does_not_take_the_state_back(
    components: RegistryComponents, tmp_path: Path, clock: SimulatedClock
) -> None:
    store = components.ca._store
    slow = _SlowFirstRead(store)
    reader = CaService(slow, clock, tmp_path / "data", urls=URLS)  # type: ignore[arg-type]
    late = asyncio.create_task(reader.refresh())  # reads the log as it is now: CaCreated
    await asyncio.sleep(0)
    await components.ca.issue(InformationSystem("one"), KeyPurpose.SIGNING, password="p")
    await reader.refresh()
    version = reader.state.version
    slow.release.set()
    await late
    assert reader.state.version == version == (await store.read_stream(CA_STREAM))[-1].version


async def test_a_write_that_keeps_losing_answers_503_ca_busy(
    components: RegistryComponents, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def always_lost(*args: object, **kwargs: object) -> None:
        raise ConcurrencyConflict("ca", 1, 2)

    monkeypatch.setattr(ca_service, "_WRITE_PATIENCE_S", 0.05)
    monkeypatch.setattr(components.ca._store, "append", always_lost)
    with pytest.raises(RegistryError) as raised:
        await components.ca.issue(InformationSystem("x"), KeyPurpose.SIGNING, password="p")
    assert (raised.value.code, raised.value.status) == ("ca_busy", 503)
    assert "lost races" in str(raised.value)
