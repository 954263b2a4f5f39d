"""The crash test's workload, shared by the test and the processes it spawns."""

from __future__ import annotations

import json

from shared.bus.port import Binding, QueueSpec
from shared.eventlog.port import NewEvent, OutboxMessage

EXCHANGE = "work"
QUEUE = "work.consumer"
ROUTING_KEY = "producer.work_requested.v1"
REQUEST_STREAM = "requests"  # the producer's single stream: its version is its progress
CONSUMER = "crash-consumer"  # the inbox's consumer name
DUPLICATE_MARK = "DUPLICATE-IGNORED"  # the consumer prints it once per absorbed duplicate


def queue_spec() -> QueueSpec:
    # Many attempts with short backoff: a delivery whose handler died with the process is not a
    # failed attempt, but one interrupted by a lost database connection may be.
    return QueueSpec(
        name=QUEUE,
        bindings=(Binding(EXCHANGE, "producer.#"),),
        max_attempts=20,
        backoff_base_ms=50,
        backoff_max_ms=1_000,
    )


def message_id(n: int) -> str:
    return f"work-{n}"


def request(n: int) -> tuple[NewEvent, OutboxMessage]:
    """The producer's event for work item ``n`` and the message announcing it."""
    event = NewEvent(type="WorkRequested.v1", data={"n": n})
    message = OutboxMessage(
        message_id=message_id(n),
        exchange=EXCHANGE,
        routing_key=ROUTING_KEY,
        body=json.dumps({"n": n}).encode(),
    )
    return event, message


def effect_stream(n: int) -> str:
    # One stream per item with ``expected_version=None``: the stream version would not stop a
    # second effect, so the inbox claim is the only thing that can.
    return f"done-{n}"
