"""openssl (3.x) accepts our chain, CRL and OCSP answers, for good and revoked certificates."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from shared.pki.keys import KeyAlgorithm
from shared.pki.revocation import CertState, Revocation, SerialStatus, answer_ocsp, build_crl
from tests.pki.conftest import CaPair, IssueFn, make_ca, write_pem

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")


def openssl(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["openssl", *map(str, args)], capture_output=True, text=True, check=False, timeout=60
    )


def write_crl(path: Path, ca: CaPair, revoked: list[Revocation]) -> Path:
    crl = build_crl(ca.issuing, revoked, now=datetime.now(UTC), crl_number=1)
    path.write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    return path


def test_openssl_verifies_the_chain(tmp_path: Path, test_ca: CaPair, issue: IssueFn) -> None:
    leaf = issue().certificate
    result = openssl(
        "verify",
        "-CAfile", write_pem(tmp_path / "root.pem", test_ca.root.certificate),
        "-untrusted", write_pem(tmp_path / "issuing.pem", test_ca.issuing.certificate),
        write_pem(tmp_path / "leaf.pem", leaf),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "leaf.pem: OK" in result.stdout


def test_openssl_rejects_a_chain_to_another_root(
    tmp_path: Path, test_ca: CaPair, other_ca: CaPair, issue: IssueFn
) -> None:
    leaf = issue(ca=other_ca).certificate
    result = openssl(
        "verify",
        "-CAfile", write_pem(tmp_path / "root.pem", test_ca.root.certificate),
        "-untrusted", write_pem(tmp_path / "issuing.pem", other_ca.issuing.certificate),
        write_pem(tmp_path / "leaf.pem", leaf),
    )  # fmt: skip
    assert result.returncode != 0
    assert "unable to get local issuer certificate" in result.stderr + result.stdout


@pytest.mark.parametrize("algorithm", [KeyAlgorithm.ES256, KeyAlgorithm.RS256])
def test_openssl_crl_check_accepts_good_and_rejects_revoked(
    tmp_path: Path, algorithm: KeyAlgorithm, issue: IssueFn
) -> None:
    ca = make_ca(algorithm)
    good = issue(ca=ca, algorithm=algorithm).certificate
    bad = issue(ca=ca, algorithm=algorithm).certificate
    crl = write_crl(
        tmp_path / "crl.pem",
        ca,
        [Revocation(bad.serial_number, datetime.now(UTC), x509.ReasonFlags.key_compromise)],
    )
    common: list[str | Path] = [
        "-crl_check",
        "-CRLfile", crl,
        "-CAfile", write_pem(tmp_path / "root.pem", ca.root.certificate),
        "-untrusted", write_pem(tmp_path / "issuing.pem", ca.issuing.certificate),
    ]  # fmt: skip
    ok = openssl("verify", *common, write_pem(tmp_path / "good.pem", good))
    assert ok.returncode == 0, ok.stderr
    revoked = openssl("verify", *common, write_pem(tmp_path / "bad.pem", bad))
    assert revoked.returncode != 0
    assert "certificate revoked" in revoked.stderr + revoked.stdout


def test_crl_lists_reason_and_number(test_ca: CaPair) -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    crl = build_crl(
        test_ca.issuing,
        [
            Revocation(11, when, x509.ReasonFlags.superseded),
            Revocation(12, when, x509.ReasonFlags.unspecified),
        ],
        now=datetime.now(UTC),
        crl_number=7,
    )
    assert crl.is_signature_valid(test_ca.issuing.key.public_key())
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 7
    entry = crl.get_revoked_certificate_by_serial_number(11)
    assert entry is not None
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason is (
        x509.ReasonFlags.superseded
    )
    unspecified = crl.get_revoked_certificate_by_serial_number(12)
    assert unspecified is not None
    assert len(unspecified.extensions) == 0  # RFC 5280: "unspecified" is left out


def _ocsp_round_trip(
    tmp_path: Path, ca: CaPair, leaf: x509.Certificate, status: SerialStatus
) -> subprocess.CompletedProcess[str]:
    issuer = write_pem(tmp_path / "issuing.pem", ca.issuing.certificate)
    cert = write_pem(tmp_path / "leaf.pem", leaf)
    request = tmp_path / "req.der"
    made = openssl("ocsp", "-issuer", issuer, "-cert", cert, "-reqout", request)
    assert made.returncode == 0, made.stderr

    def lookup(serial: int) -> SerialStatus:
        assert serial == leaf.serial_number
        return status

    response = answer_ocsp(request.read_bytes(), ca.issuing, lookup, now=datetime.now(UTC))
    (tmp_path / "resp.der").write_bytes(response)
    return openssl(
        "ocsp",
        "-respin", tmp_path / "resp.der",
        "-no_nonce",  # with -cert openssl builds a fresh request (new nonce) to match against
        "-issuer", issuer,
        "-cert", cert,
        "-CAfile", write_pem(tmp_path / "root.pem", ca.root.certificate),
    )  # fmt: skip


def test_openssl_ocsp_accepts_a_good_answer(
    tmp_path: Path, test_ca: CaPair, issue: IssueFn
) -> None:
    leaf = issue().certificate
    result = _ocsp_round_trip(tmp_path, test_ca, leaf, SerialStatus(CertState.GOOD))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Response verify OK" in output
    assert "leaf.pem: good" in output


def test_ocsp_answer_echoes_the_request_nonce(test_ca: CaPair, issue: IssueFn) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509 import ocsp

    leaf = issue().certificate
    nonce = b"0123456789abcdef"
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(leaf, test_ca.issuing.certificate, hashes.SHA256())
        .add_extension(x509.OCSPNonce(nonce), critical=False)
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    answer = ocsp.load_der_ocsp_response(
        answer_ocsp(
            request, test_ca.issuing, lambda _: SerialStatus(CertState.GOOD), now=datetime.now(UTC)
        )
    )
    assert answer.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == nonce
    assert answer.certificate_status is ocsp.OCSPCertStatus.GOOD


def test_openssl_ocsp_reports_revoked_with_reason(
    tmp_path: Path, test_ca: CaPair, issue: IssueFn
) -> None:
    leaf = issue().certificate
    revocation = Revocation(
        leaf.serial_number, datetime(2026, 1, 1, tzinfo=UTC), x509.ReasonFlags.key_compromise
    )
    result = _ocsp_round_trip(tmp_path, test_ca, leaf, SerialStatus(CertState.REVOKED, revocation))
    output = result.stdout + result.stderr
    assert "Response verify OK" in output
    assert "leaf.pem: revoked" in output
    assert "Reason: keyCompromise" in output


def test_ocsp_refuses_requests_for_another_issuer(
    tmp_path: Path, test_ca: CaPair, other_ca: CaPair, issue: IssueFn
) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509 import ocsp

    leaf = issue(ca=other_ca).certificate
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(leaf, other_ca.issuing.certificate, hashes.SHA256())
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    answer = ocsp.load_der_ocsp_response(
        answer_ocsp(
            request, test_ca.issuing, lambda _: SerialStatus(CertState.GOOD), now=datetime.now(UTC)
        )
    )
    assert answer.response_status is ocsp.OCSPResponseStatus.UNAUTHORIZED


def test_ocsp_answers_malformed_request(test_ca: CaPair) -> None:
    from cryptography.x509 import ocsp

    answer = ocsp.load_der_ocsp_response(
        answer_ocsp(
            b"not DER",
            test_ca.issuing,
            lambda _: SerialStatus(CertState.GOOD),
            now=datetime.now(UTC),
        )
    )
    assert answer.response_status is ocsp.OCSPResponseStatus.MALFORMED_REQUEST
