"""The cabinet's live stream (GET /cabinet/stream, Server-Sent Events) read as a browser reads
it, chunk by chunk while the response is open: a status is pushed when it is committed (no
polling), a ``: keep-alive`` comment fills the silences, every event has an ``id:``, and a
reconnect with ``Last-Event-ID`` gets exactly what it missed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from portal_svc.app import create_app
from portal_svc.entrypoints.api import build_router
from portal_svc.settings import PortalSettings
from tests.portal.conftest import World
from tests.portal.test_cabinet import PROVIDER, _submitted

STATUS = "status.changed.v1"
# Long enough that a stream which only looked on its heartbeat would fail the test's timeout.
NO_HEARTBEAT_S = 3600.0
WAIT_S = 5.0


class Stream:
    """One open SSE response: its chunks as the app sends them."""

    def __init__(self) -> None:
        self.chunks: asyncio.Queue[bytes] = asyncio.Queue()
        self.start: asyncio.Future[MutableMapping[str, Any]] = (
            asyncio.get_running_loop().create_future()
        )

    async def next(self) -> bytes:
        return await asyncio.wait_for(self.chunks.get(), WAIT_S)

    async def event(self) -> dict[str, Any]:
        """The next event (keep-alive comments skipped): its fields, the data decoded."""
        while True:
            chunk = (await self.next()).decode()
            if chunk.startswith(":"):
                continue
            fields = dict(line.split(": ", 1) for line in chunk.strip().splitlines())
            return {"id": int(fields["id"]), "event": fields["event"], **json.loads(fields["data"])}


@asynccontextmanager
async def opened(
    world: World, headers: dict[str, str], *, heartbeat_s: float, last_event_id: int | None = None
) -> AsyncIterator[Stream]:
    """Call the ASGI app directly, so each chunk is seen as it is sent (httpx's ASGI transport
    returns a response only once it has ended); leaving the block disconnects."""
    router = build_router(world.portal.service, world.portal.cabinet, heartbeat_s=heartbeat_s)
    app = create_app(PortalSettings(), store=world.store, bus=world.bus, router=router)
    sent = {**headers, **({} if last_event_id is None else {"Last-Event-ID": str(last_event_id)})}
    scope = {
        "type": "http",
        # 2.3: the response listens for http.disconnect, as behind a server that reports it.
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/cabinet/stream",
        "raw_path": b"/cabinet/stream",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"portal")]
        + [(k.lower().encode(), v.encode()) for k, v in sent.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("portal", 80),
    }
    stream = Stream()
    requested = False
    gone = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            stream.start.set_result(message)
        elif message["type"] == "http.response.body" and message.get("body"):
            await stream.chunks.put(message["body"])

    task = asyncio.create_task(app(scope, receive, send))
    try:
        start = await asyncio.wait_for(stream.start, WAIT_S)
        assert start["status"] == 200
        assert (b"content-type", b"text/event-stream; charset=utf-8") in start["headers"]
        yield stream
    finally:
        gone.set()
        await asyncio.wait_for(task, WAIT_S)


async def test_a_status_is_pushed_when_it_is_committed(world: World) -> None:
    request_id, headers = await _submitted(world, 46)
    other_id, _ = await _submitted(world, 47)
    async with opened(world, headers, heartbeat_s=NO_HEARTBEAT_S) as stream:
        await world.deliver(PROVIDER, other_id, STATUS, {"status": "registered"})
        await world.deliver(
            PROVIDER, request_id, STATUS, {"status": "registered", "step": "register"}
        )
        # Woken by the commit: with an hour between heartbeats, a poll would never come.
        change = await stream.event()
    assert (change["request_id"], change["status"], change["step"]) == (
        request_id,
        "registered",
        "register",
    )
    assert (change["event"], change["current"]) == ("status", "registered")
    assert change["id"] == change["position"]


async def test_a_quiet_stream_sends_keep_alive_comments(world: World) -> None:
    _, headers = await _submitted(world, 50)
    async with opened(world, headers, heartbeat_s=0.05) as stream:
        assert await stream.next() == b": keep-alive\n\n"
        assert await stream.next() == b": keep-alive\n\n"


async def test_a_reconnect_with_last_event_id_gets_exactly_what_it_missed(world: World) -> None:
    request_id, headers = await _submitted(world, 51)
    async with opened(world, headers, heartbeat_s=NO_HEARTBEAT_S) as stream:
        await world.deliver(PROVIDER, request_id, STATUS, {"status": "registered"})
        seen = await stream.event()
    # Disconnected: two statuses happen meanwhile.
    for status in ("in_progress", "result_forming"):
        await world.deliver(PROVIDER, request_id, STATUS, {"status": status})
    async with opened(world, headers, heartbeat_s=0.05, last_event_id=seen["id"]) as stream:
        missed = [await stream.event(), await stream.event()]
        # Nothing else was owed: the next thing on the line is the heartbeat.
        assert await stream.next() == b": keep-alive\n\n"
    assert [m["status"] for m in missed] == ["in_progress", "result_forming"]
    assert seen["id"] < missed[0]["id"] < missed[1]["id"]
    assert missed[1]["current"] == "result_forming"
