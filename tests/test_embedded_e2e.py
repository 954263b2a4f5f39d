"""``egov run``'s topology as one working network: provisioned keys, the applicant's key from the
embedded НУЦ (``egov pki issue person``), a request filed at the portal and signed by the
applicant, through the gateway and the regional tier to the Almaty culture workstation, where
the office clerk sees it; its "registered" status comes back through the gateway to the
applicant's cabinet. And the sync channel: a registry look-up through the gateway."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from egov.embedded import EmbeddedSettings, run_embedded
from portal_svc.registry_lookup import GatewayPersonLookup
from portal_svc.sdk import Attachment, PortalClient
from registry_svc.seed import generate_population
from shared.clock import SystemClock
from shared.config import RuntimeSettings
from shared.ids import Gender, make_bin, make_iin
from shared.pki.http_signing import SIGNATURE_HEADER, request_signing_bytes
from shared.pki.setup import signer_from_key_file
from shared.runtime import Listener
from shared.signing import Signer

pytestmark = pytest.mark.slow

SERVICES = ("portal", "gateway", "elicense", "registry", "provider")
EGOV = Path(sys.executable).parent / "egov"
CULTURE = "provider.almaty.culture"
APPLICANT = make_iin(date(1988, 6, 12), Gender.FEMALE, 41)
CLERK = make_iin(date(1979, 2, 3), Gender.MALE, 42)
AKIMAT_BIN = make_bin(date(2019, 3, 1), serial=12345)
# A bound that catches a hang, not a speed requirement.
WAIT_S = 60.0


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class Topology:
    data_dir: Path
    urls: dict[str, str]
    env: dict[str, str]

    async def egov(self, *args: str) -> str:
        """Run the ``egov`` CLI against this topology's data directory, as a developer does."""
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


@pytest.fixture
async def topology(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Topology]:
    ports = dict(zip(SERVICES, free_ports(len(SERVICES)), strict=True))
    data_dir = tmp_path / "var"
    for key in [k for k in os.environ if k.startswith("EGOV_")]:
        monkeypatch.delenv(key)
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOV_")}
    env["EGOV_DATA_DIR"] = str(data_dir)
    for name, port in ports.items():
        env[f"EGOV_{name.upper()}_PORT"] = str(port)
        monkeypatch.setenv(f"EGOV_{name.upper()}_PORT", str(port))
    monkeypatch.setenv("EGOV_DATA_DIR", str(data_dir))
    # The applicant's registration needs Argon2 at its default cost; cheaper here.
    monkeypatch.setenv("EGOV_PORTAL_ARGON2_MEMORY_KIB", "1024")
    monkeypatch.setenv("EGOV_PORTAL_ARGON2_TIME_COST", "1")

    topology = Topology(data_dir, {}, env)
    # A few persons in the registry, for the registry look-ups through the gateway.
    await topology.egov("registry", "seed", "--persons", "3", "--entities", "0")
    # The clerk is on the workstation's roster before the workstation starts (the CLI writes
    # to the provider's log; the running service reads the roster from it).
    await topology.egov(
        "provider", "staff", "appoint", CULTURE, CLERK, "Omarov Erlan", "--role", "office_clerk"
    )

    ready = asyncio.Event()
    stop = asyncio.Event()

    def on_ready(listeners: Sequence[Listener]) -> None:
        topology.urls.update({listener.name: listener.url for listener in listeners})
        ready.set()

    common = RuntimeSettings(data_dir=data_dir, shutdown_timeout_s=5)
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
        yield topology
    finally:
        stop.set()
        await asyncio.wait_for(task, WAIT_S)


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
    signature = signer.sign(request_signing_bytes("GET", path, b""))
    return await http.get(path, headers={SIGNATURE_HEADER: signature})


async def issue(topology: Topology, kind: str, out: Path, *args: str) -> Signer:
    await topology.egov(
        "pki", "issue", kind, *args, "--password", "applicant-pw", "--out", str(out)
    )
    return signer_from_key_file(out, "applicant-pw")


async def test_a_portal_request_reaches_the_workstation_and_its_status_the_cabinet(
    topology: Topology, tmp_path: Path
) -> None:
    applicant = await issue(
        topology, "person", tmp_path / "applicant.p12",
        "--iin", APPLICANT, "--name", "Seitkalieva Aigerim",
    )  # fmt: skip
    clerk = await issue(
        topology, "entity", tmp_path / "clerk.p12",
        "--bin", AKIMAT_BIN, "--iin", CLERK, "--role", "employee", "--name", "Omarov Erlan",
        "--organization", "Almaty Department of Culture and Archives",
    )  # fmt: skip

    async with httpx.AsyncClient(base_url=topology.urls["portal"], timeout=30) as http:
        portal = PortalClient(http)
        await portal.register(applicant, "Qazaqstan2019")
        await portal.login(APPLICANT, "Qazaqstan2019")
        answer = await portal.submit(
            applicant,
            "cultural_values_export",
            {
                "item_description": "A dombra",
                "destination_country": "Kyrgyzstan",
                "return_date": "2020-03-01",
            },
            [Attachment("standard_p9_documents", "scan.pdf", "application/pdf", b"%PDF-1.4 scan")],
        )
        request_id = str(answer["request_id"])

        async with httpx.AsyncClient(base_url=topology.urls["provider"], timeout=30) as provider:
            inbox_path = f"/provider/workstations/{CULTURE}/inbox"

            async def in_the_inbox() -> dict[str, Any] | None:
                response = await signed_get(provider, clerk, inbox_path)
                assert response.status_code == 200, response.text
                rows = response.json()["requests"]
                return next((r for r in rows if r["request_id"] == request_id), None)

            row = await eventually(in_the_inbox, f"{request_id} in the clerk's inbox")
        masked = f"{APPLICANT[:2]}******{APPLICANT[-4:]}"  # the inbox masks the IIN
        assert (row["applicant"], row["channel"], row["status"]) == (
            masked,
            "portal",
            "registered",
        )
        # Filed on the simulated day, when A@almaty-2018 was in force (the real date has none).
        assert (row["service"], row["version"], row["received_at"][:10]) == (
            "cultural_values_export",
            "almaty-2018",
            "2019-11-04",
        )

        async def registered() -> list[str] | None:
            history = [h["status"] for h in (await portal.request(request_id))["history"]]
            return history if "registered" in history else None

        statuses = await eventually(registered, "the 'registered' status in the cabinet")
        assert statuses[:3] == ["draft", "submitted", "registered"]


async def test_the_sync_channel_reaches_the_registry_on_this_runs_port(topology: Topology) -> None:
    """The portal's PSC look-up: signed with the provisioned portal key, admitted by the gateway
    (trust anchors, rules), forwarded with the gateway's own signature to the registry at the
    port of this run (the rules copy), verified there, answered back."""
    known = generate_population(3, 0, 1).persons[0].iin
    keys = topology.data_dir / "keys" / "portal"
    signer = signer_from_key_file(keys / "portal.p12", (keys / "password").read_text())
    async with httpx.AsyncClient(base_url=topology.urls["gateway"], timeout=30) as http:
        lookup = GatewayPersonLookup(http, signer)
        record = await lookup.person(known)
        assert record is not None
        assert record["iin"] == known
        assert await lookup.person(APPLICANT) is None  # not in the registry: 404 passed on
