"""Fixtures of the hostile-input campaign: the five services as real servers on PostgreSQL
(one ``egov run`` for the whole session), and the gateway harness on RabbitMQ for its queue."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.gateway.conftest import ca_endpoint, gw_ca, harness, systems
from tests.hostile.stack import Stack, running_stack

__all__ = ["ca_endpoint", "gw_ca", "harness", "systems"]  # the gateway's, used as they are


@pytest.fixture(scope="session")
def stack(pg_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(pg_dsn, tmp_path_factory.mktemp("hostile-stack")) as running:
        yield running
