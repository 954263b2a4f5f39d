"""``egov subscribe``: which events it binds to, how it judges each one (signature with the
services' verifier, signer = sender, the status contract, the routing key), a live run on
RabbitMQ, the command itself starting and stopping on Ctrl-C with status 0, the stack's bus
namespace it listens under (``--namespace``, ``EGOV_BUS_NAMESPACE``, ``stack.json``), and that
it leaves nothing on the broker: no exchange created, its queue gone when it exits."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import aio_pika
import pytest
from aiormq.exceptions import ChannelLockedResource, ChannelNotFoundEntity

from egov.commands.subscribe import Checked, Namespace, binding_key, check, find_namespace, watch
from provider_svc.domain.request import Origin
from provider_svc.notifications import status_message
from shared.clock import SystemClock
from shared.pki.jws import JwsSigner
from shared.pki.profiles import InformationSystem
from shared.regulation.model import Channel
from tests.pki.conftest import CaPair, write_pem
from tests.provider.support import make_long_ca, make_signer, verifier

WS = "provider.almaty.culture"
KEY = "cultural_values_export.registered"
AT = datetime(2019, 11, 4, 3, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def ca() -> CaPair:
    return make_long_ca()


def _event(signer: JwsSigner, *, sender: str = WS, status: str = "registered") -> bytes:
    origin = Origin(sender, Channel.PORTAL, "portal", None, None, "880612400411", {}, ())
    _, outbox = status_message(
        signer=signer,
        origin=origin,
        request_id="r-1",
        seq=1,
        service_code="cultural_values_export",
        version="almaty-2018",
        status=status,
        step="register",
        step_deadline=AT.isoformat(),
        request_deadline=AT.isoformat(),
        at=AT,
    )
    return outbox.body


@pytest.fixture
def status_exchange(amqp_url: str, unique_name: str) -> Iterator[str]:
    """This test's ``<ns>.egov.status``, declared as the gateway declares it (durable topic)
    before anyone subscribes, and deleted afterwards."""
    exchange = f"{unique_name}.egov.status"
    asyncio.run(_declare_exchange(amqp_url, exchange))
    try:
        yield exchange
    finally:
        asyncio.run(_delete_exchange(amqp_url, exchange))


@pytest.mark.parametrize(
    ("service", "status", "key"),
    [
        (None, None, "*.*"),
        ("archive_reference", None, "archive_reference.*"),
        (None, "completed", "*.completed"),
        ("archive_reference", "refused", "archive_reference.refused"),
    ],
)
def test_binding_key_filters_by_service_and_status(
    service: str | None, status: str | None, key: str
) -> None:
    assert binding_key(service, status) == key


@pytest.mark.parametrize("bad", ["a.b", "#", "*", "", "two words"])
def test_binding_key_refuses_a_pattern_in_a_filter(bad: str) -> None:
    with pytest.raises(ValueError, match="one word"):
        binding_key(bad, None)


def test_a_signed_event_on_its_key_is_valid(ca: CaPair) -> None:
    checked = check(
        _event(make_signer(ca, InformationSystem(WS))), KEY, verifier(ca, SystemClock())
    )
    assert checked.problem is None
    assert checked.line().startswith("ok ")
    assert "request=r-1 seq=1 step=register from=provider.almaty.culture" in checked.line()


def test_invalid_events_say_why(ca: CaPair) -> None:
    good = make_signer(ca, InformationSystem(WS))
    v = verifier(ca, SystemClock())
    tampered = json.loads(_event(good))
    tampered["body"]["seq"] = 2
    cases = {
        "signature BAD_SIGNATURE": check(json.dumps(tampered).encode(), KEY, v),
        "signature UNTRUSTED_CHAIN": check(
            _event(make_signer(make_long_ca(), InformationSystem(WS))), KEY, v
        ),
        "signed by portal, not by the sender provider.almaty.culture": check(
            _event(make_signer(ca, InformationSystem("portal"))), KEY, v
        ),
        "off contract: body.": check(_event(good, status="teleported"), "x.teleported", v),
        "routing key is not cultural_values_export.registered": check(
            _event(good), "cultural_values_export.completed", v
        ),
        "not an envelope": check(b"{}", KEY, v),
    }
    for reason, checked in cases.items():
        assert checked.problem is not None
        assert reason in checked.problem, checked.problem
        assert checked.line().startswith("INVALID")


@pytest.mark.infra
async def test_watch_reports_each_event_on_the_live_exchange(
    ca: CaPair, amqp_url: str, status_exchange: str
) -> None:
    exchange = status_exchange
    seen: list[Checked] = []
    stop, ready = asyncio.Event(), asyncio.Event()
    connection = await aio_pika.connect(amqp_url)
    channel = await connection.channel()
    task = asyncio.create_task(
        watch(
            amqp_url,
            binding="cultural_values_export.*",
            verifier=verifier(ca, SystemClock()),
            emit=seen.append,
            stop=stop,
            exchange=exchange,
            on_ready=lambda queue: ready.set(),
        )
    )
    try:
        await asyncio.wait_for(ready.wait(), 10)
        topic = await channel.get_exchange(exchange)
        good = _event(make_signer(ca, InformationSystem(WS)))
        forged = json.loads(good)
        forged["body"]["applicant"] = "99******9999"
        for body, key in [
            (good, KEY),
            (json.dumps(forged).encode(), KEY),
            (good, "archive_reference.registered"),  # not bound: never arrives
        ]:
            await topic.publish(aio_pika.Message(body, message_id=str(uuid.uuid4())), key)
        async with asyncio.timeout(10):
            while len(seen) < 2:  # noqa: ASYNC110 - watch() appends from its consumer
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
    finally:
        stop.set()
        await task
        await connection.close()
    assert [c.problem is None for c in seen] == [True, False]
    assert "BAD_SIGNATURE" in (seen[1].problem or "")


@pytest.mark.infra
def test_the_command_listens_marks_garbage_and_exits_0_on_ctrl_c(
    ca: CaPair, amqp_url: str, status_exchange: str, tmp_path: Path
) -> None:
    exchange = status_exchange
    anchors = write_pem(tmp_path / "anchors.pem", ca.root.certificate)
    egov = Path(sys.executable).with_name("egov")
    command = [str(egov), "subscribe", "--amqp-url", amqp_url]
    command += ["--trust-anchors", str(anchors), "--exchange", exchange]
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "EGOV_DATA_DIR": str(tmp_path)},
    ) as process:
        try:
            assert process.stderr is not None
            assert process.stdout is not None
            assert "listening on" in process.stderr.readline()
            asyncio.run(_publish(amqp_url, exchange, b"not json"))
            line = process.stdout.readline()
            assert line.startswith("INVALID")
            assert "not an envelope" in line
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=20) == 0
            assert "stopped" in process.stderr.read()
        finally:
            if process.poll() is None:
                process.kill()


def test_the_namespace_is_the_option_else_the_setting_else_the_running_stacks() -> None:
    manifest = {"bus_namespace": "run1.", "amqp_url": "amqp://x/"}
    path = Path("var/stack.json")
    assert find_namespace("run2", "env.", manifest, path) == Namespace("run2.", "--namespace")
    assert find_namespace("run2.", "", None, path).exchange == "run2.egov.status"
    assert find_namespace("", "env.", manifest, path) == Namespace("", "--namespace")
    assert find_namespace(None, "env.", manifest, path) == Namespace("env.", "EGOV_BUS_NAMESPACE")
    assert find_namespace(None, "", manifest, path) == Namespace("run1.", str(path))
    assert find_namespace(None, "", {"bus_namespace": ""}, path).exchange == "egov.status"
    nowhere = find_namespace(None, "", None, path)
    assert (nowhere.exchange, nowhere.describe()) == ("egov.status", "no namespace")
    assert find_namespace(None, "", manifest, path).describe() == f"namespace run1 from {path}"
    with pytest.raises(ValueError, match="--namespace"):
        find_namespace("a.b", "", None, path)


def _subscribe(tmp_path: Path, *args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    egov = Path(sys.executable).with_name("egov")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EGOV_")}
    return subprocess.Popen(
        [str(egov), "subscribe", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**clean, "EGOV_DATA_DIR": str(tmp_path), **env},
    )


@pytest.mark.infra
def test_it_listens_on_the_running_stacks_namespace_and_leaves_no_queue(
    ca: CaPair, amqp_url: str, unique_name: str, status_exchange: str, tmp_path: Path
) -> None:
    """``egov up --namespace NS`` publishes on ``NS.egov.status`` and writes stack.json; with
    neither --namespace, EGOV_BUS_NAMESPACE nor EGOV_AMQP_URL the command finds both the
    namespace and the broker there. Its queue is exclusive (another connection may not even
    look at it) and gone once it exits; the exchange is the gateway's and stays as it was."""
    exchange = status_exchange
    (tmp_path / "keys").mkdir()
    write_pem(tmp_path / "keys" / "trust-anchors.pem", ca.root.certificate)
    manifest = {"namespace": unique_name, "bus_namespace": f"{unique_name}.", "amqp_url": amqp_url}
    (tmp_path / "stack.json").write_text(json.dumps(manifest))
    with _subscribe(tmp_path, "--service", "cultural_values_export", env={}) as process:
        try:
            assert process.stderr is not None
            assert process.stdout is not None
            listening = process.stderr.readline()
            assert f"listening on {exchange} (namespace {unique_name} from " in listening
            assert "stack.json" in listening
            queue = listening.split(" queue ")[1].split()[0]
            assert asyncio.run(_queue_state(amqp_url, queue)) == "exclusive to another connection"
            asyncio.run(_publish(amqp_url, exchange, b"not json"))
            line = process.stdout.readline()
            assert line.startswith("INVALID")
            assert KEY in line
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=20) == 0
        finally:
            if process.poll() is None:
                process.kill()
    assert asyncio.run(_queue_state(amqp_url, queue)) == "gone"
    assert asyncio.run(_exchange_exists(amqp_url, exchange))


@pytest.mark.infra
def test_the_setting_names_the_namespace_and_a_missing_exchange_is_not_created(
    ca: CaPair, amqp_url: str, unique_name: str, tmp_path: Path
) -> None:
    """EGOV_BUS_NAMESPACE of a stack that is not running: the exchange is not there, and the
    command says so and exits 1 instead of declaring a durable exchange nobody will delete."""
    exchange = f"{unique_name}.egov.status"
    anchors = write_pem(tmp_path / "anchors.pem", ca.root.certificate)
    with _subscribe(
        tmp_path,
        "--trust-anchors",
        str(anchors),
        env={"EGOV_AMQP_URL": amqp_url, "EGOV_BUS_NAMESPACE": f"{unique_name}."},
    ) as process:
        try:
            _, err = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 1, err
    assert f"there is no exchange {exchange} on the broker" in err
    assert f"namespace {unique_name} from EGOV_BUS_NAMESPACE" in err
    assert "creates none" in err
    assert not asyncio.run(_exchange_exists(amqp_url, exchange))


async def _declare_exchange(amqp_url: str, exchange: str) -> None:
    """The status exchange as the gateway declares it (durable topic)."""
    async with await aio_pika.connect(amqp_url) as connection:
        channel = await connection.channel()
        await channel.declare_exchange(exchange, aio_pika.ExchangeType.TOPIC, durable=True)


async def _exchange_exists(amqp_url: str, exchange: str) -> bool:
    async with await aio_pika.connect(amqp_url) as connection:
        channel = await connection.channel()
        try:
            await channel.declare_exchange(exchange, passive=True)
        except ChannelNotFoundEntity:
            return False
        return True


async def _queue_state(amqp_url: str, queue: str) -> str:
    """What a passive declare from another connection finds of ``queue``."""
    async with await aio_pika.connect(amqp_url) as connection:
        channel = await connection.channel()
        try:
            await channel.declare_queue(queue, passive=True)
        except ChannelNotFoundEntity:
            return "gone"
        except ChannelLockedResource:
            return "exclusive to another connection"
        return "there"


async def _publish(amqp_url: str, exchange: str, body: bytes) -> None:
    async with await aio_pika.connect(amqp_url) as connection:
        channel = await connection.channel()
        topic = await channel.get_exchange(exchange)
        await topic.publish(aio_pika.Message(body), KEY)


async def _delete_exchange(amqp_url: str, exchange: str) -> None:
    async with await aio_pika.connect(amqp_url) as connection:
        channel = await connection.channel()
        await channel.exchange_delete(exchange)
