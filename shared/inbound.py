"""A queue is not a trust boundary: what every consumer of signed envelopes checks itself,
before it acts on a delivery.

The gateway checked the message already, but anyone who can publish to the broker can put
anything in any queue. So each consumer (E-licensing, the portal and its PSC desks, each provider
workstation) checks, in this order, and refuses at the first failure with a reason that starts
with the check's code:

1. ``NOT_AN_ENVELOPE``: the body is an envelope (:class:`shared.envelope.Envelope`);
2. ``WRONG_RECIPIENT``: it is addressed to a system this consumer receives for;
3. ``ROUTE_NOT_TAKEN``: this consumer takes this type of message from this sender to that
   recipient (its :class:`Takes` list; each one a route the gateway's rules allow,
   tests/contract/test_consumer_routes.py);
4. the signature verifies: chain, validity, key usage and revocation, refused with the
   verifier's code (``BAD_SIGNATURE`` for an unsigned or altered envelope, ``UNTRUSTED_CHAIN``,
   ``CERT_REVOKED``, ...). ``REVOCATION_UNKNOWN`` is no verdict: it is asked again and then
   retried (:func:`shared.signing.verify_delivered`), never refused;
5. ``NOT_A_SYSTEM_CERTIFICATE``: the certificate is an information system's (НУЦ's holder OID
   ``1.2.398.3.3.4.1.2.6``), not a person's or an organisation's;
6. ``SENDER_MISMATCH``: it is the sender's own: its system id (the CN) is the envelope's
   ``sender``, so one system cannot speak for another.

The cheap checks on what the envelope claims come before the signature: refusing a claim never
grants anything, and junk costs no signature check. A refusal is raised as
:class:`shared.bus.port.Reject`, so the bus parks the message in the queue's dead-letter queue
(``<queue>.dlq``, the reason in its ``x-egov-dead-reason`` header) and nothing, not even the
inbox's claim of the message id, is committed; it is logged too (``envelope.refused``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import ValidationError

from shared.bus.port import Reject
from shared.bus.topic import check_pattern, topic_matches
from shared.envelope import Envelope
from shared.logging import get_logger
from shared.pki import oids
from shared.signing import SignerIdentity, Verifier

_SYSTEM_OID = oids.HOLDER_INFORMATION_SYSTEM.dotted_string
_log = get_logger("shared.inbound")


@dataclass(frozen=True)
class Takes:
    """Messages a consumer takes: of a type matching ``types``, from a sender matching
    ``senders``, to a recipient matching ``recipients``. Each is an AMQP topic pattern, as in the
    gateway's rules (``provider.*.*``, ``status.#``)."""

    types: tuple[str, ...]
    senders: tuple[str, ...]
    recipients: tuple[str, ...]

    def __post_init__(self) -> None:
        for pattern in (*self.types, *self.senders, *self.recipients):
            check_pattern(pattern)

    def takes(self, message_type: str, sender: str, recipient: str) -> bool:
        return (
            any(topic_matches(p, message_type) for p in self.types)
            and any(topic_matches(p, sender) for p in self.senders)
            and any(topic_matches(p, recipient) for p in self.recipients)
        )


@dataclass(frozen=True)
class Accepts:
    """What one consumer takes off its queue: ``name`` is how a refusal names the consumer,
    ``systems`` the system ids it receives for, ``routes`` the messages it takes."""

    name: str
    systems: frozenset[str]
    routes: tuple[Takes, ...]

    def receiving_for(self, systems: Iterable[str]) -> Accepts:
        """The same routes, for these systems (one workstation's queue, the portal's desks)."""
        return Accepts(self.name, frozenset(systems), self.routes)

    def takes(self, message_type: str, sender: str, recipient: str) -> bool:
        return any(r.takes(message_type, sender, recipient) for r in self.routes)


@dataclass(frozen=True)
class Delivered:
    """An envelope that passed every check, and who signed it."""

    envelope: Envelope
    signer: SignerIdentity


def is_system_certificate(identity: SignerIdentity) -> bool:
    """The certificate is an information system's (a legal entity's IS, НУЦ's holder OID)."""
    return _SYSTEM_OID in identity.oids


async def open_delivered(body: bytes, verifier: Verifier, accepts: Accepts) -> Delivered:
    """The checks of the module's text, in order; :class:`Reject` with the first failure, which
    is also logged (``envelope.refused``, a warning), since the bus parks it silently."""
    try:
        return await _checked(body, verifier, accepts)
    except Reject as refused:
        _log.warning("envelope.refused", consumer=accepts.name, reason=refused.reason[:500])
        raise


async def _checked(body: bytes, verifier: Verifier, accepts: Accepts) -> Delivered:
    try:
        envelope = Envelope.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "<root>"
        raise Reject(f"NOT_AN_ENVELOPE: {where}: {first['msg']}") from None
    if envelope.recipient not in accepts.systems:
        raise Reject(
            f"WRONG_RECIPIENT: addressed to {envelope.recipient!r}; {accepts.name} receives for "
            + ", ".join(sorted(accepts.systems))
        )
    if not accepts.takes(envelope.type, envelope.sender, envelope.recipient):
        raise Reject(
            f"ROUTE_NOT_TAKEN: {accepts.name} takes no {envelope.type} from "
            f"{envelope.sender!r} to {envelope.recipient!r}"
        )
    result = await envelope.verify_delivered(verifier)
    signer = result.identity
    if not result.ok or signer is None:
        raise Reject(f"{result.code.value}: {result.detail or 'the signature is refused'}")
    if not is_system_certificate(signer):
        raise Reject(
            f"NOT_A_SYSTEM_CERTIFICATE: signed with {signer.subject!r}'s certificate "
            f"(serial {signer.serial}), which is not an information system's"
        )
    if signer.subject != envelope.sender:
        raise Reject(
            f"SENDER_MISMATCH: signed by the system {signer.subject!r}, not by the sender "
            f"{envelope.sender!r}"
        )
    return Delivered(envelope, signer)
