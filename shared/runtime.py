"""Running service apps: what a bootstrap returns, who opens and closes what, and a server
runner that serves one or several apps from one event loop.

Ownership rule: whoever builds a resource closes it. A service's bootstrap opens and closes the
store and the bus it built itself; a store or bus handed to it (the embedded mode shares one
bus between five services) is left to the caller, so the first service to stop does not close
the bus under the other four.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import importlib.metadata
import math
import signal
import socket
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Request

from shared.authz import document_security
from shared.bus.memory import InMemoryBus
from shared.bus.permissions import own_grants
from shared.bus.port import Bus, QueueSpec
from shared.bus.rabbitmq import RabbitMqBus
from shared.clock import Clock
from shared.config import ServiceSettings, env_var
from shared.eventlog.factory import create_event_store
from shared.eventlog.port import EventStore
from shared.logging import get_logger
from shared.pki.http_signing import SignedCallRefused, SignedCalls
from shared.signing import (
    SignerIdentity,
    VerificationCode,
    VerificationResult,
    Verifier,
    verify_off_loop,
)
from shared.simclock import clock_router
from shared.web import Hook, Pingable, ServiceError, create_service_app


@dataclass(frozen=True)
class Service:
    """A built service, not yet serving: its settings, resources and HTTP app."""

    name: str
    settings: ServiceSettings
    store: EventStore
    bus: Bus
    app: FastAPI

    def listener(self) -> Listener:
        settings = self.settings
        return Listener(
            name=self.name,
            app=self.app,
            host=settings.host,
            port=settings.port,
            port_variable=env_var(type(settings), "port"),
        )


@dataclass(frozen=True)
class Lifecycle:
    """Start-up and shutdown hooks for the resources a service owns."""

    startup: tuple[Hook, ...]
    shutdown: tuple[Hook, ...]


def owned_lifecycle(
    *, store: EventStore | None, bus: Bus | None, store_dir: Path | None = None
) -> Lifecycle:
    """Hooks that open ``store`` then ``bus`` at start-up and close them in reverse order at
    shutdown; None means "not ours", so no hook. ``store_dir`` is created first when given
    (SQLite does not create the directory of its file)."""
    startup: list[Hook] = []
    shutdown: list[Hook] = []
    if store_dir is not None:

        async def make_dir() -> None:
            await asyncio.to_thread(store_dir.mkdir, parents=True, exist_ok=True)

        startup.append(make_dir)
    if store is not None:
        startup.append(store.open)
        shutdown.append(store.close)
    if bus is not None:
        startup.append(bus.connect)
        shutdown.append(bus.close)
    return Lifecycle(tuple(startup), tuple(shutdown))


def sqlite_dir(url: str) -> Path | None:
    """The directory holding a ``sqlite:///path`` event log, or None for other URLs."""
    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None
    if path is None or path == ":memory:":
        return None
    return Path(path).parent


def _bus_from(settings: ServiceSettings) -> Bus:
    if not settings.amqp_url:
        return InMemoryBus()
    namespace = settings.bus_namespace
    # Connected as its own broker user, the service declares only what that user may.
    grants = own_grants(settings.service, namespace, settings.amqp_url)
    if not namespace:
        return RabbitMqBus(settings.amqp_url, connection_name=settings.service, grants=grants)
    return JournaledRabbitMqBus(
        settings.amqp_url,
        namespace=namespace,
        connection_name=f"{namespace}{settings.service}",
        journal=bus_journal(settings.data_dir, settings.service),
        grants=grants,
    )


def bus_journal(data_dir: Path, service: str) -> Path:
    """Where a service under a bus namespace lists the names it declared (one per line)."""
    return data_dir / "bus" / f"{service}.declared"


class JournaledRabbitMqBus(RabbitMqBus):
    """A namespaced bus that appends every queue and exchange it declares to ``journal``, as
    soon as it is declared: a topology started under a namespace (tests, side-by-side stacks)
    can then be deleted afterwards even if its processes were killed (``egov.stack``)."""

    def __init__(self, url: str, *, journal: Path, **options: Any) -> None:
        super().__init__(url, **options)
        self._journal = journal
        self._journaled: set[str] = set()

    async def declare_exchange(self, name: str, *, kind: str = "topic") -> None:
        await super().declare_exchange(name, kind=kind)
        await self._record()

    async def declare_queue(self, spec: QueueSpec) -> None:
        await super().declare_queue(spec)
        await self._record()

    async def _record(self) -> None:
        lines = [
            *(f"exchange {n}" for n in sorted(self._declared_exchanges)),
            *(f"queue {n}" for n in sorted(self._declared_queues)),
        ]
        new = [line for line in lines if line not in self._journaled]
        if new:
            await asyncio.to_thread(_append_lines, self._journal, new)
            self._journaled.update(new)


def _append_lines(path: Path, lines: Sequence[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("".join(f"{line}\n" for line in lines))


def mount_clock_control(
    app: FastAPI,
    settings: ServiceSettings,
    clock: Clock,
    *,
    signed_calls: SignedCalls | None = None,
) -> None:
    """Serve ``/simulation/clock`` for ``clock`` (the service's business clock) when
    ``EGOV_SIMULATION_CONTROL`` is on; otherwise the route does not exist. A move is the
    simulation operator's signed call, checked with ``signed_calls`` (see
    :func:`clock_signed_calls`); without it nobody moves a simulated clock."""
    if settings.simulation_control:
        identify = None if signed_calls is None else _signed_caller(signed_calls)
        app.include_router(clock_router(clock, service=settings.service, identify=identify))


def clock_signed_calls(
    verifier: Callable[[], Verifier | None], store: EventStore, settings: ServiceSettings
) -> SignedCalls:
    """The signed-call check of the clock's ``PUT``: the service's own verifier (read when a
    call comes: some services make theirs at start-up) and its store for the nonces."""

    async def verify(payload: bytes, signature: str) -> VerificationResult:
        current = verifier()
        if current is None:
            return VerificationResult(
                VerificationCode.UNTRUSTED_CHAIN, detail="the service trusts no CA yet"
            )
        return await verify_off_loop(current, payload, signature)

    return SignedCalls(verify, store, window_s=settings.signed_call_window_s)


def _signed_caller(signed_calls: SignedCalls) -> Callable[[Request], Awaitable[SignerIdentity]]:
    async def identify(request: Request) -> SignerIdentity:
        try:
            return await signed_calls.check_request(request)
        except SignedCallRefused as refused:
            raise ServiceError(refused.detail, code=refused.code, status=401) from None

    return identify


@dataclass(frozen=True)
class Resources:
    """The store and bus a service runs on, and the hooks for the ones it built itself."""

    store: EventStore
    bus: Bus
    lifecycle: Lifecycle


def service_resources(
    settings: ServiceSettings,
    *,
    store: EventStore | None,
    bus: Bus | None,
    clock: Clock,
) -> Resources:
    """Use the ``store`` and ``bus`` handed in (the caller's), or build them from ``settings``
    (ours: opened at start-up, closed at shutdown). Without a broker URL the bus is in-memory,
    enough to run one service alone."""
    url = settings.resolved_event_store_url()
    owned_store: EventStore | None = None
    if store is None:
        store = owned_store = create_event_store(
            url,
            clock=clock,
            pool=(min(settings.pg_pool_min, settings.pg_pool_max), settings.pg_pool_max),
        )
    owned_bus: Bus | None = None
    if bus is None:
        bus = owned_bus = _bus_from(settings)
    lifecycle = owned_lifecycle(
        store=owned_store,
        bus=owned_bus,
        store_dir=sqlite_dir(url) if owned_store is not None else None,
    )
    return Resources(store=store, bus=bus, lifecycle=lifecycle)


def service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    store: Pingable,
    bus: Pingable,
    startup: Sequence[Hook] = (),
    shutdown: Sequence[Hook] = (),
) -> FastAPI:
    """A service's HTTP edge (:func:`shared.web.create_service_app`) with what its settings and
    the installed package already say: its name, health-check timeout and version."""
    app = create_service_app(
        settings.service,
        store=store,
        bus=bus,
        version=package_version(),
        title=title,
        description=description,
        startup=startup,
        shutdown=shutdown,
        health_timeout_s=settings.health_timeout_s,
        max_body_bytes=settings.max_body_bytes,
    )
    # The pages tell the browser's script where the person's signer is (shared.pages.render).
    app.state.signer_url = settings.signer_url
    # Every operation's security scheme and who may call it, from shared.authz.ROUTES.
    document_security(app, settings.service)
    return app


# --- serving ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listener:
    name: str
    app: Any  # an ASGI application
    host: str
    port: int
    port_variable: str  # the setting that changes ``port``, named in errors

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


class PortInUse(RuntimeError):
    def __init__(self, listener: Listener) -> None:
        super().__init__(
            f"port {listener.port} on {listener.host} ({listener.name}) is already in use; "
            f"stop what holds it or choose another port with {listener.port_variable}"
        )
        self.listener = listener


class StartupFailed(RuntimeError):
    """A server could not start (its app's start-up hooks failed); the log says why."""


class _Server(uvicorn.Server):
    # Several servers share the process: signals are handled once, by :func:`serve`, which
    # stops them all. uvicorn's own handling would leave only the last server listening to
    # them and re-raise the signal after shutdown (an exit status that is not 0).
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind(listeners: Sequence[Listener]) -> list[socket.socket]:
    """Bind every listener's port before anything starts, so a taken port is an error that
    names it, not a half-started topology."""
    sockets: list[socket.socket] = []
    try:
        for listener in listeners:
            family = socket.AF_INET6 if ":" in listener.host else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            # As uvicorn does: a restart may rebind while old connections sit in TIME_WAIT.
            # On Linux this still refuses a port another socket listens on.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((listener.host, listener.port))
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise PortInUse(listener) from None
                raise OSError(
                    exc.errno,
                    f"cannot listen on {listener.host}:{listener.port} "
                    f"({listener.name}, {listener.port_variable}): {exc.strerror}",
                ) from None
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


async def serve(
    listeners: Sequence[Listener],
    *,
    shutdown_timeout_s: float,
    on_ready: Callable[[], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve every listener on the running loop until SIGINT or SIGTERM (or until ``stop`` is
    set, for callers that embed the topology), then stop them all gracefully: in-flight
    requests get ``shutdown_timeout_s`` to finish, then each app's shutdown hooks run. A second
    signal skips the wait. Raises :class:`PortInUse` before starting anything, and
    :class:`StartupFailed` (after stopping the others) when one app fails to start."""
    log = get_logger("shared.runtime")
    sockets = bind(listeners)
    servers = [
        _Server(
            uvicorn.Config(
                listener.app,
                host=listener.host,
                port=listener.port,
                lifespan="on",
                log_config=None,  # the process's JSON logging stays in charge
                access_log=False,  # the edge middleware logs each request with its correlation id
                timeout_graceful_shutdown=math.ceil(shutdown_timeout_s),  # uvicorn takes whole s
            )
        )
        for listener in listeners
    ]
    loop = asyncio.get_running_loop()
    stopping = stop if stop is not None else asyncio.Event()

    def on_signal(signum: int) -> None:
        name = signal.Signals(signum).name
        if stopping.is_set():
            log.warning("runtime.forced_stop", signal=name)
            for server in servers:
                server.force_exit = True
        else:
            log.info("runtime.stopping", signal=name)
        stopping.set()

    handled = (signal.SIGINT, signal.SIGTERM)
    for signum in handled:
        loop.add_signal_handler(signum, on_signal, signum)
    tasks = [
        asyncio.create_task(_serve_one(server, sock, listener.name), name=listener.name)
        for server, sock, listener in zip(servers, sockets, listeners, strict=True)
    ]
    stop_requested = asyncio.create_task(stopping.wait())
    try:
        await _wait_started(servers, [*tasks, stop_requested])
        if all(server.started for server in servers) and on_ready is not None:
            on_ready()
        # Also stop when one server ends on its own (it crashed): a partial topology would
        # look healthy from outside while messages pile up.
        await asyncio.wait([*tasks, stop_requested], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for server in servers:
            server.should_exit = True
        results = await asyncio.gather(*tasks, return_exceptions=True)
        stop_requested.cancel()
        for signum in handled:
            loop.remove_signal_handler(signum)
        for sock in sockets:
            sock.close()
    failures = [r for r in results if isinstance(r, BaseException)]
    if failures:
        raise failures[0]


async def _serve_one(server: _Server, sock: socket.socket, name: str) -> None:
    try:
        await server.serve(sockets=[sock])
    except SystemExit:
        # uvicorn exits the process when an app's start-up fails; here that would kill the
        # other servers without their shutdown, so turn it into an ordinary error.
        raise StartupFailed(f"{name} failed to start; see the log above") from None


async def _wait_started(servers: Sequence[_Server], tasks: Sequence[asyncio.Task[Any]]) -> None:
    # uvicorn exposes no start-up event, only the ``started`` flag: poll it, and stop waiting
    # as soon as a server has ended (failed) or a stop was requested.
    while not all(server.started for server in servers):
        if any(task.done() for task in tasks):
            return
        await asyncio.sleep(0.05)


def package_version() -> str:
    """The installed version of the project (shown in OpenAPI and the ``egov_service`` metric)."""
    try:
        return importlib.metadata.version("egov-sim")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"  # running from a source tree that was never installed
