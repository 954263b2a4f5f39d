"""Who may do what on the broker: one RabbitMQ user per service, and the one table of what each
may configure, write and read (docs/security.md, "Broker users").

The rule the table encodes: a service reaches another only through the gateway.

* A service **writes** only to the gateway's inbound exchange ``egov.gateway.in``, and there
  only with routing keys that are its own system ids (a topic permission on that exchange; the
  gateway's admission checks the signature against the sender as well). The registry also
  writes the НУЦ's ``pki.revoked`` events to ``egov.pki``.
* A service **reads** only its own queues: ``to.<system id>`` of each system it holds, with the
  delay and dead-letter queues the bus adds (``.retry.<ms>``, ``.dlq``) and the queue's own
  ``.transit`` exchange through which the bus moves a message between them, and its processes'
  ``pki.revoked.<service>.<random>`` listener queues, bound to ``egov.pki`` (read only with the
  routing key ``pki.revoked``).
* Only the **gateway** writes to the delivery exchange ``egov.deliver``, the regional exchange
  ``egov.gateway.regional`` and the public ``egov.status``, and only it reads
  ``egov.gateway.in``.
* Binding a queue needs read on the exchange, and whoever may bind one queue there may bind it
  with any routing key. So a service cannot bind to ``egov.deliver`` at all: the gateway
  declares every recipient's queue ``to.<system id>`` and binds it (``Gateway.declare``); the
  service declares the same queue with the same arguments (its own, it may configure it) and
  consumes it. :class:`shared.bus.rabbitmq.RabbitMqBus` connected as a service's user
  therefore leaves out the bindings its :class:`Grants` do not allow, and declares passively
  the exchanges it may not configure (provisioning declares them).

The exchanges' names are the gateway's (``gateway_svc.topology``; ``shared`` imports no
service, so tests/broker checks the two agree). Every name carries the stack's bus namespace
(``EGOV_BUS_NAMESPACE``, e.g. ``run1.``), and so do the users: ``run1.portal``.

RabbitMQ matches these regular expressions anywhere in a name (they are not anchored for it),
so every one here is anchored; :meth:`Grants.allows` matches the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit

from shared.envelope import GATEWAY_INBOUND_EXCHANGE
from shared.pki.revocation_events import LISTENER_QUEUE_PREFIX, PKI_EXCHANGE, REVOKED_ROUTING_KEY

INBOUND_EXCHANGE = GATEWAY_INBOUND_EXCHANGE
REGIONAL_EXCHANGE = "egov.gateway.regional"  # gateway_svc.topology.REGIONAL_EXCHANGE
DELIVER_EXCHANGE = "egov.deliver"  # gateway_svc.topology.DELIVER_EXCHANGE
STATUS_EXCHANGE = "egov.status"  # gateway_svc.topology.STATUS_EXCHANGE
# The exchanges every topology has, declared before any service starts (egov up's provisioning,
# deploy/rabbitmq/definitions.json): a service that may not declare one finds it there.
EXCHANGES = (INBOUND_EXCHANGE, REGIONAL_EXCHANGE, DELIVER_EXCHANGE, STATUS_EXCHANGE, PKI_EXCHANGE)

SERVICES = ("portal", "gateway", "elicense", "registry", "provider")
Permission = Literal["configure", "write", "read"]

_WORD = r"[a-z][a-z0-9_-]*"  # a word of a system id (shared.envelope.SYSTEM_ID_PATTERN)
# The system ids each service holds (egov.provisioning.key_group): the PSC desks run inside
# the portal, every workstation inside the provider. The gateway sends nothing inbound.
SYSTEMS: dict[str, str] = {
    "portal": rf"portal|psc\.{_WORD}",
    "gateway": "",
    "elicense": "elicense",
    "registry": "registry",
    "provider": rf"provider\.{_WORD}\.{_WORD}",
}
# What the RabbitMQ adapter adds to a queue q: its delay queues, its dead-letter queue and the
# direct exchange that moves a message between them (shared.bus.rabbitmq).
_QUEUE_FAMILY = r"(\.transit|\.dlq|\.retry\.[0-9]+)?"
_NOTHING = "^$"  # matches no name the bus uses (an empty regex would match every name)


@dataclass(frozen=True)
class TopicGrant:
    """A topic permission: on ``exchange``, the routing keys a user may publish with
    (``write``) and bind with (``read``)."""

    exchange: str
    write: str
    read: str


@dataclass(frozen=True)
class Grants:
    """One broker user's permissions on the virtual host (names already namespaced)."""

    service: str
    user: str
    configure: str
    write: str
    read: str
    topics: tuple[TopicGrant, ...] = ()

    def allows(self, permission: Permission, name: str) -> bool:
        """Whether RabbitMQ grants ``permission`` on the exchange or queue ``name``."""
        return re.search(getattr(self, permission), name) is not None

    def may_publish(self, exchange: str, routing_key: str) -> bool:
        """Whether RabbitMQ lets this user publish to ``exchange`` with ``routing_key``."""
        return self.allows("write", exchange) and self.topic_allows("write", exchange, routing_key)

    def topic_allows(self, permission: Literal["write", "read"], exchange: str, key: str) -> bool:
        """Whether a routing key passes the topic permission on ``exchange`` (RabbitMQ lets
        every key pass on an exchange the user has no topic permission for)."""
        for grant in self.topics:
            if grant.exchange == exchange:
                return re.search(getattr(grant, permission), key) is not None
        return True


def broker_user(service: str, namespace: str = "") -> str:
    """The broker user of ``service`` in a stack with bus namespace ``namespace``."""
    _known(service)
    return f"{namespace}{service}"


def grants(service: str, namespace: str = "") -> Grants:
    """What ``service``'s broker user may do under ``namespace`` (see the module docstring)."""
    ns = re.escape(namespace)

    def regex(alternatives: tuple[str, ...]) -> str:
        return f"^{ns}({'|'.join(alternatives)})$" if alternatives else _NOTHING

    names = _names(service)
    revoked = f"^{re.escape(REVOKED_ROUTING_KEY)}$"
    systems = SYSTEMS[service]
    topics = [
        TopicGrant(
            namespace + PKI_EXCHANGE,
            write=revoked if service == "registry" else _NOTHING,
            read=revoked,
        )
    ]
    if systems:
        topics.insert(
            0, TopicGrant(namespace + INBOUND_EXCHANGE, write=f"^({systems})$", read=_NOTHING)
        )
    return Grants(
        service,
        broker_user(service, namespace),
        configure=regex(names["configure"]),
        write=regex(names["write"]),
        read=regex(names["read"]),
        topics=tuple(topics),
    )


def _names(service: str) -> dict[Permission, tuple[str, ...]]:
    """The names (regular expressions, without the namespace) ``service`` may configure,
    write and read."""
    _known(service)
    listener = rf"{re.escape(LISTENER_QUEUE_PREFIX)}{service}\.[0-9a-f]+"
    pki, inbound = re.escape(PKI_EXCHANGE), re.escape(INBOUND_EXCHANGE)
    if service == "gateway":
        regional, deliver = re.escape(REGIONAL_EXCHANGE), re.escape(DELIVER_EXCHANGE)
        status = re.escape(STATUS_EXCHANGE)
        own = r"gateway\..+"  # gateway.inbound, gateway.regional.<region>, and their families
        recipients = r"to\..+"  # every recipient's queue family: the gateway declares them
        return {
            "configure": (inbound, regional, deliver, status, own, recipients, listener),
            "write": (regional, deliver, status, own, recipients, listener),
            # Declaring a recipient's delay queue needs read on it (it dead-letters to the
            # transit exchange), and binding to that exchange read on it; never on the queues
            # a recipient consumes.
            "read": (
                inbound,
                regional,
                deliver,
                pki,
                own,
                r"to\..+\.(transit|retry\.[0-9]+)",
                listener,
            ),
        }
    queues = rf"to\.({SYSTEMS[service]}){_QUEUE_FAMILY}"
    owned = (pki,) if service == "registry" else ()  # the НУЦ's revocation events
    return {
        "configure": (queues, listener, *owned),
        "write": (inbound, queues, listener, *owned),
        "read": (pki, queues, listener),
    }


def every_grant(namespace: str = "") -> tuple[Grants, ...]:
    return tuple(grants(service, namespace) for service in SERVICES)


def own_grants(service: str, namespace: str, amqp_url: str) -> Grants | None:
    """``service``'s grants when ``amqp_url`` connects as its own broker user, else None (a
    user of the operator's, e.g. a stack run with ``EGOV_AMQP_ADMIN=none``: the bus then
    declares everything itself, as before users were split)."""
    user = urlsplit(amqp_url).username
    if service not in SERVICES or user is None or unquote(user) != broker_user(service, namespace):
        return None
    return grants(service, namespace)


def permission_table() -> str:
    """The permissions as a Markdown table, one name pattern a line, without the namespace
    (docs/security.md shows it; a test compares)."""
    lines = [
        "| user | configure | write | read | publishes to `egov.gateway.in` with the key |",
        "|---|---|---|---|---|",
    ]
    for service in SERVICES:
        names = _names(service)
        cells = ["<br>".join(f"`{n}`" for n in names[p]) for p in ("configure", "write", "read")]
        systems = SYSTEMS[service]
        key = f"`^({systems})$`" if systems else "(none)"
        lines.append(f"| `{broker_user(service)}` | {' | '.join(cells)} | {key} |")
    return "\n".join(_cell_escape(line) for line in lines) + "\n"


def _cell_escape(line: str) -> str:
    # A "|" inside a regular expression would end the table cell: escape it inside the code
    # spans only (the separators stay). Markdown renders "\|" in a table as "|".
    parts = line.split("`")
    for i in range(1, len(parts), 2):
        parts[i] = parts[i].replace("|", "\\|")
    return "`".join(parts)


def _known(service: str) -> None:
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; one of {', '.join(SERVICES)}")
