"""The CA side of revocation: RFC 5280 reasons, the full CRL, and RFC 6960 OCSP answers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp

from shared.pki.ca import CaCredentials

CRL_VALIDITY = timedelta(hours=24)
OCSP_VALIDITY = timedelta(hours=1)

# removeFromCRL only exists in delta CRLs (RFC 5280 5.3.1), which this CA does not publish.
_NOT_FOR_REVOCATION = {x509.ReasonFlags.remove_from_crl}


def parse_reason(text: str) -> x509.ReasonFlags:
    """An RFC 5280 reason by its ASN.1 name (``keyCompromise``, ``superseded``, ...)."""
    try:
        reason = x509.ReasonFlags(text)
    except ValueError:
        allowed = ", ".join(r.value for r in x509.ReasonFlags if r not in _NOT_FOR_REVOCATION)
        raise ValueError(f"unknown revocation reason {text!r}; one of: {allowed}") from None
    if reason in _NOT_FOR_REVOCATION:
        raise ValueError(f"{text!r} is only meaningful in delta CRLs, not for revoking")
    return reason


@dataclass(frozen=True)
class Revocation:
    serial: int
    revoked_at: datetime
    reason: x509.ReasonFlags


class CertState(Enum):
    GOOD = "good"
    REVOKED = "revoked"
    UNKNOWN = "unknown"  # this CA never issued the serial


@dataclass(frozen=True)
class SerialStatus:
    state: CertState
    revocation: Revocation | None = None


def build_crl(
    issuer: CaCredentials,
    revocations: Iterable[Revocation],
    *,
    now: datetime,
    crl_number: int,
    validity: timedelta = CRL_VALIDITY,
) -> x509.CertificateRevocationList:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.certificate.subject)
        .last_update(now)
        .next_update(now + validity)
        .add_extension(x509.CRLNumber(crl_number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    )
    for item in revocations:
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(item.serial)
            .revocation_date(item.revoked_at)
        )
        # RFC 5280 5.3.1: the reason code "unspecified" SHOULD be left out.
        if item.reason is not x509.ReasonFlags.unspecified:
            entry = entry.add_extension(x509.CRLReason(item.reason), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    return builder.sign(issuer.key, hashes.SHA256())


def _issuer_hashes(
    issuer: x509.Certificate, algorithm: hashes.HashAlgorithm
) -> tuple[bytes, bytes]:
    """RFC 6960 CertID: hash of the issuer's DER name and of its public key's BIT STRING value
    (without the algorithm identifier: for EC the uncompressed point, for RSA the PKCS#1 DER)."""
    public = issuer.public_key()
    if isinstance(public, ec.EllipticCurvePublicKey):
        key_bits = public.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    elif isinstance(public, rsa.RSAPublicKey):
        key_bits = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    else:
        raise TypeError(f"unsupported issuer key type {type(public).__name__}")
    name_digest = hashes.Hash(algorithm)
    name_digest.update(issuer.subject.public_bytes())
    key_digest = hashes.Hash(algorithm)
    key_digest.update(key_bits)
    return name_digest.finalize(), key_digest.finalize()


def answer_ocsp(
    request_der: bytes,
    responder: CaCredentials,
    lookup: Callable[[int], SerialStatus],
    *,
    now: datetime,
    validity: timedelta = OCSP_VALIDITY,
) -> bytes:
    """A DER OCSP response to ``request_der``, signed by the issuing CA itself (RFC 6960 4.2.2.2:
    the CA that issued the certificate is an authorised responder)."""
    try:
        request = ocsp.load_der_ocsp_request(request_der)
    except ValueError:
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    algorithm = request.hash_algorithm
    name_hash, key_hash = _issuer_hashes(responder.certificate, algorithm)
    if (request.issuer_name_hash, request.issuer_key_hash) != (name_hash, key_hash):
        # RFC 6960 2.3: "unauthorized" when the responder is not authoritative for the issuer.
        return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
    status = lookup(request.serial_number)
    revocation = status.revocation
    builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
        issuer_name_hash=name_hash,
        issuer_key_hash=key_hash,
        serial_number=request.serial_number,
        algorithm=algorithm,
        cert_status={
            CertState.GOOD: ocsp.OCSPCertStatus.GOOD,
            CertState.REVOKED: ocsp.OCSPCertStatus.REVOKED,
            CertState.UNKNOWN: ocsp.OCSPCertStatus.UNKNOWN,
        }[status.state],
        this_update=now,
        next_update=now + validity,
        revocation_time=revocation.revoked_at if revocation else None,
        revocation_reason=(
            revocation.reason
            if revocation and revocation.reason is not x509.ReasonFlags.unspecified
            else None
        ),
    )
    # The responder's certificate travels in the response so a client holding only the root can
    # build the responder's chain.
    builder = builder.responder_id(
        ocsp.OCSPResponderEncoding.HASH, responder.certificate
    ).certificates([responder.certificate])
    for extension in request.extensions:
        if isinstance(extension.value, x509.OCSPNonce):
            # Echo the nonce so the client can tie the answer to its request (RFC 8954).
            builder = builder.add_extension(extension.value, critical=False)
    response = builder.sign(responder.key, hashes.SHA256())
    return response.public_bytes(serialization.Encoding.DER)


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(
        serialization.Encoding.DER
    )
