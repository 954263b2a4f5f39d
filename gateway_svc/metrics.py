"""The gateway's operational monitoring, registered on the service's own Prometheus registry.

Route labels are ``<sender>><recipient>`` for registered systems only; anything a sender merely
claims is labelled ``<unknown>``, so a flood of invented ids cannot create unbounded series."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

UNKNOWN = "<unknown>"


class GatewayMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.messages = Counter(
            "gateway_messages",
            "Messages handled by the gateway, by route, kind and outcome",
            ["route", "kind", "outcome"],
            registry=registry,
        )
        self.rejections = Counter(
            "gateway_rejections",
            "Messages and sync calls refused, by error code",
            ["code"],
            registry=registry,
        )
        self.deliveries = Counter(
            "gateway_deliveries",
            "Delivery state changes, by state",
            ["state"],
            registry=registry,
        )
        self.hop_latency = Histogram(
            "gateway_hop_seconds",
            "Time from taking a message off the broker to its forward being confirmed, by hop",
            ["hop"],
            registry=registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.sync_latency = Histogram(
            "gateway_sync_seconds",
            "Sync channel round trip through the gateway, by service and outcome",
            ["service", "outcome"],
            registry=registry,
        )


def route_label(sender: str | None, recipient: str | None, members: set[str]) -> str:
    known_sender = sender if sender is not None and sender in members else UNKNOWN
    known_recipient = recipient if recipient is not None and recipient in members else UNKNOWN
    return f"{known_sender}>{known_recipient}"
