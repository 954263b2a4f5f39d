"""The topology as separate processes: each service its own ``egov serve SERVICE`` process on
a real PostgreSQL and RabbitMQ, as ``deploy/compose.yaml`` runs it, without Docker.

``egov up`` is this module on the command line; the end-to-end and fault tests, the scenario
runner (``--target up``), the load generator and the benchmarks import it::

    options = StackOptions(data_dir, pg_dsn=..., amqp_url=..., namespace="t1")
    async with running_stack(options) as stack:
        stack.urls["portal"]          # "http://127.0.0.1:PORT"
        await stack.kill("provider")  # SIGKILL: a crash, no clean-up
        await stack.start_service("provider")

Start-up: check that both servers answer, run ``egov provision`` (keys, the gateway's rules on
this stack's ports, ``<data dir>/env/<service>.env``), spawn the five processes with those
variables and wait until every ``/health`` answers 200. A process that exits or never turns
healthy fails the start with the last lines of its log.

A ``namespace`` isolates everything the stack creates on the shared servers: each service's
event log is the PostgreSQL schema ``<namespace>_<service>`` (one schema per service, nothing
else reads it), and every RabbitMQ name starts with ``<namespace>.`` (``EGOV_BUS_NAMESPACE``).
:func:`drop_namespace` deletes them all afterwards (the services journal what they declare, so
this works after ``kill -9`` too). Without a namespace the schemas are the service names and the
bus names are unprefixed, as in production; such a stack is never dropped.

With ``amqp_admin`` (RabbitMQ's management API, egov.broker) each service connects to the broker
as its own user, ``<namespace>.<service>``, with only the rights docs/security.md lists; the
users are made by ``egov provision`` and deleted with the namespace. Without it every service
connects as ``amqp_url``'s user.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import aio_pika
import asyncpg
import httpx
from aiormq.exceptions import AMQPError

from egov.broker import ADMIN_OFF, PROVISION_JOURNAL, BrokerError, delete_users
from egov.client.keys import SIMULATION_OPERATOR_KEY, KeyMaterialError, operator_signer
from egov.provisioning import env_file, read_env_file
from shared.bus.permissions import broker_user
from shared.logging import redact
from shared.pki.http_signing import sign_request
from shared.private_files import write_private
from shared.runtime import bus_journal

SERVICES = ("registry", "gateway", "elicense", "provider", "portal")  # start order
# The services whose business runs on the simulated clock (PUT /simulation/clock moves it).
CLOCK_PATH = "/simulation/clock"
CLOCKED = ("elicense", "provider", "portal")
# Monday 4 November 2019: A (almaty-2018), C and D are in force, a working day in Almaty
# (the same default as egov run's EGOV_SIMULATED_DATE).
DEFAULT_SIMULATED_DATE = date(2019, 11, 4)
MANIFEST = "stack.json"
CLOCK_FILE = "simclock.json"
LOG_TAIL_LINES = 30
_NAMESPACE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_POLL_S = 0.2
_CHECK_TIMEOUT_S = 5.0
_PROVISION_TIMEOUT_S = 180.0
_DROP_TIMEOUT_S = 60.0


class StackError(RuntimeError):
    """The stack cannot start or a service failed; the message says which and why (with the
    last lines of the service's log when it has one)."""


@dataclass(frozen=True)
class StackOptions:
    data_dir: Path
    pg_dsn: str  # server DSN; each service gets its OWN schema in that database
    amqp_url: str
    namespace: str = ""  # isolates schemas and bus names (tests run side by side)
    simulated_date: date | None = DEFAULT_SIMULATED_DATE  # None = the real date
    ports: Mapping[str, int] | None = None  # None = free ports chosen at start
    env: Mapping[str, str] = field(default_factory=dict)  # extra EGOV_* for every service
    log_dir: Path | None = None  # None = <data dir>/logs; one <service>.log each
    host: str = "127.0.0.1"
    # RabbitMQ's management API (http://admin:password@host:15672/): one broker user per
    # service, made through it. None = every service connects as amqp_url's user.
    amqp_admin: str | None = None

    def __post_init__(self) -> None:
        if self.namespace and not _NAMESPACE.match(self.namespace):
            raise ValueError(
                f"namespace {self.namespace!r}: lower-case letters, digits and _, starting with "
                "a letter, at most 40 (it names PostgreSQL schemas and RabbitMQ names)"
            )
        if self.ports is not None:
            missing = sorted(set(SERVICES) - set(self.ports))
            if missing:
                raise ValueError(f"ports: no port for {', '.join(missing)}")
        foreign = sorted(k for k in self.env if not k.startswith("EGOV_"))
        if foreign:
            raise ValueError(f"env: only EGOV_* variables, got {', '.join(foreign)}")

    @property
    def logs(self) -> Path:
        return self.log_dir if self.log_dir is not None else self.data_dir / "logs"

    @property
    def bus_namespace(self) -> str:
        return f"{self.namespace}." if self.namespace else ""

    def schema(self, service: str) -> str:
        return f"{self.namespace}_{service}" if self.namespace else service

    def event_store_url(self, service: str) -> str:
        separator = "&" if "?" in self.pg_dsn else "?"
        return f"{self.pg_dsn}{separator}schema={self.schema(service)}"


def egov_command() -> list[str]:
    """How to run the ``egov`` CLI of this interpreter: its script, else through Python."""
    script = Path(sys.executable).parent / "egov"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from egov.cli import main; main()"]


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((host, 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _base_env() -> dict[str, str]:
    # The stack decides every EGOV_* variable itself: one inherited from the caller (a
    # developer's EGOV_PORTAL_PORT, CI's EGOV_PG_DSN) must not leak into a service.
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOV_")}
    env["PYTHONUNBUFFERED"] = "1"  # the ready line and logs reach the log file at once
    return env


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


async def check_servers(pg_dsn: str, amqp_url: str) -> None:
    """Raise :class:`StackError` naming the server (password masked) that does not answer."""
    try:
        async with asyncio.timeout(_CHECK_TIMEOUT_S):
            conn = await asyncpg.connect(pg_dsn)
            await conn.close()
    except (TimeoutError, OSError, asyncpg.PostgresError, ValueError) as exc:
        raise StackError(f"PostgreSQL at {redact(pg_dsn)} does not answer: {_why(exc)}") from None
    try:
        async with asyncio.timeout(_CHECK_TIMEOUT_S):
            connection = await aio_pika.connect(amqp_url)
            await connection.close()
    except (TimeoutError, OSError, AMQPError, ValueError) as exc:
        raise StackError(f"RabbitMQ at {redact(amqp_url)} does not answer: {_why(exc)}") from None


def _why(exc: BaseException) -> str:
    return str(redact(str(exc))) or type(exc).__name__


@dataclass
class _Process:
    service: str
    process: asyncio.subprocess.Process
    log: IO[bytes]

    @property
    def running(self) -> bool:
        return self.process.returncode is None


class Stack:
    """Five ``egov serve`` processes; see the module's docstring."""

    def __init__(self, options: StackOptions) -> None:
        self.options = options
        chosen = options.ports or dict(
            zip(SERVICES, free_ports(len(SERVICES), options.host), strict=True)
        )
        self.ports: dict[str, int] = {s: int(chosen[s]) for s in SERVICES}
        self.urls: Mapping[str, str] = {
            s: f"http://{options.host}:{port}" for s, port in self.ports.items()
        }
        self._processes: dict[str, _Process] = {}
        self._envs: dict[str, dict[str, str]] = {}
        self.started_at: datetime | None = None

    # --- what the stack is -------------------------------------------------------------------

    def pid(self, service: str) -> int | None:
        entry = self._processes.get(self._known(service))
        return entry.process.pid if entry is not None and entry.running else None

    def event_store_url(self, service: str) -> str:
        return self.options.event_store_url(self._known(service))

    @property
    def clock_file(self) -> Path:
        """The services' shared record of the simulated time (EGOV_SIMULATION_CLOCK_FILE)."""
        return self.options.data_dir / CLOCK_FILE

    def log_file(self, service: str) -> Path:
        return self.options.logs / f"{self._known(service)}.log"

    def service_env(self, service: str) -> dict[str, str]:
        """The whole environment ``egov serve SERVICE`` runs with (after :meth:`provision`)."""
        variables = self._envs.get(self._known(service))
        if variables is None:
            raise StackError("the stack is not provisioned yet: call provision() or start()")
        return _base_env() | variables | dict(self.options.env)

    def cli_env(self) -> dict[str, str]:
        """An environment for running ``egov`` commands (``pki issue``, ``provider staff``,
        ``audit verify``...) against this stack's logs and data directory."""
        merged = _base_env() | self._provision_env()
        for service in SERVICES:
            if service in self._envs:
                merged |= self._envs[service]
        # The tools connect as the stack's operator, not as the last service's broker user.
        merged["EGOV_AMQP_URL"] = self.options.amqp_url
        return merged | dict(self.options.env)

    def manifest(self) -> dict[str, Any]:
        o = self.options
        return {
            "namespace": o.namespace,
            "data_dir": str(o.data_dir.resolve()),
            "log_dir": str(o.logs.resolve()),
            "simulated_date": o.simulated_date.isoformat() if o.simulated_date else None,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "pg_dsn": o.pg_dsn,
            "amqp_url": o.amqp_url,
            "bus_namespace": o.bus_namespace,
            # Each service's own broker user, or null: all connect as amqp_url's user.
            "broker_users": (
                {s: broker_user(s, o.bus_namespace) for s in SERVICES} if o.amqp_admin else None
            ),
            "services": {
                s: {
                    "url": self.urls[s],
                    "pid": self.pid(s),
                    "event_store_url": self.event_store_url(s),
                    "env_file": str(env_file(o.data_dir, s).resolve()),
                    "log": str(self.log_file(s).resolve()),
                }
                for s in SERVICES
            },
            "urls": dict(self.urls),
            "pids": {s: self.pid(s) for s in SERVICES},
        }

    # --- start and stop ----------------------------------------------------------------------

    def _provision_env(self) -> dict[str, str]:
        o = self.options
        env = {
            "EGOV_DATA_DIR": str(o.data_dir.resolve()),
            "EGOV_HOST": o.host,
            "EGOV_AMQP_URL": o.amqp_url,
            # egov provision makes the services' broker users through it, or none at all.
            "EGOV_AMQP_ADMIN": o.amqp_admin or ADMIN_OFF,
            "EGOV_SIMULATION_CONTROL": "true",
            "EGOV_SIMULATION_CLOCK_FILE": str(self.clock_file.resolve()),
            "EGOV_SIMULATED_DATE": o.simulated_date.isoformat() if o.simulated_date else "today",
        }
        if o.bus_namespace:
            env["EGOV_BUS_NAMESPACE"] = o.bus_namespace
        for service in SERVICES:
            prefix = f"EGOV_{service.upper()}_"
            env[f"{prefix}PORT"] = str(self.ports[service])
            env[f"{prefix}EVENT_STORE_URL"] = o.event_store_url(service)
        return env | dict(o.env)

    async def provision(self) -> None:
        """``egov provision`` for this stack (keys, rules, env files); idempotent. Called by
        :meth:`start`; call it first to run ``egov`` commands before the services start."""
        await check_servers(self.options.pg_dsn, self.options.amqp_url)
        self.options.data_dir.mkdir(parents=True, exist_ok=True)
        self.options.logs.mkdir(parents=True, exist_ok=True)
        log_path = self.options.logs / "provision.log"
        with log_path.open("ab") as log:
            process = await asyncio.create_subprocess_exec(
                *egov_command(),
                "provision",
                env=_base_env() | self._provision_env(),
                stdout=log,
                stderr=log,
            )
            try:
                code = await asyncio.wait_for(process.wait(), _PROVISION_TIMEOUT_S)
            except TimeoutError:
                process.kill()
                await process.wait()
                raise StackError(
                    f"egov provision did not finish within {_PROVISION_TIMEOUT_S:g} s:\n"
                    f"{_tail(log_path)}"
                ) from None
        if code != 0:
            raise StackError(f"egov provision exited with {code}:\n{_tail(log_path)}")
        for service in SERVICES:
            self._envs[service] = read_env_file(env_file(self.options.data_dir, service))

    async def start(self, timeout_s: float = 60) -> None:
        """Provision (unless :meth:`provision` ran already), spawn every service and wait
        until all are healthy; on failure the processes started are stopped again and
        :class:`StackError` says why."""
        if not self._envs:  # provision() already run by the caller is not repeated
            await self.provision()
        # Each start of the stack begins the simulated day again (as egov run does); a service
        # restarted later reads the day, and every move since, from this file.
        self.clock_file.unlink(missing_ok=True)
        self.started_at = datetime.now(UTC)
        try:
            for service in SERVICES:
                await self._spawn(service)
            await self.wait_healthy(timeout_s=timeout_s)
        except BaseException:
            await self.stop()
            raise

    async def start_service(self, service: str, timeout_s: float = 60) -> None:
        """(Re)spawn one service (stopped or killed) and wait until it is healthy."""
        service = self._known(service)
        entry = self._processes.get(service)
        if entry is not None and entry.running:
            raise StackError(f"{service} is already running (pid {entry.process.pid})")
        await self._spawn(service)
        await self.wait_healthy([service], timeout_s=timeout_s)

    async def kill(self, service: str) -> None:
        """SIGKILL the service (a crash: no shutdown hooks run) and reap it."""
        entry = self._processes.get(self._known(service))
        if entry is None or not entry.running:
            raise StackError(f"{service} is not running")
        _signal_group(entry, signal.SIGKILL)
        await entry.process.wait()
        entry.log.close()

    async def stop_service(self, service: str, timeout_s: float = 20) -> int | None:
        """SIGTERM one service, SIGKILL it after ``timeout_s``; returns its exit status."""
        entry = self._processes.get(self._known(service))
        if entry is None:
            return None
        await self._terminate([entry], timeout_s)
        return entry.process.returncode

    async def restart(self, service: str, *, kill: bool = False, timeout_s: float = 60) -> None:
        """Stop the service (SIGTERM, or SIGKILL with ``kill``) and start it again."""
        if kill:
            await self.kill(service)
        else:
            await self.stop_service(service)
        await self.start_service(service, timeout_s=timeout_s)

    async def stop(self, timeout_s: float = 20) -> dict[str, int | None]:
        """SIGTERM every service, wait up to ``timeout_s``, SIGKILL the laggards; no child
        process is left. Returns each service's exit status (0 = stopped cleanly)."""
        await self._terminate(list(self._processes.values()), timeout_s)
        return {s: e.process.returncode for s, e in self._processes.items()}

    async def wait_healthy(
        self, services: Iterable[str] | None = None, timeout_s: float = 60
    ) -> None:
        """Wait until every service's ``/health`` answers 200; :class:`StackError` with the
        log's last lines when one exits or is not healthy within ``timeout_s``."""
        pending = {self._known(s) for s in (services if services is not None else SERVICES)}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        last: dict[str, str] = {}
        async with httpx.AsyncClient(timeout=_CHECK_TIMEOUT_S) as http:
            while pending:
                for service in sorted(pending):
                    entry = self._processes.get(service)
                    if entry is None or not entry.running:
                        code = entry.process.returncode if entry else None
                        raise StackError(
                            f"{service} is not running (exit status {code}); its log "
                            f"{self.log_file(service)} ends:\n{_tail(self.log_file(service))}"
                        )
                    try:
                        response = await http.get(f"{self.urls[service]}/health")
                    except httpx.HTTPError as exc:
                        last[service] = f"{type(exc).__name__}: {exc}"
                        continue
                    if response.status_code == 200:
                        pending.discard(service)
                    else:
                        last[service] = f"{response.status_code} {response.text[:300]}"
                if not pending:
                    return
                if loop.time() > deadline:
                    details = "\n".join(
                        f"--- {s}: {last.get(s, 'no answer')}; log ends:\n{_tail(self.log_file(s))}"
                        for s in sorted(pending)
                    )
                    names = ", ".join(sorted(pending))
                    raise StackError(f"not healthy within {timeout_s:g} s: {names}\n{details}")
                await asyncio.sleep(_POLL_S)

    async def set_clock(self, when: datetime) -> datetime:
        """Move the simulated time of every clocked service to ``when`` (forward only; the
        same absolute time everywhere, so the services agree); returns the portal's now."""
        answers: dict[str, str] = {}
        # Only the simulation operator moves the clocks (shared.authz): its provisioned key.
        try:
            operator = operator_signer(self.options.data_dir, SIMULATION_OPERATOR_KEY)
        except KeyMaterialError as exc:
            raise StackError(str(exc)) from None
        body = json.dumps({"now": when.isoformat()}).encode()
        async with httpx.AsyncClient(timeout=30) as http:
            for service in CLOCKED:
                headers = {
                    "content-type": "application/json",
                    **sign_request(operator, "PUT", CLOCK_PATH, body),
                }
                response = await http.put(
                    f"{self.urls[service]}{CLOCK_PATH}", content=body, headers=headers
                )
                if response.status_code != 200:
                    raise StackError(
                        f"{service} refused the clock move: {response.status_code} {response.text}"
                    )
                answers[service] = response.json()["now"]
        return datetime.fromisoformat(answers["portal"])

    async def drop(self) -> None:
        """Delete every schema and bus name of this stack's namespace (stop it first)."""
        if any(e.running for e in self._processes.values()):
            raise StackError("stop the stack before dropping its namespace")
        await drop_namespace(self.options)

    # --- internals ---------------------------------------------------------------------------

    def _known(self, service: str) -> str:
        if service not in SERVICES:
            raise ValueError(f"unknown service {service!r}; one of {', '.join(SERVICES)}")
        return service

    async def _spawn(self, service: str) -> None:
        env = self.service_env(service)
        path = self.log_file(service)
        path.parent.mkdir(parents=True, exist_ok=True)
        log = path.open("ab")
        try:
            process = await asyncio.create_subprocess_exec(
                *egov_command(),
                "serve",
                service,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                # Its own process group: a terminal's Ctrl-C reaches egov up only (which stops
                # the services in order), and stop() can signal the whole group.
                start_new_session=True,
            )
        except BaseException:
            log.close()
            raise
        self._processes[service] = _Process(service, process, log)

    async def _terminate(self, entries: list[_Process], timeout_s: float) -> None:
        running = [e for e in entries if e.running]
        for entry in running:
            _signal_group(entry, signal.SIGTERM)
        if running:
            await asyncio.wait(
                [asyncio.ensure_future(e.process.wait()) for e in running], timeout=timeout_s
            )
        for entry in running:
            # The laggards, and whatever a process started itself (it starts none today):
            # each service runs in its own process group, so nothing of it is left behind.
            _signal_group(entry, signal.SIGKILL)
            await entry.process.wait()
        for entry in entries:
            entry.log.close()


def _signal_group(entry: _Process, signum: int) -> None:
    # The service leads its own group (start_new_session): the group id is its pid, still
    # valid while it is a zombie we have not reaped.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(entry.process.pid, signum)


@asynccontextmanager
async def running_stack(
    options: StackOptions, *, timeout_s: float = 60, drop: bool = False
) -> AsyncIterator[Stack]:
    """A started stack, stopped on exit (and its namespace dropped when ``drop``)."""
    stack = Stack(options)
    await stack.start(timeout_s=timeout_s)
    try:
        yield stack
    finally:
        await stack.stop()
        if drop:
            await drop_namespace(options)


@dataclass(frozen=True)
class Dropped:
    """What :func:`drop_namespace` deleted: the schemas that existed, the journalled queues and
    exchanges, and whether it deleted the namespace's broker users."""

    schemas: tuple[str, ...]
    queues: int
    exchanges: int
    users: bool


async def drop_namespace(options: StackOptions) -> Dropped:
    """Delete the PostgreSQL schemas, the RabbitMQ queues and exchanges of ``options``'
    namespace (the names its services and provisioning journalled under ``<data dir>/bus/``)
    and, with ``amqp_admin``, its broker users. Refused without a namespace: an un-namespaced
    stack holds production names."""
    if not options.namespace:
        raise StackError("refusing to drop a stack without a namespace (its names are global)")
    schemas = [options.schema(service) for service in SERVICES]
    conn = await asyncpg.connect(options.pg_dsn, timeout=_CHECK_TIMEOUT_S)
    try:
        rows = await conn.fetch(
            "SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[])", schemas
        )
        existing = {str(row["nspname"]) for row in rows}
        for schema in schemas:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()
    queues, exchanges = await _drop_names(options)
    if options.amqp_admin:
        try:
            async with asyncio.timeout(_DROP_TIMEOUT_S):
                await delete_users(options.amqp_admin, options.bus_namespace)
        except (TimeoutError, BrokerError) as exc:
            raise StackError(
                f"cannot delete the broker users of namespace {options.namespace!r}: {exc}"
            ) from None
    return Dropped(
        tuple(s for s in schemas if s in existing), queues, exchanges, bool(options.amqp_admin)
    )


async def _drop_names(options: StackOptions) -> tuple[int, int]:
    queues, exchanges = journalled_names(options)
    if not queues and not exchanges:
        return 0, 0
    try:
        # Bounded: a broker that accepts sockets but answers nothing must not hang the caller.
        async with asyncio.timeout(_DROP_TIMEOUT_S):
            connection = await aio_pika.connect(options.amqp_url)
            try:
                channel = await connection.channel()
                for name in sorted(queues):
                    await channel.queue_delete(name)
                for name in sorted(exchanges):
                    await channel.exchange_delete(name)
            finally:
                await connection.close()
    except (TimeoutError, OSError, AMQPError) as exc:
        raise StackError(
            f"RabbitMQ at {redact(options.amqp_url)} failed while deleting the names of "
            f"namespace {options.namespace!r} ({_why(exc)}); they stay listed in "
            f"{options.data_dir / 'bus'} for another try"
        ) from None
    for path in _journals(options):
        path.unlink(missing_ok=True)
    return len(queues), len(exchanges)


def _journals(options: StackOptions) -> list[Path]:
    # The services' journals, and provisioning's (the exchanges it declared for them).
    journals = [bus_journal(options.data_dir, service) for service in SERVICES]
    return [*journals, options.data_dir / PROVISION_JOURNAL]


def journalled_names(options: StackOptions) -> tuple[set[str], set[str]]:
    """(queues, exchanges) the stack's services declared, from their journals; only names
    under the stack's bus namespace."""
    queues: set[str] = set()
    exchanges: set[str] = set()
    for path in _journals(options):
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            kind, _, name = line.partition(" ")
            if not name.startswith(options.bus_namespace):
                continue  # not ours to delete, whatever the file says
            (queues if kind == "queue" else exchanges).add(name)
    return queues, exchanges


def journalled_namespaces(data_dir: Path) -> list[str]:
    """The namespaces whose names the journals under ``<data dir>/bus/`` hold (each name's part
    before its first dot), to name them to someone who did not say which to drop."""
    found: set[str] = set()
    journals = [bus_journal(data_dir, service) for service in SERVICES]
    for path in [*journals, data_dir / PROVISION_JOURNAL]:
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                prefix, dot, _ = line.partition(" ")[2].partition(".")
                if dot and prefix:
                    found.add(prefix)
    return sorted(found)


def write_manifest(stack: Stack, *, supervisor_pid: int | None = None) -> Path:
    """``<data dir>/stack.json``: where other tools find the running stack; ``supervisor_pid``
    is the process that stops it on SIGTERM (``egov up``'s own pid: ``egov down`` signals it)."""
    # Owner-only from creation: the broker and database URLs in it may carry passwords.
    manifest = {"supervisor_pid": supervisor_pid, **stack.manifest()}
    text = json.dumps(manifest, indent=2) + "\n"
    return write_private(stack.options.data_dir / MANIFEST, text.encode("utf-8"))
