"""egov.stack as a library: a service that cannot start fails the start fast, naming it with
the end of its log, and leaves no process behind; dropping the namespace leaves no schema and
no RabbitMQ name of the stack on the shared servers."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import aio_pika
import asyncpg
import pytest
from aiormq.exceptions import ChannelNotFoundEntity

from egov.stack import SERVICES, Stack, StackError, StackOptions, drop_namespace, journalled_names

pytestmark = [pytest.mark.infra, pytest.mark.slow]


def test_options_refuse_a_namespace_that_cannot_name_a_schema(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="namespace 'Run-1'"):
        StackOptions(
            tmp_path, pg_dsn="postgresql://x@h/db", amqp_url="amqp://h/", namespace="Run-1"
        )
    with pytest.raises(ValueError, match="only EGOV_"):
        StackOptions(
            tmp_path, pg_dsn="postgresql://x@h/db", amqp_url="amqp://h/", env={"PATH": "/"}
        )


async def test_a_service_that_cannot_start_fails_the_start_and_the_namespace_drops_clean(
    tmp_path: Path, pg_dsn: str, amqp_url: str
) -> None:
    namespace = "st" + uuid.uuid4().hex[:10]
    options = StackOptions(
        tmp_path / "var",
        pg_dsn=pg_dsn,
        amqp_url=amqp_url,
        namespace=namespace,
        env={
            "EGOV_ELICENSE_TRUST_ANCHORS": str(tmp_path / "no-such-anchors.pem"),
            "EGOV_SHUTDOWN_TIMEOUT_S": "5",
        },
    )
    stack = Stack(options)
    try:
        with pytest.raises(StackError, match="elicense is not running") as failed:
            await stack.start(timeout_s=60)
        assert "no-such-anchors.pem" in str(failed.value)  # the end of elicense's log
        assert all(stack.pid(service) is None for service in SERVICES)  # the others stopped
        queues, exchanges = journalled_names(options)
        assert queues  # the gateway declared its queues before the start failed
        assert all(name.startswith(f"{namespace}.") for name in queues | exchanges)
    finally:
        await drop_namespace(options)

    conn = await asyncpg.connect(pg_dsn)
    try:
        left = await conn.fetch(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE $1", f"{namespace}%"
        )
    finally:
        await conn.close()
    assert left == []
    connection = await aio_pika.connect(amqp_url, timeout=30)
    try:
        for name in sorted(queues)[:3]:
            channel = await connection.channel()
            with pytest.raises(ChannelNotFoundEntity):
                await channel.declare_queue(name, passive=True)
    finally:
        await connection.close()
    assert not any(os.scandir(options.data_dir / "bus"))
