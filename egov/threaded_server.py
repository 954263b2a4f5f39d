"""One HTTP server on its own thread and event loop, inside the embedded process.

Why: the provider and elicense check revocation with a synchronous HTTP client called on their
event loop (``shared.pki.revocation_client.HttpRevocationSource`` over ``httpx.Client``). When
the НУЦ's OCSP responder (registry_svc) shares that loop, the call can never be answered: the
loop that would answer is the one waiting, and every check ends as REVOCATION_UNKNOWN after the
client's timeout. Serving registry_svc from its own loop keeps it answering whatever the other
services block on, as the real НУЦ does from its own machines.
"""

from __future__ import annotations

import asyncio
import math
import socket
import threading

import uvicorn

from shared.logging import get_logger
from shared.runtime import Listener, StartupFailed, bind

_POLL_S = 0.05


class ThreadedServer:
    """Serve ``listener`` on a thread; :meth:`start` returns once it accepts connections."""

    def __init__(self, listener: Listener, *, shutdown_timeout_s: float) -> None:
        self.listener = listener
        self._server = uvicorn.Server(
            uvicorn.Config(
                listener.app,
                host=listener.host,
                port=listener.port,
                lifespan="on",
                log_config=None,  # the process's JSON logging stays in charge
                access_log=False,  # the edge middleware logs each request
                timeout_graceful_shutdown=math.ceil(shutdown_timeout_s),
            )
        )
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    def _run(self, sockets: list[socket.socket]) -> None:
        try:
            # uvicorn installs no signal handlers off the main thread: stopping is ours.
            asyncio.run(self._server.serve(sockets=sockets))
        except SystemExit:
            # uvicorn exits when the app's start-up fails; here that would only end the thread.
            self._failure = StartupFailed(f"{self.listener.name} failed to start; see the log")
        except BaseException as exc:
            self._failure = exc
        finally:
            for sock in sockets:
                sock.close()

    async def start(self) -> None:
        """Bind (a taken port raises :class:`shared.runtime.PortInUse`), then serve; raises
        :class:`StartupFailed` when the app's start-up fails."""
        sockets = bind([self.listener])
        self._thread = threading.Thread(
            target=self._run, args=(sockets,), name=f"egov-{self.listener.name}", daemon=True
        )
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise self._failure or StartupFailed(f"{self.listener.name} stopped at start-up")
            await asyncio.sleep(_POLL_S)
        get_logger("egov.embedded").info("embedded.own_loop", service=self.listener.name)

    async def stop(self) -> None:
        """Graceful stop (in-flight requests finish, shutdown hooks run); waits for the thread."""
        thread = self._thread
        if thread is None:
            return
        self._server.should_exit = True
        await asyncio.to_thread(thread.join)
        self._thread = None
        if self._failure is not None:
            raise self._failure
