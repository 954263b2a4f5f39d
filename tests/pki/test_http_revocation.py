"""Revocation over HTTP (httpx): answers, server errors and timeouts, through a mock transport
that plays the registry's /ocsp and /crl."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from shared.clock import SimulatedClock
from shared.pki.pkcs12 import dump_pkcs12
from shared.pki.setup import http_verifier, signer_from_key_file
from shared.signing import VerificationCode
from tests.pki.conftest import CaPair, IssueFn
from tests.pki.fakes import FakeCaEndpoint

PAYLOAD = b'{"type":"registry.lookup.v1"}'


def _transport(endpoint: FakeCaEndpoint, *, ocsp_status: int = 200) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/ocsp":
            assert request.headers["content-type"] == "application/ocsp-request"
            if ocsp_status != 200:
                return httpx.Response(ocsp_status, text="responder down")
            return httpx.Response(
                200, content=endpoint.post_ocsp(str(request.url), request.content)
            )
        if request.url.path == "/crl":
            return httpx.Response(200, content=endpoint.get_crl(str(request.url)))
        return httpx.Response(404)

    return httpx.MockTransport(handle)


@pytest.fixture
def signed(tmp_path: Path, test_ca: CaPair, issue: IssueFn) -> tuple[str, x509.Certificate]:
    issued = issue()
    path = tmp_path / "key.p12"
    path.write_bytes(
        dump_pkcs12(issued.key, issued.certificate, (test_ca.issuing.certificate,), password="pw")
    )
    return signer_from_key_file(path, "pw").sign(PAYLOAD), issued.certificate


def _roots(ca: CaPair) -> bytes:
    return ca.root.certificate.public_bytes(serialization.Encoding.PEM)


@pytest.mark.parametrize(
    ("revoked", "ocsp_status", "code"),
    [
        (False, 200, VerificationCode.OK),
        (True, 200, VerificationCode.CERT_REVOKED),
        (True, 503, VerificationCode.CERT_REVOKED),  # OCSP down: the CRL still says revoked
    ],
)
def test_revocation_over_http(
    test_ca: CaPair,
    signed: tuple[str, x509.Certificate],
    revoked: bool,
    ocsp_status: int,
    code: VerificationCode,
) -> None:
    clock = SimulatedClock(datetime.now(UTC))
    endpoint = FakeCaEndpoint(test_ca, clock)
    signature, certificate = signed
    if revoked:
        endpoint.revoke(certificate, x509.ReasonFlags.key_compromise)
    with httpx.Client(transport=_transport(endpoint, ocsp_status=ocsp_status)) as client:
        result = http_verifier(_roots(test_ca), clock, client).verify(PAYLOAD, signature)
    assert result.code is code, result.detail
    assert endpoint.crl_calls == (1 if ocsp_status != 200 else 0)


def test_unreachable_registry_fails_closed(
    test_ca: CaPair, signed: tuple[str, x509.Certificate]
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    clock = SimulatedClock(datetime.now(UTC))
    with httpx.Client(transport=httpx.MockTransport(refuse)) as client:
        result = http_verifier(_roots(test_ca), clock, client).verify(PAYLOAD, signed[0])
    assert result.code is VerificationCode.REVOCATION_UNKNOWN
    assert "connection refused" in result.detail
