"""``egov subscribe``: which events it binds to, how it judges each one (signature with the
services' verifier, signer = sender, the status contract, the routing key), a live run on
RabbitMQ, and the command itself starting and stopping on Ctrl-C with status 0."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import aio_pika
import pytest

from egov.commands.subscribe import Checked, binding_key, check, watch
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
    ca: CaPair, amqp_url: str, unique_name: str
) -> None:
    exchange = f"{unique_name}.egov.status"
    seen: list[Checked] = []
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        watch(
            amqp_url,
            binding="cultural_values_export.*",
            verifier=verifier(ca, SystemClock()),
            emit=seen.append,
            stop=stop,
            exchange=exchange,
            on_ready=ready.set,
        )
    )
    connection = await aio_pika.connect(amqp_url)
    channel = await connection.channel()
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
        await channel.exchange_delete(exchange)
        await connection.close()
    assert [c.problem is None for c in seen] == [True, False]
    assert "BAD_SIGNATURE" in (seen[1].problem or "")


@pytest.mark.infra
def test_the_command_listens_marks_garbage_and_exits_0_on_ctrl_c(
    ca: CaPair, amqp_url: str, unique_name: str, tmp_path: Path
) -> None:
    exchange = f"{unique_name}.egov.status"
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
            asyncio.run(_delete_exchange(amqp_url, exchange))


async def _publish(amqp_url: str, exchange: str, body: bytes) -> None:
    async with await aio_pika.connect(amqp_url) as connection:
        channel = await connection.channel()
        topic = await channel.get_exchange(exchange)
        await topic.publish(aio_pika.Message(body), KEY)


async def _delete_exchange(amqp_url: str, exchange: str) -> None:
    async with await aio_pika.connect(amqp_url) as connection:
        channel = await connection.channel()
        await channel.exchange_delete(exchange)
