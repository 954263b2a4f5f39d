"""The embedded topology (``egov run``: five services, SQLite logs, in-memory bus) started on a
data directory of the test's choosing, the ``egov`` CLI run against that directory, and the
people and helpers the tests that drive it share (tests/test_embedded_e2e.py, tests/replay/,
tests/stack/test_up.py)."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from egov.embedded import EmbeddedSettings, run_embedded
from egov.stack import free_ports
from portal_svc.sdk import Attachment, PortalClient
from provider_svc.domain.workstations import workstation
from shared.clock import SystemClock
from shared.config import RuntimeSettings
from shared.ids import Gender, make_iin
from shared.pki.http_signing import sign_request
from shared.runtime import Listener
from shared.signing import Signer

SERVICES = ("portal", "gateway", "elicense", "registry", "provider")
EGOV = Path(sys.executable).parent / "egov"
CULTURE = "provider.almaty.culture"
APPLICANT = make_iin(date(1988, 6, 12), Gender.FEMALE, 41)
CLERK = make_iin(date(1979, 2, 3), Gender.MALE, 42)
# The culture department's BIN: its clerks sign with its employee certificate (OU=BIN...).
AKIMAT_BIN = workstation(CULTURE).bin
# A bound that catches a hang, not a speed requirement.
WAIT_S = 60.0
# The A-2018 request the tests file at the portal: a dombra to Kyrgyzstan, one scan.
DOMBRA_FORM = {
    "item_description": "A dombra",
    "destination_country": "Kyrgyzstan",
    "return_date": "2020-03-01",
}
DOMBRA_SCAN = Attachment("standard_p9_documents", "scan.pdf", "application/pdf", b"%PDF-1.4 scan")


async def eventually(check: Callable[[], Awaitable[Any]], what: str) -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``WAIT_S``."""
    deadline = time.monotonic() + WAIT_S
    while True:
        found = await check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"not within {WAIT_S} s: {what}")
        await asyncio.sleep(0.2)


async def signed_get(http: httpx.AsyncClient, signer: Signer, path: str) -> httpx.Response:
    return await http.get(path, headers=sign_request(signer, "GET", path, b""))


async def inbox_row(
    provider: httpx.AsyncClient, clerk: Signer, request_id: str, ws: str = CULTURE
) -> dict[str, Any] | None:
    """``request_id``'s row in the clerk's inbox at workstation ``ws``; None while it is not
    there."""
    response = await signed_get(provider, clerk, f"/provider/workstations/{ws}/inbox")
    assert response.status_code == 200, response.text
    rows = response.json()["requests"]
    return next((r for r in rows if r["request_id"] == request_id), None)


async def registered_in_cabinet(portal: PortalClient, request_id: str) -> list[str] | None:
    """The request's status history in the applicant's cabinet once it shows "registered"."""
    history = [h["status"] for h in (await portal.request(request_id))["history"]]
    return history if "registered" in history else None


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
async def running(stack: Stack, simulated_date: date = date(2019, 11, 4)) -> AsyncIterator[Stack]:
    """The five services on ``stack``'s directory, on ``simulated_date``, until the block
    ends."""
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
            embedded=EmbeddedSettings(simulated_date=simulated_date),
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
