"""``egov up`` as a user runs it: five ``egov serve`` processes on the real PostgreSQL and
RabbitMQ (under a namespace of their own, dropped afterwards), a request from the portal to the
Almaty culture workstation and its status back in the cabinet, a provider killed with SIGKILL
while the request travels (started again, nothing lost), the simulated clock moved past the
request's deadlines (the workstation's timers fire), and SIGTERM stopping everything."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from egov.client.keys import SIMULATION_OPERATOR_KEY, operator_signer
from egov.stack import CLOCKED, SERVICES, egov_command
from portal_svc.sdk import PortalClient
from shared.pki.http_signing import sign_request
from shared.pki.setup import signer_from_key_file
from tests.embedded import (
    APPLICANT,
    DOMBRA_FORM,
    DOMBRA_SCAN,
    eventually,
    inbox_row,
    registered_in_cabinet,
)
from tests.stack.egov_up import WAIT_S, Up, issue_applicant, issue_clerk, start_up

pytestmark = [pytest.mark.infra, pytest.mark.slow]


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory, pg_dsn: str, amqp_url: str) -> Iterator[Up]:
    yield from start_up(tmp_path_factory.mktemp("up"), pg_dsn, amqp_url)


@pytest.fixture
def own_up(tmp_path: Path, pg_dsn: str, amqp_url: str) -> Iterator[Up]:
    yield from start_up(tmp_path, pg_dsn, amqp_url)


def process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def test_every_service_is_its_own_healthy_process_on_its_own_schema(up: Up) -> None:
    manifest = up.manifest()
    pids = manifest["pids"]
    assert len(set(pids.values())) == len(SERVICES)
    assert os.getpid() not in pids.values()
    async with httpx.AsyncClient(timeout=10) as http:
        for service in SERVICES:
            health = (await http.get(f"{up.urls[service]}/health")).json()
            assert health["status"] == "ok", health
            assert health["service"] == service
            store = manifest["services"][service]["event_store_url"]
            assert store.endswith(f"schema={up.namespace}_{service}")
    for service in SERVICES:
        assert f"{up.urls[service]}/health" in up.out.read_text()


async def test_a_request_survives_a_killed_provider_and_its_deadlines_fire_on_a_clock_move(
    up: Up, tmp_path: Path
) -> None:
    applicant = await issue_applicant(up, tmp_path / "applicant.p12")
    clerk = await issue_clerk(up, tmp_path / "clerk.p12")
    async with (
        httpx.AsyncClient(base_url=up.urls["portal"], timeout=30) as http,
        httpx.AsyncClient(base_url=up.urls["provider"], timeout=30) as provider,
    ):
        portal = PortalClient(http)
        await portal.register(applicant, "Qazaqstan2019")
        await portal.login(APPLICANT, "Qazaqstan2019")
        # The workstation crashes just as the request is filed: the message waits in its queue.
        killed = up.manifest()["pids"]["provider"]
        os.kill(killed, signal.SIGKILL)
        answer = await portal.submit(
            applicant,
            "cultural_values_export",
            DOMBRA_FORM,
            [DOMBRA_SCAN],
        )
        request_id = str(answer["request_id"])

        async def provider_back() -> bool:
            pid = up.manifest()["pids"]["provider"]
            if pid in (None, killed):
                return False
            try:
                return (await provider.get("/health")).status_code == 200
            except httpx.TransportError:
                return False

        await eventually(provider_back, "egov up starting the killed provider again")
        assert "provider exited; starting it again" in up.err.read_text()

        async def row() -> dict[str, Any] | None:
            return await inbox_row(provider, clerk, request_id)

        found = await eventually(row, f"{request_id} in the clerk's inbox after the restart")
        assert (found["status"], found["version"], found["overdue"]) == (
            "registered",
            "almaty-2018",
            False,
        )

        statuses = await eventually(
            lambda: registered_in_cabinet(portal, request_id),
            "the 'registered' status in the cabinet",
        )
        assert statuses[:3] == ["draft", "submitted", "registered"]

        # Thirty simulated days later every norm of the request has passed: the workstation's
        # deadline timers fire as the clock moves, not thirty days from now.
        later = (await provider.get("/simulation/clock")).json()
        target = _plus_days(later["now"], 30)
        for service in CLOCKED:
            moved = await _move_clock(http, up, service, target)
            assert moved.status_code == 200, moved.text
        overdue = await eventually(
            lambda: _overdue(row), f"{request_id} overdue after the clock moved 30 days"
        )
        assert overdue["request_overdue"] or overdue["step_overdue"]


async def test_the_stack_holds_at_most_25_database_connections_after_a_journey(
    up: Up, pg_dsn: str
) -> None:
    """After the journey above (a request filed, routed, worked and its timers fired), the five
    processes together hold at most 25 PostgreSQL connections (EGOV_PG_POOL_MAX 5 each), so
    four stacks fit in PostgreSQL's default max_connections of 100. Each store names its
    connections egov:<schema>; the stack's schemas are <namespace>_<service>."""
    admin = await asyncpg.connect(pg_dsn)
    try:
        rows = await admin.fetch(
            "SELECT application_name, count(*) AS n FROM pg_stat_activity "
            "WHERE application_name LIKE $1 GROUP BY application_name",
            f"egov:{up.namespace}\\_%",
        )
    finally:
        await admin.close()
    per_service = {r["application_name"]: r["n"] for r in rows}
    print(f"PostgreSQL connections per service after the journey: {per_service}")
    assert set(per_service) == {f"egov:{up.namespace}_{s}" for s in SERVICES}
    assert all(n <= 5 for n in per_service.values()), per_service
    assert sum(per_service.values()) <= 25, per_service


async def _move_clock(
    http: httpx.AsyncClient, up: Up, service: str, now: str, *, as_operator: bool = True
) -> httpx.Response:
    """``PUT /simulation/clock``, signed by the provisioned simulation operator (shared.authz)
    unless ``as_operator`` is false (then by the portal's system key)."""
    if as_operator:
        signer = operator_signer(up.data_dir, SIMULATION_OPERATOR_KEY)
    else:
        keys = up.data_dir / "keys" / "portal"
        signer = signer_from_key_file(keys / "portal.p12", (keys / "password").read_text())
    body = json.dumps({"now": now}).encode()
    headers = {
        "content-type": "application/json",
        **sign_request(signer, "PUT", "/simulation/clock", body),
    }
    return await http.put(f"{up.urls[service]}/simulation/clock", content=body, headers=headers)


async def _overdue(row: Callable[[], Awaitable[dict[str, Any] | None]]) -> dict[str, Any] | None:
    found = await row()
    return found if found is not None and found["overdue"] else None


def _plus_days(iso: str, days: int) -> str:
    from datetime import datetime, timedelta

    return (datetime.fromisoformat(iso) + timedelta(days=days)).isoformat()


async def test_the_clock_endpoints_refuse_backwards_and_real_time_services(up: Up) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        for service in CLOCKED:
            state = (await http.get(f"{up.urls[service]}/simulation/clock")).json()
            assert state["simulated"] is True
            assert state["now"] >= "2019-11-04T03:00"
            back = await _move_clock(http, up, service, "2019-01-01T00:00:00Z")
            assert back.status_code == 409
            assert back.json()["code"] == "clock_backwards"
            # Nobody but the simulation operator moves it: not anonymous, not a system.
            anonymous = await http.put(
                f"{up.urls[service]}/simulation/clock", json={"now": "2030-01-01T00:00:00Z"}
            )
            assert anonymous.status_code == 401, anonymous.text
            portal = await _move_clock(http, up, service, "2030-01-01T00:00:00Z", as_operator=False)
            assert (portal.status_code, portal.json()["code"]) == (403, "ROLE_REQUIRED")
        for service in ("gateway", "registry"):
            state = (await http.get(f"{up.urls[service]}/simulation/clock")).json()
            assert state["simulated"] is False
            refused = await http.put(
                f"{up.urls[service]}/simulation/clock", json={"now": "2030-01-01T00:00:00Z"}
            )
            assert refused.json()["code"] == "clock_not_simulated"


def test_sigterm_stops_every_process_cleanly_and_removes_the_manifest(own_up: Up) -> None:
    pids = list(own_up.manifest()["pids"].values())
    own_up.process.send_signal(signal.SIGTERM)
    try:
        code = own_up.process.wait(timeout=WAIT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"egov up did not stop within {WAIT_S} s of SIGTERM")
    assert code == 0, own_up.log()
    assert all(process_gone(pid) for pid in pids), pids
    assert not (own_up.data_dir / "stack.json").exists()
    assert "egov up: stopped" in own_up.out.read_text()
    for service in SERVICES:
        assert (
            f"egov serve {service}: stopped"
            in (own_up.data_dir / "logs" / f"{service}.log").read_text()
        )


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"EGOV_AMQP_URL": "amqp://guest:guest@127.0.0.1:5672/"}, "set EGOV_PG_DSN"),
        (
            {
                "EGOV_PG_DSN": "postgresql://egov:secret-pw@127.0.0.1:9/nothing",
                "EGOV_AMQP_URL": "amqp://guest:guest@127.0.0.1:5672/",
            },
            "PostgreSQL at postgresql://egov:[REDACTED]@127.0.0.1:9/nothing does not answer",
        ),
    ],
)
def test_egov_up_names_a_missing_or_unreachable_server(
    tmp_path: Path, variables: dict[str, str], expected: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOV_")} | variables
    result = subprocess.run(
        [*egov_command(), "up", "--data-dir", str(tmp_path / "var")],
        env=env,
        capture_output=True,
        text=True,
        timeout=WAIT_S,
        check=False,
    )
    assert result.returncode in (1, 2)
    assert expected in result.stderr
    assert "secret-pw" not in result.stderr
    assert not (tmp_path / "var" / "stack.json").exists()
