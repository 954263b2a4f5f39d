"""The signer's WebSocket server: NCALayer's address (``wss://127.0.0.1:13579`` by default),
one :class:`~egov.signer.protocol.Protocol` for every connection.

On each connection the server speaks first (``{"result": {"version": ...}}``, which the client
waits for before anything else), then answers each request with exactly one reply, in order.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from egov.signer.protocol import Protocol, Reply
from shared.logging import get_logger

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 13579  # NCALayer's
# A page sends documents base64-encoded in one frame: 2 MB is ordinary, a 1 MiB limit (the
# library's default) closes the socket on it.
MAX_MESSAGE = 32 * 1024 * 1024
CLOSE_TIMEOUT_S = 2.0

_log = get_logger("egov.signer")


@dataclass(frozen=True)
class Listen:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    tls: ssl.SSLContext | None = None  # None: plain ws:// (tests)
    origins: Sequence[str] = ()  # empty: any page, as NCALayer

    @property
    def url(self) -> str:
        scheme = "ws" if self.tls is None else "wss"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"


async def _unless_closed(
    websocket: ServerConnection, answering: Coroutine[Any, Any, Reply]
) -> Reply | None:
    """The reply, or None once the connection is closed first (the page went away, or the
    signer is stopping): the request is then abandoned, not left waiting for a prompt."""
    answer = asyncio.ensure_future(answering)
    closed = asyncio.ensure_future(websocket.wait_closed())
    try:
        await asyncio.wait({answer, closed}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        closed.cancel()
        if not answer.done():
            answer.cancel()
    return answer.result() if answer.done() and not answer.cancelled() else None


async def run_server(
    listen: Listen,
    protocol: Protocol,
    version: str,
    *,
    ready: Callable[[str], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve until ``stop`` is set (forever without one). ``ready`` gets the URL once the
    socket listens."""
    greeting = json.dumps({"result": {"version": version}})

    async def connection(websocket: ServerConnection) -> None:
        origin = websocket.request.headers.get("Origin") if websocket.request else None
        _log.info("signer.connected", origin=origin)
        try:
            await websocket.send(greeting)
            async for message in websocket:
                text = message if isinstance(message, str) else message.decode("utf-8", "replace")
                reply = await _unless_closed(websocket, protocol.answer(text, origin))
                if reply is None:
                    break
                await websocket.send(json.dumps(reply, ensure_ascii=False))
        except ConnectionClosed:
            pass
        _log.info("signer.disconnected", origin=origin)

    async with serve(
        connection,
        listen.host,
        listen.port,
        ssl=listen.tls,
        max_size=MAX_MESSAGE,
        origins=[Origin(o) for o in listen.origins] or None,
        # On Ctrl-C a page that does not answer the closing handshake (its tab is frozen, a
        # request waits at the prompt) holds the signer this long at most, not 10 s.
        close_timeout=CLOSE_TIMEOUT_S,
    ) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        url = Listen(listen.host, port, listen.tls).url
        _log.info("signer.listening", url=url)
        if ready is not None:
            ready(url)
        await (stop or asyncio.Event()).wait()
