"""Hostile messages on the gateway's inbound queue (RabbitMQ, PostgreSQL): not JSON, nested
past the parser's stack, integers past Python's digit limit, NUL and injection strings in the
claimed fields, unsigned, forged, signed by another CA, expired and revoked certificates, a
sender speaking for another, wrong recipients, a replay and an oversized message. Each is
refused with its own code and logged as a ``MessageRejected`` record (with the body's SHA-256),
none is accepted or delivered, and none is left on the queue to be retried."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509

from gateway_svc.errors import ErrorCode
from gateway_svc.messagelog import Query, Record
from gateway_svc.topology import recipient_queue
from shared.envelope import Envelope
from shared.pki.ca import issue_certificate
from shared.pki.jws import JwsSigner
from shared.pki.keys import KeyAlgorithm, generate_private_key
from shared.pki.profiles import InformationSystem, KeyPurpose
from tests.gateway.conftest import Harness, SystemCert, envelope, issue_system
from tests.hostile import generators
from tests.pki.conftest import URLS, CaPair, make_ca
from tests.pki.fakes import FakeCaEndpoint

pytestmark = [pytest.mark.infra]

PROVIDER = "provider.almaty.culture"


def raw(env: Envelope) -> bytes:
    return env.model_dump_json().encode()


def expired_system(ca: CaPair, system_id: str) -> JwsSigner:
    key = generate_private_key(KeyAlgorithm.ES256)
    long_ago = datetime.now(UTC) - timedelta(days=30)
    certificate = issue_certificate(
        ca.issuing,
        InformationSystem(system_id),
        KeyPurpose.SIGNING,
        key.public_key(),
        serial=int(uuid.uuid4().int % 10**9) + 10**9,
        now=long_ago,
        urls=URLS,
        not_before=long_ago,
        validity=timedelta(days=1),
    )
    return JwsSigner(key, certificate, [ca.issuing.certificate])


def hostile_messages(
    systems: dict[str, SystemCert], gw_ca: CaPair, ca_endpoint: FakeCaEndpoint
) -> list[tuple[str, bytes, ErrorCode]]:
    portal = systems["portal"]
    ok = envelope("portal", PROVIDER)
    forged = ok.signed(portal.signer).model_copy(update={"body": {"applicant_iin": "0" * 12}})
    revoked = issue_system(gw_ca, "elicense")
    ca_endpoint.revoke(revoked.certificate, x509.ReasonFlags.key_compromise)
    injected = dict(generators.hostile_strings())
    nul_claims = {
        **json.loads(raw(ok)),
        "message_id": "\u0000' OR 1=1",
        "sender": "portal\u0000",
        "service_code": injected["sql[1]"],
    }
    cases: list[tuple[str, bytes, ErrorCode]] = [
        ("not-json", b"\xff\xfe not json at all", ErrorCode.MALFORMED_JSON),
        ("deep-array", b"[" * generators.DEEP + b"]" * generators.DEEP, ErrorCode.MALFORMED_JSON),
        (
            "big-integer",
            b'{"a": ' + b"9" * generators.BIG_INT_DIGITS + b"}",
            ErrorCode.MALFORMED_JSON,
        ),
        ("json-array", b"[1, 2]", ErrorCode.INVALID_ENVELOPE),
        ("missing-fields", b'{"message_id": "x"}', ErrorCode.INVALID_ENVELOPE),
        (
            "extra-field",
            json.dumps({**json.loads(raw(ok.signed(portal.signer))), "admin": True}).encode(),
            ErrorCode.INVALID_ENVELOPE,
        ),
        ("nul-and-sql-claims", json.dumps(nul_claims).encode(), ErrorCode.INVALID_ENVELOPE),
        ("unsigned", raw(envelope("portal", PROVIDER)), ErrorCode.BAD_SIGNATURE),
        ("forged", raw(forged), ErrorCode.BAD_SIGNATURE),
        (
            "garbage-signature",
            raw(envelope("portal", PROVIDER).model_copy(update={"signature": "e30..AAAA"})),
            ErrorCode.BAD_SIGNATURE,
        ),
        (
            "other-ca",
            raw(envelope("portal", PROVIDER).signed(issue_system(make_ca(), "portal").signer)),
            ErrorCode.UNTRUSTED_CHAIN,
        ),
        (
            "expired",
            raw(envelope("portal", PROVIDER).signed(expired_system(gw_ca, "portal"))),
            ErrorCode.CERT_EXPIRED,
        ),
        (
            "revoked",
            raw(
                envelope("elicense", "registry", type_="request.person_lookup.v1").signed(
                    revoked.signer
                )
            ),
            ErrorCode.CERT_REVOKED,
        ),
        (
            "speaks-for-another",
            raw(envelope("portal", PROVIDER).signed(systems["elicense"].signer)),
            ErrorCode.SENDER_MISMATCH,
        ),
        (
            "unknown-recipient",
            raw(envelope("portal", "provider.nowhere.nothing").signed(portal.signer)),
            ErrorCode.UNKNOWN_RECIPIENT,
        ),
        (
            "route-denied",
            raw(envelope("portal", "registry").signed(portal.signer)),
            ErrorCode.ROUTE_DENIED,
        ),
        (
            "oversized",
            raw(
                envelope("portal", PROVIDER, body={"scan": "A" * (70 * 1024)}).signed(portal.signer)
            ),
            ErrorCode.MESSAGE_TOO_LARGE,
        ),
    ]
    return cases


async def test_every_hostile_message_is_refused_logged_and_not_delivered(
    harness: Harness,
    systems: dict[str, SystemCert],
    gw_ca: CaPair,
    ca_endpoint: FakeCaEndpoint,
) -> None:
    delivered = await harness.listen(recipient_queue(PROVIDER))
    cases = hostile_messages(systems, gw_ca, ca_endpoint)
    # The replay: a message accepted and delivered once, then its very bytes again.
    original = raw(envelope("portal", PROVIDER).signed(systems["portal"].signer))
    await harness.send(original)
    first = json.loads(original)["message_id"]
    await harness.wait_records(first, Record.DELIVERY, count=2)  # central, then regional
    await harness.wait_for(lambda: _true(len(delivered) == 1), "the original's delivery")
    head = await harness.store.head_position()
    cases.append(("replayed", original, ErrorCode.REPLAYED_MESSAGE))
    for _, body, _ in cases:
        await harness.send(body)

    async def refused() -> dict[str, str]:
        entries = await harness.gateway.log.query(Query(limit=10_000))
        return {
            e.data["body_sha256"]: e.data["code"]
            for e in entries
            if e.record == Record.REJECTED and e.position > head
        }

    async def all_refused() -> bool:
        return len(await refused()) == len({hashlib.sha256(b).hexdigest() for _, b, _ in cases})

    await harness.wait_for(all_refused, "a refusal of every hostile message", timeout_s=60)
    codes = await refused()
    wrong = [
        f"{name}: expected {code.value}, got {codes.get(hashlib.sha256(body).hexdigest())}"
        for name, body, code in cases
        if codes.get(hashlib.sha256(body).hexdigest()) != code.value
    ]
    assert not wrong, "\n".join(wrong)
    # Nothing but refusals was written after the original, nothing more was delivered, and no
    # message waits on the inbound queue to be retried (each was settled by its refusal).
    after = await harness.store.read_all(after=head, limit=10_000)
    assert {e.type for e in after} == {Record.REJECTED.value}
    assert len(after) == len(cases)
    assert len(delivered) == 1
    nul = next(e for e in after if e.data.get("size") == len(cases[6][1]))
    assert "\u0000" not in json.dumps(nul.data, ensure_ascii=False)  # stored, NUL replaced


async def _true(value: bool) -> bool:
    return value
