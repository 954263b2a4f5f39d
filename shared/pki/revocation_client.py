"""The relying party's side of revocation: ask the OCSP responder, keep answers in a cache
bounded in age, fall back to the CRL, and fail closed.

X-Road keeps OCSP answers for at most an hour; this cache keeps them for five minutes by
default (``EGOV_OCSP_MAX_AGE_S``). An answer is used only while it is both younger than
``max_age`` (measured from the responder's ``thisUpdate``) and before its ``nextUpdate``. The
НУЦ's ``pki.revoked`` event on the bus drops a revoked certificate's
cached answer at once (:func:`forget_everywhere`); the maximum age bounds what a missed event
costs. When neither a fresh OCSP answer nor a fresh CRL can be had the
status is UNKNOWN and the verifier rejects the signature (REVOCATION_UNKNOWN).
"""

from __future__ import annotations

import os
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

from shared.clock import Clock
from shared.pki.certinfo import public_key_bits
from shared.pki.http_signing import signed_request_headers
from shared.signing import Signer

# Stricter than X-Road's one hour: with the bus down (no pki.revoked event), a revoked
# certificate passes for at most this long where a good answer was cached.
DEFAULT_OCSP_MAX_AGE = timedelta(seconds=300)
DEFAULT_CRL_MAX_AGE = timedelta(hours=24)
# A responder whose clock runs slightly ahead must not make every answer look "from the future".
CLOCK_SKEW = timedelta(minutes=5)


class RevocationError(Exception):
    """An answer that cannot be trusted or used (transport failure, bad signature, stale)."""


class RevocationSource(Protocol):
    """Transport to the CA's OCSP responder and CRL; HTTP in production, in-process in tests."""

    def post_ocsp(self, url: str, request_der: bytes) -> bytes: ...

    def get_crl(self, url: str) -> bytes: ...


class HttpRevocationSource:
    """RFC 6960 A.1 (POST application/ocsp-request) and a plain GET of the DER CRL."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    def post_ocsp(self, url: str, request_der: bytes) -> bytes:
        try:
            response = self._client.post(
                url, content=request_der, headers={"Content-Type": "application/ocsp-request"}
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise RevocationError(f"OCSP request to {url} failed: {exc}") from exc
        return response.content

    def get_crl(self, url: str) -> bytes:
        try:
            response = self._client.get(url)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise RevocationError(f"CRL download from {url} failed: {exc}") from exc
        return response.content


OCSP_SERVICE = "pki.ocsp"  # the gateway's sync service ids (gateway_svc/rules.yaml)
CRL_SERVICE = "pki.crl"
# The claimed sender of a signed HTTP request, as the gateway's sync channel reads it.


class GatewayRevocationSource:
    """The same two questions asked through the gateway's sync channel (``POST /sync/pki.ocsp``
    with the DER request, ``POST /sync/pki.crl`` with an empty body), each signed by ``signer``
    as a signed HTTP request (``shared.pki.http_signing``), so the gateway can check the caller
    and log the exchange. The certificate's own URL is not used: the gateway's rules name the
    responder. The answers are the CA's signed documents, checked by the caller as before."""

    def __init__(self, client: httpx.Client, gateway_url: str, signer: Signer) -> None:
        self._client = client
        self._base = gateway_url.rstrip("/")
        self._signer = signer

    def post_ocsp(self, url: str, request_der: bytes) -> bytes:
        return self._call(OCSP_SERVICE, request_der, "application/ocsp-request")

    def get_crl(self, url: str) -> bytes:
        return self._call(CRL_SERVICE, b"", None)

    def _call(self, service: str, body: bytes, content_type: str | None) -> bytes:
        url = f"{self._base}/sync/{service}"
        target = httpx.URL(url).raw_path.decode("ascii")
        headers = signed_request_headers(
            self._signer, self._signer.identity.subject, "POST", target, body
        )
        if content_type is not None:
            headers["Content-Type"] = content_type
        try:
            response = self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise RevocationError(f"{service} through the gateway at {url} failed: {exc}") from exc
        if response.status_code != 200:
            # The gateway's fault is {code, message, origin}; keep it readable in the detail.
            raise RevocationError(
                f"{service} through the gateway answered HTTP {response.status_code}: "
                f"{response.text[:300]}"
            )
        return response.content


class RevocationState(StrEnum):
    GOOD = "good"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class RevocationAnswer:
    state: RevocationState
    source: str  # "ocsp", "ocsp-cache", "crl", or "" when nothing answered
    detail: str = ""


@dataclass(frozen=True)
class _CachedOcsp:
    state: RevocationState
    this_update: datetime
    next_update: datetime | None
    detail: str


def _verify_signed_by(
    public_key: object, signature: bytes, data: bytes, algorithm: hashes.HashAlgorithm | None
) -> None:
    if algorithm is None:
        raise RevocationError("signature algorithm without a hash is not supported")
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, padding.PKCS1v15(), algorithm)
        else:
            raise RevocationError(f"unsupported responder key {type(public_key).__name__}")
    except InvalidSignature as exc:
        raise RevocationError("the revocation answer's signature does not verify") from exc


def _first_uri(certificate: x509.Certificate, kind: str) -> str | None:
    try:
        if kind == "ocsp":
            aia = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess)
            for description in aia.value:
                if description.access_method == AuthorityInformationAccessOID.OCSP:
                    return str(description.access_location.value)
            return None
        dps = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints)
        for point in dps.value:
            for name in point.full_name or []:
                if isinstance(name, x509.UniformResourceIdentifier):
                    return name.value
    except x509.ExtensionNotFound:
        return None
    return None


# Every caching checker of this process, so that one pki.revoked event reaches them all (the
# embedded mode runs five services, each with its own checkers, in one process).
_LIVE_CHECKERS: weakref.WeakSet[RevocationChecker] = weakref.WeakSet()


def forget_everywhere(serial: int) -> int:
    """Drop what every caching checker of this process remembers about ``serial`` (see
    :meth:`RevocationChecker.forget`); returns how many cached OCSP answers were dropped."""
    return sum(checker.forget(serial) for checker in list(_LIVE_CHECKERS))


class RevocationChecker:
    """Safe to share between threads: the caches are dicts whose single get/set operations
    are atomic; two threads missing the cache at once just ask the responder twice."""

    def __init__(
        self,
        source: RevocationSource,
        clock: Clock,
        *,
        ocsp_max_age: timedelta = DEFAULT_OCSP_MAX_AGE,
        crl_max_age: timedelta = DEFAULT_CRL_MAX_AGE,
        ocsp_url: str | None = None,
        crl_url: str | None = None,
        use_cache: bool = True,
        responder_origin: str | None = None,
    ) -> None:
        """``use_cache=False`` asks every time: for a source that costs nothing (the CA
        answering in-process), so that a revocation counts from the next check on.
        ``responder_origin`` (``scheme://host:port``, EGOV_REGISTRY_URL) replaces the origin of
        every OCSP and CRL address a certificate names, its path kept: for a process whose
        network reaches the НУЦ by another name than the certificates give (a container)."""
        self._source = source
        self._clock = clock
        self._ocsp_max_age = ocsp_max_age
        self._crl_max_age = crl_max_age
        self._ocsp_url = ocsp_url
        self._crl_url = crl_url
        self._use_cache = use_cache
        self._origin = None if responder_origin is None else responder_origin.rstrip("/")
        self._ocsp_cache: dict[tuple[bytes, int], _CachedOcsp] = {}
        self._crl_cache: dict[str, x509.CertificateRevocationList] = {}
        if use_cache:
            _LIVE_CHECKERS.add(self)

    def forget(self, serial: int) -> int:
        """Drop the cached OCSP answers about ``serial`` (of any issuer: serials are random 159
        bits, and a needless drop only costs one more OCSP question) and every cached CRL,
        which predates the revocation and would otherwise answer "good" when the responder
        is down. Returns how many OCSP answers were dropped."""
        dropped = [key for key in list(self._ocsp_cache) if key[1] == serial]
        for key in dropped:
            self._ocsp_cache.pop(key, None)
        self._crl_cache.clear()
        return len(dropped)

    def check(self, certificate: x509.Certificate, issuer: x509.Certificate) -> RevocationAnswer:
        now = self._clock.now()
        key = (issuer.fingerprint(hashes.SHA256()), certificate.serial_number)
        cached = self._ocsp_cache.get(key) if self._use_cache else None
        if cached is not None and self._fresh(cached.this_update, cached.next_update, now):
            return RevocationAnswer(cached.state, "ocsp-cache", cached.detail)
        problems: list[str] = []
        try:
            answer = self._ask_ocsp(certificate, issuer, now)
        except RevocationError as exc:
            problems.append(f"OCSP: {exc}")
        else:
            if self._use_cache:
                self._ocsp_cache[key] = answer
            return RevocationAnswer(answer.state, "ocsp", answer.detail)
        try:
            return self._check_crl(certificate, issuer, now)
        except RevocationError as exc:
            problems.append(f"CRL: {exc}")
        return RevocationAnswer(RevocationState.UNKNOWN, "", "; ".join(problems))

    def _reached(self, url: str | None) -> str | None:
        """``url`` as this process reaches it: under ``responder_origin`` when one is set."""
        if url is None or self._origin is None:
            return url
        parts = urlsplit(url)
        return self._origin + urlunsplit(("", "", parts.path, parts.query, ""))

    def _fresh(self, this_update: datetime, next_update: datetime | None, now: datetime) -> bool:
        if this_update > now + CLOCK_SKEW:
            return False
        if now - this_update > self._ocsp_max_age:
            return False
        return next_update is None or now < next_update

    # --- OCSP --------------------------------------------------------------------------------

    def _ask_ocsp(
        self, certificate: x509.Certificate, issuer: x509.Certificate, now: datetime
    ) -> _CachedOcsp:
        url = self._ocsp_url or self._reached(_first_uri(certificate, "ocsp"))
        if url is None:
            raise RevocationError("the certificate names no OCSP responder")
        nonce = os.urandom(16)
        request = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(certificate, issuer, hashes.SHA256())
            .add_extension(x509.OCSPNonce(nonce), critical=False)
            .build()
        )
        raw = self._source.post_ocsp(url, request.public_bytes(serialization.Encoding.DER))
        try:
            response = ocsp.load_der_ocsp_response(raw)
        except ValueError as exc:
            raise RevocationError(f"unparseable OCSP response: {exc}") from exc
        if response.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
            raise RevocationError(f"OCSP responder answered {response.response_status.name}")
        self._verify_responder(response, issuer, now)
        # RFC 6960 4.2.1: an answer holds one SingleResponse per CertID; ours is the one with
        # our CertID (a responder may answer in any order, or add others).
        single = next(
            (
                item
                for item in response.responses
                if item.serial_number == certificate.serial_number
                and item.issuer_key_hash == request.issuer_key_hash
                and item.issuer_name_hash == request.issuer_name_hash
            ),
            None,
        )
        if single is None:
            raise RevocationError("the OCSP answer is about another certificate")
        try:
            echoed = response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
        except x509.ExtensionNotFound:
            echoed = None  # RFC 8954 lets a responder omit it; freshness is then thisUpdate's job
        if echoed is not None and echoed != nonce:
            raise RevocationError("the OCSP answer's nonce is not the request's (replay?)")
        this_update = single.this_update_utc
        next_update = single.next_update_utc
        if not self._fresh(this_update, next_update, now):
            raise RevocationError(f"the OCSP answer of {this_update.isoformat()} is not fresh")
        status = single.certificate_status
        if status is ocsp.OCSPCertStatus.GOOD:
            return _CachedOcsp(RevocationState.GOOD, this_update, next_update, "")
        if status is ocsp.OCSPCertStatus.REVOKED:
            reason = single.revocation_reason
            when = single.revocation_time_utc
            detail = f"revoked at {when.isoformat() if when else '?'}"
            if reason is not None:
                detail += f" ({reason.value})"
            return _CachedOcsp(RevocationState.REVOKED, this_update, next_update, detail)
        # "unknown": the responder does not know the certificate. Fail closed, but do not fall
        # back to the CRL, which would wrongly read "not listed" as good.
        return _CachedOcsp(
            RevocationState.UNKNOWN, this_update, next_update, "OCSP responder: unknown"
        )

    def _verify_responder(
        self, response: ocsp.OCSPResponse, issuer: x509.Certificate, now: datetime
    ) -> None:
        """RFC 6960 4.2.2.2: the issuer itself, or a certificate it issued for OCSP signing
        (id-kp-OCSPSigning), valid now; a responder certificate from another CA, or one
        without that purpose, is not an authorised responder for this issuer."""
        signer = issuer
        if not self._responder_is(issuer, response):
            for candidate in response.certificates:
                if self._responder_is(candidate, response) and self._delegated_by(
                    candidate, issuer, now
                ):
                    signer = candidate
                    break
            else:
                raise RevocationError("the OCSP answer is not signed by an authorised responder")
        _verify_signed_by(
            signer.public_key(),
            response.signature,
            response.tbs_response_bytes,
            response.signature_hash_algorithm,
        )

    @staticmethod
    def _responder_is(certificate: x509.Certificate, response: ocsp.OCSPResponse) -> bool:
        if response.responder_name is not None:
            return response.responder_name == certificate.subject
        try:
            bits = public_key_bits(certificate)
        except TypeError as exc:
            raise RevocationError(str(exc)) from None
        digest = hashes.Hash(hashes.SHA1())  # noqa: S303 - RFC 6960 ResponderID byKey is SHA-1
        digest.update(bits)
        return digest.finalize() == response.responder_key_hash

    @staticmethod
    def _delegated_by(candidate: x509.Certificate, issuer: x509.Certificate, now: datetime) -> bool:
        try:
            candidate.verify_directly_issued_by(issuer)
            usage = candidate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except (ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
            return False
        valid_now = (
            candidate.not_valid_before_utc - CLOCK_SKEW <= now <= candidate.not_valid_after_utc
        )
        return valid_now and ExtendedKeyUsageOID.OCSP_SIGNING in usage

    # --- CRL ---------------------------------------------------------------------------------

    def _check_crl(
        self, certificate: x509.Certificate, issuer: x509.Certificate, now: datetime
    ) -> RevocationAnswer:
        url = self._crl_url or self._reached(_first_uri(certificate, "crl"))
        if url is None:
            raise RevocationError("the certificate names no CRL distribution point")
        crl = self._crl_cache.get(url) if self._use_cache else None
        if crl is None or not self._crl_fresh(crl, now):
            crl = self._load_crl(url, issuer)
            if not self._crl_fresh(crl, now):
                raise RevocationError(
                    f"the CRL of {crl.last_update_utc.isoformat()} is not fresh enough"
                )
            if self._use_cache:
                self._crl_cache[url] = crl
        entry = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
        if entry is None:
            return RevocationAnswer(RevocationState.GOOD, "crl")
        return RevocationAnswer(
            RevocationState.REVOKED, "crl", f"revoked at {entry.revocation_date_utc.isoformat()}"
        )

    def _crl_fresh(self, crl: x509.CertificateRevocationList, now: datetime) -> bool:
        last = crl.last_update_utc
        upcoming = crl.next_update_utc
        if last > now + CLOCK_SKEW or now - last > self._crl_max_age:
            return False
        return upcoming is None or now < upcoming

    def _load_crl(self, url: str, issuer: x509.Certificate) -> x509.CertificateRevocationList:
        raw = self._source.get_crl(url)
        try:
            crl = x509.load_der_x509_crl(raw)
        except ValueError as exc:
            raise RevocationError(f"unparseable CRL: {exc}") from exc
        if crl.issuer != issuer.subject:
            raise RevocationError("the CRL is not the certificate issuer's")
        _verify_signed_by(
            issuer.public_key(),
            crl.signature,
            crl.tbs_certlist_bytes,
            crl.signature_hash_algorithm,
        )
        return crl
