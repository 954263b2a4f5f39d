"""Condition 2 of every seed regulation: the applicant's EDS is checked (chain, validity,
revocation, IIN/BIN match) before anything leaves the portal, and a legal entity's request is
signed by someone who may sign for it; and the check of an authentication-key signature for
challenge login."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from cryptography import x509

from shared.authz import Kind, kinds_of
from shared.clock import Clock
from shared.pki.jws import JwsVerifier
from shared.pki.profiles import EntityRole, KeyPurpose
from shared.pki.revocation_client import RevocationChecker
from shared.signing import SignerIdentity, VerificationCode

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


# Who may sign for a legal entity: its first head, or a person given the right to sign
# (НУЦ's legal-entity roles .1 and .2); its employees, accountants and HR officers may not.
MAY_SIGN_FOR_ENTITY: Final = (EntityRole.FIRST_HEAD, EntityRole.SIGNER)


def entity_roles(identity: SignerIdentity | None) -> list[str]:
    """The legal-entity roles a verified certificate carries (its holder OIDs)."""
    found = frozenset() if identity is None else identity.oids
    return [role.value for role in EntityRole if role.holder_oid.dotted_string in found]


def no_right_to_sign(identity: SignerIdentity | None) -> str | None:
    """Why the holder of ``identity`` (a verified certificate of the legal entity) may not sign
    a request for it, or None when they may: the role in the certificate must be one of
    :data:`MAY_SIGN_FOR_ENTITY` (shared.authz's entity head)."""
    if identity is not None and Kind.ENTITY_HEAD in kinds_of(identity):
        return None
    found = ", ".join(entity_roles(identity)) or "none"
    may = " or ".join(role.value for role in MAY_SIGN_FOR_ENTITY)
    return (
        f"the certificate's role in the legal entity is {found}: a legal entity's request is "
        f"signed by its first head or a person with the right to sign ({may})"
    )


class AuthKeyVerifier(JwsVerifier):
    """A verifier for НУЦ authentication keys (login by signing a challenge, as egov.kz
    allows): the same chain, validity, subject and revocation checks, JWS or CMS, but the key
    must be an authentication key (digitalSignature + clientAuth) instead of a document-signing
    one."""

    def __init__(
        self,
        trust_anchors: Sequence[x509.Certificate],
        clock: Clock,
        revocation: RevocationChecker,
    ) -> None:
        super().__init__(trust_anchors, clock, revocation, purpose=KeyPurpose.AUTH)
