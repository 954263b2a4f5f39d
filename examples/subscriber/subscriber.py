"""A downstream system's status subscriber for egov-sim, written only against the published
contract (docs/asyncapi/): plain aio-pika, jsonschema, cryptography, joserfc and rfc8785. It
imports nothing from the simulator.

    pip install -r examples/subscriber/requirements.txt
    python examples/subscriber/subscriber.py \\
        --amqp-url amqp://guest:guest@127.0.0.1:5672/ \\
        --trust-anchors var/keys/trust-anchors.pem \\
        --schema docs/asyncapi/schemas/status-notification.json \\
        --bind 'cultural_values_export.*'

For every event on ``egov.status`` it (1) validates the JSON against the contract's schema
(``status.changed.v2``), (2) checks the signer's certificate chain up to a trust anchor (the
simulated НУЦ root) and its validity now, (3) verifies the detached JWS over the RFC 8785
canonical JSON of the envelope without its ``signature``, and (4) checks that the certificate
names the envelope's sender. It then keeps each request's current status by the sender's
``seq`` (1, 2, ... per request): events may arrive out of order, and a late one with a lower
``seq`` is history, never the current status.
Revocation (OCSP/CRL, see docs/pki.md) is left out to keep the example short: a subscriber
acting on statuses should add it.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aio_pika
import jsonschema
import rfc8785
from aio_pika.abc import AbstractIncomingMessage
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey

STATUS_EXCHANGE = "egov.status"
STATUS_TYPE = "status.changed.v2"  # the schema's "type" const; v1 events are not read here
ALGORITHMS = ("ES256", "RS256")
MAX_CHAIN = 5


class _X5cRegistry(jws.JWSRegistry):
    # The header carries the signer's whole certificate chain (x5c): far above joserfc's
    # default 512-byte limit, which suits headers with a key id only.
    max_header_length = 16_384


_REGISTRY = _X5cRegistry(algorithms=list(ALGORITHMS))


class RejectedEvent(Exception):
    """The event breaks the contract or its signature does not verify; the text says how."""


@dataclass(frozen=True)
class StatusEvent:
    routing_key: str
    envelope: dict[str, Any]
    signer: str  # the certificate's common name: the producing system's id

    @property
    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = self.envelope["body"]
        return body

    @property
    def seq(self) -> int:
        return int(self.body["seq"])


class CurrentStatuses:
    """Each request's current status: the event with the highest ``seq`` seen so far. The
    gateway may deliver one request's events out of order; a lower ``seq`` arriving later is
    an earlier status, and a jump of more than one shows that one is still on its way."""

    def __init__(self) -> None:
        self._latest: dict[str, StatusEvent] = {}

    def record(self, event: StatusEvent) -> bool:
        """Remember ``event``; True when it is now the request's current status."""
        request_id = str(event.body["request_id"])
        known = self._latest.get(request_id)
        if known is not None and known.seq >= event.seq:
            return False
        self._latest[request_id] = event
        return True

    def current(self, request_id: str) -> str | None:
        known = self._latest.get(request_id)
        return None if known is None else str(known.body["status"])


def load_trust_anchors(pem: bytes) -> list[x509.Certificate]:
    anchors = x509.load_pem_x509_certificates(pem)
    if not anchors:
        raise ValueError("no certificate in the trust anchors file")
    return anchors


def schema_validator(schema: dict[str, Any]) -> jsonschema.Draft7Validator:
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _issued_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(parent)
    except (ValueError, TypeError, InvalidSignature):  # issuer name, key type, signature
        return False
    return True


def _chain_to_anchor(
    chain: list[x509.Certificate], anchors: Sequence[x509.Certificate]
) -> list[x509.Certificate]:
    """Leaf, intermediates from x5c, and the anchor that closes the path."""
    path = [chain[0]]
    for _ in range(MAX_CHAIN):
        current = path[-1]
        anchor = next((a for a in anchors if _issued_by(current, a)), None)
        if anchor is not None:
            return [*path, anchor]
        parent = next((c for c in chain[1:] if c not in path and _issued_by(current, c)), None)
        if parent is None:
            break
        path.append(parent)
    raise RejectedEvent("certificate chain does not lead to a trust anchor")


def verify_signature(
    envelope: dict[str, Any], anchors: Sequence[x509.Certificate], now: datetime
) -> str:
    """Check the envelope's detached JWS; return the signer's common name."""
    signature = envelope.get("signature")
    if not isinstance(signature, str) or signature.count(".") != 2:
        raise RejectedEvent("no detached JWS in 'signature'")
    header_b64, middle, _ = signature.split(".")
    if middle:
        raise RejectedEvent("the JWS is not detached")
    try:
        header = json.loads(_b64url_decode(header_b64))
        chain = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in header["x5c"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise RejectedEvent(f"unreadable JWS header or x5c: {exc}") from None
    if not chain or len(chain) > MAX_CHAIN:
        raise RejectedEvent("x5c must hold 1 to 5 certificates")
    path = _chain_to_anchor(chain, anchors)
    for certificate in path:
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            raise RejectedEvent(f"{certificate.subject.rfc4514_string()} is not valid now")
    leaf = chain[0]
    usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    if not usage.digital_signature:
        raise RejectedEvent("the signer's key is not for signatures")
    # What was signed: RFC 8785 canonical JSON of the envelope without its signature.
    payload = rfc8785.dumps({k: v for k, v in envelope.items() if k != "signature"})
    pem = leaf.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key = RSAKey.import_key(pem) if header.get("alg") == "RS256" else ECKey.import_key(pem)
    compact = f"{header_b64}.{_b64url(payload)}.{signature.split('.')[2]}"
    try:
        jws.deserialize_compact(compact, key, registry=_REGISTRY)
    except (JoseError, ValueError) as exc:
        raise RejectedEvent(f"signature does not verify: {exc}") from None
    names = leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    signer = str(names[0].value) if names else ""
    if signer != envelope.get("sender"):
        raise RejectedEvent(f"signed by {signer!r}, not by the sender {envelope.get('sender')!r}")
    return signer


def check_event(
    raw: bytes,
    routing_key: str,
    validator: jsonschema.Draft7Validator,
    anchors: Sequence[x509.Certificate],
    now: datetime | None = None,
) -> StatusEvent:
    """Everything a subscriber checks before trusting an event."""
    try:
        envelope = json.loads(raw)
    except ValueError as exc:
        raise RejectedEvent(f"not JSON: {exc}") from None
    if isinstance(envelope, dict) and envelope.get("type") != STATUS_TYPE:
        # Another version of the contract: its own schema applies, not this one.
        raise RejectedEvent(f"type {envelope.get('type')!r} is not {STATUS_TYPE!r}")
    errors = sorted(validator.iter_errors(envelope), key=lambda e: list(e.absolute_path))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(root)"
        raise RejectedEvent(f"breaks the schema at {where}: {errors[0].message}")
    signer = verify_signature(envelope, anchors, now or datetime.now(UTC))
    expected_key = f"{envelope['service_code']}.{envelope['body']['status']}"
    if routing_key != expected_key:
        raise RejectedEvent(f"routing key {routing_key!r} is not {expected_key!r}")
    return StatusEvent(routing_key, envelope, signer)


OnEvent = Callable[[StatusEvent], Awaitable[None]]
OnRejected = Callable[[bytes, str], Awaitable[None]]


class StatusSubscriber:
    """Binds its own exclusive, auto-deleted queue to ``egov.status`` and checks every event."""

    def __init__(
        self,
        amqp_url: str,
        *,
        validator: jsonschema.Draft7Validator,
        anchors: Sequence[x509.Certificate],
        on_event: OnEvent,
        on_rejected: OnRejected,
        bindings: Sequence[str] = ("#",),
        exchange: str = STATUS_EXCHANGE,
    ) -> None:
        self._url = amqp_url
        self._validator = validator
        self._anchors = list(anchors)
        self._on_event = on_event
        self._on_rejected = on_rejected
        self._bindings = list(bindings)
        self._exchange = exchange
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None

    async def start(self) -> None:
        self._connection = await aio_pika.connect_robust(self._url)
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=64)
        # The gateway declares the exchange; passive: fail loudly if there is no gateway.
        exchange = await channel.declare_exchange(self._exchange, passive=True)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        for pattern in self._bindings:
            await queue.bind(exchange, pattern)
        await queue.consume(self._handle)

    async def _handle(self, message: AbstractIncomingMessage) -> None:
        async with message.process():  # ack after handling; an exception rejects it
            try:
                event = check_event(
                    message.body, message.routing_key or "", self._validator, self._anchors
                )
            except RejectedEvent as exc:
                await self._on_rejected(message.body, str(exc))
                return
            await self._on_event(event)

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None


_CURRENT = CurrentStatuses()


async def _print_event(event: StatusEvent) -> None:
    body = event.body
    late = "" if _CURRENT.record(event) else "  (late: not the current status)"
    print(
        f"{body['at']}  {event.routing_key:<45} request={body['request_id']} "
        f"seq={event.seq} from={event.signer} step={body.get('step') or '-'}{late}",
        flush=True,
    )


async def _print_rejected(raw: bytes, reason: str) -> None:
    print(f"REJECTED: {reason}: {raw[:200]!r}", file=sys.stderr, flush=True)


async def _main(args: argparse.Namespace) -> None:
    subscriber = StatusSubscriber(
        args.amqp_url,
        validator=schema_validator(json.loads(args.schema.read_text(encoding="utf-8"))),
        anchors=load_trust_anchors(args.trust_anchors.read_bytes()),
        on_event=_print_event,
        on_rejected=_print_rejected,
        bindings=args.bind or ["#"],
        exchange=args.exchange,
    )
    await subscriber.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await subscriber.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--amqp-url", default="amqp://guest:guest@127.0.0.1:5672/")
    parser.add_argument("--trust-anchors", type=Path, required=True)
    parser.add_argument(
        "--schema", type=Path, default=Path("docs/asyncapi/schemas/status-notification.json")
    )
    parser.add_argument("--bind", action="append", help="routing-key pattern (repeatable)")
    parser.add_argument("--exchange", default=STATUS_EXCHANGE)
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
