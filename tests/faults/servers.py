"""Private PostgreSQL and RabbitMQ servers for the fault tests, which restart them.

The long-lived servers on 127.0.0.1:5432 / :5672 are shared by every other test of the run (and
by other runs on the same machine), so a test that restarts a server must own it. Each class
here starts one server of its own in a temporary directory on free loopback ports, can stop,
crash and restart it with its data kept, and removes everything in :meth:`close` (called from
the fixtures' ``finally``, so also when a test fails).

* PostgreSQL: ``initdb`` + ``pg_ctl`` from the PostgreSQL binaries (``EGOV_PG_BINDIR``, else
  the newest ``/usr/lib/postgresql/*/bin``, else ``PATH``). ``initdb`` refuses to run as root,
  so as root the cluster belongs to the ``postgres`` user (``runuser``), and its directory is
  made under the system temporary directory, which that user can reach (pytest's ``tmp_path``
  is private to root). ``fsync=off``: a restart here is a crash of the server process, not of
  the machine, so the data still survives it.
* RabbitMQ: the node runs as a child process (``rabbitmq-server`` without ``-detached``, in its
  own process group), named ``egovfault-<hex>@localhost``, with its own AMQP, distribution and
  epmd ports, its own cookie (``HOME``), Mnesia and log directories, and no plugins (or, with
  ``management=True``, the management plugin on a free port of its own: tests/broker makes
  users through it). A private epmd keeps the node off the shared one; it is killed on close.
  Stopped with ``rabbitmqctl stop``, killed with SIGKILL on its process group.

The methods block (subprocesses); async tests call them through ``asyncio.to_thread``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

START_TIMEOUT_S = 90.0  # a bound against hanging; starts take 0.2 s (PostgreSQL), 3-6 s (RabbitMQ)
CTL_TIMEOUT_S = 60.0


class ServerError(RuntimeError):
    """A private server did not start or stop; the message carries its log's tail."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError as exc:
        return f"(no log: {exc})"


@dataclass
class Timings:
    """Wall-clock seconds of each operation, for the docs' start-cost figures."""

    samples: dict[str, list[float]] = field(default_factory=dict)

    def add(self, what: str, seconds: float) -> None:
        self.samples.setdefault(what, []).append(seconds)

    def summary(self) -> str:
        return ", ".join(
            f"{what} {sum(values) / len(values):.2f} s (x{len(values)})"
            for what, values in self.samples.items()
        )


def _pg_bindir() -> Path:
    configured = os.environ.get("EGOV_PG_BINDIR")
    if configured:
        return Path(configured)
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
    )
    if candidates:
        return Path(candidates[-1])
    found = shutil.which("pg_ctl")
    if found is None:
        raise ServerError("no PostgreSQL binaries: set EGOV_PG_BINDIR to the folder of pg_ctl")
    return Path(found).parent


class PrivatePostgres:
    """A PostgreSQL cluster of this test's own (see the module docstring)."""

    def __init__(self) -> None:
        self.bindir = _pg_bindir()
        self.as_root = os.geteuid() == 0
        # Under the system temp dir, not pytest's root-only tmp_path: the server user reads it.
        self.root = Path(tempfile.mkdtemp(prefix="egovfault-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.timings = Timings()
        if self.as_root:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(
        self, program: str, *args: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        argv = [str(self.bindir / program), *args]
        if self.as_root:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=CTL_TIMEOUT_S, check=False
        )
        if check and done.returncode != 0:
            raise ServerError(
                f"{program} {' '.join(args)} exited {done.returncode}: {done.stderr.strip()}\n"
                f"{tail(self.log)}"
            )
        return done

    def init(self) -> None:
        began = time.monotonic()
        self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
            "-E", "UTF8", "--no-sync", "--no-instructions",
        )  # fmt: skip
        self.timings.add("initdb", time.monotonic() - began)

    def start(self) -> None:
        began = time.monotonic()
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off -c max_connections=200"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
            "-w", "-t", str(int(START_TIMEOUT_S)), "start",
        )  # fmt: skip
        self.timings.add("start", time.monotonic() - began)

    def stop(self, mode: str = "fast") -> None:
        """``fast`` = clean shutdown; ``immediate`` = every server process quits at once
        without a checkpoint, and the next start recovers from the WAL, as after a crash."""
        began = time.monotonic()
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")
        self.timings.add(f"stop ({mode})", time.monotonic() - began)

    def restart(self, mode: str = "immediate") -> None:
        began = time.monotonic()
        self.stop(mode)
        self.start()
        self.timings.add("restart", time.monotonic() - began)

    def running(self) -> bool:
        return self._run("pg_ctl", "-D", str(self.data), "status", check=False).returncode == 0

    def close(self) -> None:
        """Stop the server if it runs and delete its directory; never raises."""
        with contextlib.suppress(Exception):
            if self.data.exists() and self.running():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def _rabbit_bin(program: str) -> str:
    # The Debian wrapper in /usr/sbin switches to the rabbitmq user and the system node's
    # directories; the scripts behind it honour our environment.
    direct = Path("/usr/lib/rabbitmq/bin") / program
    if direct.exists():
        return str(direct)
    found = shutil.which(program)
    if found is None:
        raise ServerError(f"{program} not found: install rabbitmq-server")
    return found


class PrivateRabbitMQ:
    """A RabbitMQ node of this test's own (see the module docstring)."""

    def __init__(self, *, management: bool = False) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="egovfault-rmq-"))
        self.node = f"egovfault-{uuid.uuid4().hex[:8]}@localhost"
        self.port = free_port()
        self.dist_port = free_port()
        self.epmd_port = free_port()
        self.log = self.root / "console.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.timings = Timings()
        self.management_port = free_port() if management else None
        plugins = "rabbitmq_management" if management else ""
        (self.root / "enabled_plugins").write_text(f"[{plugins}].\n")
        if self.management_port is not None:
            (self.root / "rabbitmq.conf").write_text(
                f"management.tcp.ip = 127.0.0.1\nmanagement.tcp.port = {self.management_port}\n"
            )
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("RABBITMQ_", "ERL_"))},
            "HOME": str(self.root),  # the Erlang cookie, shared by the node and rabbitmqctl
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "ERL_EPMD_PORT": str(self.epmd_port),
            "RABBITMQ_MNESIA_BASE": str(self.root / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.root / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.root / "enabled_plugins"),
            # rabbitmq.conf there, or absent: the defaults
            "RABBITMQ_CONFIG_FILE": str(self.root / "rabbitmq"),
            "RABBITMQ_PID_FILE": str(self.root / "rabbitmq.pid"),
        }

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    @property
    def admin_url(self) -> str:
        """The management API, as the administrator guest (``management=True`` only)."""
        if self.management_port is None:
            raise ServerError(f"{self.node} runs without the management plugin")
        return f"http://guest:guest@127.0.0.1:{self.management_port}/"

    def ctl(self, *args: str, timeout: float = CTL_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [_rabbit_bin("rabbitmqctl"), "-n", self.node, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            raise ServerError(f"{self.node} is already running")
        began = time.monotonic()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [_rabbit_bin("rabbitmq-server")],
                env=self.env,
                cwd=self.root,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: one killpg ends it all
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        # The AMQP listener opens at the end of the boot; await_startup then confirms it.
        while not port_open(self.port):
            if self.process.poll() is not None:
                raise ServerError(
                    f"{self.node} exited {self.process.returncode} while starting\n{tail(self.log)}"
                )
            if time.monotonic() > deadline:
                self.kill()
                raise ServerError(f"{self.node} not listening after {START_TIMEOUT_S} s")
            time.sleep(0.1)
        # The port can answer a moment before the node is known to epmd: ask again.
        while (done := self.ctl("await_startup", "--timeout", "30")).returncode != 0:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise ServerError(
                    f"{self.node} await_startup: {done.stdout}{done.stderr}\n{tail(self.log)}"
                )
            time.sleep(0.5)
        self.timings.add("start", time.monotonic() - began)

    def stop(self) -> None:
        """A clean stop (``rabbitmqctl stop``): durable queues and persistent messages stay."""
        began = time.monotonic()
        done = self.ctl("stop")
        if self.process is not None:
            try:
                self.process.wait(timeout=CTL_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.kill()
                raise ServerError(f"{self.node} did not stop: {done.stderr}") from None
        self.timings.add("stop", time.monotonic() - began)

    def kill(self) -> None:
        """SIGKILL to the node's whole process group (a crash)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=CTL_TIMEOUT_S)

    def restart(self, *, crash: bool = False) -> None:
        began = time.monotonic()
        if crash:
            self.kill()
        else:
            self.stop()
        self.start()
        self.timings.add("restart", time.monotonic() - began)

    def close(self) -> None:
        """Stop the node (or kill it), kill the private epmd, delete the directory; never
        raises."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(Exception):
                self.ctl("stop", timeout=20)
                self.process.wait(timeout=20)
            self.kill()
        if self.process is not None:
            # Helpers the node spawned (erl_child_setup, inet_gethost) share its group.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
        epmd = shutil.which("epmd") or "/usr/lib/erlang/bin/epmd"
        with contextlib.suppress(Exception):
            subprocess.run(
                [epmd, "-port", str(self.epmd_port), "-kill"],
                env=self.env,
                capture_output=True,
                timeout=10,
                check=False,
            )
        shutil.rmtree(self.root, ignore_errors=True)
