"""Exchange and queue names of the gateway's asynchronous channel.

* Systems publish signed envelopes to ``egov.gateway.in`` (routing key: their system id); the
  gateway consumes ``gateway.inbound``.
* Messages for ``provider.<region>.<dept>`` go to ``egov.gateway.regional`` with routing key
  ``<region>``; each region's gateway (ЭҮАШ) consumes ``gateway.regional.<region>``.
* Deliveries go to ``egov.deliver`` with the recipient's system id as routing key; the gateway
  declares ``to.<system id>`` for every registered system (store and forward: a recipient that
  is down finds its messages waiting).
* Status notifications are republished, byte for byte, to the public ``egov.status`` with
  routing key ``<service_code>.<status>``.
"""

from __future__ import annotations

from shared.envelope import GATEWAY_INBOUND_EXCHANGE

INBOUND_EXCHANGE = GATEWAY_INBOUND_EXCHANGE
INBOUND_QUEUE = "gateway.inbound"
REGIONAL_EXCHANGE = "egov.gateway.regional"
DELIVER_EXCHANGE = "egov.deliver"
STATUS_EXCHANGE = "egov.status"


def regional_queue(region: str) -> str:
    return f"gateway.regional.{region}"


def recipient_queue(system: str) -> str:
    return f"to.{system}"
