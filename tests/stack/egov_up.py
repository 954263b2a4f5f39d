"""``egov up`` started as a user starts it, for the tests that drive it (tests/stack/test_up.py,
tests/stack/test_revocation_up.py): a subprocess with five ``egov serve`` processes on the real
PostgreSQL and RabbitMQ under a fresh namespace, stopped and its namespace dropped afterwards,
whatever the test did; and the people of tests/embedded.py given НУЦ certificates on it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from egov.provisioning import read_env_file
from egov.stack import SERVICES, StackOptions, drop_namespace, egov_command, free_ports
from shared.pki.setup import signer_from_key_file
from shared.signing import Signer
from tests.embedded import AKIMAT_BIN, APPLICANT, CLERK, CULTURE

# Bounds that catch a hang, not speed requirements: the machine running the suite may be slow.
START_BOUND_S = 90
WAIT_S = 60


@dataclass
class Up:
    process: subprocess.Popen[bytes]
    data_dir: Path
    namespace: str
    ports: dict[str, int]
    out: Path
    err: Path

    @property
    def urls(self) -> dict[str, str]:
        return {s: f"http://127.0.0.1:{p}" for s, p in self.ports.items()}

    def manifest(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads((self.data_dir / "stack.json").read_text())
        return loaded

    def cli_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("EGOV_")}
        for service in SERVICES:
            env |= read_env_file(self.data_dir / "env" / f"{service}.env")
        return env

    async def egov(self, *args: str) -> str:
        process = await asyncio.create_subprocess_exec(
            *egov_command(),
            *args,
            env=self.cli_env(),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), WAIT_S)
        assert process.returncode == 0, f"egov {' '.join(args)}: {err.decode()}"
        return out.decode()

    def wait_up(self) -> None:
        deadline = time.monotonic() + START_BOUND_S
        while "all services are up" not in self.out.read_text():
            if self.process.poll() is not None:
                pytest.fail(f"egov up exited with {self.process.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"egov up not up within {START_BOUND_S} s:\n{self.log()}")
            time.sleep(0.2)

    def log(self) -> str:
        return self.out.read_text() + self.err.read_text()


def start_up(
    tmp_path: Path, pg_dsn: str, amqp_url: str, *, namespace_from_env: bool = False
) -> Iterator[Up]:
    """``egov up`` under a fresh namespace: ``--namespace NS``, or with ``namespace_from_env``
    the variable ``EGOV_BUS_NAMESPACE=NS.`` instead."""
    namespace = "up" + uuid.uuid4().hex[:10]
    ports = dict(zip(SERVICES, free_ports(len(SERVICES)), strict=True))
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOV_")}
    env |= {
        "EGOV_PG_DSN": pg_dsn,
        "EGOV_AMQP_URL": amqp_url,
        # The shared broker has no management API to make per-service users with, and a test
        # must not reconfigure it: every service runs as EGOV_AMQP_URL's user (said on stderr).
        # tests/broker runs egov up with its users on a RabbitMQ node of its own.
        "EGOV_AMQP_ADMIN": "none",
        "EGOV_SHUTDOWN_TIMEOUT_S": "5",
        # The applicant's registration needs Argon2 at its default cost; cheaper here.
        "EGOV_PORTAL_ARGON2_MEMORY_KIB": "1024",
        "EGOV_PORTAL_ARGON2_TIME_COST": "1",
    }
    env |= {f"EGOV_{s.upper()}_PORT": str(p) for s, p in ports.items()}
    data_dir = tmp_path / "var"
    out, err = tmp_path / "up.out", tmp_path / "up.err"
    command = [*egov_command(), "up", "--data-dir", str(data_dir)]
    if namespace_from_env:
        env["EGOV_BUS_NAMESPACE"] = f"{namespace}."
    else:
        command += ["--namespace", namespace]
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            command,
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
    up = Up(process, data_dir, namespace, ports, out, err)
    try:
        up.wait_up()
        yield up
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=WAIT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        options = StackOptions(data_dir, pg_dsn=pg_dsn, amqp_url=amqp_url, namespace=namespace)
        asyncio.run(drop_namespace(options))


async def issue(up: Up, kind: str, out: Path, *args: str) -> Signer:
    await up.egov("pki", "issue", kind, *args, "--password", "applicant-pw", "--out", str(out))
    return signer_from_key_file(out, "applicant-pw")


async def issue_applicant(up: Up, out: Path) -> Signer:
    """The applicant of tests/embedded.py (APPLICANT), a person's signing key from the НУЦ."""
    return await issue(up, "person", out, "--iin", APPLICANT, "--name", "Seitkalieva Aigerim")


async def issue_clerk(up: Up, out: Path) -> Signer:
    """The Almaty culture clerk of tests/embedded.py (CLERK): an employee's signing key of the
    akimat's department, and a place on the culture workstation's roster as office clerk."""
    clerk = await issue(
        up, "entity", out,
        "--bin", AKIMAT_BIN, "--iin", CLERK, "--role", "employee", "--name", "Omarov Erlan",
        "--organization", "Almaty Department of Culture and Archives",
    )  # fmt: skip
    await up.egov(
        "provider", "staff", "appoint", CULTURE, CLERK, "Omarov Erlan", "--role", "office_clerk"
    )
    return clerk
