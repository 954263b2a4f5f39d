"""Signing a synchronous HTTP request (registry lookups through the gateway's sync channel).

There is no envelope around a GET, so the caller signs a small canonical description of the
request instead: method, target (path and query) and the SHA-256 of the body. Binding the
target stops a signature for one IIN's lookup being replayed for another's.
"""

from __future__ import annotations

import hashlib

from shared.canonical import canonical_json
from shared.signing import Signer

SIGNATURE_HEADER = "X-Egov-Signature"
# The caller's system id; the gateway checks it is the signing certificate's subject.
SENDER_HEADER = "X-Egov-Sender"


def request_signing_bytes(method: str, target: str, body: bytes = b"") -> bytes:
    return canonical_json(
        {
            "method": method.upper(),
            "target": target,
            "body_sha256": hashlib.sha256(body).hexdigest(),
        }
    )


def signed_request_headers(
    signer: Signer, sender: str, method: str, target: str, body: bytes = b""
) -> dict[str, str]:
    """The headers of a signed call to the gateway's sync channel: the signature over
    :func:`request_signing_bytes` and the caller's system id (which the gateway checks against
    the signing certificate)."""
    return {
        SIGNATURE_HEADER: signer.sign(request_signing_bytes(method, target, body)),
        SENDER_HEADER: sender,
    }
