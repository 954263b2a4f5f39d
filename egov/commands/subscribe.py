"""``egov subscribe``: watch the public status events on ``egov.status`` and check each one.

It listens on the running stack's exchange: ``<namespace>.egov.status`` when the stack runs
under a bus namespace (``--namespace``, else ``EGOV_BUS_NAMESPACE``, else the ``bus_namespace``
of ``<EGOV_DATA_DIR>/stack.json`` that ``egov up`` wrote). It declares nothing that outlives it:
the exchange is the gateway's and is only looked up (passively: a missing one is an error, not
created), and its own queue has a random name and is exclusive, auto-delete and not durable, so
the broker deletes it when the command's connection closes. It takes nothing from anyone else's
queue, and prints one line per event. Every event's signature is verified the way the services
verify theirs: a :class:`shared.pki.jws.JwsVerifier` trusting the PEM roots the services are
given (``<EGOV_DATA_DIR>/keys/trust-anchors.pem`` by default), with revocation asked of the OCSP
responder the signer's certificate names. An event that fails the signature, names another
signer than its sender, or breaks the status contract (:mod:`shared.contract.status`:
``status.changed.v2``, or v1 for events sent before it) is printed as INVALID, with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import aio_pika
import httpx
import typer
from aio_pika.abc import AbstractIncomingMessage
from aiormq.exceptions import ChannelNotFoundEntity
from pydantic import TypeAdapter, ValidationError

from egov.contract.vocabulary import status_vocabulary
from shared.clock import SystemClock
from shared.config import RuntimeSettings, SettingsError, load_settings
from shared.contract.status import STATUS_TYPE, STATUS_TYPE_V1, StatusBodyV1, StatusChanged
from shared.envelope import Envelope
from shared.pki.setup import http_verifier
from shared.signing import Verifier

STATUS_EXCHANGE = "egov.status"  # gateway_svc.topology.STATUS_EXCHANGE (egov imports no service)
_BODIES: dict[str, TypeAdapter[Any]] = {
    STATUS_TYPE: TypeAdapter(StatusChanged),
    STATUS_TYPE_V1: TypeAdapter(StatusBodyV1),
}


@cache
def _vocabulary() -> frozenset[str]:
    # v2 statuses are the definitions' (data) plus the services' own, as the schema lists them.
    return frozenset(status_vocabulary())


class NoExchange(LookupError):
    """The status exchange is not on the broker: no gateway of that namespace declared it."""


@dataclass(frozen=True)
class Namespace:
    """The bus namespace to listen under (``"run1."``, or ``""`` for none) and where it was
    found, for the listening line."""

    prefix: str
    source: str  # "--namespace", "EGOV_BUS_NAMESPACE", a stack.json, or "" (none anywhere)

    @property
    def exchange(self) -> str:
        return f"{self.prefix}{STATUS_EXCHANGE}"

    def describe(self) -> str:
        if not self.source:
            return "no namespace"
        return f"namespace {self.prefix.removesuffix('.') or 'none'} from {self.source}"


def find_namespace(
    explicit: str | None, setting: str, manifest: dict[str, Any] | None, manifest_path: Path
) -> Namespace:
    """``--namespace`` (``run1`` or ``run1.``; ``""`` = none), else ``EGOV_BUS_NAMESPACE``
    (``setting``), else the running stack's (``manifest``, its ``stack.json``), else none."""
    if explicit is not None:
        name = explicit.removesuffix(".")
        if name and not all(c.isalnum() or c in "_-" for c in name):
            raise ValueError(f"--namespace {explicit!r}: letters, digits, '_' and '-' only")
        return Namespace(f"{name}." if name else "", "--namespace")
    if setting:
        return Namespace(setting, "EGOV_BUS_NAMESPACE")
    if manifest is not None:
        prefix = manifest.get("bus_namespace")
        if isinstance(prefix, str):
            return Namespace(prefix, str(manifest_path))
    return Namespace("", "")


def binding_key(service: str | None, status: str | None) -> str:
    """The topic pattern for ``<service_code>.<status>``; both words are optional filters."""
    for word in (service, status):
        if word is not None and (not word or any(c in word for c in ".*# ")):
            raise ValueError(f"{word!r} must be one word, without '.', '*', '#' or spaces")
    return f"{service or '*'}.{status or '*'}"


@dataclass(frozen=True)
class Checked:
    """One event as received, and what is wrong with it (``problem`` is None when valid)."""

    routing_key: str
    raw: bytes
    envelope: Envelope | None
    problem: str | None

    def line(self) -> str:
        e = self.envelope
        if e is None:
            return f"INVALID  {self.routing_key}  {self.problem}"
        body = e.body
        text = (
            f"{body.get('at', e.sent_at.isoformat())}  {self.routing_key}  "
            f"request={e.correlation_id} seq={body.get('seq', '-')} "
            f"step={body.get('step') or '-'} from={e.sender}"
        )
        return f"INVALID  {text}  {self.problem}" if self.problem else f"ok       {text}"


def check(raw: bytes, routing_key: str, verifier: Verifier) -> Checked:
    try:
        envelope = Envelope.model_validate_json(raw)
    except ValidationError as exc:
        return Checked(routing_key, raw, None, f"not an envelope: {exc.errors()[0]['msg']}")
    problems = []
    result = envelope.verify(verifier)
    if not result.ok:
        problems.append(f"signature {result.code.value}: {result.detail}")
    elif result.identity is None or result.identity.subject != envelope.sender:
        signer = result.identity.subject if result.identity else "?"
        problems.append(f"signed by {signer}, not by the sender {envelope.sender}")
    body = _BODIES.get(envelope.type)
    if body is None:
        problems.append(f"type {envelope.type} is not {STATUS_TYPE} (or {STATUS_TYPE_V1})")
    else:
        try:
            body.validate_python(envelope.body)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            problems.append(f"off contract: body.{where}: {first['msg']}")
        else:
            status = envelope.body.get("status")
            if envelope.type == STATUS_TYPE and status not in _vocabulary():
                problems.append(f"off contract: body.status: {status!r} is no known status")
    expected = f"{envelope.service_code}.{envelope.body.get('status')}"
    if routing_key != expected:
        problems.append(f"routing key is not {expected}")
    return Checked(routing_key, raw, envelope, "; ".join(problems) or None)


async def watch(
    amqp_url: str,
    *,
    binding: str,
    verifier: Verifier,
    emit: Callable[[Checked], None],
    stop: asyncio.Event,
    exchange: str = STATUS_EXCHANGE,
    on_ready: Callable[[str], None] = lambda queue: None,
) -> None:
    """Consume ``exchange`` with ``binding`` until ``stop`` is set; ``emit`` each event.

    The exchange must exist (the gateway declares it; :class:`NoExchange` otherwise) and is
    never created here. The queue has a random name (``amq_...``) and is exclusive, auto-delete
    and not durable: the broker deletes it with this connection, so nothing stays after the
    watch. ``on_ready`` gets the queue's name once it is bound."""
    connection = await aio_pika.connect_robust(
        amqp_url, client_properties={"connection_name": "egov subscribe"}
    )
    try:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=64)
        try:
            topic = await channel.declare_exchange(
                exchange, aio_pika.ExchangeType.TOPIC, passive=True
            )
        except ChannelNotFoundEntity:
            raise NoExchange(exchange) from None
        queue = await channel.declare_queue("", exclusive=True, auto_delete=True, durable=False)
        await queue.bind(topic, binding)

        async def consume() -> None:
            # One at a time, in arrival order: the printout follows the exchange's order.
            async with queue.iterator() as messages:
                async for message in messages:
                    async with message.process():
                        # Verification may ask an OCSP responder: off the event loop.
                        emit(await asyncio.to_thread(check, message.body, _key(message), verifier))

        consumer = asyncio.create_task(consume())
        stopped = asyncio.create_task(stop.wait())
        on_ready(queue.name)
        await asyncio.wait({consumer, stopped}, return_when=asyncio.FIRST_COMPLETED)
        for task in (consumer, stopped):
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await consumer  # re-raises what ended the consumer, if it ended by itself
    finally:
        await connection.close()


def _key(message: AbstractIncomingMessage) -> str:
    return message.routing_key or ""


def subscribe(
    service: Annotated[str | None, typer.Option("--service", help="only this service code")] = None,
    status: Annotated[str | None, typer.Option("--status", help="only this status")] = None,
    amqp_url: Annotated[
        str | None,
        typer.Option(
            "--amqp-url", help="RabbitMQ (default: EGOV_AMQP_URL, else the running stack's)"
        ),
    ] = None,
    namespace: Annotated[
        str | None,
        typer.Option(
            "--namespace",
            help="the stack's bus namespace, e.g. run1 (default: EGOV_BUS_NAMESPACE, else the "
            "running stack's, from <EGOV_DATA_DIR>/stack.json); '' = none",
        ),
    ] = None,
    trust_anchors: Annotated[
        Path | None,
        typer.Option(
            "--trust-anchors",
            help="PEM roots to trust (default: <EGOV_DATA_DIR>/keys/trust-anchors.pem)",
        ),
    ] = None,
    raw_json: Annotated[
        bool, typer.Option("--json", help="print each event's JSON as received")
    ] = False,
    exchange: Annotated[str | None, typer.Option("--exchange", hidden=True)] = None,
) -> None:
    """Print live status events from the stack's egov.status and verify each signature;
    Ctrl-C stops."""
    from egov.client.topology import ManifestError, read_manifest
    from egov.provisioning import KEYS_DIR, TRUST_ANCHORS
    from egov.stack import MANIFEST

    name = "egov subscribe"
    try:
        settings = load_settings(RuntimeSettings)
        binding = binding_key(service, status)
        manifest_path = settings.data_dir / MANIFEST
        manifest = None
        if manifest_path.exists() and (
            (namespace is None and not settings.bus_namespace)
            or not (amqp_url or settings.amqp_url)
        ):
            manifest = read_manifest(manifest_path)
        where = find_namespace(namespace, settings.bus_namespace, manifest, manifest_path)
    except (SettingsError, ValueError, ManifestError) as exc:
        typer.echo(f"{name}: {exc}", err=True)
        raise typer.Exit(2) from None
    known = manifest.get("amqp_url") if manifest is not None else None
    url = amqp_url or settings.amqp_url or (known if isinstance(known, str) else None)
    if not url:
        typer.echo(
            f"{name}: needs RabbitMQ: --amqp-url, EGOV_AMQP_URL or a running egov up on "
            f"{settings.data_dir} (the in-memory bus of `egov run` cannot be reached from "
            "another process)",
            err=True,
        )
        raise typer.Exit(2)
    listened = exchange or where.exchange
    anchors = trust_anchors or settings.data_dir / KEYS_DIR / TRUST_ANCHORS
    try:
        roots = anchors.read_bytes()
    except OSError as exc:
        typer.echo(f"{name}: cannot read the trust anchors {anchors}: {exc}", err=True)
        raise typer.Exit(2) from None

    def emit(checked: Checked) -> None:
        if raw_json:
            typer.echo(checked.raw.decode("utf-8", errors="replace"))
            if checked.problem:
                typer.secho(
                    f"INVALID  {checked.routing_key}  {checked.problem}", err=True, fg="red"
                )
            return
        typer.secho(
            checked.line(), fg="red" if checked.problem else None, bold=bool(checked.problem)
        )

    def ready(queue: str) -> None:
        found = f" ({where.describe()})" if exchange is None else ""
        typer.echo(
            f"{name}: listening on {listened}{found} for {binding}; queue {queue} (exclusive, "
            "deleted when this exits); Ctrl-C stops",
            err=True,
        )

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        with httpx.Client(timeout=5.0) as client:
            verifier = http_verifier(roots, SystemClock(), client)
            await watch(
                url,
                binding=binding,
                verifier=verifier,
                emit=emit,
                stop=stop,
                exchange=listened,
                on_ready=ready,
            )

    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(main())
    except NoExchange:
        found = f" ({where.describe()})" if exchange is None else ""
        typer.echo(
            f"{name}: there is no exchange {listened} on the broker{found}: no gateway has "
            "declared it, and egov subscribe creates none. Is the stack running (egov up)? "
            "Another stack's namespace: --namespace NS",
            err=True,
        )
        raise typer.Exit(1) from None
    except (OSError, ValueError, aio_pika.exceptions.AMQPException) as exc:
        typer.echo(f"{name}: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{name}: stopped", err=True)
