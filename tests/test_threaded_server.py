"""The embedded registry's server on its own thread and loop: it answers while the main loop is
blocked, a failed start-up or a taken port is an error, and stop waits for its shutdown hooks."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from egov.threaded_server import ThreadedServer
from shared.runtime import Listener, PortInUse, StartupFailed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def app(events: list[str], *, fail: bool = False) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if fail:
            raise RuntimeError("the store cannot be opened")
        events.append("started")
        yield
        events.append("stopped")

    made = FastAPI(lifespan=lifespan)

    @made.get("/ping")
    async def ping() -> dict[str, str]:
        return {"pong": "yes"}

    return made


def listener(made: FastAPI, port: int) -> Listener:
    return Listener("registry", made, "127.0.0.1", port, "EGOV_REGISTRY_PORT")


async def test_it_answers_a_blocking_call_from_the_main_loop() -> None:
    events: list[str] = []
    server = ThreadedServer(listener(app(events), free_port()), shutdown_timeout_s=2)
    await server.start()
    try:
        # A synchronous client on the running loop, as the provider's revocation check is: on
        # a shared loop this call could never be answered.
        with httpx.Client(timeout=5) as client:
            answer = client.get(f"{server.listener.url}/ping")  # noqa: ASYNC212 - on purpose
        assert answer.json() == {"pong": "yes"}
    finally:
        await server.stop()
    assert events == ["started", "stopped"]


async def test_a_failed_start_up_is_reported() -> None:
    server = ThreadedServer(listener(app([], fail=True), free_port()), shutdown_timeout_s=2)
    with pytest.raises(StartupFailed, match="registry failed to start"):
        await asyncio.wait_for(server.start(), 30)


async def test_a_taken_port_is_named() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        server = ThreadedServer(listener(app([]), port), shutdown_timeout_s=2)
        with pytest.raises(PortInUse, match="EGOV_REGISTRY_PORT"):
            await server.start()
