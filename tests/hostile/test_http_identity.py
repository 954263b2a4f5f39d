"""Hostile identities over HTTP, on the live stack: invalid IINs and BINs, and signatures that
must not open an account (garbage, forged, replayed, from another CA, from a revoked
certificate, with the authentication key, for someone else) at the portal's registration;
forged and replayed request signatures at the registry; injection strings as names in the
registry (stored as data, returned byte for byte). Each refusal has its own code, and a
refused request stores nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest

from egov.client.keys import admin_signer
from portal_svc.handlers import registration_bytes
from shared.ids import Gender, make_iin
from shared.pki.ca import CaUrls, create_issuing, create_root, issue_certificate
from shared.pki.http_signing import SENDER_HEADER, SIGNATURE_HEADER, sign_request
from shared.pki.jws import JwsSigner
from shared.pki.keys import KeyAlgorithm, generate_private_key
from shared.pki.profiles import Individual, KeyPurpose
from shared.pki.setup import signer_from_key_file
from tests.hostile import campaign, generators
from tests.hostile.stack import Stack

pytestmark = [pytest.mark.infra, pytest.mark.slow]

PASSWORD = "Qazaqstan2019!"  # strong enough: weak passwords are refused before signatures


def person_iin(serial: int) -> str:
    return make_iin(date(1990, 2, 3), Gender.FEMALE, 700 + serial)


def issued(stack: Stack, tmp_path: Path, iin: str, *, purpose: str = "signing") -> JwsSigner:
    out = tmp_path / f"{iin}-{purpose}.p12"
    stack.egov(
        "pki", "issue", "person", "--iin", iin, "--name", "TESTOVA AIGERIM",
        "--password", "pw", "--purpose", purpose, "--out", str(out),
    )  # fmt: skip
    return signer_from_key_file(out, "pw")


def stranger(iin: str) -> JwsSigner:
    """A certificate for ``iin`` from a CA nobody trusts."""
    now = datetime.now(UTC)
    root = create_root(generate_private_key(KeyAlgorithm.ES256), common_name="Rogue", now=now)
    issuing = create_issuing(
        root, generate_private_key(KeyAlgorithm.ES256), common_name="Rogue CA", now=now
    )
    key = generate_private_key(KeyAlgorithm.ES256)
    certificate = issue_certificate(
        issuing,
        Individual(iin, "TESTOVA", "AIGERIM"),
        KeyPurpose.SIGNING,
        key.public_key(),
        serial=4242,
        now=now,
        urls=CaUrls(ocsp="http://127.0.0.1:9/ocsp", crl="http://127.0.0.1:9/crl"),
    )
    return JwsSigner(key, certificate, [issuing.certificate])


async def register(
    http: httpx.AsyncClient, iin: str, signature: str, bin_: str | None = None
) -> httpx.Response:
    return await http.post(
        "/auth/register",
        json={"iin": iin, "bin": bin_, "password": PASSWORD, "signature": signature},
    )


def refusal(response: httpx.Response) -> tuple[int, str, str | None]:
    body = response.json()
    return response.status_code, body["code"], body.get("verification") or body.get("reason")


async def test_registration_refuses_invalid_identifiers(stack: Stack, pg_dsn: str) -> None:
    before, _ = await campaign.counts(pg_dsn, stack.schemas["portal"])
    async with httpx.AsyncClient(base_url=stack.urls["portal"]) as http:
        for iin, why in generators.invalid_iins():
            status, code, _ = refusal(await register(http, iin, "x"))
            assert (status, code) in {(422, "invalid_iin"), (422, "invalid_request")}, (iin, why)
        good = person_iin(1)
        for bin_, why in generators.invalid_bins():
            status, code, _ = refusal(await register(http, good, "x", bin_))
            assert (status, code) in {(422, "invalid_bin"), (422, "invalid_request")}, (bin_, why)
    after, _ = await campaign.counts(pg_dsn, stack.schemas["portal"])
    assert after == before


async def test_registration_refuses_every_signature_but_the_holders_own(
    stack: Stack, pg_dsn: str, tmp_path: Path
) -> None:
    holder, other, revoked_iin = person_iin(2), person_iin(3), person_iin(4)
    signer = issued(stack, tmp_path, holder)
    auth_key = issued(stack, tmp_path, holder, purpose="auth")
    revoked = issued(stack, tmp_path, revoked_iin)
    assert revoked.identity.serial is not None
    stack.egov("pki", "revoke", revoked.identity.serial, "--reason", "keyCompromise")
    own = signer.sign(registration_bytes(holder, None))
    cases = [
        ("garbage", holder, "not a signature", "BAD_SIGNATURE"),
        ("forged: the holder's key over another text", holder, signer.sign(b"{}"), "BAD_SIGNATURE"),
        ("replayed for another applicant", other, own, "BAD_SIGNATURE"),
        (
            "the holder's key speaking for another",
            other,
            signer.sign(registration_bytes(other, None)),
            "SUBJECT_MISMATCH",
        ),
        (
            "another CA",
            holder,
            stranger(holder).sign(registration_bytes(holder, None)),
            "UNTRUSTED_CHAIN",
        ),
        (
            "the authentication key",
            holder,
            auth_key.sign(registration_bytes(holder, None)),
            "WRONG_KEY_USAGE",
        ),
        (
            "a revoked certificate",
            revoked_iin,
            revoked.sign(registration_bytes(revoked_iin, None)),
            "CERT_REVOKED",
        ),
    ]
    before, _ = await campaign.counts(pg_dsn, stack.schemas["portal"])
    async with httpx.AsyncClient(base_url=stack.urls["portal"], timeout=30) as http:
        wrong = []
        for name, iin, signature, expected in cases:
            status, code, verification = refusal(await register(http, iin, signature))
            if status != 422 or verification != expected:
                wrong.append(f"{name}: {status} {code} {verification}, expected {expected}")
        assert not wrong, "\n".join(wrong)
        after, _ = await campaign.counts(pg_dsn, stack.schemas["portal"])
        assert after == before  # no refused registration left anything behind
        # The holder's own signature opens the account; the same request again does not.
        assert (await register(http, holder, own)).status_code == 201
        again = await register(http, holder, own)
        assert (again.status_code, again.json()["code"]) == (409, "already_registered")


async def test_registry_refuses_forged_and_replayed_request_signatures(stack: Stack) -> None:
    gateway = gateway_signer(stack)
    iin = person_iin(5)
    target = f"/persons/{iin}"
    # Each case carries a fresh timestamp and nonce: only the signature is wrong.
    cases = {
        "garbage": {**sign_request(gateway, "GET", target), SIGNATURE_HEADER: "x"},
        "over another path": sign_request(gateway, "GET", "/persons/000000000000"),
        "over another method": sign_request(gateway, "DELETE", target),
        "another CA": sign_request(stranger(iin), "GET", target),
    }
    async with httpx.AsyncClient(base_url=stack.urls["registry"]) as http:
        for name, headers in cases.items():
            response = await http.get(target, headers={**headers, SENDER_HEADER: "gateway"})
            assert response.status_code == 401, (name, response.text)
            assert response.json()["code"] in {"bad_signature", "untrusted_chain"}, name
        honest = sign_request(gateway, "GET", target)
        found = await http.get(target, headers=honest)
        assert found.status_code == 404, found.text  # authenticated, and no such person
        # The same honest call captured and sent again: its nonce is spent.
        replayed = await http.get(target, headers=honest)
        assert (replayed.status_code, replayed.json()["code"]) == (401, "request_replayed")


def gateway_signer(stack: Stack) -> JwsSigner:
    keys = stack.data_dir / "keys" / "gateway"
    password = (keys / "password").read_text(encoding="utf-8").strip()
    return signer_from_key_file(keys / "gateway.p12", password)


async def test_injection_strings_in_names_are_stored_as_data(stack: Stack) -> None:
    registrar = admin_signer(stack.data_dir)  # only a registrar writes ГБД ФЛ (shared.authz)
    texts = [(label, text) for label, text in generators.hostile_strings() if "\x00" not in text]
    async with httpx.AsyncClient(base_url=stack.urls["registry"], timeout=30) as http:
        for n, (label, text) in enumerate(texts):
            iin = person_iin(100 + n)
            person = {
                "iin": iin,
                "surname": {"kk": text, "ru": text},
                "name": {"kk": "Айгерім", "ru": "Айгерим"},
                "birth_date": "1990-02-03",
                "gender": "FEMALE",
                "address": text,
            }
            body = httpx.Request("POST", "/", json=person).content
            headers = {
                **sign_request(registrar, "POST", "/persons", body),
                "content-type": "application/json",
            }
            created = await http.post("/persons", content=body, headers=headers)
            if len(body) > 1024 * 1024:  # the edge's limit (EGOV_MAX_BODY_BYTES)
                assert (created.status_code, created.json()["code"]) == (413, "body_too_large")
                continue
            if len(text) > 200:  # longer than a name may be
                assert created.status_code == 422, (label, created.text)
                assert created.json()["code"] == "invalid_request", label
                continue
            assert created.status_code == 201, (label, created.text)
            target = f"/persons/{iin}"
            signed = sign_request(registrar, "GET", target)
            stored = (await http.get(target, headers=signed)).json()
            assert stored["surname"]["kk"] == text, label  # byte for byte, not interpreted
            assert stored["address"] == text, label


@pytest.mark.parametrize(
    ("service", "target"),
    [
        ("provider", "/provider/workstations/provider.almaty.culture/inbox"),
        ("elicense", "/staff/requests"),
    ],
)
async def test_staff_endpoints_refuse_whoever_is_not_staff(
    stack: Stack, tmp_path: Path, service: str, target: str
) -> None:
    outsider_iin = person_iin(10 if service == "provider" else 11)
    outsider = issued(stack, tmp_path, outsider_iin)  # a real НУЦ certificate, not on a roster
    cases = {
        "garbage": {**sign_request(outsider, "GET", target), SIGNATURE_HEADER: "x"},
        "another CA": sign_request(stranger(outsider_iin), "GET", target),
        "replayed from another path": sign_request(outsider, "GET", "/x"),
        "not staff": sign_request(outsider, "GET", target),
    }
    async with httpx.AsyncClient(base_url=stack.urls[service], timeout=30) as http:
        answers = {}
        for name, headers in cases.items():
            response = await http.get(target, headers=headers)
            body = response.json()
            assert 400 <= response.status_code < 500, (name, response.text)
            assert isinstance(body.get("code"), str), (name, body)
            # The provider names each case in its code, elicense in its reason.
            answers[name] = (response.status_code, body["code"], body.get("reason"))
    # A signature that does not verify, one from another CA and a signer who is not staff
    # are told apart, by machine.
    assert len({answers["garbage"], answers["another CA"], answers["not staff"]}) == 3, answers
