"""Signed calls to the registry are fresh and accepted once: a captured call replayed is
REQUEST_REPLAYED, an old one REQUEST_EXPIRED, and the nonces outlive a restart of the store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from registry_svc.components import RegistryComponents
from shared.clock import SimulatedClock
from shared.eventlog.sqlite import SqliteEventStore
from shared.pki.http_signing import NONCE_HEADER, TIMESTAMP_HEADER, sign_request
from shared.pki.jws import JwsSigner
from tests.registry.conftest import make_app

TARGET = "/persons/900101300126"


@pytest.fixture
async def captured(gateway: JwsSigner) -> dict[str, str]:
    return sign_request(gateway, "GET", TARGET)


async def test_a_replayed_call_is_refused(
    client: httpx.AsyncClient, captured: dict[str, str]
) -> None:
    first = await client.get(TARGET, headers=captured)
    assert first.status_code == 404, first.text  # authenticated; no such person
    again = await client.get(TARGET, headers=captured)
    assert (again.status_code, again.json()["code"]) == (401, "request_replayed")


@pytest.mark.parametrize("off_by", [timedelta(seconds=-301), timedelta(seconds=301)])
async def test_a_call_signed_outside_the_window_is_refused(
    client: httpx.AsyncClient, gateway: JwsSigner, off_by: timedelta
) -> None:
    stale = sign_request(gateway, "GET", TARGET, now=datetime.now(UTC) + off_by)
    response = await client.get(TARGET, headers=stale)
    assert (response.status_code, response.json()["code"]) == (401, "request_expired")


async def test_the_window_follows_real_time_not_the_simulated_date(
    client: httpx.AsyncClient, gateway: JwsSigner, clock: SimulatedClock
) -> None:
    await clock.advance(timedelta(days=30))  # the business date moves; signatures stay fresh
    response = await client.get(TARGET, headers=sign_request(gateway, "GET", TARGET))
    assert response.status_code == 404, response.text


@pytest.mark.parametrize("header", [TIMESTAMP_HEADER, NONCE_HEADER])
async def test_a_call_without_timestamp_or_nonce_is_refused_naming_the_header(
    client: httpx.AsyncClient, captured: dict[str, str], header: str
) -> None:
    headers = {k: v for k, v in captured.items() if k != header}
    response = await client.get(TARGET, headers=headers)
    assert (response.status_code, response.json()["code"]) == (401, "request_expired")
    assert header in response.json()["message"]


async def test_a_changed_timestamp_breaks_the_signature(
    client: httpx.AsyncClient, captured: dict[str, str]
) -> None:
    later = (datetime.now(UTC) + timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    response = await client.get(TARGET, headers={**captured, TIMESTAMP_HEADER: later})
    assert (response.status_code, response.json()["code"]) == (401, "bad_signature")


@pytest.fixture
async def second_store(tmp_path: Path, clock: SimulatedClock) -> AsyncIterator[SqliteEventStore]:
    reopened = SqliteEventStore(tmp_path / "registry.sqlite3", clock=clock)
    yield reopened
    await reopened.close()


async def test_a_call_accepted_before_a_restart_is_refused_after_it(
    client: httpx.AsyncClient,
    store: SqliteEventStore,
    second_store: SqliteEventStore,
    captured: dict[str, str],
    clock: SimulatedClock,
    tmp_path: Path,
) -> None:
    assert (await client.get(TARGET, headers=captured)).status_code == 404
    await store.close()  # the registry stops
    await second_store.open()  # and starts again on the same database
    restarted = RegistryComponents(
        second_store, clock, data_dir=tmp_path / "data", public_url="http://registry.test"
    )
    await restarted.start()
    transport = httpx.ASGITransport(app=make_app(restarted, second_store))
    async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as http:
        again = await http.get(TARGET, headers=captured)
    assert (again.status_code, again.json()["code"]) == (401, "request_replayed")
