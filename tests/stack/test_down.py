"""``egov down`` and the namespace of ``egov up``: ``EGOV_BUS_NAMESPACE`` names the stack as
``--namespace`` does; ``egov down --drop`` stops the running stack and deletes every schema,
queue and exchange it left on the shared servers (the journals under ``<data dir>/bus/``), and
nothing of another namespace; it refuses to drop a stack without a namespace; ``egov
subscribe`` finds the running stack's namespace in its manifest."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import aio_pika
import asyncpg
import pytest
from aiormq.exceptions import ChannelNotFoundEntity

from egov.stack import SERVICES, StackOptions, egov_command, journalled_names
from shared.runtime import bus_journal
from tests.stack.egov_up import WAIT_S, Up, start_up

pytestmark = pytest.mark.infra


def egov(
    *args: str, env: dict[str, str], timeout: float = WAIT_S
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EGOV_")}
    return subprocess.run(
        [*egov_command(), *args],
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


async def schemas_of(pg_dsn: str, namespace: str) -> set[str]:
    conn = await asyncpg.connect(pg_dsn)
    try:
        rows = await conn.fetch(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE $1", f"{namespace}\\_%"
        )
    finally:
        await conn.close()
    return {str(r["nspname"]) for r in rows}


async def left_on_broker(amqp_url: str, queues: set[str], exchanges: set[str]) -> set[str]:
    """The names among ``queues`` and ``exchanges`` the broker still has (passive declares)."""
    left: set[str] = set()
    async with await aio_pika.connect(amqp_url) as connection:
        for name in sorted(queues):
            channel = await connection.channel()
            try:
                await channel.declare_queue(name, passive=True)
                left.add(name)
                await channel.close()
            except ChannelNotFoundEntity:
                pass
        for name in sorted(exchanges):
            channel = await connection.channel()
            try:
                await channel.declare_exchange(name, passive=True)
                left.add(name)
                await channel.close()
            except ChannelNotFoundEntity:
                pass
    return left


# --- a running egov up, named by EGOV_BUS_NAMESPACE, stopped and dropped by egov down -------


@pytest.fixture
def up_by_env(tmp_path: Path, pg_dsn: str, amqp_url: str) -> Iterator[Up]:
    yield from start_up(tmp_path, pg_dsn, amqp_url, namespace_from_env=True)


@pytest.mark.slow
def test_egov_up_takes_its_namespace_from_the_setting_and_egov_down_drop_leaves_nothing(
    up_by_env: Up, pg_dsn: str, amqp_url: str
) -> None:
    up, ns = up_by_env, up_by_env.namespace
    manifest = up.manifest()
    assert (manifest["namespace"], manifest["bus_namespace"]) == (ns, f"{ns}.")
    assert manifest["supervisor_pid"] == up.process.pid
    assert f"starting 5 services in namespace {ns}" in up.out.read_text()
    assert asyncio.run(schemas_of(pg_dsn, ns)) == {f"{ns}_{s}" for s in SERVICES}
    options = StackOptions(up.data_dir, pg_dsn=pg_dsn, amqp_url=amqp_url, namespace=ns)
    queues, exchanges = journalled_names(options)
    assert f"{ns}.egov.status" in exchanges
    assert len(queues) > 50  # every system's queue with its retry queues and dead letters
    assert asyncio.run(left_on_broker(amqp_url, queues, exchanges)) == queues | exchanges

    # egov subscribe, given only the data directory, listens on this stack's exchange.
    with subprocess.Popen(
        [*egov_command(), "subscribe"],
        env={k: v for k, v in os.environ.items() if not k.startswith("EGOV_")}
        | {"EGOV_DATA_DIR": str(up.data_dir)},
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    ) as subscriber:
        try:
            assert subscriber.stderr is not None
            listening = subscriber.stderr.readline()
            assert f"listening on {ns}.egov.status (namespace {ns} from " in listening, listening
            subscriber.terminate()
            assert subscriber.wait(timeout=20) == 0
        finally:
            if subscriber.poll() is None:
                subscriber.kill()

    # The servers come from the manifest, and that the stack made no broker users (an
    # EGOV_AMQP_ADMIN=none stack): egov down needs only the data directory.
    down = egov("down", "--drop", "--data-dir", str(up.data_dir), env={})
    assert down.returncode == 0, down.stdout + down.stderr
    assert f"stopping egov up (pid {up.process.pid})" in down.stdout
    assert f"dropped namespace {ns}: schemas {', '.join(f'{ns}_{s}' for s in SERVICES)}" in (
        down.stdout
    )
    assert f"{len(queues)} queues and {len(exchanges)} exchanges" in down.stdout
    assert up.process.wait(timeout=WAIT_S) == 0  # stopped as by Ctrl-C
    assert "egov up: stopped" in up.out.read_text()
    assert not (up.data_dir / "stack.json").exists()
    assert asyncio.run(schemas_of(pg_dsn, ns)) == set()
    assert asyncio.run(left_on_broker(amqp_url, queues, exchanges)) == set()
    assert not any(bus_journal(up.data_dir, s).exists() for s in SERVICES)


def test_egov_up_refuses_a_setting_that_cannot_name_schemas(tmp_path: Path) -> None:
    result = egov(
        "up",
        "--data-dir",
        str(tmp_path / "var"),
        env={
            "EGOV_PG_DSN": "postgresql://postgres@127.0.0.1:9/none",
            "EGOV_AMQP_URL": "amqp://guest:guest@127.0.0.1:9/",
            "EGOV_AMQP_ADMIN": "none",
            "EGOV_BUS_NAMESPACE": "Run-1.",
        },
    )
    assert result.returncode == 2, result.stderr
    assert "EGOV_BUS_NAMESPACE: namespace 'Run-1'" in result.stderr


# --- egov down --drop on what a stopped stack left -----------------------------------------


@pytest.fixture
def left_behind(tmp_path: Path, pg_dsn: str, amqp_url: str) -> Iterator[tuple[Path, str, str]]:
    """What a stopped stack of namespace NS leaves: its schemas, a durable queue and exchange
    journalled by its services, and (journalled by mistake) a queue of namespace OTHER that
    egov down must not touch."""
    ns, other = "dn" + uuid.uuid4().hex[:8], "ot" + uuid.uuid4().hex[:8]
    data_dir = tmp_path / "var"

    async def make() -> None:
        conn = await asyncpg.connect(pg_dsn)
        try:
            for service in SERVICES:
                await conn.execute(f'CREATE SCHEMA "{ns}_{service}"')
                await conn.execute(f'CREATE TABLE "{ns}_{service}".events (id int)')
        finally:
            await conn.close()
        async with await aio_pika.connect(amqp_url) as connection:
            channel = await connection.channel()
            await channel.declare_exchange(f"{ns}.egov.status", "topic", durable=True)
            await channel.declare_queue(f"{ns}.to.portal", durable=True)
            await channel.declare_queue(f"{other}.to.portal", durable=True)

    asyncio.run(make())
    journal = bus_journal(data_dir, "gateway")
    journal.parent.mkdir(parents=True)
    journal.write_text(
        f"exchange {ns}.egov.status\nqueue {ns}.to.portal\nqueue {other}.to.portal\n"
    )
    yield data_dir, ns, other

    async def clean() -> None:
        conn = await asyncpg.connect(pg_dsn)
        try:
            for service in SERVICES:
                await conn.execute(f'DROP SCHEMA IF EXISTS "{ns}_{service}" CASCADE')
        finally:
            await conn.close()
        async with await aio_pika.connect(amqp_url) as connection:
            channel = await connection.channel()
            await channel.queue_delete(f"{other}.to.portal")
            await channel.queue_delete(f"{ns}.to.portal")
            await channel.exchange_delete(f"{ns}.egov.status")

    asyncio.run(clean())


def _servers(pg_dsn: str, amqp_url: str) -> dict[str, str]:
    return {"EGOV_PG_DSN": pg_dsn, "EGOV_AMQP_URL": amqp_url, "EGOV_AMQP_ADMIN": "none"}


def test_drop_names_the_namespaces_the_journals_hold_when_none_is_given(
    left_behind: tuple[Path, str, str], pg_dsn: str, amqp_url: str
) -> None:
    data_dir, ns, other = left_behind
    result = egov("down", "--drop", "--data-dir", str(data_dir), env=_servers(pg_dsn, amqp_url))
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"no stack is running on {data_dir}" in result.stdout
    assert "no namespace given (--namespace, EGOV_BUS_NAMESPACE)" in result.stderr
    assert f"the journals in {data_dir / 'bus'} name: {', '.join(sorted([ns, other]))}" in (
        result.stderr
    )
    assert asyncio.run(schemas_of(pg_dsn, ns))  # nothing dropped


def test_drop_deletes_the_namespaces_schemas_and_journalled_names_only(
    left_behind: tuple[Path, str, str], pg_dsn: str, amqp_url: str
) -> None:
    data_dir, ns, other = left_behind
    env = _servers(pg_dsn, amqp_url) | {"EGOV_BUS_NAMESPACE": f"{ns}."}
    result = egov("down", "--drop", "--data-dir", str(data_dir), env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"dropped namespace {ns}: schemas {ns}_registry" in result.stdout
    assert "1 queues and 1 exchanges" in result.stdout
    assert asyncio.run(schemas_of(pg_dsn, ns)) == set()
    names = {f"{ns}.to.portal", f"{other}.to.portal"}
    left = asyncio.run(left_on_broker(amqp_url, names, {f"{ns}.egov.status"}))
    assert left == {f"{other}.to.portal"}
    assert not bus_journal(data_dir, "gateway").exists()
    # Again: nothing left to drop, and it says that RabbitMQ was not touched.
    again = egov("down", "--drop", "--namespace", ns, "--data-dir", str(data_dir), env=env)
    assert again.returncode == 0, again.stderr
    assert "schemas none left; 0 queues and 0 exchanges" in again.stdout
    assert "no bus names journalled" in again.stderr


def test_down_refuses_to_drop_a_stack_without_a_namespace(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    (data_dir / "stack.json").write_text(
        json.dumps({"namespace": "", "bus_namespace": "", "supervisor_pid": None, "pids": {}})
    )
    result = egov("down", "--drop", "--data-dir", str(data_dir), env={})
    assert result.returncode == 2, result.stdout + result.stderr
    assert "removed its stale stack.json" in result.stdout
    assert "ran without a namespace" in result.stderr
    assert "production" in result.stderr


def test_down_leaves_services_whose_supervisor_is_gone_to_the_user(tmp_path: Path) -> None:
    """A manifest whose egov up died (kill -9) but names a process that still runs (this
    test's own): egov down signals nothing, says which, exits 1, and keeps the manifest."""
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    gone = subprocess.Popen(["true"])
    gone.wait()
    manifest = {"namespace": "x", "supervisor_pid": gone.pid, "pids": {"portal": os.getpid()}}
    (data_dir / "stack.json").write_text(json.dumps(manifest))
    result = egov("down", "--data-dir", str(data_dir), env={})
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"portal (pid {os.getpid()})" in result.stderr
    assert "egov up is not running" in result.stderr
    assert (data_dir / "stack.json").exists()


def test_down_without_a_stack_says_so(tmp_path: Path) -> None:
    result = egov("down", "--data-dir", str(tmp_path), env={})
    assert result.returncode == 0, result.stderr
    assert "no stack is running" in result.stdout
