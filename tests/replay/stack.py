"""The embedded topology (``egov run``: five services, SQLite logs, in-memory bus) started on a
data directory of the test's choosing, and the ``egov`` CLI run against that directory."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from egov.embedded import EmbeddedSettings, run_embedded
from shared.clock import SystemClock
from shared.config import RuntimeSettings
from shared.runtime import Listener
from tests.test_embedded_e2e import EGOV, SERVICES, WAIT_S, free_ports


@dataclass
class Stack:
    data_dir: Path
    ports: dict[str, int]
    env: dict[str, str]
    urls: dict[str, str] = field(default_factory=dict)

    async def egov(self, *args: str) -> str:
        """Run the ``egov`` CLI on this stack's data directory, as a developer does."""
        process = await asyncio.create_subprocess_exec(
            str(EGOV),
            *args,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), WAIT_S)
        assert process.returncode == 0, f"egov {' '.join(args)}: {err.decode()}"
        return out.decode()

    def log_url(self, service: str) -> str:
        return f"sqlite:///{self.data_dir / f'{service}.sqlite3'}"


def prepare(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, ports: dict[str, int] | None = None
) -> Stack:
    """Environment for a stack on ``data_dir``: ports (fresh unless given: a second stack on a
    copy of the first's directory must keep the ports its certificates name), cheap Argon2."""
    ports = ports or dict(zip(SERVICES, free_ports(len(SERVICES)), strict=True))
    for key in [k for k in os.environ if k.startswith("EGOV_")]:
        monkeypatch.delenv(key)
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOV_")}
    settings = {
        "EGOV_DATA_DIR": str(data_dir),
        # The applicant's registration needs Argon2 at its default cost; cheaper here.
        "EGOV_PORTAL_ARGON2_MEMORY_KIB": "1024",
        "EGOV_PORTAL_ARGON2_TIME_COST": "1",
        **{f"EGOV_{name.upper()}_PORT": str(port) for name, port in ports.items()},
    }
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    return Stack(data_dir, ports, env | settings)


@asynccontextmanager
async def running(stack: Stack) -> AsyncIterator[Stack]:
    """The five services on ``stack``'s directory until the block ends."""
    ready = asyncio.Event()
    stop = asyncio.Event()

    def on_ready(listeners: Sequence[Listener]) -> None:
        stack.urls.update({listener.name: listener.url for listener in listeners})
        ready.set()

    common = RuntimeSettings(data_dir=stack.data_dir, shutdown_timeout_s=5)
    task = asyncio.create_task(
        run_embedded(
            common,
            clock=SystemClock(),
            on_ready=on_ready,
            stop=stop,
            embedded=EmbeddedSettings(simulated_date=date(2019, 11, 4)),
        )
    )
    waiter = asyncio.create_task(ready.wait())
    done, _ = await asyncio.wait({task, waiter}, timeout=WAIT_S, return_when="FIRST_COMPLETED")
    if waiter not in done:
        waiter.cancel()
        stop.set()
        if task in done:
            task.result()  # raises what stopped the start-up
        pytest.fail(f"the embedded topology did not start within {WAIT_S} s")
    try:
        yield stack
    finally:
        stop.set()
        await asyncio.wait_for(task, WAIT_S)
        stack.urls.clear()
