"""Detached JWS signing and verification: every verification code has a test producing it."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from joserfc import jws
from joserfc.jwk import ECKey, RSAKey

from shared.clock import SimulatedClock
from shared.pki.jws import JwsSigner, JwsVerifier, b64url, b64url_decode
from shared.pki.keys import KeyAlgorithm
from shared.pki.messages import MESSAGES, message
from shared.pki.profiles import EntityRole, KeyPurpose, LegalEntitySigner
from shared.pki.revocation_client import RevocationChecker
from shared.signing import VerificationCode
from tests.pki.conftest import ALICE, CaPair, Issued, IssueFn
from tests.pki.fakes import FakeCaEndpoint

PAYLOAD = json.dumps({"type": "request.submitted.v1", "body": {"iin": "900101300126"}}).encode()


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(datetime.now(UTC))


@pytest.fixture
def endpoint(test_ca: CaPair, clock: SimulatedClock) -> FakeCaEndpoint:
    return FakeCaEndpoint(test_ca, clock)


@pytest.fixture
def verifier(test_ca: CaPair, clock: SimulatedClock, endpoint: FakeCaEndpoint) -> JwsVerifier:
    return JwsVerifier([test_ca.root.certificate], clock, RevocationChecker(endpoint, clock))


def signer_for(issued: Issued, ca: CaPair) -> JwsSigner:
    return JwsSigner(issued.key, issued.certificate, [ca.issuing.certificate])


@pytest.mark.parametrize("algorithm", [KeyAlgorithm.ES256, KeyAlgorithm.RS256])
def test_signature_verifies_ok_with_identity(
    issue: IssueFn, test_ca: CaPair, verifier: JwsVerifier, algorithm: KeyAlgorithm
) -> None:
    issued = issue(algorithm=algorithm)
    signature = signer_for(issued, test_ca).sign(PAYLOAD)
    header_b64, middle, _ = signature.split(".")
    assert middle == ""  # detached
    header = json.loads(b64url_decode(header_b64))
    assert header["alg"] == algorithm.value
    assert len(header["x5c"]) == 2
    result = verifier.verify(PAYLOAD, signature, expected_iin="900101300126")
    assert result.code is VerificationCode.OK, result.detail
    assert result.identity is not None
    assert result.identity.iin == "900101300126"
    assert result.identity.serial == format(issued.certificate.serial_number, "x")


@pytest.mark.parametrize("algorithm", [KeyAlgorithm.ES256, KeyAlgorithm.RS256])
def test_independent_jose_library_verifies_our_jws(
    issue: IssueFn, test_ca: CaPair, algorithm: KeyAlgorithm
) -> None:
    issued = issue(algorithm=algorithm)
    header, _, signature = signer_for(issued, test_ca).sign(PAYLOAD).split(".")
    compact = f"{header}.{b64url(PAYLOAD)}.{signature}"  # re-attach the detached payload
    pem = issued.certificate.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key = ECKey.import_key(pem) if algorithm is KeyAlgorithm.ES256 else RSAKey.import_key(pem)
    registry = jws.JWSRegistry(algorithms=[algorithm.value])
    registry.max_header_length = 8192  # an x5c chain is far longer than the 512-byte default
    token = jws.deserialize_compact(compact, key, registry=registry)
    assert token.payload == PAYLOAD
    leaf_der = base64.b64decode(token.headers()["x5c"][0])
    assert x509.load_der_x509_certificate(leaf_der) == issued.certificate


def test_tampered_payload_is_bad_signature(
    issue: IssueFn, test_ca: CaPair, verifier: JwsVerifier
) -> None:
    signature = signer_for(issue(), test_ca).sign(PAYLOAD)
    result = verifier.verify(PAYLOAD + b" ", signature)
    assert result.code is VerificationCode.BAD_SIGNATURE
    assert "does not verify" in result.detail


@pytest.mark.parametrize(
    ("signature", "detail"),
    [
        ("abc", "not a detached JWS"),
        ("a.b.c", "not a detached JWS"),
        (b64url(b'{"alg":"none","x5c":["AA"]}') + "..", "'none' is not accepted"),
        (b64url(b'{"alg":"ES256","crit":["b64"]}') + "..AA", "critical"),
        (b64url(b"[1]") + "..AA", "not a JSON object"),
    ],
)
def test_malformed_jws_is_bad_signature(verifier: JwsVerifier, signature: str, detail: str) -> None:
    result = verifier.verify(PAYLOAD, signature)
    assert result.code is VerificationCode.BAD_SIGNATURE
    assert detail in result.detail


def test_certificate_from_another_root_is_untrusted(
    issue: IssueFn, other_ca: CaPair, verifier: JwsVerifier
) -> None:
    signature = signer_for(issue(ca=other_ca), other_ca).sign(PAYLOAD)
    result = verifier.verify(PAYLOAD, signature)
    assert result.code is VerificationCode.UNTRUSTED_CHAIN


def test_chain_without_intermediate_is_untrusted(issue: IssueFn, verifier: JwsVerifier) -> None:
    issued = issue()
    signature = JwsSigner(issued.key, issued.certificate, []).sign(PAYLOAD)
    assert verifier.verify(PAYLOAD, signature).code is VerificationCode.UNTRUSTED_CHAIN


async def test_expired_certificate(
    issue: IssueFn, test_ca: CaPair, verifier: JwsVerifier, clock: SimulatedClock
) -> None:
    signature = signer_for(issue(validity=timedelta(days=30)), test_ca).sign(PAYLOAD)
    await clock.advance(timedelta(days=31))
    result = verifier.verify(PAYLOAD, signature)
    assert result.code is VerificationCode.CERT_EXPIRED
    assert "expired at" in result.detail


def test_certificate_not_yet_valid(issue: IssueFn, test_ca: CaPair, verifier: JwsVerifier) -> None:
    later = datetime.now(UTC) + timedelta(days=2)
    signature = signer_for(issue(not_before=later), test_ca).sign(PAYLOAD)
    assert verifier.verify(PAYLOAD, signature).code is VerificationCode.CERT_NOT_YET_VALID


def test_authentication_key_cannot_sign_documents(
    issue: IssueFn, test_ca: CaPair, verifier: JwsVerifier
) -> None:
    signature = signer_for(issue(purpose=KeyPurpose.AUTH), test_ca).sign(PAYLOAD)
    result = verifier.verify(PAYLOAD, signature)
    assert result.code is VerificationCode.WRONG_KEY_USAGE


def test_request_iin_must_be_the_certificates(
    issue: IssueFn, test_ca: CaPair, verifier: JwsVerifier
) -> None:
    signature = signer_for(issue(), test_ca).sign(PAYLOAD)
    result = verifier.verify(PAYLOAD, signature, expected_iin="851231400011")
    assert result.code is VerificationCode.SUBJECT_MISMATCH
    assert "851231400011" in result.detail


def test_request_bin_must_be_the_certificates(
    issue: IssueFn, test_ca: CaPair, verifier: JwsVerifier
) -> None:
    holder = LegalEntitySigner(ALICE, "050140000656", "Дала Жер", EntityRole.FIRST_HEAD)
    signature = signer_for(issue(holder), test_ca).sign(PAYLOAD)
    ok = verifier.verify(PAYLOAD, signature, expected_iin=ALICE.iin, expected_bin="050140000656")
    assert ok.code is VerificationCode.OK
    assert ok.identity is not None
    assert ok.identity.bin == "050140000656"
    wrong = verifier.verify(PAYLOAD, signature, expected_bin="990340001230")
    assert wrong.code is VerificationCode.SUBJECT_MISMATCH


def test_revoked_certificate_via_ocsp(
    issue: IssueFn, test_ca: CaPair, verifier: JwsVerifier, endpoint: FakeCaEndpoint
) -> None:
    issued = issue()
    endpoint.revoke(issued.certificate, x509.ReasonFlags.key_compromise)
    result = verifier.verify(PAYLOAD, signer_for(issued, test_ca).sign(PAYLOAD))
    assert result.code is VerificationCode.CERT_REVOKED
    assert "keyCompromise" in result.detail
    assert endpoint.crl_calls == 0


def test_revoked_certificate_via_crl_when_ocsp_is_down(
    issue: IssueFn, test_ca: CaPair, verifier: JwsVerifier, endpoint: FakeCaEndpoint
) -> None:
    issued = issue()
    endpoint.revoke(issued.certificate, x509.ReasonFlags.superseded)
    endpoint.ocsp_up = False
    result = verifier.verify(PAYLOAD, signer_for(issued, test_ca).sign(PAYLOAD))
    assert result.code is VerificationCode.CERT_REVOKED
    assert endpoint.crl_calls == 1
    good = verifier.verify(PAYLOAD, signer_for(issue(), test_ca).sign(PAYLOAD))
    assert good.code is VerificationCode.OK
    assert endpoint.crl_calls == 1  # the CRL is cached while fresh


def test_revocation_unknown_when_ocsp_and_crl_are_down(
    issue: IssueFn, test_ca: CaPair, verifier: JwsVerifier, endpoint: FakeCaEndpoint
) -> None:
    endpoint.ocsp_up = False
    endpoint.crl_up = False
    result = verifier.verify(PAYLOAD, signer_for(issue(), test_ca).sign(PAYLOAD))
    assert result.code is VerificationCode.REVOCATION_UNKNOWN
    assert "OCSP" in result.detail
    assert "CRL" in result.detail


async def test_stale_crl_fails_closed(
    issue: IssueFn, test_ca: CaPair, verifier: JwsVerifier, endpoint: FakeCaEndpoint,
    clock: SimulatedClock,
) -> None:  # fmt: skip
    signature = signer_for(issue(), test_ca).sign(PAYLOAD)
    endpoint.ocsp_up = False
    assert verifier.verify(PAYLOAD, signature).code is VerificationCode.OK  # CRL fetched
    endpoint.crl_up = False
    await clock.advance(timedelta(hours=25))  # past the CRL's nextUpdate and maximum age
    result = verifier.verify(PAYLOAD, signature)
    assert result.code is VerificationCode.REVOCATION_UNKNOWN


async def test_ocsp_answer_is_cached_for_at_most_five_minutes(
    issue: IssueFn, test_ca: CaPair, verifier: JwsVerifier, endpoint: FakeCaEndpoint,
    clock: SimulatedClock,
) -> None:  # fmt: skip
    issued = issue()
    signature = signer_for(issued, test_ca).sign(PAYLOAD)
    assert verifier.verify(PAYLOAD, signature).ok
    endpoint.revoke(issued.certificate, x509.ReasonFlags.key_compromise)
    await clock.advance(timedelta(minutes=4))
    assert verifier.verify(PAYLOAD, signature).ok  # the cached "good" answer is still fresh
    assert endpoint.ocsp_calls == 1
    await clock.advance(timedelta(minutes=2))
    assert verifier.verify(PAYLOAD, signature).code is VerificationCode.CERT_REVOKED
    assert endpoint.ocsp_calls == 2


def test_ocsp_answer_from_another_ca_is_not_trusted(
    issue: IssueFn, test_ca: CaPair, other_ca: CaPair, clock: SimulatedClock
) -> None:
    impostor = FakeCaEndpoint(other_ca, clock)  # answers, but signed with the wrong key
    impostor.crl_up = False
    verifier = JwsVerifier([test_ca.root.certificate], clock, RevocationChecker(impostor, clock))
    result = verifier.verify(PAYLOAD, signer_for(issue(), test_ca).sign(PAYLOAD))
    assert result.code is VerificationCode.REVOCATION_UNKNOWN
    assert "unauthorized" in result.detail.lower() or "not signed" in result.detail


def test_signer_refuses_a_key_of_another_certificate(issue: IssueFn) -> None:
    one, two = issue(), issue()
    with pytest.raises(ValueError, match="does not belong"):
        JwsSigner(one.key, two.certificate, [])


def test_every_code_has_three_languages() -> None:
    assert set(MESSAGES) == set(VerificationCode)
    for code in VerificationCode:
        texts = [message(code, lang) for lang in ("kk", "ru", "en")]
        assert all(texts)
        assert len(set(texts)) == 3


async def test_remembered_chain_is_still_checked_for_validity(
    issue: IssueFn, test_ca: CaPair, verifier: JwsVerifier, clock: SimulatedClock
) -> None:
    signature = signer_for(issue(validity=timedelta(days=30)), test_ca).sign(PAYLOAD)
    assert verifier.verify(PAYLOAD, signature).ok  # the path is built and remembered here
    await clock.advance(timedelta(days=31))
    assert verifier.verify(PAYLOAD, signature).code is VerificationCode.CERT_EXPIRED


def test_tampered_certificate_in_x5c_is_untrusted(
    issue: IssueFn, test_ca: CaPair, verifier: JwsVerifier
) -> None:
    signature = signer_for(issue(), test_ca).sign(PAYLOAD)
    header = json.loads(b64url_decode(signature.split(".")[0]))
    leaf = bytearray(base64.b64decode(header["x5c"][0]))
    leaf[-10] ^= 0x01  # inside the CA's signature over the certificate
    header["x5c"][0] = base64.b64encode(bytes(leaf)).decode()
    forged = b64url(json.dumps(header).encode()) + ".." + signature.split(".")[2]
    assert verifier.verify(PAYLOAD, forged).code is VerificationCode.UNTRUSTED_CHAIN
