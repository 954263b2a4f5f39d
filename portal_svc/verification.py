"""Condition 2 of every seed regulation: the applicant's EDS is checked (chain, validity,
revocation, IIN/BIN match) before anything leaves the portal; and the check of an
authentication-key signature for challenge login."""

from __future__ import annotations

from typing import Final

from cryptography import x509

from shared.pki.jws import JwsVerifier, _Rejected
from shared.pki.oids import EKU_AUTH
from shared.signing import VerificationCode

# Verification codes -> the definitions' refusal grounds (refusal_grounds in each YAML).
REFUSAL_GROUND: Final[dict[VerificationCode, str]] = {
    VerificationCode.BAD_SIGNATURE: "SIGNATURE_NOT_CONFIRMED",
    VerificationCode.UNTRUSTED_CHAIN: "SIGNATURE_NOT_CONFIRMED",
    VerificationCode.CERT_NOT_YET_VALID: "SIGNATURE_NOT_CONFIRMED",
    VerificationCode.WRONG_KEY_USAGE: "SIGNATURE_NOT_CONFIRMED",
    VerificationCode.REVOCATION_UNKNOWN: "SIGNATURE_NOT_CONFIRMED",
    VerificationCode.CERT_EXPIRED: "CERTIFICATE_EXPIRED",
    VerificationCode.CERT_REVOKED: "CERTIFICATE_REVOKED",
    VerificationCode.SUBJECT_MISMATCH: "SUBJECT_MISMATCH",
}


class AuthKeyVerifier(JwsVerifier):
    """A JWS verifier for НУЦ authentication keys (login by signing a challenge, as egov.kz
    allows): the same chain, validity, subject and revocation checks, but the key must be an
    authentication key (digitalSignature + clientAuth) instead of a document-signing one."""

    @staticmethod
    def _check_key_usage(leaf: x509.Certificate) -> None:
        try:
            usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
            purposes = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except x509.ExtensionNotFound as exc:
            raise _Rejected(VerificationCode.WRONG_KEY_USAGE, f"missing {exc.oid}") from None
        if not usage.digital_signature or EKU_AUTH not in purposes:
            raise _Rejected(VerificationCode.WRONG_KEY_USAGE, "not an authentication key")
