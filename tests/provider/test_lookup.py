"""The registry look-up through the gateway's sync channel, against a fake gateway that checks
what the real one checks: the signature over method, target and body hash, and the sender."""

from __future__ import annotations

import json

import httpx
import pytest

from provider_svc.lookup import GatewayPersonLookup
from shared.pki.http_signing import SENDER_HEADER, SIGNATURE_HEADER, received_signing_bytes
from tests.provider.conftest import APPLICANT, Harness

CULTURE = "provider.almaty.culture"
PERSON = {
    "iin": APPLICANT,
    "surname": {"kk": "Тестов", "ru": "Тестов"},
    "name": {"kk": "Тест", "ru": "Тест"},
    "status": "active",
}


async def test_lookup_signs_as_the_workstation_and_maps_answers(almaty: Harness) -> None:
    h = almaty
    seen: list[str] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/sync/registry.person"
        payload = received_signing_bytes("POST", request.url.path, request.content, request.headers)
        checked = h.verifier.verify(payload, request.headers[SIGNATURE_HEADER])
        assert checked.ok
        assert checked.identity is not None
        assert checked.identity.subject == request.headers[SENDER_HEADER] == CULTURE
        iin = json.loads(request.content)["iin"]
        seen.append(iin)
        if iin == APPLICANT:
            return httpx.Response(200, json=PERSON)
        if iin == "000000000000":
            return httpx.Response(200, json={**PERSON, "status": "deceased"})
        if iin == "111111111111":
            return httpx.Response(503, json={"code": "GATEWAY_UNAVAILABLE"})
        if iin == "333333333333":
            fault = {"code": "UNKNOWN_SERVICE", "message": "no such service", "origin": "client"}
            return httpx.Response(404, json=fault)
        return httpx.Response(404, json={"code": "not_found"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(gateway)) as client:
        lookup = GatewayPersonLookup(client, "http://gw", lambda ws: h.systems[ws])
        found = await lookup.person(APPLICANT, workstation=CULTURE)
        assert found.found
        assert found.name == "Тестов Тест"
        assert not (await lookup.person("222222222222", workstation=CULTURE)).found
        assert not (await lookup.person("000000000000", workstation=CULTURE)).found
        with pytest.raises(RuntimeError, match="503"):
            await lookup.person("111111111111", workstation=CULTURE)
        with pytest.raises(RuntimeError, match="UNKNOWN_SERVICE"):
            await lookup.person("333333333333", workstation=CULTURE)
    assert seen == [APPLICANT, "222222222222", "000000000000", "111111111111", "333333333333"]
