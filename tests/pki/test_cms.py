"""CMS signatures (what NCALayer and `egov signer` return to a page): openssl verifies what
CmsSigner makes, our verifier verifies what openssl makes, and a CMS is refused with exactly the
code a JWS over the same bytes by the same certificate gets."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from shared.clock import SimulatedClock
from shared.pki.cms import CmsSigner, cms_der, cms_pem
from shared.pki.jws import JwsSigner, JwsVerifier
from shared.pki.keys import KeyAlgorithm
from shared.pki.profiles import EntityRole, KeyPurpose, LegalEntitySigner
from shared.pki.revocation_client import RevocationChecker
from shared.signing import VerificationCode
from tests.pki.conftest import ALICE, CaPair, Issued, IssueFn, write_pem
from tests.pki.fakes import FakeCaEndpoint

# CRLF and a NUL inside: openssl verifies binary content only with -binary, and a signer that
# canonicalised line ends (S/MIME text mode) would sign other bytes.
DATA = b'{"request_id":"REQ-1","form":{"note":"line one\r\nline two"}}\x00\xff'

OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(
    OPENSSL is None,
    reason="the openssl command is not installed (Debian: apt-get install -y openssl)",
)


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(datetime.now(UTC))


@pytest.fixture
def endpoint(test_ca: CaPair, clock: SimulatedClock) -> FakeCaEndpoint:
    return FakeCaEndpoint(test_ca, clock)


@pytest.fixture
def verifier(test_ca: CaPair, clock: SimulatedClock, endpoint: FakeCaEndpoint) -> JwsVerifier:
    return JwsVerifier([test_ca.root.certificate], clock, RevocationChecker(endpoint, clock))


def cms_signer(issued: Issued, ca: CaPair) -> CmsSigner:
    return CmsSigner(issued.key, issued.certificate, [ca.issuing.certificate])


def detached_pem(issued: Issued, ca: CaPair, data: bytes = DATA) -> str:
    return cms_pem(cms_signer(issued, ca).sign(data))


def openssl(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    assert OPENSSL is not None
    return subprocess.run([OPENSSL, *args], cwd=cwd, capture_output=True, check=False)


def openssl_verify(tmp_path: Path, ca: CaPair, signature_pem: str, data: bytes) -> str:
    """openssl's verdict on a detached CMS over ``data``, trusting ``ca``'s root."""
    (tmp_path / "sig.pem").write_text(signature_pem, encoding="ascii")
    (tmp_path / "data.bin").write_bytes(data)
    write_pem(tmp_path / "root.pem", ca.root.certificate)
    done = openssl(
        tmp_path, "cms", "-verify", "-binary", "-inform", "PEM", "-in", "sig.pem",
        "-content", "data.bin", "-CAfile", "root.pem", "-purpose", "any", "-out", "/dev/null",
    )  # fmt: skip
    verdict = done.stderr.decode().strip()
    return verdict if done.returncode == 0 else f"FAILED: {verdict}"


@needs_openssl
@pytest.mark.parametrize("algorithm", [KeyAlgorithm.ES256, KeyAlgorithm.RS256])
def test_openssl_verifies_a_detached_cms(
    issue: IssueFn, test_ca: CaPair, other_ca: CaPair, tmp_path: Path, algorithm: KeyAlgorithm
) -> None:
    issued = issue(algorithm=algorithm)
    pem = detached_pem(issued, test_ca)
    assert pem.startswith("-----BEGIN CMS-----\n")
    assert pem.endswith("-----END CMS-----\n")
    assert openssl_verify(tmp_path, test_ca, pem, DATA) == "CMS Verification successful"
    assert openssl_verify(tmp_path, test_ca, pem, DATA + b" ").startswith("FAILED")
    assert openssl_verify(tmp_path, other_ca, pem, DATA).startswith("FAILED")


@needs_openssl
@pytest.mark.parametrize("algorithm", [KeyAlgorithm.ES256, KeyAlgorithm.RS256])
def test_openssl_verifies_an_attached_cms_and_a_signed_digest(
    issue: IssueFn, test_ca: CaPair, tmp_path: Path, algorithm: KeyAlgorithm
) -> None:
    signer = cms_signer(issue(algorithm=algorithm), test_ca)
    attached = cms_pem(signer.sign(DATA, attached=True))
    # With the content inside, openssl checks it with no -content; the content it prints is ours.
    (tmp_path / "attached.pem").write_text(attached, encoding="ascii")
    write_pem(tmp_path / "root.pem", test_ca.root.certificate)
    done = openssl(
        tmp_path, "cms", "-verify", "-binary", "-inform", "PEM", "-in", "attached.pem",
        "-CAfile", "root.pem", "-purpose", "any",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == DATA
    # NCALayer's "digested": the page sends the hash, the CMS verifies over the data.
    over_hash = cms_pem(signer.sign_digest(hashlib.sha256(DATA).digest()))
    assert openssl_verify(tmp_path, test_ca, over_hash, DATA) == "CMS Verification successful"


@needs_openssl
@pytest.mark.parametrize("algorithm", [KeyAlgorithm.ES256, KeyAlgorithm.RS256])
def test_our_verifier_accepts_a_cms_made_by_openssl(
    issue: IssueFn, test_ca: CaPair, verifier: JwsVerifier, tmp_path: Path, algorithm: KeyAlgorithm
) -> None:
    issued = issue(algorithm=algorithm)
    (tmp_path / "data.bin").write_bytes(DATA)
    write_pem(tmp_path / "signer.pem", issued.certificate)
    write_pem(tmp_path / "chain.pem", test_ca.issuing.certificate)
    (tmp_path / "key.pem").write_bytes(
        issued.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    signed = openssl(
        tmp_path, "cms", "-sign", "-binary", "-in", "data.bin", "-signer", "signer.pem",
        "-inkey", "key.pem", "-certfile", "chain.pem", "-md", "sha256", "-outform", "PEM",
        "-out", "sig.pem",
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    result = verifier.verify_document(DATA, (tmp_path / "sig.pem").read_text())
    assert result.code is VerificationCode.OK, result.detail


@pytest.mark.parametrize("algorithm", [KeyAlgorithm.ES256, KeyAlgorithm.RS256])
def test_cms_verifies_ok_with_identity_as_pem_or_base64(
    issue: IssueFn, test_ca: CaPair, verifier: JwsVerifier, algorithm: KeyAlgorithm
) -> None:
    issued = issue(algorithm=algorithm)
    der = cms_signer(issued, test_ca).sign(DATA)
    for signature in (cms_pem(der), base64.b64encode(der).decode("ascii")):
        result = verifier.verify_document(DATA, signature, expected_iin=ALICE.iin)
        assert result.code is VerificationCode.OK, result.detail
        assert result.identity is not None
        assert result.identity.iin == ALICE.iin
        assert result.identity.serial == format(issued.certificate.serial_number, "x")


def test_attached_cms_and_signed_digest_verify_over_the_data(
    issue: IssueFn, test_ca: CaPair, verifier: JwsVerifier
) -> None:
    signer = cms_signer(issue(), test_ca)
    attached = cms_pem(signer.sign(DATA, attached=True))
    assert verifier.verify_document(DATA, attached).ok
    other = verifier.verify_document(b"other bytes", attached)
    assert other.code is VerificationCode.BAD_SIGNATURE
    assert "other content" in other.detail
    over_hash = cms_pem(signer.sign_digest(hashlib.sha256(DATA).digest()))
    assert verifier.verify_document(DATA, over_hash).ok


def test_plain_verify_stays_jws_only(
    issue: IssueFn, test_ca: CaPair, verifier: JwsVerifier
) -> None:
    # Envelopes and signed calls go through verify(): a CMS is no signature there.
    result = verifier.verify(DATA, detached_pem(issue(), test_ca))
    assert result.code is VerificationCode.BAD_SIGNATURE
    assert "not a detached JWS" in result.detail


def test_tampered_content_is_bad_signature(
    issue: IssueFn, test_ca: CaPair, verifier: JwsVerifier
) -> None:
    result = verifier.verify_document(DATA + b" ", detached_pem(issue(), test_ca))
    assert result.code is VerificationCode.BAD_SIGNATURE
    assert "message digest" in result.detail


def test_tampered_signed_attributes_are_bad_signature(
    issue: IssueFn, test_ca: CaPair, verifier: JwsVerifier
) -> None:
    der = cms_signer(issue(), test_ca).sign(DATA)
    info = asn1_cms.ContentInfo.load(der)
    signer_info = info["content"]["signer_infos"][0]
    signature = bytearray(signer_info["signature"].native)
    signature[-1] ^= 1
    signer_info["signature"] = bytes(signature)
    result = verifier.verify_document(DATA, cms_pem(info.dump(force=True)))
    assert result.code is VerificationCode.BAD_SIGNATURE
    assert "does not verify" in result.detail


@pytest.mark.parametrize(
    ("signature", "detail"),
    [
        ("", "unreadable CMS"),
        ("not base64!", "neither a detached JWS"),
        (base64.b64encode(b"\x30\x03\x02\x01\x01").decode(), "unreadable CMS"),
        ("-----BEGIN CMS-----\nMAA=\n-----END CMS-----\n", "unreadable CMS"),
    ],
)
def test_malformed_cms_is_bad_signature(verifier: JwsVerifier, signature: str, detail: str) -> None:
    result = verifier.verify_document(DATA, signature)
    assert result.code is VerificationCode.BAD_SIGNATURE
    assert detail in result.detail


def test_cms_pem_round_trips() -> None:
    der = bytes(range(256)) * 3
    assert cms_der(cms_pem(der)) == der
    assert cms_der(base64.b64encode(der).decode()) == der
    with pytest.raises(ValueError, match="neither PEM nor base64"):
        cms_der("-----BEGIN CMS-----\n%%%\n-----END CMS-----")


# --- the same refusal as a JWS ------------------------------------------------------------------

Case = Callable[[IssueFn, CaPair, CaPair, FakeCaEndpoint], tuple[Issued, CaPair, dict[str, str]]]


def _other_iin(issue: IssueFn, ca: CaPair, other: CaPair, endpoint: FakeCaEndpoint) -> tuple:
    return issue(), ca, {"expected_iin": "851231400011"}


def _other_bin(issue: IssueFn, ca: CaPair, other: CaPair, endpoint: FakeCaEndpoint) -> tuple:
    holder = LegalEntitySigner(ALICE, "050140000656", "Дала Жер", EntityRole.FIRST_HEAD)
    return issue(holder), ca, {"expected_bin": "990340001230"}


def _revoked(issue: IssueFn, ca: CaPair, other: CaPair, endpoint: FakeCaEndpoint) -> tuple:
    issued = issue()
    endpoint.revoke(issued.certificate, x509.ReasonFlags.key_compromise)
    return issued, ca, {}


def _untrusted(issue: IssueFn, ca: CaPair, other: CaPair, endpoint: FakeCaEndpoint) -> tuple:
    return issue(ca=other), other, {}


def _not_yet_valid(issue: IssueFn, ca: CaPair, other: CaPair, endpoint: FakeCaEndpoint) -> tuple:
    return issue(not_before=datetime.now(UTC) + timedelta(days=2)), ca, {}


def _auth_key(issue: IssueFn, ca: CaPair, other: CaPair, endpoint: FakeCaEndpoint) -> tuple:
    return issue(purpose=KeyPurpose.AUTH), ca, {}


def _ocsp_and_crl_down(
    issue: IssueFn, ca: CaPair, other: CaPair, endpoint: FakeCaEndpoint
) -> tuple:
    endpoint.ocsp_up = False
    endpoint.crl_up = False
    return issue(), ca, {}


@pytest.mark.parametrize(
    ("case", "code"),
    [
        (_other_iin, VerificationCode.SUBJECT_MISMATCH),
        (_other_bin, VerificationCode.SUBJECT_MISMATCH),
        (_revoked, VerificationCode.CERT_REVOKED),
        (_untrusted, VerificationCode.UNTRUSTED_CHAIN),
        (_not_yet_valid, VerificationCode.CERT_NOT_YET_VALID),
        (_auth_key, VerificationCode.WRONG_KEY_USAGE),
        (_ocsp_and_crl_down, VerificationCode.REVOCATION_UNKNOWN),
    ],
)
def test_cms_is_refused_with_the_jws_code(
    issue: IssueFn,
    test_ca: CaPair,
    other_ca: CaPair,
    endpoint: FakeCaEndpoint,
    verifier: JwsVerifier,
    case: Case,
    code: VerificationCode,
) -> None:
    issued, ca, expected = case(issue, test_ca, other_ca, endpoint)
    jws = JwsSigner(issued.key, issued.certificate, [ca.issuing.certificate]).sign(DATA)
    by_jws = verifier.verify_document(DATA, jws, **expected)
    by_cms = verifier.verify_document(DATA, detached_pem(issued, ca), **expected)
    assert by_jws.code is code, by_jws.detail
    assert by_cms.code is code, by_cms.detail
    assert by_cms.detail == by_jws.detail


async def test_expired_certificate_is_refused_as_for_a_jws(
    issue: IssueFn, test_ca: CaPair, verifier: JwsVerifier, clock: SimulatedClock
) -> None:
    issued = issue(validity=timedelta(days=30))
    signature = detached_pem(issued, test_ca)
    assert verifier.verify_document(DATA, signature).ok
    await clock.advance(timedelta(days=31))
    result = verifier.verify_document(DATA, signature)
    assert result.code is VerificationCode.CERT_EXPIRED
    assert "expired at" in result.detail


def test_signer_refuses_a_key_of_another_certificate(issue: IssueFn) -> None:
    one, two = issue(), issue()
    with pytest.raises(ValueError, match="does not belong"):
        CmsSigner(one.key, two.certificate, [])


def test_signed_digest_must_be_sha256(issue: IssueFn, test_ca: CaPair) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        cms_signer(issue(), test_ca).sign_digest(b"short")
