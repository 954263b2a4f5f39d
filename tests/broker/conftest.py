"""The broker permission tests' own RabbitMQ node, with the management plugin, started once for
the session (tests.faults.servers.PrivateRabbitMQ): they make users and permissions, which the
shared broker at 127.0.0.1:5672 must never get. A node that cannot start skips the tests, or
fails them under EGOV_REQUIRE_INFRA=1 (CI); it is stopped and removed afterwards."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.faults.servers import PrivateRabbitMQ, ServerError
from tests.infra import missing

MANAGEMENT_WAIT_S = 30.0  # a bound against hanging: the API answers within a second of boot


@pytest.fixture(scope="session")
def private_broker() -> Iterator[PrivateRabbitMQ]:
    node: PrivateRabbitMQ | None = None
    try:
        node = PrivateRabbitMQ(management=True)
        began = time.monotonic()
        node.start()
        _wait_for_management(node)
        node.timings.add("start with the management API", time.monotonic() - began)
    except (ServerError, OSError, httpx.HTTPError) as exc:
        if node is not None:
            node.close()
        missing(f"a private RabbitMQ node with the management plugin ({exc})")
        raise
    try:
        yield node
    finally:
        print(f"\nprivate RabbitMQ for tests/broker: {node.timings.summary()}")
        # Nothing on it is kept: a kill is as good as a clean stop, and seconds faster.
        node.kill()
        node.close()


def _wait_for_management(node: PrivateRabbitMQ) -> None:
    deadline = time.monotonic() + MANAGEMENT_WAIT_S
    while True:
        try:
            httpx.get(
                f"http://127.0.0.1:{node.management_port}/api/overview",
                auth=("guest", "guest"),
                timeout=5,
            ).raise_for_status()
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
