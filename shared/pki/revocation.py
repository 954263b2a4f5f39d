"""The CA side of revocation: RFC 5280 reasons, the full CRL, and RFC 6960 OCSP answers.

OCSP requests are read and answers built with asn1crypto's RFC 6960 structures (signed with
``cryptography``): ``cryptography``'s own OCSP request parser and response builder handle one
certificate per request and per response, where RFC 6960 4.1.1/4.2.1 allow a list."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.x509 import ocsp

from shared.pki.ca import CaCredentials
from shared.pki.certinfo import public_key_bits
from shared.pki.keys import PrivateKey

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
    key_bits = public_key_bits(issuer)
    name_digest = hashes.Hash(algorithm)
    name_digest.update(issuer.subject.public_bytes())
    key_digest = hashes.Hash(algorithm)
    key_digest.update(key_bits)
    return name_digest.finalize(), key_digest.finalize()


# One request may ask about several certificates (RFC 6960 4.1.1); more than this many in one
# request is refused as malformed rather than answered at any cost.
MAX_CERTIFICATES_PER_REQUEST = 100
# RFC 8954 2.1: nonces of up to 32 octets are echoed; a responder may leave out longer ones.
_MAX_NONCE = 32
_CERT_ID_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
# What asn1crypto's OCSP parser raises on a request that is not DER of the RFC 6960 shape.
_PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError)


@dataclass(frozen=True)
class _Question:
    """One CertID of a request (RFC 6960 4.1.1), answered with the same CertID."""

    cert_id: asn1_ocsp.CertId
    algorithm: str
    name_hash: bytes
    key_hash: bytes
    serial: int


def _parse_request(request_der: bytes) -> tuple[list[_Question], bytes | None]:
    """The CertIDs and the nonce (None when absent or of a length not echoed) of a DER
    OCSPRequest; ValueError (or another of ``_PARSE_ERRORS``) when it is not one."""
    request = asn1_ocsp.OCSPRequest.load(request_der, strict=True)
    request.native  # noqa: B018 - asn1crypto parses lazily: this reads (and checks) it all
    tbs = request["tbs_request"]
    questions = []
    for item in tbs["request_list"]:
        cert_id = item["req_cert"]
        questions.append(
            _Question(
                cert_id=asn1_ocsp.CertId.load(cert_id.dump()),
                algorithm=cert_id["hash_algorithm"]["algorithm"].native,
                name_hash=cert_id["issuer_name_hash"].native,
                key_hash=cert_id["issuer_key_hash"].native,
                serial=cert_id["serial_number"].native,
            )
        )
    if not questions:
        raise ValueError("the request asks about no certificate")
    nonce = None
    for extension in tbs["request_extensions"] or []:
        if extension["extn_id"].native == "nonce":
            value = extension["extn_value"].parsed.native
            if isinstance(value, bytes) and 0 < len(value) <= _MAX_NONCE:
                nonce = value
    return questions, nonce


def _der_time(moment: datetime) -> datetime:
    # RFC 5280 4.1.2.5.2 (which RFC 6960 follows): GeneralizedTime without fractional seconds.
    return moment.replace(microsecond=0)


def _cert_status(status: SerialStatus) -> asn1_ocsp.CertStatus:
    if status.state is CertState.GOOD:
        return asn1_ocsp.CertStatus(name="good", value=asn1_ocsp.StatusGood())
    if status.state is CertState.UNKNOWN or status.revocation is None:
        return asn1_ocsp.CertStatus(name="unknown", value=asn1_ocsp.StatusUnknown())
    revocation = status.revocation
    info: dict[str, object] = {"revocation_time": _der_time(revocation.revoked_at)}
    if revocation.reason is not x509.ReasonFlags.unspecified:
        info["revocation_reason"] = revocation.reason.name  # asn1crypto's names are the enum's
    return asn1_ocsp.CertStatus(name="revoked", value=asn1_ocsp.RevokedInfo(info))


def _sign(key: PrivateKey, data: bytes) -> tuple[bytes, str]:
    """The signature over ``data`` and its algorithm's asn1crypto name."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256())), "sha256_ecdsa"
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256()), "sha256_rsa"


def answer_ocsp(
    request_der: bytes,
    responder: CaCredentials,
    lookup: Callable[[int], SerialStatus],
    *,
    now: datetime,
    validity: timedelta = OCSP_VALIDITY,
    issuer: x509.Certificate | None = None,
) -> bytes:
    """A DER OCSP response to ``request_der`` about certificates of ``issuer``, signed by
    ``responder``: the issuing CA itself (``issuer`` left out) or a responder it delegated
    (RFC 6960 4.2.2.2: issued by that CA with id-kp-OCSPSigning), whose certificate and the
    CA's travel in ``certs`` so a client holding only the root can check the signer.

    Every CertID of the request gets its SingleResponse (4.1.1, 4.2.1), in the request's
    order: ``good``, ``revoked`` (with time and reason) or ``unknown`` (a serial this CA never
    issued, or a CertID naming another issuer). A request that does not parse gets
    ``malformedRequest``; one only about other issuers gets ``unauthorized`` (2.3)."""
    issuer_certificate = issuer if issuer is not None else responder.certificate
    try:
        questions, nonce = _parse_request(request_der)
    except _PARSE_ERRORS:
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    if len(questions) > MAX_CERTIFICATES_PER_REQUEST:
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    ours: dict[str, tuple[bytes, bytes]] = {}
    for name, algorithm in _CERT_ID_HASHES.items():
        ours[name] = _issuer_hashes(issuer_certificate, algorithm())

    def about_this_issuer(question: _Question) -> bool:
        return ours.get(question.algorithm) == (question.name_hash, question.key_hash)

    if not any(about_this_issuer(q) for q in questions):
        # RFC 6960 2.3: "unauthorized" when the responder is not authoritative for the issuer.
        return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
    this_update = _der_time(now)
    singles = [
        asn1_ocsp.SingleResponse(
            {
                "cert_id": question.cert_id,
                "cert_status": _cert_status(
                    lookup(question.serial)
                    if about_this_issuer(question)
                    else SerialStatus(CertState.UNKNOWN)
                ),
                "this_update": this_update,
                "next_update": this_update + validity,
            }
        )
        for question in questions
    ]
    key_digest = hashes.Hash(hashes.SHA1())  # noqa: S303 - RFC 6960 ResponderID byKey is SHA-1
    key_digest.update(public_key_bits(responder.certificate))
    data: dict[str, object] = {
        "responder_id": asn1_ocsp.ResponderId(name="by_key", value=key_digest.finalize()),
        "produced_at": this_update,
        "responses": singles,
    }
    if nonce is not None:
        # Echo the nonce so the client can tie the answer to its request (RFC 8954).
        data["response_extensions"] = [{"extn_id": "nonce", "critical": False, "extn_value": nonce}]
    tbs = asn1_ocsp.ResponseData(data)
    signature, algorithm_name = _sign(responder.key, tbs.dump())
    chain = [responder.certificate]
    if issuer_certificate != responder.certificate:
        chain.append(issuer_certificate)
    basic = asn1_ocsp.BasicOCSPResponse(
        {
            "tbs_response_data": tbs,
            "signature_algorithm": {"algorithm": algorithm_name},
            "signature": signature,
            "certs": [
                asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
                for c in chain
            ],
        }
    )
    response = asn1_ocsp.OCSPResponse(
        {
            "response_status": "successful",
            "response_bytes": {"response_type": "basic_ocsp_response", "response": basic},
        }
    )
    return bytes(response.dump())


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(
        serialization.Encoding.DER
    )
