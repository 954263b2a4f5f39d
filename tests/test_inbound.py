"""shared.inbound: the checks every consumer of signed envelopes makes itself, in their order.
The consumers' own tests (tests/elicense/test_intake_checks.py, tests/portal/test_consumer.py,
tests/provider/test_consumer.py) run them with real certificates; here, what only a forged
identity can reach: a certificate that names the sender but is no information system's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from shared.bus.port import Reject
from shared.envelope import Envelope
from shared.inbound import Accepts, Takes, open_delivered
from shared.signing import InsecureTestSigner, InsecureTestVerifier, SignerIdentity

KEY = b"test-key-not-a-secret"
ACCEPTS = Accepts(
    "the test consumer",
    frozenset({"elicense"}),
    (Takes(("request.#",), ("portal",), ("elicense",)),),
)


def _raw(**changes: object) -> bytes:
    fields: dict[str, object] = {
        "message_id": uuid.uuid4(),
        "correlation_id": "r-1",
        "type": "request.elicense.submit.v1",
        "sender": "portal",
        "recipient": "elicense",
        "sent_at": datetime(2024, 3, 1, 10, 30, tzinfo=UTC),
        "body": {},
    }
    fields.update(changes)
    signer = InsecureTestSigner(KEY, SignerIdentity(subject="portal"))
    return Envelope(**fields).signed(signer).model_dump_json().encode()  # type: ignore[arg-type]


async def test_a_certificate_named_after_the_sender_but_of_no_system_is_refused() -> None:
    # The signature verifies and its subject is "portal", but nothing says it is a system's.
    with pytest.raises(Reject, match=r"^NOT_A_SYSTEM_CERTIFICATE: signed with 'portal'"):
        await open_delivered(_raw(), InsecureTestVerifier(KEY), ACCEPTS)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"not json", "NOT_AN_ENVELOPE: <root>: Invalid JSON"),
        (b'{"message_id": 1}', "NOT_AN_ENVELOPE: message_id: UUID input should be"),
        (_raw(recipient="portal"), "WRONG_RECIPIENT: addressed to 'portal'"),
        (_raw(sender="registry"), "ROUTE_NOT_TAKEN: the test consumer takes no request."),
        (_raw(type="status.changed.v2"), "ROUTE_NOT_TAKEN: the test consumer takes no status."),
    ],
)
async def test_what_the_envelope_claims_is_checked_before_its_signature(
    raw: bytes, reason: str
) -> None:
    # Another key: had the signature been checked first, every case would be BAD_SIGNATURE.
    with pytest.raises(Reject) as refused:
        await open_delivered(raw, InsecureTestVerifier(b"another key"), ACCEPTS)
    assert refused.value.reason.startswith(reason), refused.value.reason


def test_a_route_pattern_is_checked() -> None:
    with pytest.raises(ValueError, match="pattern"):
        Takes(("request.##",), ("portal",), ("elicense",))
