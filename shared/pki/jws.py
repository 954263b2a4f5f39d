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
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from shared.clock import Clock
from shared.pki.certcheck import MAX_CHAIN, CertificateChecks, Rejected
from shared.pki.certinfo import identity_of
from shared.pki.cms import parse_cms
from shared.pki.keys import KeyAlgorithm, PrivateKey, algorithm_of
from shared.pki.pkcs12 import KeyFile
from shared.pki.profiles import KeyPurpose
from shared.pki.revocation_client import RevocationChecker
from shared.signing import SignerIdentity, VerificationCode, VerificationResult

_P256_BYTES = 32


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
    chain: tuple[bytes, ...]  # x5c's DER
    signature: bytes

    def check_signature(self, payload: bytes, leaf: x509.Certificate) -> None:
        signing_input = f"{self.header_b64}.{b64url(payload)}".encode("ascii")
        public = leaf.public_key()
        try:
            if self.algorithm is KeyAlgorithm.ES256 and isinstance(
                public, ec.EllipticCurvePublicKey
            ):
                if len(self.signature) != 2 * _P256_BYTES:
                    raise InvalidSignature
                r = int.from_bytes(self.signature[:_P256_BYTES], "big")
                s = int.from_bytes(self.signature[_P256_BYTES:], "big")
                public.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(hashes.SHA256()))
            elif self.algorithm is KeyAlgorithm.RS256 and isinstance(public, rsa.RSAPublicKey):
                public.verify(self.signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
            else:
                raise Rejected(
                    VerificationCode.BAD_SIGNATURE,
                    f"{self.algorithm} does not fit the certificate's key",
                )
        except InvalidSignature:
            raise Rejected(
                VerificationCode.BAD_SIGNATURE, "the signature does not verify over the payload"
            ) from None


def _parse(signature: str) -> _Parsed:
    parts = signature.split(".")
    if len(parts) != 3 or parts[1] != "":
        raise Rejected(VerificationCode.BAD_SIGNATURE, "not a detached JWS (header..signature)")
    try:
        header = json.loads(b64url_decode(parts[0]))
        raw_signature = b64url_decode(parts[2])
    except (ValueError, binascii.Error) as exc:
        raise Rejected(VerificationCode.BAD_SIGNATURE, f"undecodable JWS: {exc}") from exc
    if not isinstance(header, dict):
        raise Rejected(VerificationCode.BAD_SIGNATURE, "the JWS header is not a JSON object")
    if "crit" in header:
        # RFC 7515 4.1.11: extensions we do not understand must make the JWS invalid.
        raise Rejected(VerificationCode.BAD_SIGNATURE, "unsupported critical header parameters")
    try:
        algorithm = KeyAlgorithm(str(header.get("alg")))
    except ValueError:
        raise Rejected(
            VerificationCode.BAD_SIGNATURE, f"algorithm {header.get('alg')!r} is not accepted"
        ) from None
    x5c = header.get("x5c")
    if (
        not isinstance(x5c, list)
        or not x5c
        or len(x5c) > MAX_CHAIN
        or not all(isinstance(c, str) for c in x5c)
    ):
        raise Rejected(VerificationCode.UNTRUSTED_CHAIN, "no usable certificate chain in x5c")
    try:
        # RFC 7515 4.1.6: standard (not URL-safe) base64 DER.
        chain = tuple(base64.b64decode(c, validate=True) for c in x5c)
    except (ValueError, binascii.Error) as exc:
        raise Rejected(VerificationCode.UNTRUSTED_CHAIN, f"unreadable x5c: {exc}") from exc
    return _Parsed(parts[0], algorithm, chain, raw_signature)


def is_compact_jws(signature: str) -> bool:
    """Whether ``signature`` has the shape of a compact JWS (three parts joined by dots); a CMS,
    PEM or base64, never has a dot."""
    return signature.count(".") == 2


class JwsVerifier:
    """The :class:`~shared.signing.Verifier` of the services. :meth:`verify` checks a detached
    JWS (envelopes, signed calls), in order: form, chain to a trust anchor, signature,
    validity now, key usage, the expected IIN/BIN, and revocation (last, because it may cost a
    network round trip). :meth:`verify_document` takes a CMS as well (a person's signature
    made in a browser), with the same checks and codes (:mod:`shared.pki.certcheck`).

    ``purpose`` is the key the signatures must be made with: НУЦ's document-signing key, or
    its authentication key (the portal's login by signing a challenge)."""

    def __init__(
        self,
        trust_anchors: Sequence[x509.Certificate],
        clock: Clock,
        revocation: RevocationChecker,
        *,
        purpose: KeyPurpose = KeyPurpose.SIGNING,
    ) -> None:
        self._certificates = CertificateChecks(trust_anchors, clock, revocation, purpose=purpose)

    def verify(
        self,
        payload: bytes,
        signature: str,
        *,
        expected_iin: str | None = None,
        expected_bin: str | None = None,
    ) -> VerificationResult:
        return self._certificates.verify(
            _parse, payload, signature, expected_iin=expected_iin, expected_bin=expected_bin
        )

    def verify_document(
        self,
        payload: bytes,
        signature: str,
        *,
        expected_iin: str | None = None,
        expected_bin: str | None = None,
    ) -> VerificationResult:
        """A person's signature over a document: a detached JWS (API clients, ``egov sign``)
        or a CMS SignedData, PEM or base64 DER (browsers, through NCALayer or ``egov
        signer``), told apart by their form."""
        parse = _parse if is_compact_jws(signature) else parse_cms
        return self._certificates.verify(
            parse, payload, signature, expected_iin=expected_iin, expected_bin=expected_bin
        )
