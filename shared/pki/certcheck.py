"""The checks of a signer's certificate that every signature format shares (the detached JWS of
:mod:`shared.pki.jws` and the CMS of :mod:`shared.pki.cms`): the path to a trust anchor,
validity now, key usage, the expected IIN/BIN, and revocation.

A format gives :meth:`CertificateChecks.verify` its parser, which reads a signature into a
:class:`ParsedSignature` (the certificates that came with it, and the check of the signature
itself with the signer's key); everything else is done here, in the same order for every
format: form, chain, signature, validity, key usage, IIN/BIN, revocation. So both formats answer
a signature that is not good enough with the same :class:`~shared.signing.VerificationCode`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature

from shared.clock import Clock
from shared.pki.certinfo import identity_of
from shared.pki.oids import EKU_AUTH, EKU_SIGNING
from shared.pki.profiles import KeyPurpose
from shared.pki.revocation_client import RevocationChecker, RevocationState
from shared.signing import SignerIdentity, VerificationCode, VerificationResult

MAX_CHAIN = 5  # root + issuing + leaf is the НУЦ shape; anything much longer is suspect
_PATH_CACHE_SIZE = 4096  # distinct signer chains remembered (systems, officers, applicants)


class Rejected(Exception):
    """A signature refused with ``code``; a verifier turns it into its VerificationResult."""

    def __init__(self, code: VerificationCode, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class ParsedSignature(Protocol):
    """A signature read by its format's parser."""

    @property
    def chain(self) -> Sequence[bytes]:
        """The DER of the signer's certificate, then of the certificates that came with it."""
        ...

    def check_signature(self, payload: bytes, leaf: x509.Certificate) -> None:
        """Raise :class:`Rejected` (BAD_SIGNATURE) unless the signature is ``leaf``'s key's
        over ``payload``."""
        ...


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


class CertificateChecks:
    """The certificate part of a signature check, against ``trust_anchors`` at ``clock``'s now,
    asking ``revocation``. ``purpose`` is the key the signature must be made with: НУЦ's
    document-signing key (the default) or its authentication key (a login challenge).

    Thread-safe: async callers run verification on worker threads."""

    def __init__(
        self,
        trust_anchors: Sequence[x509.Certificate],
        clock: Clock,
        revocation: RevocationChecker,
        *,
        purpose: KeyPurpose = KeyPurpose.SIGNING,
    ) -> None:
        if not trust_anchors:
            raise ValueError("a verifier needs at least one trusted root")
        self._anchors = list(trust_anchors)
        self._clock = clock
        self._revocation = revocation
        self._purpose = purpose
        # Paths already built, so that the chain's signatures are checked once per signer
        # rather than once per message. Only what never changes is cached (the path to these
        # anchors); validity and revocation are checked on every call.
        self._paths: OrderedDict[tuple[bytes, ...], list[x509.Certificate]] = OrderedDict()
        self._paths_lock = threading.Lock()

    def verify(
        self,
        parse: Callable[[str], ParsedSignature],
        payload: bytes,
        signature: str,
        *,
        expected_iin: str | None = None,
        expected_bin: str | None = None,
    ) -> VerificationResult:
        """``signature`` over ``payload``, read by ``parse`` (which raises :class:`Rejected`
        for a malformed one): chain, signature, validity, key usage, IIN/BIN, revocation."""
        identity: SignerIdentity | None = None
        try:
            parsed = parse(signature)
            path = self.path(parsed.chain)
            leaf = path[0]
            identity = identity_of(leaf)
            parsed.check_signature(payload, leaf)
            self.check(path, identity, expected_iin=expected_iin, expected_bin=expected_bin)
        except Rejected as rejected:
            return VerificationResult(rejected.code, identity, rejected.detail)
        return VerificationResult(VerificationCode.OK, identity)

    def path(self, chain: Sequence[bytes]) -> list[x509.Certificate]:
        """Leaf, intermediates and the trust anchor that closes the path, from ``chain``: the
        DER of the signer's certificate first, then the certificates that came with it."""
        if not chain or len(chain) > MAX_CHAIN:
            raise Rejected(VerificationCode.UNTRUSTED_CHAIN, "no usable certificate chain")
        key = tuple(chain)
        # A lock, because an OrderedDict's reordering is not atomic; building a path happens
        # outside it.
        with self._paths_lock:
            path = self._paths.get(key)
            if path is not None:
                self._paths.move_to_end(key)
                return path
        path = self._build(_load(chain))
        with self._paths_lock:
            self._paths[key] = path
            if len(self._paths) > _PATH_CACHE_SIZE:
                self._paths.popitem(last=False)
        return path

    def check(
        self,
        path: list[x509.Certificate],
        identity: SignerIdentity,
        *,
        expected_iin: str | None = None,
        expected_bin: str | None = None,
    ) -> None:
        """After the signature itself verified with ``path[0]``'s key: validity now, key usage,
        the expected IIN/BIN and revocation (last: it may cost a network round trip)."""
        self._check_validity(path, self._clock.now())
        self._check_key_usage(path[0])
        _check_subject(identity, expected_iin, expected_bin)
        self._check_revocation(path[0], path[1])

    def _build(self, chain: list[x509.Certificate]) -> list[x509.Certificate]:
        path = [chain[0]]
        pool = chain[1:]
        for _ in range(MAX_CHAIN):
            current = path[-1]
            for anchor in self._anchors:
                if _issued(current, anchor):
                    return [*path, anchor]
            parent = next((c for c in pool if _issued(current, c) and _is_ca(c)), None)
            if parent is None or parent in path:
                break
            path.append(parent)
        raise Rejected(
            VerificationCode.UNTRUSTED_CHAIN,
            f"no path from {chain[0].subject.rfc4514_string()} to a trusted root",
        )

    @staticmethod
    def _check_validity(path: list[x509.Certificate], now: datetime) -> None:
        for certificate in path:
            name = certificate.subject.rfc4514_string()
            if now < certificate.not_valid_before_utc:
                raise Rejected(
                    VerificationCode.CERT_NOT_YET_VALID,
                    f"{name} is valid from {certificate.not_valid_before_utc.isoformat()}",
                )
            if now > certificate.not_valid_after_utc:
                raise Rejected(
                    VerificationCode.CERT_EXPIRED,
                    f"{name} expired at {certificate.not_valid_after_utc.isoformat()}",
                )

    def _check_key_usage(self, leaf: x509.Certificate) -> None:
        try:
            usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
            purposes = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except x509.ExtensionNotFound as exc:
            raise Rejected(VerificationCode.WRONG_KEY_USAGE, f"missing {exc.oid}") from None
        if self._purpose is KeyPurpose.AUTH:
            # Login by signing a challenge, as egov.kz allows: НУЦ's authentication key
            # (digitalSignature, clientAuth).
            if not usage.digital_signature or EKU_AUTH not in purposes:
                raise Rejected(VerificationCode.WRONG_KEY_USAGE, "not an authentication key")
            return
        # A document signature needs digitalSignature + nonRepudiation and the signing
        # purpose; НУЦ's authentication key (keyEncipherment, clientAuth) must not sign
        # documents.
        if not (usage.digital_signature and usage.content_commitment):
            raise Rejected(
                VerificationCode.WRONG_KEY_USAGE,
                "key usage lacks digitalSignature and nonRepudiation",
            )
        if EKU_SIGNING not in purposes:
            raise Rejected(VerificationCode.WRONG_KEY_USAGE, "not a document-signing key")

    def _check_revocation(self, leaf: x509.Certificate, issuer: x509.Certificate) -> None:
        answer = self._revocation.check(leaf, issuer)
        if answer.state is RevocationState.REVOKED:
            raise Rejected(VerificationCode.CERT_REVOKED, answer.detail)
        if answer.state is RevocationState.UNKNOWN:
            raise Rejected(VerificationCode.REVOCATION_UNKNOWN, answer.detail)


def _load(chain: Sequence[bytes]) -> list[x509.Certificate]:
    try:
        return [x509.load_der_x509_certificate(der) for der in chain]
    except ValueError as exc:
        raise Rejected(VerificationCode.UNTRUSTED_CHAIN, f"unreadable certificate: {exc}") from exc


def _check_subject(
    identity: SignerIdentity, expected_iin: str | None, expected_bin: str | None
) -> None:
    # Condition 2 of every seed regulation: the IIN/BIN in the request must be the
    # certificate's.
    if expected_iin is not None and identity.iin != expected_iin:
        raise Rejected(
            VerificationCode.SUBJECT_MISMATCH,
            f"request IIN {expected_iin} is not the certificate's ({identity.iin or 'none'})",
        )
    if expected_bin is not None and identity.bin != expected_bin:
        raise Rejected(
            VerificationCode.SUBJECT_MISMATCH,
            f"request BIN {expected_bin} is not the certificate's ({identity.bin or 'none'})",
        )
