"""``egov up`` with one broker user per service: on the private node, every service process
connects as its own user with a password kept owner-only, the users go with the namespace; and
where no management API answers, ``egov up`` stops and says how to opt out, instead of running
every service as one user behind the operator's back."""

from __future__ import annotations

import os
import stat
import subprocess
import uuid
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx
import pytest

from egov.broker import password_file
from egov.stack import SERVICES, StackOptions, egov_command, running_stack
from shared.bus.permissions import broker_user
from tests.faults.servers import PrivateRabbitMQ, free_port

pytestmark = [pytest.mark.infra, pytest.mark.slow]


def management(node: PrivateRabbitMQ, path: str) -> httpx.Response:
    return httpx.get(
        f"http://127.0.0.1:{node.management_port}/api{path}", auth=("guest", "guest"), timeout=10
    )


async def test_egov_up_runs_every_service_as_its_own_broker_user(
    private_broker: PrivateRabbitMQ, pg_dsn: str, tmp_path: Path
) -> None:
    namespace = f"bu{uuid.uuid4().hex[:10]}"
    data_dir = tmp_path / "var"
    options = StackOptions(
        data_dir,
        pg_dsn=pg_dsn,
        amqp_url=private_broker.url,
        namespace=namespace,
        amqp_admin=private_broker.admin_url,
        env={"EGOV_SHUTDOWN_TIMEOUT_S": "5"},
    )
    users = {s: broker_user(s, f"{namespace}.") for s in SERVICES}
    async with running_stack(options, drop=True) as stack:  # every /health answered 200
        for service in SERVICES:
            url = urlsplit(stack.service_env(service)["EGOV_AMQP_URL"])
            assert url.username == users[service]
            kept = password_file(data_dir, service)
            assert stat.S_IMODE(kept.stat().st_mode) == 0o600
            assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
            assert unquote(url.password or "") == kept.read_text().strip()
            assert (url.hostname, url.port) == ("127.0.0.1", private_broker.port)
        assert stack.manifest()["broker_users"] == users
        # The broker's own view: the services' connections are theirs, none is the guest's.
        listed = private_broker.ctl("list_connections", "user", "--no-table-headers", "-q")
        connected = set(listed.stdout.split())
        assert set(users.values()) <= connected
        assert "guest" not in connected
        async with httpx.AsyncClient(timeout=10) as http:
            health = await http.get(f"{stack.urls['elicense']}/health")
        assert health.status_code == 200, health.text
    for user in users.values():
        assert management(private_broker, f"/users/{user}").status_code == 404
    # No broker password in what egov up and the services logged.
    logs = "".join(p.read_text(errors="replace") for p in (data_dir / "logs").glob("*.log"))
    for service in SERVICES:
        assert password_file(data_dir, service).read_text().strip() not in logs


def test_egov_up_without_a_management_api_stops_and_names_the_opt_out(
    pg_dsn: str, amqp_url: str, tmp_path: Path
) -> None:
    """The shared broker has no management plugin: per-service users cannot be made there, and
    egov up says so, naming EGOV_AMQP_ADMIN=none as the way to run without them. (The
    management API here is a closed port: the shared broker must never get users.)"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOV_")}
    env |= {
        "EGOV_PG_DSN": pg_dsn,
        "EGOV_AMQP_URL": amqp_url,
        "EGOV_AMQP_ADMIN": f"http://guest:s3cret-admin@127.0.0.1:{free_port()}/",
    }
    data_dir = tmp_path / "var"
    done = subprocess.run(
        [
            *egov_command(),
            "up",
            "--data-dir",
            str(data_dir),
            "--namespace",
            "bn" + uuid.uuid4().hex[:8],
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    said = done.stdout + done.stderr
    assert done.returncode == 1, said
    assert "cannot provision one broker user per service" in done.stderr
    assert "management API" in done.stderr
    assert "EGOV_AMQP_ADMIN=none" in done.stderr
    assert "s3cret-admin" not in said + (data_dir / "logs" / "provision.log").read_text()
    assert not (data_dir / "keys" / "portal").exists()  # stopped before any key was issued
