"""Staff authentication by certificate (000 appendix 1 process 1, condition 1, process 2).

Each staff request carries a detached JWS over shared.pki.http_signing's request description
(method, target, body hash, timestamp, nonce) in ``X-Egov-Signature``, with ``X-Egov-Timestamp``
and ``X-Egov-Nonce``. The verified certificate names the person (IIN); the directory says which
provider they work for and which roles they hold. A refusal is the named outcome
AUTHORIZATION_REFUSED with the reason, in words (``message``) and as a code (``reason``:
SIGNATURE_MISSING; REQUEST_EXPIRED for a missing or stale timestamp; REQUEST_REPLAYED for a nonce
already used; the verification code such as BAD_SIGNATURE or CERT_REVOKED; NOT_STAFF; WRONG_BIN),
so a client can tell a broken signature from a signer who is not staff. Between the two, the
caller's kind is checked against shared.authz.ROUTES: a certificate that is no legal entity's
(a citizen's, a system's, an operator's) is refused there with 403 ROLE_REQUIRED.
"""

from __future__ import annotations

from fastapi import Request

from elicense_svc.domain.actors import Actor
from elicense_svc.domain.directory import Directory
from elicense_svc.domain.errors import ElicenseError
from shared.pki.http_signing import (
    NonceMemory,
    SignedCallRefused,
    SignedCalls,
)
from shared.signing import SignerIdentity, Verifier, verify_off_loop


class AuthorizationRefused(ElicenseError):
    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__("AUTHORIZATION_REFUSED", message, status=401)
        self.reason = reason


async def signed_identity(
    request: Request, verifier: Verifier, nonces: NonceMemory, *, window_s: float
) -> SignerIdentity:
    """Who signed ``request``: a fresh signed call (timestamp inside ``window_s``, nonce not
    seen before in ``nonces``), or AUTHORIZATION_REFUSED with the check's code as the reason."""
    signed_calls = SignedCalls(
        lambda payload, signature: verify_off_loop(verifier, payload, signature),
        nonces,
        window_s=window_s,
    )
    try:
        return await signed_calls.check_request(request)
    except SignedCallRefused as refused:
        raise AuthorizationRefused(
            f"{refused.code}: {refused.detail}".rstrip(": "), reason=refused.code
        ) from None


def staff_actor(identity: SignerIdentity, directory: Directory) -> Actor:
    """The staff member a verified certificate names: on the directory (NOT_STAFF otherwise),
    and signing with the employee certificate of their provider's BIN (WRONG_BIN)."""
    try:
        member = directory.member(identity.iin)
    except ElicenseError as exc:
        raise AuthorizationRefused(exc.message, reason="NOT_STAFF") from exc
    provider = directory.provider(member.provider)
    if provider.bin is not None and identity.bin != provider.bin:
        raise AuthorizationRefused(
            f"the certificate is issued for BIN {identity.bin}, not {provider.id} ({provider.bin})",
            reason="WRONG_BIN",
        )
    return Actor(
        kind="staff",
        subject=identity.subject,
        iin=identity.iin,
        serial=identity.serial,
        provider=member.provider,
        roles=member.roles,
    )
