"""The registry look-up through the gateway's sync channel: what is signed, and how each answer
maps to found / not found / unavailable (never a refusal for a fault that is not the
applicant's)."""

from __future__ import annotations

import json

import httpx
import pytest

from elicense_svc.gateway_lookup import GatewayRegistryLookup
from elicense_svc.registry_port import Found, NotFound, Unavailable
from shared.pki.http_signing import SENDER_HEADER, SIGNATURE_HEADER, received_signing_bytes
from shared.pki.jws import JwsSigner
from tests.elicense.conftest import APPLICANT_IIN, COMPANY_BIN, Pki


def lookup_with(handler: httpx.MockTransport, signer: JwsSigner) -> GatewayRegistryLookup:
    client = httpx.AsyncClient(transport=handler, base_url="http://gateway.test")
    return GatewayRegistryLookup(client, signer)


async def test_request_is_signed_for_its_exact_target_and_body(
    pki: Pki, elicense_signer: JwsSigner
) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"bin": COMPANY_BIN, "name": "Mura LLP"})

    outcome = await lookup_with(httpx.MockTransport(answer), elicense_signer).lookup(
        "registry.legal_entity", COMPANY_BIN
    )
    assert outcome == Found({"bin": COMPANY_BIN, "name": "Mura LLP"})
    request = seen[0]
    assert request.url.path == "/sync/registry.legal_entity"
    assert json.loads(request.content) == {"bin": COMPANY_BIN}
    assert request.headers[SENDER_HEADER] == "elicense"
    payload = received_signing_bytes(
        "POST", "/sync/registry.legal_entity", request.content, request.headers
    )
    check = pki.verifier().verify(payload, request.headers[SIGNATURE_HEADER])
    assert check.ok
    assert check.identity is not None
    assert check.identity.subject == "elicense"


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (httpx.Response(404, json={"code": "person_not_found", "message": "no"}), NotFound),
        # The gateway not knowing the service says nothing about the applicant.
        (httpx.Response(404, json={"code": "UNKNOWN_SERVICE", "message": "?"}), Unavailable),
        (httpx.Response(502, json={"code": "PROVIDER_UNREACHABLE", "message": "x"}), Unavailable),
        (httpx.Response(504, json={"code": "PROVIDER_TIMEOUT", "message": "x"}), Unavailable),
        (httpx.Response(503, json={"code": "GATEWAY_UNAVAILABLE", "message": "x"}), Unavailable),
        (httpx.Response(401, json={"code": "CERT_REVOKED", "message": "x"}), Unavailable),
        (httpx.Response(200, content=b"not json"), Unavailable),
    ],
)
async def test_answers_map_to_outcomes(
    elicense_signer: JwsSigner, response: httpx.Response, expected: type
) -> None:
    lookup = lookup_with(httpx.MockTransport(lambda _request: response), elicense_signer)
    outcome = await lookup.lookup("registry.person", APPLICANT_IIN)
    assert isinstance(outcome, expected)


async def test_no_connection_is_unavailable(elicense_signer: JwsSigner) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    outcome = await lookup_with(httpx.MockTransport(refuse), elicense_signer).lookup(
        "registry.person", APPLICANT_IIN
    )
    assert isinstance(outcome, Unavailable)
    assert "connection refused" in outcome.reason


async def test_unknown_registry_is_a_programming_error(elicense_signer: JwsSigner) -> None:
    lookup = lookup_with(httpx.MockTransport(lambda _r: httpx.Response(200)), elicense_signer)
    with pytest.raises(ValueError, match="unknown registry"):
        await lookup.lookup("registry.cars", "x")
