"""The AsyncAPI 3.0 document of the gateway's asynchronous channels, built from the code that
names them: exchange and queue names from :mod:`gateway_svc.topology`, systems and regions from
the gateway's shipped rules, service codes and step statuses from the regulation definitions,
the services' own statuses from :mod:`shared.contract.status`. A rename anywhere shows up as
drift in ``docs/asyncapi/``.

The application described is the gateway (ЭҮШ with its regional tier ЭҮАШ): it *receives* on
``egov.gateway.in`` and *sends* to ``egov.deliver`` and ``egov.status``. A downstream subscriber
does the opposite of the ``publishStatus`` operation: it receives from ``egov.status``.
"""

from __future__ import annotations

from typing import Any, Final

from egov.contract.schemas import ENVELOPE_FILE, STATUS_FILE, STATUS_V1_FILE
from egov.contract.vocabulary import status_vocabulary
from gateway_svc import topology
from gateway_svc.rules import DEFAULT_RULES, parse_rules
from regulations import definitions_dir
from shared.contract.status import STATUS_TYPE, STATUS_TYPE_V1
from shared.regulation.catalog import Catalog

ASYNCAPI_VERSION: Final = "3.0.0"
# The contract's own version: raise the major on any change a consumer must adapt to (a field
# removed or retyped, a status renamed), the minor on additions.
CONTRACT_VERSION: Final = "2.0.0"
SCHEMA_FORMAT: Final = "application/schema+json;version=draft-07"
AMQP_BINDING: Final = "0.3.0"

_HEADERS: Final[dict[str, Any]] = {
    "type": "object",
    "description": "AMQP application headers the gateway sets, copied from the envelope so a "
    "consumer can filter without parsing the body. The AMQP properties carry message_id "
    "(= envelope message_id), correlation_id (= envelope correlation_id), content_type "
    "application/json and delivery_mode 2 (persistent).",
    "properties": {
        "sender": {"type": "string", "description": "envelope sender"},
        "recipient": {"type": "string", "description": "envelope recipient"},
        "type": {"type": "string", "description": "envelope type"},
    },
    "required": ["sender", "recipient", "type"],
}


def _exchange(name: str) -> dict[str, Any]:
    return {
        "is": "routingKey",
        "exchange": {
            "name": name,
            "type": "topic",
            "durable": True,
            "autoDelete": False,
            "vhost": "/",
        },
        "bindingVersion": AMQP_BINDING,
    }


def _payload(file: str) -> dict[str, Any]:
    return {"schemaFormat": SCHEMA_FORMAT, "schema": {"$ref": f"./schemas/{file}"}}


def build() -> dict[str, Any]:
    rules = parse_rules(DEFAULT_RULES.read_text(encoding="utf-8"), source=str(DEFAULT_RULES))
    systems = sorted(rules.systems)
    catalog = Catalog.from_directory(definitions_dir())
    codes = sorted(catalog.codes())
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "egov-sim gateway (ЭҮШ / ЭҮАШ): asynchronous channel and status events",
            "version": CONTRACT_VERSION,
            "description": (
                "Every inter-system message is a signed envelope that travels through the "
                "gateway. Systems publish to egov.gateway.in; the gateway checks the "
                "signature, the route and the access rules, logs the message, and delivers "
                "it to the recipient's queue (through the recipient's regional gateway for a "
                "provider workstation). Every status notification it admits it also "
                "republishes, byte for byte, to the public topic exchange egov.status: that "
                "is the channel downstream systems subscribe to (docs/subscribers.md).\n\n"
                "Each message's signature is a detached JWS over the RFC 8785 canonical JSON "
                "of the envelope without its signature field, with the signer's certificate "
                "chain (simulated НУЦ) in the JWS header's x5c; the gateway republishes the "
                "original bytes, so a subscriber verifies the producer's own signature.\n\n"
                "The gateway's synchronous channel (POST /sync/{service_id}: registry "
                "look-ups, OCSP, CRL) is HTTP, described by the gateway's OpenAPI document "
                "(GET /openapi.json on the gateway, port 8082) and docs/gateway.md, not here."
            ),
            "license": {"name": "Apache-2.0"},
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "127.0.0.1:5672",
                "protocol": "amqp",
                "protocolVersion": "0-9-1",
                "description": "RabbitMQ as the tests and `egov up` use it (EGOV_AMQP_URL)",
            },
            "compose": {
                "host": "rabbitmq:5672",
                "protocol": "amqp",
                "protocolVersion": "0-9-1",
                "description": "RabbitMQ inside deploy/compose.yaml (published on the host's "
                "port 5672)",
            },
        },
        "channels": {
            "status": {
                "address": "{service_code}.{status}",
                "title": "egov.status",
                "description": (
                    f"Public fan-out of every status notification ({STATUS_TYPE}) the "
                    "gateway admits. Topic exchange: bind your own queue with a pattern, "
                    "e.g. '#', 'cultural_values_export.*' or '*.completed'. Not published "
                    "with mandatory: with no queue bound, events are not kept."
                ),
                "parameters": {
                    "service_code": {
                        "description": "the service's code in the catalog",
                        "enum": codes,
                    },
                    "status": {"description": "the status reached", "enum": status_vocabulary()},
                },
                "messages": {"statusChanged": {"$ref": "#/components/messages/statusChanged"}},
                "bindings": {"amqp": _exchange(topology.STATUS_EXCHANGE)},
            },
            "gatewayInbound": {
                "address": "{sender}",
                "title": topology.INBOUND_EXCHANGE,
                "description": (
                    "Where every system hands its signed envelopes to the gateway, with its "
                    f"own system id as routing key. The gateway consumes it from the queue "
                    f"'{topology.INBOUND_QUEUE}'; a refused message is logged with a named "
                    "error code (docs/gateway-errors.md), never delivered."
                ),
                "parameters": {
                    "sender": {"description": "the publishing system's id", "enum": systems}
                },
                "messages": {"envelope": {"$ref": "#/components/messages/envelope"}},
                "bindings": {"amqp": _exchange(topology.INBOUND_EXCHANGE)},
            },
            "regional": {
                "address": "{region}",
                "title": topology.REGIONAL_EXCHANGE,
                "description": (
                    "The central gateway forwards a message for provider.<region>.<dept> to "
                    "that region's gateway (ЭҮАШ), which logs its hop and delivers it; each "
                    "region's gateway consumes the queue 'gateway.regional.<region>'. "
                    "Internal to the gateway."
                ),
                "parameters": {
                    "region": {"description": "the region", "enum": list(rules.regions)}
                },
                "messages": {"envelope": {"$ref": "#/components/messages/envelope"}},
                "bindings": {"amqp": _exchange(topology.REGIONAL_EXCHANGE)},
            },
            "delivery": {
                "address": "{recipient}",
                "title": topology.DELIVER_EXCHANGE,
                "description": (
                    "Deliveries to each registered system, routing key = its system id. The "
                    "gateway declares a durable quorum queue 'to.<system id>' bound to it for "
                    "every system in its rules (store and forward: a recipient that is down "
                    "finds its messages waiting); with no queue, the message is parked "
                    "(egov gateway parked / redrive)."
                ),
                "parameters": {
                    "recipient": {"description": "the recipient's system id", "enum": systems}
                },
                "messages": {"envelope": {"$ref": "#/components/messages/envelope"}},
                "bindings": {"amqp": _exchange(topology.DELIVER_EXCHANGE)},
            },
            "systemQueue": {
                "address": topology.recipient_queue("{system}"),
                "title": topology.recipient_queue("<system id>"),
                "description": (
                    "Each registered system's own durable quorum queue, bound to "
                    f"{topology.DELIVER_EXCHANGE} with its system id: what the portal, "
                    "E-licensing, the registry and each provider workstation consume. "
                    "Handlers ack after their inbox transaction commits; failures are retried "
                    "with backoff and then parked in 'to.<system id>.dlq' (docs/bus.md)."
                ),
                "parameters": {
                    "system": {"description": "the consuming system's id", "enum": systems}
                },
                "messages": {"envelope": {"$ref": "#/components/messages/envelope"}},
                "bindings": {
                    "amqp": {
                        "is": "queue",
                        "queue": {
                            "name": topology.recipient_queue("{system}"),
                            "durable": True,
                            "exclusive": False,
                            "autoDelete": False,
                            "vhost": "/",
                        },
                        "bindingVersion": AMQP_BINDING,
                    }
                },
            },
        },
        "operations": {
            "publishStatus": {
                "action": "send",
                "channel": {"$ref": "#/channels/status"},
                "title": "Publish a status event",
                "summary": "The gateway republishes each admitted status notification.",
                "messages": [{"$ref": "#/channels/status/messages/statusChanged"}],
                "bindings": {
                    "amqp": {
                        "deliveryMode": 2,
                        "mandatory": False,
                        "bindingVersion": AMQP_BINDING,
                    }
                },
            },
            "receiveFromSystems": {
                "action": "receive",
                "channel": {"$ref": "#/channels/gatewayInbound"},
                "title": "Admit a message",
                "summary": "Check, log and route an envelope a system sent.",
                "messages": [{"$ref": "#/channels/gatewayInbound/messages/envelope"}],
                "bindings": {"amqp": {"ack": True, "bindingVersion": AMQP_BINDING}},
            },
            "forwardToRegion": {
                "action": "send",
                "channel": {"$ref": "#/channels/regional"},
                "title": "Forward to a regional gateway",
                "messages": [{"$ref": "#/channels/regional/messages/envelope"}],
                "bindings": {
                    "amqp": {"deliveryMode": 2, "mandatory": True, "bindingVersion": AMQP_BINDING}
                },
            },
            "deliver": {
                "action": "send",
                "channel": {"$ref": "#/channels/delivery"},
                "title": "Deliver to a system",
                "messages": [{"$ref": "#/channels/delivery/messages/envelope"}],
                "bindings": {
                    "amqp": {"deliveryMode": 2, "mandatory": True, "bindingVersion": AMQP_BINDING}
                },
            },
        },
        "components": {
            "messages": {
                "statusChanged": {
                    "name": STATUS_TYPE,
                    "title": "Status changed",
                    "summary": "A request (or a permit) reached a status; signed by the system "
                    "that decided it.",
                    "description": (
                        "One body shape from a provider workstation and from E-licensing, "
                        "numbered per request by its sender (seq 1, 2, ... without gaps): "
                        "order a request's statuses by seq, and never let a lower seq "
                        f"replace a higher one. Events sent before this version are "
                        f"{STATUS_TYPE_V1}, described by ./schemas/{STATUS_V1_FILE}."
                    ),
                    "contentType": "application/json",
                    "headers": _HEADERS,
                    "correlationId": {
                        "description": "the request's id",
                        "location": "$message.payload#/correlation_id",
                    },
                    "payload": _payload(STATUS_FILE),
                    "bindings": {
                        "amqp": {"messageType": STATUS_TYPE, "bindingVersion": AMQP_BINDING}
                    },
                },
                "envelope": {
                    "name": "envelope",
                    "title": "Signed envelope",
                    "summary": "Any inter-system message (request, response, notification).",
                    "contentType": "application/json",
                    "headers": _HEADERS,
                    "correlationId": {
                        "description": "the request's id",
                        "location": "$message.payload#/correlation_id",
                    },
                    "payload": _payload(ENVELOPE_FILE),
                },
            }
        },
    }
