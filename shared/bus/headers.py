"""Header names the bus itself uses, and the rule that keeps them apart from application
headers: names starting with ``x-`` belong to the transport (RabbitMQ uses ``x-death``,
``x-delivery-count``... and this bus uses ``x-egov-*``), so an application may not set them and
a handler never sees them in :attr:`Message.headers`."""

from __future__ import annotations

from collections.abc import Mapping

from shared.bus.port import HeaderValue, Message
from shared.bus.topic import check_name, check_routing_key

RESERVED_PREFIX = "x-"
ATTEMPT = "x-egov-attempt"  # number of the next delivery (1 = first)
ORIGINAL_EXCHANGE = "x-egov-exchange"  # set when the message travels through a retry/DLQ queue
ORIGINAL_ROUTING_KEY = "x-egov-routing-key"
DEAD_REASON = "x-egov-dead-reason"
DEAD_ATTEMPTS = "x-egov-dead-attempts"


def check_message(message: Message) -> None:
    """Refuse what the broker would refuse later, or silently mangle, with a specific error."""
    check_name("exchange", message.exchange)
    check_routing_key(message.routing_key)
    if not message.message_id:
        raise ValueError("message_id must not be empty: consumers deduplicate on it")
    for name, value in message.headers.items():
        if name.lower().startswith(RESERVED_PREFIX):
            raise ValueError(
                f"message {message.message_id}: header {name!r} uses the reserved 'x-' prefix"
            )
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValueError(
                f"message {message.message_id}: header {name!r} must be str or int, "
                f"got {type(value).__name__}"
            )


def application_headers(raw: Mapping[str, object]) -> dict[str, HeaderValue]:
    """The headers a handler sees: transport headers removed, AMQP strings decoded."""
    out: dict[str, HeaderValue] = {}
    for name, value in raw.items():
        if name.lower().startswith(RESERVED_PREFIX):
            continue
        if isinstance(value, bytes):
            value = value.decode()
        if isinstance(value, str | int) and not isinstance(value, bool):
            out[name] = value
    return out
