"""Detached JWS (RFC 7515 appendix F) with the signer's chain in ``x5c``: the implementation of
the :mod:`shared.signing` seam.

``sign`` returns ``BASE64URL(header) + ".." + BASE64URL(signature)``; the payload (the
envelope's RFC 8785 canonical JSON) travels separately. The signing input is the usual
``BASE64URL(header) "." BASE64URL(payload)`` (no ``b64: false``), so any JOSE library can check
it once the payload is put back.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from shared.clock import Clock
from shared.pki.certinfo import identity_of
from shared.pki.keys import KeyAlgorithm, PrivateKey, algorithm_of
from shared.pki.oids import EKU_SIGNING
from shared.pki.pkcs12 import KeyFile
from shared.pki.revocation_client import RevocationChecker, RevocationState
from shared.signing import SignerIdentity, VerificationCode, VerificationResult

_P256_BYTES = 32
_MAX_CHAIN = 5  # root + issuing + leaf is the НУЦ shape; anything much longer is suspect
_PATH_CACHE_SIZE = 4096  # distinct signer chains remembered (systems, officers, applicants)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if "=" in text:
        raise ValueError("base64url in JWS carries no padding (RFC 7515 2)")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class JwsSigner:
    def __init__(
        self, key: PrivateKey, certificate: x509.Certificate, chain: Sequence[x509.Certificate]
    ) -> None:
        if key.public_key() != certificate.public_key():
            raise ValueError("the private key does not belong to the certificate")
        self._key = key
        self._algorithm = algorithm_of(key)
        self._identity = identity_of(certificate)
        header = {
            "alg": self._algorithm.value,
            # RFC 7515 4.1.6: standard (not URL-safe) base64 DER, the signer's certificate first.
            "x5c": [
                base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode("ascii")
                for c in (certificate, *chain)
            ],
        }
        self._header = b64url(json.dumps(header, separators=(",", ":")).encode())

    @classmethod
    def from_key_file(cls, key_file: KeyFile) -> JwsSigner:
        # The chain in x5c stops below the root: the verifier must hold the root already, and
        # sending it would only invite trusting whatever root the sender brings.
        chain = tuple(c for c in key_file.chain if c.subject != c.issuer)
        return cls(key_file.key, key_file.certificate, chain)

    @property
    def identity(self) -> SignerIdentity:
        return self._identity

    def sign(self, payload: bytes) -> str:
        signing_input = f"{self._header}.{b64url(payload)}".encode("ascii")
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            der = self._key.sign(signing_input, ec.ECDSA(hashes.SHA256()))
            r, s = decode_dss_signature(der)
            # RFC 7518 3.4: ES256 is R || S, each 32 bytes big-endian, not the DER of X9.62.
            raw = r.to_bytes(_P256_BYTES, "big") + s.to_bytes(_P256_BYTES, "big")
        else:
            raw = self._key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return f"{self._header}..{b64url(raw)}"


@dataclass(frozen=True)
class _Parsed:
    header_b64: str
    algorithm: KeyAlgorithm
    x5c: tuple[str, ...]
    signature: bytes


class _Rejected(Exception):
    def __init__(self, code: VerificationCode, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _parse(signature: str) -> _Parsed:
    parts = signature.split(".")
    if len(parts) != 3 or parts[1] != "":
        raise _Rejected(VerificationCode.BAD_SIGNATURE, "not a detached JWS (header..signature)")
    try:
        header = json.loads(b64url_decode(parts[0]))
        raw_signature = b64url_decode(parts[2])
    except (ValueError, binascii.Error) as exc:
        raise _Rejected(VerificationCode.BAD_SIGNATURE, f"undecodable JWS: {exc}") from exc
    if not isinstance(header, dict):
        raise _Rejected(VerificationCode.BAD_SIGNATURE, "the JWS header is not a JSON object")
    if "crit" in header:
        # RFC 7515 4.1.11: extensions we do not understand must make the JWS invalid.
        raise _Rejected(VerificationCode.BAD_SIGNATURE, "unsupported critical header parameters")
    try:
        algorithm = KeyAlgorithm(str(header.get("alg")))
    except ValueError:
        raise _Rejected(
            VerificationCode.BAD_SIGNATURE, f"algorithm {header.get('alg')!r} is not accepted"
        ) from None
    x5c = header.get("x5c")
    if (
        not isinstance(x5c, list)
        or not x5c
        or len(x5c) > _MAX_CHAIN
        or not all(isinstance(c, str) for c in x5c)
    ):
        raise _Rejected(VerificationCode.UNTRUSTED_CHAIN, "no usable certificate chain in x5c")
    return _Parsed(parts[0], algorithm, tuple(x5c), raw_signature)


def _load_x5c(x5c: tuple[str, ...]) -> list[x509.Certificate]:
    try:
        return [x509.load_der_x509_certificate(base64.b64decode(c, validate=True)) for c in x5c]
    except (ValueError, TypeError, binascii.Error) as exc:
        raise _Rejected(VerificationCode.UNTRUSTED_CHAIN, f"unreadable x5c: {exc}") from exc


def _issued(child: x509.Certificate, parent: x509.Certificate) -> bool:
    if child.issuer != parent.subject:
        return False
    try:
        child.verify_directly_issued_by(parent)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return constraints.ca and usage.key_cert_sign


class JwsVerifier:
    """Checks, in order: form, chain to a trust anchor, signature, validity now, key usage,
    the expected IIN/BIN, and revocation (last, because it may cost a network round trip)."""

    def __init__(
        self,
        trust_anchors: Sequence[x509.Certificate],
        clock: Clock,
        revocation: RevocationChecker,
    ) -> None:
        if not trust_anchors:
            raise ValueError("a verifier needs at least one trusted root")
        self._anchors = list(trust_anchors)
        self._clock = clock
        self._revocation = revocation
        # Paths already built from an x5c, so that the chain's signatures are checked once per
        # sender rather than once per message. Only what never changes is cached (the path to
        # these anchors); validity and revocation are checked on every call.
        self._paths: OrderedDict[tuple[str, ...], list[x509.Certificate]] = OrderedDict()
        self._paths_lock = threading.Lock()

    def verify(
        self,
        payload: bytes,
        signature: str,
        *,
        expected_iin: str | None = None,
        expected_bin: str | None = None,
    ) -> VerificationResult:
        identity: SignerIdentity | None = None
        try:
            parsed = _parse(signature)
            path = self._cached_path(parsed.x5c)
            leaf = path[0]
            identity = identity_of(leaf)
            self._check_signature(parsed, payload, leaf)
            self._check_validity(path, self._clock.now())
            self._check_key_usage(leaf)
            self._check_subject(identity, expected_iin, expected_bin)
            self._check_revocation(leaf, path[1])
        except _Rejected as rejected:
            return VerificationResult(rejected.code, identity, rejected.detail)
        return VerificationResult(VerificationCode.OK, identity)

    def _cached_path(self, x5c: tuple[str, ...]) -> list[x509.Certificate]:
        # A lock, because async callers run verify() in worker threads (asyncio.to_thread) and
        # an OrderedDict's reordering is not atomic; building a path happens outside it.
        with self._paths_lock:
            path = self._paths.get(x5c)
            if path is not None:
                self._paths.move_to_end(x5c)
                return path
        path = self._path(_load_x5c(x5c))
        with self._paths_lock:
            self._paths[x5c] = path
            if len(self._paths) > _PATH_CACHE_SIZE:
                self._paths.popitem(last=False)
        return path

    def _path(self, chain: list[x509.Certificate]) -> list[x509.Certificate]:
        """Leaf, intermediates, and the trust anchor that closes the path."""
        path = [chain[0]]
        pool = chain[1:]
        for _ in range(_MAX_CHAIN):
            current = path[-1]
            for anchor in self._anchors:
                if _issued(current, anchor):
                    return [*path, anchor]
            parent = next((c for c in pool if _issued(current, c) and _is_ca(c)), None)
            if parent is None or parent in path:
                break
            path.append(parent)
        raise _Rejected(
            VerificationCode.UNTRUSTED_CHAIN,
            f"no path from {chain[0].subject.rfc4514_string()} to a trusted root",
        )

    @staticmethod
    def _check_signature(parsed: _Parsed, payload: bytes, leaf: x509.Certificate) -> None:
        signing_input = f"{parsed.header_b64}.{b64url(payload)}".encode("ascii")
        public = leaf.public_key()
        try:
            if parsed.algorithm is KeyAlgorithm.ES256 and isinstance(
                public, ec.EllipticCurvePublicKey
            ):
                if len(parsed.signature) != 2 * _P256_BYTES:
                    raise InvalidSignature
                r = int.from_bytes(parsed.signature[:_P256_BYTES], "big")
                s = int.from_bytes(parsed.signature[_P256_BYTES:], "big")
                public.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(hashes.SHA256()))
            elif parsed.algorithm is KeyAlgorithm.RS256 and isinstance(public, rsa.RSAPublicKey):
                public.verify(parsed.signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
            else:
                raise _Rejected(
                    VerificationCode.BAD_SIGNATURE,
                    f"{parsed.algorithm} does not fit the certificate's key",
                )
        except InvalidSignature:
            raise _Rejected(
                VerificationCode.BAD_SIGNATURE, "the signature does not verify over the payload"
            ) from None

    @staticmethod
    def _check_validity(path: list[x509.Certificate], now: datetime) -> None:
        for certificate in path:
            name = certificate.subject.rfc4514_string()
            if now < certificate.not_valid_before_utc:
                raise _Rejected(
                    VerificationCode.CERT_NOT_YET_VALID,
                    f"{name} is valid from {certificate.not_valid_before_utc.isoformat()}",
                )
            if now > certificate.not_valid_after_utc:
                raise _Rejected(
                    VerificationCode.CERT_EXPIRED,
                    f"{name} expired at {certificate.not_valid_after_utc.isoformat()}",
                )

    @staticmethod
    def _check_key_usage(leaf: x509.Certificate) -> None:
        # A document signature needs digitalSignature + nonRepudiation and the signing purpose;
        # НУЦ's authentication key (keyEncipherment, clientAuth) must not sign documents.
        try:
            usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
            purposes = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except x509.ExtensionNotFound as exc:
            raise _Rejected(VerificationCode.WRONG_KEY_USAGE, f"missing {exc.oid}") from None
        if not (usage.digital_signature and usage.content_commitment):
            raise _Rejected(
                VerificationCode.WRONG_KEY_USAGE,
                "key usage lacks digitalSignature and nonRepudiation",
            )
        if EKU_SIGNING not in purposes:
            raise _Rejected(VerificationCode.WRONG_KEY_USAGE, "not a document-signing key")

    @staticmethod
    def _check_subject(
        identity: SignerIdentity, expected_iin: str | None, expected_bin: str | None
    ) -> None:
        # Condition 2 of every seed regulation: the IIN/BIN in the request must be the
        # certificate's.
        if expected_iin is not None and identity.iin != expected_iin:
            raise _Rejected(
                VerificationCode.SUBJECT_MISMATCH,
                f"request IIN {expected_iin} is not the certificate's ({identity.iin or 'none'})",
            )
        if expected_bin is not None and identity.bin != expected_bin:
            raise _Rejected(
                VerificationCode.SUBJECT_MISMATCH,
                f"request BIN {expected_bin} is not the certificate's ({identity.bin or 'none'})",
            )

    def _check_revocation(self, leaf: x509.Certificate, issuer: x509.Certificate) -> None:
        answer = self._revocation.check(leaf, issuer)
        if answer.state is RevocationState.REVOKED:
            raise _Rejected(VerificationCode.CERT_REVOKED, answer.detail)
        if answer.state is RevocationState.UNKNOWN:
            raise _Rejected(VerificationCode.REVOCATION_UNKNOWN, answer.detail)
