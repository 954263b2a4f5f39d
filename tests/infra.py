"""Where the tests find real servers.

Order: the ``EGOV_PG_DSN`` / ``EGOV_AMQP_URL`` variables; else a testcontainers container when a
Docker engine answers; else the test is skipped with the reason. Under ``EGOV_REQUIRE_INFRA=1``
(CI) a missing server fails the run instead of skipping.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

REQUIRE_INFRA = os.environ.get("EGOV_REQUIRE_INFRA") == "1"


def docker_engine_running() -> bool:
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not host.startswith("unix://"):
        return True  # a remote engine: let testcontainers try it
    path = host.removeprefix("unix://")
    if not os.path.exists(path):
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect(path)
        except OSError:
            return False
    return True


def missing(what: str) -> None:
    reason = f"{what} is not available: set its EGOV_* variable or run a Docker engine"
    if REQUIRE_INFRA:
        pytest.fail(f"EGOV_REQUIRE_INFRA=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@contextmanager
def postgres_dsn() -> Iterator[str]:
    dsn = os.environ.get("EGOV_PG_DSN")
    if dsn:
        yield dsn
        return
    if docker_engine_running():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver=None) as pg:
            yield pg.get_connection_url()
        return
    missing("PostgreSQL (EGOV_PG_DSN)")


@contextmanager
def amqp_url() -> Iterator[str]:
    url = os.environ.get("EGOV_AMQP_URL")
    if url:
        yield url
        return
    if docker_engine_running():
        from testcontainers.rabbitmq import RabbitMqContainer

        with RabbitMqContainer("rabbitmq:3.13-management-alpine") as rmq:
            params = rmq.get_connection_params()
            yield f"amqp://guest:guest@{params.host}:{params.port}/"
        return
    missing("RabbitMQ (EGOV_AMQP_URL)")
