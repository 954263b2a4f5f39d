# ruff: noqa: RUF001  (Kazakh and Russian test data: Cyrillic letters are meant here)
"""The registries over HTTP: lookups by IIN, BIN and head IIN, 422 with the reason for an
invalid number, a named not-found answer, change events, and the caller's signature."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from cryptography import x509

from registry_svc.components import RegistryComponents
from registry_svc.domain.registry import person_stream
from shared.eventlog.sqlite import SqliteEventStore
from shared.pki.http_signing import SIGNATURE_HEADER
from shared.pki.jws import JwsSigner
from tests.registry.conftest import signed_headers, system_signer

PERSON: dict[str, Any] = {
    "iin": "900101300126",
    "surname": {"kk": "Оспанов", "ru": "Оспанов"},
    "name": {"kk": "Ерлан", "ru": "Ерлан"},
    "patronymic": {"kk": "Мұратұлы", "ru": "Муратович"},
    "birth_date": "1990-01-01",
    "gender": "MALE",
    "address": "г. Астана, ул. Абая, д. 1, кв. 2",
}
ENTITY: dict[str, Any] = {
    "bin": "050140000656",
    "name": {"kk": '"Дала Жер" ЖШС', "ru": 'ТОО "Дала Жер"'},
    "registration_date": "2005-01-20",
    "head_iin": "900101300126",
    "address": "г. Алматы, ул. Достык, д. 5",
}


async def call(
    client: httpx.AsyncClient, signer: JwsSigner, method: str, target: str, body: Any = None
) -> httpx.Response:
    raw = b"" if body is None else json.dumps(body).encode()
    headers = signed_headers(signer, method, target, raw)
    if body is not None:
        headers["content-type"] = "application/json"
    return await client.request(method, target, content=raw, headers=headers)


async def test_person_round_trip_and_lookup(
    client: httpx.AsyncClient, gateway: JwsSigner, ra: JwsSigner
) -> None:
    created = await call(client, ra, "POST", "/persons", PERSON)
    assert created.status_code == 201, created.text
    found = await call(client, gateway, "GET", "/persons/900101300126")
    assert found.status_code == 200
    assert found.json()["patronymic"] == {"kk": "Мұратұлы", "ru": "Муратович"}
    assert found.json()["status"] == "active"


@pytest.mark.parametrize(
    ("target", "code", "reason"),
    [
        ("/persons/900101300123", "invalid_iin", "check digit is 3, expected 6"),
        ("/persons/12345", "invalid_iin", "expected 12 digits"),
        ("/persons/90010130012X", "invalid_iin", "only the digits 0-9"),
        ("/legal-entities/050140000657", "invalid_bin", "check digit is 7, expected 6"),
        ("/legal-entities/050190000656", "invalid_bin", "digit 5 is 9"),
        ("/legal-entities?head_iin=1", "invalid_iin", "expected 12 digits"),
    ],
)
async def test_invalid_number_is_422_with_the_reason(
    client: httpx.AsyncClient, gateway: JwsSigner, target: str, code: str, reason: str
) -> None:
    response = await call(client, gateway, "GET", target)
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert reason in response.json()["message"]


async def test_unknown_numbers_get_named_not_found(
    client: httpx.AsyncClient, gateway: JwsSigner
) -> None:
    person = await call(client, gateway, "GET", "/persons/851231400011")
    assert person.status_code == 404
    assert person.json()["code"] == "person_not_found"
    entity = await call(client, gateway, "GET", "/legal-entities/050140000656")
    assert entity.status_code == 404
    assert entity.json()["code"] == "legal_entity_not_found"


async def test_entity_lookup_by_bin_and_by_head(
    client: httpx.AsyncClient, gateway: JwsSigner, ra: JwsSigner
) -> None:
    assert (await call(client, ra, "POST", "/persons", PERSON)).status_code == 201
    assert (await call(client, ra, "POST", "/legal-entities", ENTITY)).status_code == 201
    by_bin = await call(client, gateway, "GET", "/legal-entities/050140000656")
    assert by_bin.json()["head_iin"] == "900101300126"
    by_head = await call(client, gateway, "GET", "/legal-entities?head_iin=900101300126")
    assert [e["bin"] for e in by_head.json()] == ["050140000656"]
    nobody = await call(client, gateway, "GET", "/legal-entities?head_iin=851231400011")
    assert nobody.json() == []


async def test_change_is_recorded_as_an_event(
    client: httpx.AsyncClient, ra: JwsSigner, store: SqliteEventStore
) -> None:
    await call(client, ra, "POST", "/persons", PERSON)
    changed = await call(client, ra, "PATCH", "/persons/900101300126", {"status": "deceased"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["status"] == "deceased"
    events = await store.read_stream(person_stream("900101300126"))
    assert [(e.type, e.data) for e in events][1] == (
        "PersonChanged.v1",
        {"iin": "900101300126", "changes": {"status": "deceased"}},
    )


async def test_registering_twice_is_409(client: httpx.AsyncClient, ra: JwsSigner) -> None:
    assert (await call(client, ra, "POST", "/persons", PERSON)).status_code == 201
    again = await call(client, ra, "POST", "/persons", PERSON)
    assert again.status_code == 409
    assert again.json()["code"] == "person_exists"


async def test_unsigned_request_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/persons/900101300126")
    assert response.status_code == 401
    assert response.json()["code"] == "signature_missing"


async def test_signature_for_another_target_is_refused(
    client: httpx.AsyncClient, gateway: JwsSigner
) -> None:
    headers = signed_headers(gateway, "GET", "/persons/851231400011")
    response = await client.get("/persons/900101300126", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "bad_signature"


async def test_caller_with_revoked_certificate_is_refused(
    client: httpx.AsyncClient, components: RegistryComponents
) -> None:
    signer = await system_signer(components, "provider.almaty.culture")
    assert signer.identity.serial is not None
    await components.ca.revoke(int(signer.identity.serial, 16), x509.ReasonFlags.key_compromise)
    response = await call(client, signer, "GET", "/persons/900101300126")
    assert response.status_code == 401
    assert response.json()["code"] == "CERT_REVOKED"


async def test_malformed_signature_header_is_refused(
    client: httpx.AsyncClient, gateway: JwsSigner
) -> None:
    fresh = signed_headers(gateway, "GET", "/persons/900101300126")
    response = await client.get(
        "/persons/900101300126", headers={**fresh, SIGNATURE_HEADER: "junk"}
    )
    assert response.status_code == 401
    assert response.json()["code"] == "bad_signature"
