# ruff: noqa: RUF001  -- Kazakh names are Cyrillic on purpose
"""A person signing in a browser (NCALayer or `egov signer`: a detached CMS, PEM) is accepted
wherever the portal takes a person's signature, registration, the challenge login, a request,
the PSC desk's request, a result document, and refused with exactly the code a JWS by the same
key over the same bytes gets."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from cryptography import x509

from portal_svc.handlers import challenge_bytes, registration_bytes
from shared.canonical import canonical_json
from shared.pki.jws import JwsSigner
from shared.pki.profiles import Individual
from tests.portal.conftest import ASTANA_2013, PASSWORD, World, iin, person_holder
from tests.portal.test_cabinet import PROVIDER, _document, _submitted
from tests.portal.test_psc_desk import FORM
from tests.portal.test_requests import EXPORT_FORM


async def test_registration_request_and_login_signed_in_a_browser(world: World) -> None:
    keys = world.person(80)
    browser = world.in_browser(keys.signing)
    registered = await world.client.post(
        "/auth/register",
        json={
            "iin": iin(80),
            "password": PASSWORD,
            "signature": browser.sign(registration_bytes(iin(80), None)),
        },
    )
    assert registered.status_code == 201, registered.text
    headers = await world.login(keys)
    request_id = await world.draft(
        headers, "cultural_values_export", EXPORT_FORM, ("standard_p9_documents",)
    )
    signed = await world.sign(headers, request_id, browser)
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "submitted"
    await world.portal.relay.relay_once()
    [envelope] = world.envelopes()
    # The applicant's CMS travels to the workstation as it was made.
    assert envelope["body"]["signature"].startswith("-----BEGIN CMS-----")
    # The challenge login with the authentication key, in a browser.
    logged_in = await world.challenge_login(keys, world.in_browser(keys.auth))
    assert logged_in.status_code == 200, logged_in.text


async def _sign_answer(world: World, headers: dict[str, str], request_id: str, signer: Any) -> Any:
    response = await world.sign(headers, request_id, signer)
    body = response.json()
    return response.status_code, body.get("code"), body.get("verification")


async def test_request_refusals_are_the_jws_ones(world: World) -> None:
    keys = world.person(81)
    headers = await world.signed_in(keys)
    request_id = await world.draft(
        headers, "cultural_values_export", EXPORT_FORM, ("standard_p9_documents",)
    )
    expired = world.issue(
        person_holder(81),
        not_before=world.clock.now() - timedelta(days=400),
        validity=timedelta(days=365),
    )
    revoked, certificate = world.issue_with_certificate(person_holder(81))
    world.endpoint.revoke(certificate, x509.ReasonFlags.key_compromise)
    cases: list[tuple[str, JwsSigner]] = [
        ("SUBJECT_MISMATCH", world.person(82).signing),  # another person's key
        ("CERTIFICATE_EXPIRED", expired),
        ("CERTIFICATE_REVOKED", revoked),
        ("SIGNATURE_NOT_CONFIRMED", keys.auth),  # not a document-signing key
    ]
    for expected, jws in cases:
        by_jws = await _sign_answer(world, headers, request_id, jws)
        by_cms = await _sign_answer(world, headers, request_id, world.in_browser(jws))
        assert by_jws[:2] == (422, expected)
        assert by_cms == by_jws, expected
    # A CMS over other bytes (the form changed after signing).
    payload = await world.client.get(f"/requests/{request_id}/signing-payload", headers=headers)
    stale = world.in_browser(keys.signing).sign(payload.json()["payload"].encode())
    changed = {**EXPORT_FORM, "destination_country": "Uzbekistan"}
    await world.client.put(f"/requests/{request_id}/form", json={"form": changed}, headers=headers)
    over_other = await world.client.post(
        f"/requests/{request_id}/sign", json={"signature": stale}, headers=headers
    )
    assert over_other.status_code == 422
    assert over_other.json()["code"] == "SIGNATURE_NOT_CONFIRMED"
    assert over_other.json()["verification"] == "BAD_SIGNATURE"
    await world.portal.relay.relay_once()
    assert world.envelopes() == []


async def test_registration_and_login_refusals_are_the_jws_ones(world: World) -> None:
    keys = world.person(83)
    stranger = world.person(84)
    forged = []
    for signer in (stranger.signing, world.in_browser(stranger.signing)):
        response = await world.client.post(
            "/auth/register",
            json={
                "iin": iin(83),
                "password": PASSWORD,
                "signature": signer.sign(registration_bytes(iin(83), None)),
            },
        )
        forged.append((response.status_code, response.json()["code"]))
    assert forged == [(422, "SUBJECT_MISMATCH")] * 2
    assert (await world.register(keys)).status_code == 201
    for jws in (stranger.auth, keys.signing):  # someone else's key; not an authentication key
        by_jws = await world.challenge_login(keys, jws)
        by_cms = await world.challenge_login(keys, world.in_browser(jws))
        assert by_jws.status_code == by_cms.status_code == 401
        assert by_cms.json()["detail"].split(":")[0] == by_jws.json()["detail"].split(":")[0]
    # A CMS over another challenge than the one answered.
    challenge = (await world.client.get("/auth/challenge")).json()["challenge"]
    other = (await world.client.get("/auth/challenge")).json()["challenge"]
    body = {
        "iin": iin(83),
        "challenge": challenge,
        "signature": world.in_browser(keys.auth).sign(challenge_bytes(other)),
    }
    refused = await world.client.post("/auth/login/signed", json=body)
    assert refused.status_code == 401
    assert refused.json()["detail"].startswith("BAD_SIGNATURE")


async def test_a_result_document_signed_in_a_browser_verifies(world: World) -> None:
    request_id, _ = await _submitted(world, 85)
    head = world.in_browser(world.issue(Individual(iin(86), "Ахметов", "Серік")))
    document = _document(request_id, iin(85))
    signature = head.sign(canonical_json(document))
    await world.deliver(
        PROVIDER, request_id, "result.issued.v1", {"document": document, "signature": signature}
    )
    checked = (await world.client.get(f"/verify/{document['number']}")).json()
    assert (checked["valid"], checked["code"], checked["signer"]) == (True, "OK", "АХМЕТОВ СЕРІК")


async def test_a_result_document_cms_over_other_content_does_not_verify(world: World) -> None:
    request_id, _ = await _submitted(world, 87)
    head = world.in_browser(world.issue(Individual(iin(88), "Ахметов", "Серік")))
    document = _document(request_id, iin(87))
    signature = head.sign(canonical_json({**document, "decision": "refused"}))
    await world.deliver(
        PROVIDER, request_id, "result.issued.v1", {"document": document, "signature": signature}
    )
    checked = (await world.client.get(f"/verify/{document['number']}")).json()
    assert (checked["valid"], checked["code"]) == (False, "BAD_SIGNATURE")


@pytest.mark.parametrize("start", [ASTANA_2013])
async def test_the_desk_operator_signs_in_a_browser(world: World) -> None:
    operator = world.operator(89)
    created = await world.desk(
        operator,
        "POST",
        "/psc/requests",
        {"service": "archive_reference", "applicant_iin": iin(63)},
    )
    request_id = str(created.json()["request_id"])
    assert (
        await world.desk(operator, "PUT", f"/psc/requests/{request_id}/form", {"form": FORM})
    ).status_code == 200
    target = f"/psc/requests/{request_id}/documents/application_and_originals?name=scan.pdf"
    headers = {
        **world.desk_headers(operator, "PUT", target, b"%PDF-1.4"),
        "Content-Type": "application/pdf",
    }
    assert (await world.client.put(target, content=b"%PDF-1.4", headers=headers)).status_code == 200
    payload = await world.desk(operator, "GET", f"/psc/requests/{request_id}/signing-payload")
    signed_bytes = payload.json()["payload"].encode()

    async def sign_with(signature: str) -> tuple[int, str | None]:
        response = await world.desk(
            operator, "POST", f"/psc/requests/{request_id}/sign", {"signature": signature}
        )
        return response.status_code, response.json().get("code")

    # Another operator's key: refused as the JWS is; the signed call itself stays a JWS.
    another = world.operator(90)
    by_jws = await sign_with(another.sign(signed_bytes))
    by_cms = await sign_with(world.in_browser(another).sign(signed_bytes))
    assert by_jws == by_cms
    assert by_jws[0] == 422
    assert await sign_with(world.in_browser(operator).sign(signed_bytes)) == (200, None)


async def test_a_cms_is_no_signed_call(world: World) -> None:
    # The X-Egov-Signature of a signed call (the desk's) stays a JWS: a CMS there is refused.
    operator = world.operator(91)
    headers = world.desk_headers(operator, "GET", "/psc/requests")
    headers["X-Egov-Signature"] = world.in_browser(operator).sign(b"anything")
    refused = await world.client.get("/psc/requests", headers=headers)
    assert refused.status_code == 401
