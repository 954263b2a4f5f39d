"""The five services as real servers for the hostile-input campaign: ``egov run`` in a child
process, each service's event log in its own PostgreSQL schema (so what was stored can be
counted from outside), keys provisioned by the run itself. Stopped and its schemas dropped
afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from egov.stack import free_ports

SERVICES = ("portal", "gateway", "elicense", "registry", "provider")
EGOV = Path(sys.executable).parent / "egov"
START_S = 90.0  # a bound that catches a hang, not a speed requirement
STOP_S = 20.0


@dataclass(frozen=True)
class Stack:
    urls: dict[str, str]
    schemas: dict[str, str]
    data_dir: Path
    log: Path
    env: dict[str, str]  # what the stack runs with: the ``egov`` CLI reaches its НУЦ with it

    def egov(self, *args: str) -> str:
        """Run the ``egov`` CLI on this stack's data (as a developer would), its output."""
        done = subprocess.run(
            [str(EGOV), *args], env=self.env, capture_output=True, timeout=START_S, check=False
        )
        assert done.returncode == 0, f"egov {' '.join(args)}: {done.stderr.decode()[-2000:]}"
        return done.stdout.decode()


def _with_schema(dsn: str, schema: str) -> str:
    return f"{dsn}{'&' if '?' in dsn else '?'}schema={schema}"


@contextmanager
def running_stack(pg_dsn: str, workdir: Path) -> Iterator[Stack]:
    ports = dict(zip(SERVICES, free_ports(len(SERVICES)), strict=True))
    prefix = "th" + uuid.uuid4().hex[:10]
    schemas = {name: f"{prefix}_{name}" for name in SERVICES}
    data_dir = workdir / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOV_")}
    env.update(
        {
            "EGOV_DATA_DIR": str(data_dir),
            "EGOV_LOG_LEVEL": "WARNING",
            "EGOV_LOG_FORMAT": "json",  # on stderr, into egov-run.log a failure shows
            "EGOV_SIMULATION_CONTROL": "false",
            # Registrations hash passwords with Argon2: cheap here, the cost is not under test.
            "EGOV_PORTAL_ARGON2_MEMORY_KIB": "1024",
            "EGOV_PORTAL_ARGON2_TIME_COST": "1",
        }
    )
    for name in SERVICES:
        env[f"EGOV_{name.upper()}_PORT"] = str(ports[name])
        env[f"EGOV_{name.upper()}_EVENT_STORE_URL"] = _with_schema(pg_dsn, schemas[name])
    log = workdir / "egov-run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(EGOV), "run"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            preexec_fn=_stop_with_parent,
        )
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    try:
        _wait_healthy(process, urls, log)
        yield Stack(urls, schemas, data_dir, log, env)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(STOP_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_S)
        _drop_schemas(pg_dsn, schemas.values())


def _stop_with_parent() -> None:
    # Linux: the stack gets SIGINT when the test process dies, even by SIGKILL, so a killed
    # run leaves no servers behind (its schemas stay: see docs/hostile-input.md).
    if sys.platform == "linux":
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGINT)


def _wait_healthy(process: subprocess.Popen[bytes], urls: dict[str, str], log: Path) -> None:
    deadline = time.monotonic() + START_S
    pending = set(urls)
    with httpx.Client(timeout=2.0) as http:
        while pending:
            if process.poll() is not None:
                raise RuntimeError(
                    f"egov run exited ({process.returncode}): {log.read_text()[-3000:]}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(f"not healthy within {START_S} s: {sorted(pending)}")
            for name in sorted(pending):
                try:
                    if http.get(f"{urls[name]}/health").status_code == 200:
                        pending.discard(name)
                except httpx.TransportError:
                    pass
            time.sleep(0.2)


def _drop_schemas(pg_dsn: str, schemas: Iterable[str]) -> None:
    import asyncio

    import asyncpg

    async def drop() -> None:
        conn = await asyncpg.connect(pg_dsn)
        try:
            for schema in schemas:
                await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await conn.close()

    asyncio.run(drop())
