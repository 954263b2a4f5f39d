"""shared.runtime: binding ports up front and stopping every server when one cannot start."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from shared.runtime import Listener, PortInUse, StartupFailed, bind, serve, sqlite_dir
from shared.web import create_service_app
from tests.services.fakes import FakeResource


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listener(name: str, port: int, app: object = None) -> Listener:
    return Listener(name, app, "127.0.0.1", port, f"EGOV_{name.upper()}_PORT")


def test_a_taken_port_is_refused_naming_the_port_and_its_variable() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        free = free_port()
        with pytest.raises(PortInUse) as caught:
            bind([listener("portal", free), listener("gateway", taken)])
    message = str(caught.value)
    assert f"port {taken}" in message
    assert "EGOV_GATEWAY_PORT" in message
    # Nothing stays bound when one port fails: the free one can be taken again at once.
    with socket.socket() as again:
        again.bind(("127.0.0.1", free))


async def test_one_app_failing_to_start_stops_the_others() -> None:
    journal: list[str] = []
    healthy_store = FakeResource("healthy", journal)

    opened = asyncio.Event()

    async def announce() -> None:
        opened.set()

    async def refuse() -> None:
        await opened.wait()  # fail only once the other app is up, so it has to be stopped
        raise RuntimeError("database schema is newer than this code")

    healthy = create_service_app(
        "portal",
        store=healthy_store,
        bus=FakeResource("bus"),
        version="0",
        title="t",
        description="d",
        startup=[healthy_store.open, announce],
        shutdown=[healthy_store.close],
    )
    broken = create_service_app(
        "gateway",
        store=FakeResource("s"),
        bus=FakeResource("b"),
        version="0",
        title="t",
        description="d",
        startup=[refuse],
    )
    ready: list[bool] = []
    with pytest.raises(StartupFailed, match="gateway failed to start"):
        await serve(
            [listener("portal", free_port(), healthy), listener("gateway", free_port(), broken)],
            shutdown_timeout_s=1,
            on_ready=lambda: ready.append(True),
        )
    assert ready == []  # never announced as up
    assert journal == ["open healthy", "close healthy"]


async def test_stopping_lets_an_in_flight_request_finish_before_shutdown_hooks() -> None:
    journal: list[str] = []
    store = FakeResource("store", journal)
    app = create_service_app(
        "portal",
        store=store,
        bus=FakeResource("bus"),
        version="0",
        title="t",
        description="d",
        shutdown=[store.close],
    )
    entered, release = asyncio.Event(), asyncio.Event()

    @app.get("/slow")
    async def slow() -> dict[str, str]:
        entered.set()
        await release.wait()
        journal.append("request done")
        return {"answer": "late but whole"}

    port = free_port()
    ready, stop = asyncio.Event(), asyncio.Event()
    server = asyncio.create_task(
        serve([listener("portal", port, app)], shutdown_timeout_s=10, on_ready=ready.set, stop=stop)
    )
    await ready.wait()
    async with httpx.AsyncClient() as client:
        request = asyncio.create_task(client.get(f"http://127.0.0.1:{port}/slow"))
        await entered.wait()
        stop.set()
        await asyncio.sleep(0.2)  # let the shutdown begin while the request is still running
        assert not server.done()
        release.set()
        response = await request
    await server
    assert response.status_code == 200
    assert response.json() == {"answer": "late but whole"}
    assert journal == ["request done", "close store"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///var/portal.sqlite3", "var"),
        ("sqlite:////tmp/x/portal.sqlite3", "/tmp/x"),
        ("sqlite:///:memory:", None),
        ("postgresql://db/egov?schema=portal", None),
    ],
)
def test_sqlite_dir(url: str, expected: str | None) -> None:
    found = sqlite_dir(url)
    assert (str(found) if found is not None else None) == expected
