from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from shared.canonical import NotCanonicalizable, canonical_json
from shared.envelope import Envelope
from shared.signing import (
    InsecureTestSigner,
    InsecureTestVerifier,
    SignerIdentity,
    VerificationCode,
    VerificationResult,
)

KEY = b"test-key-not-a-secret"
SIGNER = InsecureTestSigner(KEY, SignerIdentity(subject="portal", iin="900101300123"))
VERIFIER = InsecureTestVerifier(KEY)


def envelope(**changes: Any) -> Envelope:
    fields: dict[str, Any] = {
        "message_id": uuid.UUID("0f8fad5b-d9cb-469f-a165-70867728950e"),
        "correlation_id": "req-2024-000001",
        "causation_id": None,
        "type": "request.submitted.v1",
        "sender": "portal",
        "recipient": "provider.almaty.culture",
        "service_code": "KZ-CULT-001",
        "sent_at": datetime(2024, 3, 1, 10, 30, tzinfo=UTC),
        "body": {"applicant": {"iin": "900101300123"}, "amount": 1.0, "items": [3, 1, 2]},
    }
    fields.update(changes)
    return Envelope(**fields)


# --- canonical JSON --------------------------------------------------------------------------


def test_canonical_bytes_ignore_key_order_and_whitespace() -> None:
    a = json.loads('{"b": [1, 2, {"y": 1, "x": 2}], "a": "é"}')
    b = json.loads('{\n  "a" : "é",\n  "b":[1,2,{"x":2,"y":1}]\n}')
    assert canonical_json(a) == canonical_json(b)
    assert canonical_json(a) == '{"a":"é","b":[1,2,{"x":2,"y":1}]}'.encode()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.0, b"1"),
        (1e21, b"1e+21"),
        (1e20, b"100000000000000000000"),
        (0.1, b"0.1"),
        (1e-7, b"1e-7"),
        (-0.0, b"0"),
        (2**53 - 1, b"9007199254740991"),
    ],
)
def test_numbers_follow_rfc8785(value: float, expected: bytes) -> None:
    assert canonical_json(value) == expected


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 2**53, {1: "x"}, object()])
def test_values_without_canonical_form_are_refused(value: object) -> None:
    with pytest.raises(NotCanonicalizable, match="RFC 8785"):
        canonical_json(value)


# --- envelope ----------------------------------------------------------------------------------


def test_signing_bytes_exclude_the_signature_and_are_canonical() -> None:
    unsigned = envelope()
    signed = unsigned.signed(SIGNER)
    assert signed.signature is not None
    assert signed.signing_bytes() == unsigned.signing_bytes()
    decoded = json.loads(unsigned.signing_bytes())
    assert "signature" not in decoded
    assert list(decoded) == sorted(decoded)
    assert decoded["body"]["amount"] == 1
    assert b'"amount":1,' in unsigned.signing_bytes()


def test_signed_envelope_verifies_with_the_signer_identity() -> None:
    result = envelope().signed(SIGNER).verify(VERIFIER, expected_iin="900101300123")
    assert result.code is VerificationCode.OK
    assert result.identity is not None
    assert result.identity.subject == "portal"


def test_unsigned_envelope_is_a_bad_signature() -> None:
    result = envelope().verify(VERIFIER)
    assert result.code is VerificationCode.BAD_SIGNATURE
    assert "unsigned" in result.detail


def test_signature_made_with_another_key_is_refused() -> None:
    other = InsecureTestSigner(b"another-key", SignerIdentity(subject="portal"))
    assert envelope().signed(other).verify(VERIFIER).code is VerificationCode.BAD_SIGNATURE


def test_garbage_signature_is_refused() -> None:
    result = envelope(signature="not-a-jws").verify(VERIFIER)
    assert result.code is VerificationCode.BAD_SIGNATURE


def test_iin_other_than_the_signers_is_a_subject_mismatch() -> None:
    result = envelope().signed(SIGNER).verify(VERIFIER, expected_iin="000000000000")
    assert result.code is VerificationCode.SUBJECT_MISMATCH


TAMPERED = {
    "message_id": uuid.UUID("00000000-0000-4000-8000-000000000001"),
    "correlation_id": "req-2024-000002",
    "causation_id": "msg-1",
    "type": "request.submitted.v2",
    "sender": "gateway",
    "recipient": "provider.almaty.sport",
    "service_code": "KZ-CULT-002",
    "sent_at": datetime(2024, 3, 1, 10, 30, 0, 1, tzinfo=UTC),
    "body": {"applicant": {"iin": "900101300124"}, "amount": 1.0, "items": [3, 1, 2]},
}


def test_tampering_covers_every_field_but_the_signature() -> None:
    covered = set(Envelope.model_fields) - {"signature"}
    assert set(TAMPERED) == covered


@pytest.mark.parametrize(("field", "value"), sorted(TAMPERED.items()))
def test_tampering_any_field_breaks_verification(field: str, value: object) -> None:
    signed = envelope().signed(SIGNER)
    tampered = Envelope(**{**signed.model_dump(), field: value})
    assert tampered.verify(VERIFIER).code is VerificationCode.BAD_SIGNATURE


def test_tampering_a_nested_body_value_breaks_verification() -> None:
    signed = envelope().signed(SIGNER)
    body = signed.model_dump()["body"]
    body["items"] = [1, 2, 3]
    tampered = Envelope(**{**signed.model_dump(), "body": body})
    assert tampered.verify(VERIFIER).code is VerificationCode.BAD_SIGNATURE


def test_json_round_trip_keeps_verification() -> None:
    signed = envelope().signed(SIGNER)
    wire = signed.model_dump_json()
    # Another encoder's spelling: keys reversed, indentation, 1.0 written as 1.
    respelled = json.dumps(dict(reversed(list(json.loads(wire).items()))), indent=3)
    for text in (wire, respelled):
        received = Envelope.model_validate_json(text)
        assert received == signed
        assert received.verify(VERIFIER).ok


def test_same_instant_in_another_zone_signs_identically() -> None:
    almaty = timezone(timedelta(hours=5))
    local = envelope(sent_at=datetime(2024, 3, 1, 15, 30, tzinfo=almaty))
    assert local.sent_at.tzinfo is UTC
    assert local.signing_bytes() == envelope().signing_bytes()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("type", "RequestSubmitted", "dotted lower-case words"),
        ("type", "request.submitted", "ending in a version"),
        ("type", "request.submitted.v0", "ending in a version"),
        ("type", "submitted.v1", "dotted lower-case words"),
        ("sender", "Portal", "system id"),
        ("recipient", "provider..culture", "system id"),
        ("recipient", "provider.almaty.*", "system id"),
        ("correlation_id", "", "correlation"),
        ("correlation_id", "a\nb", "correlation"),
        ("sent_at", datetime(2024, 3, 1, 10, 30), "timezone"),
        ("body", [1, 2], "dictionary"),
        ("body", {"x": float("nan")}, "RFC 8785"),
        ("message_id", "not-a-uuid", "UUID"),
    ],
)
def test_bad_fields_are_refused_with_a_specific_error(
    field: str, value: object, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        envelope(**{field: value})


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="extra"):
        envelope(priority="high")


class _ThreadRecordingVerifier:
    """Verifies like VERIFIER and remembers the thread it ran on."""

    def __init__(self) -> None:
        self.threads: list[int] = []

    def verify(
        self,
        payload: bytes,
        signature: str,
        *,
        expected_iin: str | None = None,
        expected_bin: str | None = None,
    ) -> VerificationResult:
        self.threads.append(threading.get_ident())
        return VERIFIER.verify(
            payload, signature, expected_iin=expected_iin, expected_bin=expected_bin
        )


async def test_verification_from_async_code_runs_off_the_event_loop() -> None:
    # A revocation check may block on HTTP (OCSP, CRL): the event loop's thread must not run it.
    verifier = _ThreadRecordingVerifier()
    signed = envelope().signed(SIGNER)

    good = await signed.verify_off_loop(verifier, expected_iin="900101300123")
    tampered = (
        await envelope(body={"x": 1})
        .model_copy(update={"signature": signed.signature})
        .verify_off_loop(verifier)
    )
    unsigned = await envelope().verify_off_loop(verifier)

    assert good.code is VerificationCode.OK
    assert tampered.code is VerificationCode.BAD_SIGNATURE
    assert unsigned.code is VerificationCode.BAD_SIGNATURE
    assert len(verifier.threads) == 2  # the unsigned one needs no verifier
    assert threading.get_ident() not in verifier.threads
