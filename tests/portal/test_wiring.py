"""The composition root with real key files and trust anchors, and the registry look-up
adapter's reading of the gateway's sync-channel answers."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI

from portal_svc.bootstrap import bootstrap
from portal_svc.errors import Unavailable
from portal_svc.registry_lookup import GatewayPersonLookup
from portal_svc.settings import PortalSettings
from shared.bus.memory import InMemoryBus
from shared.eventlog.sqlite import SqliteEventStore
from shared.pki.http_signing import SIGNATURE_HEADER, received_signing_bytes
from shared.pki.pkcs12 import dump_pkcs12
from shared.pki.profiles import InformationSystem
from tests.pki.conftest import CaPair
from tests.portal.conftest import World, iin


def _routes(app: FastAPI) -> set[str]:
    return set(app.openapi()["paths"])


async def test_bootstrap_serves_the_portal_only_with_keys_and_anchors(
    tmp_path: Path, sim_ca: CaPair, world: World
) -> None:
    store = SqliteEventStore(tmp_path / "b.sqlite3")
    bus = InMemoryBus()
    bare = bootstrap(PortalSettings(), store=store, bus=bus)
    assert "/catalog" not in _routes(bare.app)
    signer, certificate = world.issue_with_certificate(InformationSystem("portal"))
    key_file = tmp_path / "portal.p12"
    key_file.write_bytes(
        dump_pkcs12(
            signer._key,
            certificate,
            (sim_ca.issuing.certificate,),
            password="secret-1",
        )
    )
    anchors = tmp_path / "roots.pem"
    anchors.write_bytes(sim_ca.root.certificate.public_bytes(serialization.Encoding.PEM))
    settings = PortalSettings(
        key_file=key_file,
        key_password="secret-1",
        trust_anchors=anchors,
        attachments_dir=tmp_path / "att",
    )
    full = bootstrap(settings, store=store, bus=bus)
    assert {"/catalog", "/auth/login", "/psc/requests", "/verify/{number}"} <= _routes(full.app)


def _lookup(
    world: World, answer: httpx.Response
) -> tuple[GatewayPersonLookup, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://gw")
    return GatewayPersonLookup(client, world.systems["portal"]), seen


async def test_lookup_signs_the_request_and_reads_the_answers(world: World) -> None:
    lookup, seen = _lookup(world, httpx.Response(200, json={"iin": iin(1), "surname": "X"}))
    assert await lookup.person(iin(1)) == {"iin": iin(1), "surname": "X"}
    [request] = seen
    assert request.url.path == "/sync/registry.person"
    assert request.headers["X-Egov-Sender"] == "portal"
    body = request.content
    assert json.loads(body) == {"iin": iin(1)}
    verified = world.portal.service.verifier.verify(
        received_signing_bytes("POST", "/sync/registry.person", body, request.headers),
        request.headers[SIGNATURE_HEADER],
    )
    assert verified.ok
    assert verified.identity is not None
    assert verified.identity.subject == "portal"
    missing, _ = _lookup(world, httpx.Response(404, json={"code": "not_found"}))
    assert await missing.person(iin(2)) is None
    for answer in (
        httpx.Response(404, json={"code": "UNKNOWN_SERVICE"}),  # the gateway's, not the registry's
        httpx.Response(504, json={"code": "PROVIDER_TIMEOUT"}),
    ):
        failing, _ = _lookup(world, answer)
        with pytest.raises(Unavailable):
            await failing.person(iin(3))


async def test_simulated_date_setting_selects_the_catalog(
    tmp_path: Path, sim_ca: CaPair, world: World
) -> None:
    signer, certificate = world.issue_with_certificate(InformationSystem("portal"))
    key_file = tmp_path / "portal.p12"
    key = signer._key
    key_file.write_bytes(
        dump_pkcs12(key, certificate, (sim_ca.issuing.certificate,), password="secret-1")
    )
    anchors = tmp_path / "roots.pem"
    anchors.write_bytes(sim_ca.root.certificate.public_bytes(serialization.Encoding.PEM))
    store = SqliteEventStore(tmp_path / "c.sqlite3")
    await store.open()
    settings = PortalSettings(
        key_file=key_file,
        key_password="secret-1",
        trust_anchors=anchors,
        attachments_dir=tmp_path / "att",
        simulated_date=date(2014, 7, 1),
    )
    service = bootstrap(settings, store=store, bus=InMemoryBus())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=service.app), base_url="http://portal"
    ) as client:
        catalog = (await client.get("/catalog")).json()
    await store.close()
    assert catalog["date"].startswith("2014-07-01")
    assert {s["code"] for s in catalog["services"]} == {
        "cultural_values_export",
        "restoration_approval",
    }
