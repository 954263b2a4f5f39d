"""RabbitMQ adapter on aio-pika (robust connection: it reconnects, reopens channels and resumes
consumers by itself).

Topology for a queue ``q`` (every name prefixed with ``namespace``; see docs/bus.md):

* ``q``: quorum queue bound to topic exchanges; consumers read it.
* ``q.retry.<ms>``: one quorum queue per distinct backoff delay, with a queue-wide TTL of
  ``<ms>`` that dead-letters back to ``q`` through the default exchange. One TTL per queue
  means expiry order equals arrival order, so no message waits behind a longer-lived one
  (per-message TTLs would block at the head of the queue).
* ``q.dlq``: quorum queue of parked messages, with the reason and attempt count in headers.
* ``q.transit``: a direct exchange bound to ``q``, each ``q.retry.<ms>`` and ``q.dlq`` with the
  queue's name as routing key. Copies to a delay queue or the DLQ, re-driven messages and the
  delay queues' expired messages all travel through it, never through the default exchange:
  publishing there needs write on ``amq.default``, which would let any user put a message
  into any queue by name (docs/security.md, "Broker users").

A failed handler's message is republished (with confirm) to the right delay queue or to the
DLQ *before* the original is acked, so a crash in between duplicates it rather than loses it.

Connected as a service's own broker user (``grants``, :mod:`shared.bus.permissions`), the bus
declares only what that user may: an exchange it may not configure is declared passively (it
must exist: provisioning declares it), and a binding to an exchange it may not read is left
out (the gateway binds every recipient's queue to the delivery exchange).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustChannel,
    AbstractRobustConnection,
)
from aiormq.exceptions import (
    AMQPError,
    ChannelAccessRefused,
    ChannelNotFoundEntity,
    ChannelPreconditionFailed,
    DeliveryError,
    PublishError,
)

from shared.bus.headers import (
    ATTEMPT,
    DEAD_ATTEMPTS,
    DEAD_REASON,
    ORIGINAL_EXCHANGE,
    ORIGINAL_ROUTING_KEY,
    application_headers,
    check_message,
)
from shared.bus.port import (
    BusError,
    Consumer,
    DeadLetter,
    Delivery,
    Handler,
    Message,
    PublishFailed,
    PublishNotConfirmed,
    QueueSpec,
    Reject,
    Unroutable,
    raise_publish_failures,
)
from shared.bus.topic import check_name

if TYPE_CHECKING:
    from shared.bus.permissions import Grants, Permission

log = logging.getLogger(__name__)

EXCHANGE_KINDS = ("topic", "direct", "fanout")
# Quorum queues (RabbitMQ >= 3.8; TTL and at-least-once dead-lettering from 3.10): replicated,
# fsynced before confirm, and they keep a delivery count; the broker here is 3.10.8.
QUORUM: dict[str, Any] = {"x-queue-type": "quorum"}


def _main_queue(spec: QueueSpec) -> dict[str, Any]:
    """How a spec's queue is declared, the same every time (the broker refuses a
    redeclaration with other properties): quorum and durable, or, for a transient one, classic,
    non-durable and deleted with its consumer."""
    if spec.transient:
        return {"durable": False, "auto_delete": True, "arguments": {}}
    return {"durable": True, "arguments": QUORUM}


# Exceptions that mean "the connection or channel went away": the robust connection is
# reconnecting, so an operation may be retried once it is back.
TRANSIENT = (AMQPError, ConnectionError, OSError, RuntimeError)
MAX_REASON_CHARS = 2000  # headers travel in every frame; a huge traceback has no place there


class RabbitMqBus:
    def __init__(
        self,
        url: str,
        *,
        namespace: str = "",
        connection_name: str = "egov",
        confirm_timeout_s: float = 30.0,
        reconnect_interval_s: float = 1.0,
        grants: Grants | None = None,
    ) -> None:
        """``grants``: what the broker user of ``url`` may do (a service's own user); None = it
        may do everything this bus does (an operator's user, tests)."""
        if confirm_timeout_s <= 0 or reconnect_interval_s <= 0:
            raise ValueError("confirm_timeout_s and reconnect_interval_s must be positive")
        self._url = url
        self._ns = namespace
        self._connection_name = connection_name
        self._confirm_timeout_s = confirm_timeout_s
        self._reconnect_interval_s = reconnect_interval_s
        self._grants = grants
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None  # publishes with confirms
        self._specs: dict[str, QueueSpec] = {}
        self._declared_queues: set[str] = set()
        self._declared_exchanges: set[str] = set()
        self._consumers: set[_RabbitConsumer] = set()

    # -- lifecycle -------------------------------------------------------------------------

    async def connect(self) -> None:
        if self._connection is not None:
            return
        try:
            connection = await aio_pika.connect_robust(
                self._url,
                client_properties={"connection_name": self._connection_name},
                reconnect_interval=self._reconnect_interval_s,
            )
        except TRANSIENT as exc:
            raise BusError(f"cannot connect to RabbitMQ: {exc}") from exc
        try:
            # on_return_raises: a mandatory message the broker returns fails its publish
            # instead of being reported to a callback nobody reads.
            channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        except TRANSIENT as exc:
            await connection.close()
            raise BusError(f"cannot open a confirm channel on RabbitMQ: {exc}") from exc
        self._connection, self._channel = connection, channel

    async def close(self) -> None:
        for consumer in list(self._consumers):
            await consumer.stop()
        if self._connection is not None:
            await self._connection.close()
        self._connection = None
        self._channel = None

    async def ping(self) -> None:
        connection = self._require_connection()
        if not connection.connected.is_set():
            raise BusError("the connection to RabbitMQ is lost; reconnecting")
        try:
            async with asyncio.timeout(5):
                channel = await self._require_channel().get_underlay_channel()
                # A passive declare is the cheapest round trip that proves the broker serves us.
                await channel.exchange_declare("amq.topic", exchange_type="topic", passive=True)
        except (TimeoutError, *TRANSIENT) as exc:
            raise BusError(f"RabbitMQ does not answer: {exc!r}") from exc

    # -- topology --------------------------------------------------------------------------

    async def declare_exchange(self, name: str, *, kind: str = "topic") -> None:
        check_name("exchange", name)
        if kind not in EXCHANGE_KINDS:
            raise ValueError(f"exchange kind must be one of {EXCHANGE_KINDS}, got {kind!r}")
        full = self._ns + name
        if self._grants is not None and not self._grants.allows("configure", full):
            # Someone else's (provisioning declared it): use it as it is.
            try:
                async with self._admin_channel() as channel:
                    await channel.declare_exchange(full, type=kind, passive=True, robust=False)
            except BusError as exc:
                raise BusError(
                    f"exchange {name!r} does not exist and the broker user "
                    f"{self._grants.user!r} may not declare it; provisioning declares it "
                    f"(egov up, deploy/rabbitmq/definitions.json): {exc}"
                ) from exc
            return
        async with self._admin_channel() as channel:
            await channel.declare_exchange(full, type=kind, durable=True)
        self._declared_exchanges.add(full)

    async def declare_queue(self, spec: QueueSpec) -> None:
        main = self._ns + spec.name
        async with self._admin_channel() as channel:
            queue = await channel.declare_queue(main, robust=False, **_main_queue(spec))
            self._declared_queues.add(main)
            for binding in spec.bindings:
                source = self._ns + binding.exchange
                if not self._may("read", source):
                    # Binding needs read on the exchange, which would allow any routing key:
                    # the exchange's owner (the gateway) binds this queue instead.
                    log.debug("binding of %s to %s left to its owner", main, source)
                    continue
                await queue.bind(source, binding.routing_key, robust=False)
            if spec.transient:
                self._specs[spec.name] = spec
                return
            transit = _transit(main)
            await channel.declare_exchange(transit, type="direct", durable=True, robust=False)
            self._declared_exchanges.add(transit)
            await queue.bind(transit, main, robust=False)
            for delay_ms in spec.retry_delays_ms():
                name = _retry_queue(main, delay_ms)
                delay = await channel.declare_queue(
                    name,
                    durable=True,
                    robust=False,
                    arguments={
                        **QUORUM,
                        "x-message-ttl": delay_ms,
                        # Expired messages go back to the main queue, through its own
                        # exchange (not the default one: see the module docstring).
                        "x-dead-letter-exchange": transit,
                        "x-dead-letter-routing-key": main,
                        # Quorum at-least-once dead-lettering (3.10+) keeps a message until the
                        # main queue confirmed it; it requires the reject-publish overflow.
                        "x-dead-letter-strategy": "at-least-once",
                        "x-overflow": "reject-publish",
                    },
                )
                self._declared_queues.add(name)
                await delay.bind(transit, name, robust=False)
            dlq = await channel.declare_queue(
                _dlq(main), durable=True, arguments=QUORUM, robust=False
            )
            self._declared_queues.add(_dlq(main))
            await dlq.bind(transit, _dlq(main), robust=False)
        self._specs[spec.name] = spec

    async def delete_declared(self) -> None:
        """Stop this instance's consumers, then delete every queue and exchange it declared
        (tests and namespace teardown; production never deletes topology)."""
        for consumer in list(self._consumers):
            await consumer.stop(grace_s=5)
        async with self._admin_channel() as channel:
            underlay = await channel.get_underlay_channel()
            for queue in sorted(self._declared_queues):
                await underlay.queue_delete(queue)
            for exchange in sorted(self._declared_exchanges):
                await underlay.exchange_delete(exchange)
        self._declared_queues.clear()
        self._declared_exchanges.clear()

    # -- publishing ------------------------------------------------------------------------

    async def publish(self, message: Message, *, mandatory: bool = True) -> None:
        await self.publish_many([message], mandatory=mandatory)

    async def publish_many(self, messages: Sequence[Message], *, mandatory: bool = True) -> None:
        for message in messages:
            check_message(message)
        # Every publish is started before any confirm is awaited: the broker confirms a window
        # of messages per round trip instead of one.
        results = await asyncio.gather(
            *(
                self._send(
                    self._ns + m.exchange,
                    m.routing_key,
                    _amqp_message(m, m.headers),
                    mandatory=mandatory,
                    message_id=m.message_id,
                )
                for m in messages
            ),
            return_exceptions=True,
        )
        failures = [r for r in results if isinstance(r, BaseException)]
        unexpected = [f for f in failures if not isinstance(f, PublishFailed)]
        if unexpected:
            raise unexpected[0]
        raise_publish_failures([f for f in failures if isinstance(f, PublishFailed)])

    async def _send(
        self,
        exchange: str,
        routing_key: str,
        message: aio_pika.Message,
        *,
        mandatory: bool,
        message_id: str,
    ) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._confirm_timeout_s
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    channel = await self._require_channel().get_underlay_channel()
                    await channel.basic_publish(
                        message.body,
                        exchange=exchange,
                        routing_key=routing_key,
                        properties=message.properties,
                        mandatory=mandatory,
                    )
                return
            except PublishError as exc:
                raise Unroutable(
                    f"no queue bound to {exchange!r} matches {routing_key!r}", [message_id]
                ) from exc
            except DeliveryError as exc:
                raise PublishNotConfirmed("the broker nacked", [message_id]) from exc
            except ChannelNotFoundEntity as exc:
                # A 404 closes the whole channel, failing every publish pending on it; only the
                # one naming our exchange is ours, the others are resent below.
                if f"no exchange '{exchange}'" not in str(exc):
                    await asyncio.sleep(0.01)
                    continue
                raise PublishNotConfirmed(
                    f"exchange {exchange.removeprefix(self._ns)!r} does not exist", [message_id]
                ) from exc
            except TimeoutError as exc:
                raise PublishNotConfirmed(
                    f"no confirm within {self._confirm_timeout_s}s", [message_id]
                ) from exc
            except TRANSIENT:
                # The channel or connection died between send and confirm: the broker may or
                # may not hold the message. Send it again once the robust connection is back;
                # a duplicate is harmless (consumers deduplicate by message_id), a loss is not.
                await asyncio.sleep(min(0.1, max(0.0, deadline - loop.time())))

    # -- consuming -------------------------------------------------------------------------

    async def consume(self, queue: str, handler: Handler, *, prefetch: int = 32) -> Consumer:
        if prefetch < 1:
            raise ValueError(f"prefetch must be >= 1, got {prefetch}")
        spec = self._specs.get(queue)
        if spec is None:
            raise BusError(
                f"queue {queue!r} was not declared through this bus: call declare_queue first "
                "(its QueueSpec carries the retry policy the consumer applies)"
            )
        consumer = _RabbitConsumer(self, spec, handler, prefetch)
        await consumer.start(self._require_connection())
        self._consumers.add(consumer)
        return consumer

    async def dead_letters(self, queue: str, *, limit: int = 100) -> list[DeadLetter]:
        parked: list[DeadLetter] = []
        # Messages are fetched unacked and the channel is closed without acking them, so the
        # broker puts every one of them back: listing never removes anything.
        async with self._admin_channel() as channel:
            dlq = await self._dlq(channel, queue)
            while len(parked) < limit:
                incoming = await dlq.get(no_ack=False, fail=False)
                if incoming is None:
                    break
                headers = incoming.headers or {}
                parked.append(
                    DeadLetter(
                        message=self._decode(incoming),
                        queue=queue,
                        reason=_text(headers.get(DEAD_REASON, "")),
                        attempts=int(_text(headers.get(DEAD_ATTEMPTS, 0))),
                    )
                )
        return parked

    async def redrive(self, queue: str, *, limit: int | None = None) -> int:
        moved = 0
        async with self._admin_channel() as channel:
            dlq = await self._dlq(channel, queue)
            while limit is None or moved < limit:
                incoming = await dlq.get(no_ack=False, fail=False)
                if incoming is None:
                    break
                message = self._decode(incoming)
                # Confirmed in the main queue before it leaves the DLQ: a crash duplicates.
                await self._send(
                    _transit(self._ns + queue),
                    self._ns + queue,
                    _amqp_message(message, _transit_headers(message, attempt=1)),
                    mandatory=True,
                    message_id=message.message_id,
                )
                await incoming.ack()
                moved += 1
        return moved

    # -- internals shared with the consumer ------------------------------------------------

    def _decode(self, incoming: AbstractIncomingMessage) -> Message:
        headers = incoming.headers or {}
        if ORIGINAL_EXCHANGE in headers:
            # Came through a retry or dead-letter queue: the original address is in headers.
            exchange = _text(headers[ORIGINAL_EXCHANGE])
            routing_key = _text(headers.get(ORIGINAL_ROUTING_KEY, ""))
        else:
            exchange = (incoming.exchange or "").removeprefix(self._ns)
            routing_key = incoming.routing_key or ""
        return Message(
            exchange=exchange,
            routing_key=routing_key,
            body=incoming.body,
            message_id=incoming.message_id or "",
            headers=application_headers(headers),
            content_type=incoming.content_type or "application/json",
            correlation_id=incoming.correlation_id,
        )

    async def _retry_later(self, spec: QueueSpec, delivery: Delivery) -> None:
        delay_ms = spec.retry_delay_ms(delivery.attempt)
        message = delivery.message
        await self._send(
            _transit(self._ns + spec.name),
            _retry_queue(self._ns + spec.name, delay_ms),
            _amqp_message(message, _transit_headers(message, attempt=delivery.attempt + 1)),
            mandatory=True,
            message_id=message.message_id,
        )

    async def _park(self, spec: QueueSpec, delivery: Delivery, reason: str) -> None:
        message = delivery.message
        if spec.transient:  # no dead-letter queue: dropped, and said so
            log.warning("dropped %s from %s: %s", message.message_id, spec.name, reason)
            return
        headers = {
            **_transit_headers(message, attempt=delivery.attempt),
            DEAD_REASON: reason[:MAX_REASON_CHARS],
            DEAD_ATTEMPTS: delivery.attempt,
        }
        await self._send(
            _transit(self._ns + spec.name),
            _dlq(self._ns + spec.name),
            _amqp_message(message, headers),
            mandatory=True,
            message_id=message.message_id,
        )

    def _forget(self, consumer: _RabbitConsumer) -> None:
        self._consumers.discard(consumer)

    @property
    def namespace(self) -> str:
        return self._ns

    def _may(self, permission: Permission, name: str) -> bool:
        return self._grants is None or self._grants.allows(permission, name)

    def _require_connection(self) -> AbstractRobustConnection:
        if self._connection is None:
            raise BusError("RabbitMQ bus is not connected: call connect() first")
        return self._connection

    def _require_channel(self) -> AbstractChannel:
        if self._channel is None:
            raise BusError("RabbitMQ bus is not connected: call connect() first")
        return self._channel

    def _admin_channel(self) -> _AdminChannel:
        return _AdminChannel(self._require_connection())

    async def _dlq(self, channel: AbstractRobustChannel, queue: str) -> AbstractQueue:
        check_name("queue", queue)
        # Passive: browsing the dead letters of a misspelt queue must not create its DLQ.
        try:
            return await channel.declare_queue(_dlq(self._ns + queue), passive=True, robust=False)
        except ChannelNotFoundEntity as exc:
            raise BusError(
                f"queue {queue!r} was not declared (it has no dead-letter queue)"
            ) from exc


class _AdminChannel:
    """A short-lived channel for declarations and DLQ browsing: a broker error there (404,
    406) closes only this channel, never the publishing one."""

    def __init__(self, connection: AbstractRobustConnection) -> None:
        self._connection = connection
        self._channel: AbstractRobustChannel | None = None

    async def __aenter__(self) -> AbstractRobustChannel:
        channel = await self._connection.channel(publisher_confirms=False)
        self._channel = channel
        return channel

    async def __aexit__(self, *exc: object) -> None:
        if self._channel is not None and not self._channel.is_closed:
            try:
                await self._channel.close()
            except TRANSIENT:
                log.debug("admin channel already gone", exc_info=True)
        translate = exc[1]
        if isinstance(translate, ChannelNotFoundEntity):
            raise BusError(f"RabbitMQ: not found: {translate}") from translate
        if isinstance(translate, ChannelPreconditionFailed):
            raise BusError(f"RabbitMQ: declaration conflicts: {translate}") from translate
        if isinstance(translate, ChannelAccessRefused):
            raise BusError(f"RabbitMQ: refused to this user: {translate}") from translate


class _RabbitConsumer:
    def __init__(self, bus: RabbitMqBus, spec: QueueSpec, handler: Handler, prefetch: int) -> None:
        self._bus = bus
        self._spec = spec
        self._handler = handler
        self._prefetch = prefetch
        self._inflight: set[asyncio.Task[Any]] = set()
        self._stopping = False
        self._channel: AbstractChannel | None = None
        self._queue: AbstractQueue | None = None
        self._tag: str | None = None

    async def start(self, connection: AbstractRobustConnection) -> None:
        # One channel per consumer: its basic.qos bounds this consumer alone, and closing it at
        # stop hands every unacked message back to the broker.
        self._channel = channel = await connection.channel()
        try:
            await channel.set_qos(prefetch_count=self._prefetch)
            # Declared through the robust channel so a reconnect re-declares it and re-consumes.
            self._queue = await channel.declare_queue(
                self._bus.namespace + self._spec.name, **_main_queue(self._spec)
            )
            self._tag = await self._queue.consume(self._on_message)
        except TRANSIENT as exc:
            if not channel.is_closed:
                await channel.close()
            raise BusError(f"cannot consume from {self._spec.name!r}: {exc}") from exc

    async def stop(self, *, grace_s: float = 30.0) -> None:
        if self._stopping:
            return
        self._stopping = True
        if self._queue is not None and self._tag is not None:
            try:
                await self._queue.cancel(self._tag)
            except TRANSIENT:
                log.warning("basic.cancel failed; closing the channel instead", exc_info=True)
        if self._inflight:
            _, late = await asyncio.wait(set(self._inflight), timeout=grace_s)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self._channel is not None:
            try:
                await self._channel.close()
            except TRANSIENT:
                log.debug("consumer channel already gone", exc_info=True)
        self._bus._forget(self)

    async def _on_message(self, incoming: AbstractIncomingMessage) -> None:
        if self._stopping:
            return  # left unacked: closing the channel hands it back to the broker
        task = asyncio.current_task()
        assert task is not None  # aio-pika runs each delivery in its own task  # noqa: S101
        self._inflight.add(task)
        try:
            await self._handle(incoming)
        finally:
            self._inflight.discard(task)

    async def _handle(self, incoming: AbstractIncomingMessage) -> None:
        spec = self._spec
        headers = incoming.headers or {}
        delivery = Delivery(
            message=self._bus._decode(incoming),
            queue=spec.name,
            attempt=int(_text(headers.get(ATTEMPT, 1))),
            redelivered=bool(incoming.redelivered),
        )
        try:
            try:
                await self._handler(delivery)
            except Reject as reject:
                await self._bus._park(spec, delivery, reject.reason)
            except Exception as exc:
                reason = f"{type(exc).__name__}: {exc}"
                if delivery.attempt >= spec.max_attempts:
                    await self._bus._park(spec, delivery, reason)
                else:
                    log.info(
                        "handler failed, retrying",
                        extra={"queue": spec.name, "attempt": delivery.attempt, "error": reason},
                    )
                    await self._bus._retry_later(spec, delivery)
        except BusError:
            # The retry/DLQ copy is not confirmed: keep the original, the broker redelivers it.
            log.exception("could not move a failed message; returning it to the queue")
            await _settle(incoming, requeue=True)
            return
        await _settle(incoming, requeue=None)


async def _settle(incoming: AbstractIncomingMessage, *, requeue: bool | None) -> None:
    try:
        if requeue is None:
            await incoming.ack()
        else:
            await incoming.nack(requeue=requeue)
    except TRANSIENT:
        # The channel this delivery came on is gone (connection lost): the broker already
        # considers it unacked and delivers it again, so there is nothing to do.
        log.warning("could not settle a delivery; the broker will redeliver it", exc_info=True)


def _amqp_message(message: Message, headers: Mapping[str, Any]) -> aio_pika.Message:
    return aio_pika.Message(
        body=message.body,
        headers=dict(headers),
        content_type=message.content_type,
        correlation_id=message.correlation_id,
        message_id=message.message_id,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )


def _transit_headers(message: Message, *, attempt: int) -> dict[str, Any]:
    """Headers of a copy going through a retry or dead-letter queue: the delivery there is
    addressed to the queue by name, so the original address travels in headers."""
    return {
        **message.headers,
        ATTEMPT: attempt,
        ORIGINAL_EXCHANGE: message.exchange,
        ORIGINAL_ROUTING_KEY: message.routing_key,
    }


def _transit(main: str) -> str:
    """The direct exchange of ``main``'s queue family (routing key: the queue's name)."""
    return f"{main}.transit"


def _retry_queue(main: str, delay_ms: int) -> str:
    return f"{main}.retry.{delay_ms}"


def _dlq(main: str) -> str:
    return f"{main}.dlq"


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
