"""deploy/compose.yaml started for real, as a developer starts it (``deploy/compose.sh up``:
the images built, from the official bases or, where no registry answers, from the bases
deploy/local-images.sh builds here), every container waited for until healthy; then a journey
driven from the host: A-2018 filed at the portal, every staff step done on the workstation's
API, the certificate in the cabinet (the catalogue's scenario, run by ``egov scenario run``
against the published ports), with the provider's and the broker's containers killed
(``docker kill``) while the request waits for the provider, and started again: the scenario's
checks see each status once, in order, nothing lost and nothing done twice. ``egov subscribe``
on the host sees the statuses with their signatures checked (the certificates name the НУЦ at
its published address). The provider is killed once the run has set the topology's clocks and
before the request reaches it (the request then waits in its queue, and the broker is killed
with it there). Everything is removed afterwards (``down -v``).

Needs a Docker engine and Compose (v2 or v1); skipped without them, failed under
EGOV_REQUIRE_INFRA=1 (CI installs and starts them: .ci/run)."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from egov.stack import egov_command
from tests.deploy.support import DEPLOY, ROOT

# Building the images from nothing takes minutes (measured here: about 6 for the bases and the
# egov image together); the bound catches a hang.
pytestmark = [pytest.mark.infra, pytest.mark.slow, pytest.mark.timeout(2400)]

PROJECT = "egov-sim-test"
COMPOSE_SH = DEPLOY / "compose.sh"
SCENARIO = (
    ROOT
    / "scenarios/catalogue/cultural_values_export@almaty-2018"
    / "a-almaty-2018-portal-hand-out-certificate-issued.yaml"
)
SERVICE_PORTS = {
    "portal": 8081,
    "gateway": 8082,
    "elicense": 8083,
    "registry": 8084,
    "provider": 8085,
}
BROKER = "amqp://egov:egov-dev@127.0.0.1:5673/"
MANAGEMENT = "http://127.0.0.1:15673"
PROVIDER_LOG = "postgresql://egov:egov-dev@127.0.0.1:5433/provider"
PROVIDER_QUEUE = "to.provider.almaty.culture"
# Bounds that catch a hang, not speed requirements.
UP_BOUND_S = 1800
WAIT_S = 180


def _port_taken(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _why_not() -> str | None:
    if shutil.which("docker") is None:
        return "no docker command (Debian: apt-get install docker.io)"
    if subprocess.run(["docker", "info"], capture_output=True, check=False).returncode != 0:
        return "no Docker engine answers (start dockerd)"
    v2 = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    if v2.returncode != 0 and shutil.which("docker-compose") is None:
        return "neither 'docker compose' nor 'docker-compose' is installed"
    taken = [p for p in (*SERVICE_PORTS.values(), 5673, 15673, 5433) if _port_taken(p)]
    if taken:
        return f"the compose topology's host ports {taken} are taken on 127.0.0.1"
    return None


@dataclass
class Compose:
    env: dict[str, str]
    workdir: Path

    def run(self, *args: str, timeout: float = WAIT_S) -> str:
        done = subprocess.run(
            ["bash", str(COMPOSE_SH), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, f"compose.sh {' '.join(args)}:\n{done.stdout}{done.stderr}"
        return done.stdout

    def container(self, service: str) -> str:
        found = self.run("ps", "-q", service).split()
        assert len(found) == 1, f"{service}: {found}"
        return found[0]

    def docker(self, *args: str) -> str:
        done = subprocess.run(
            ["docker", *args], capture_output=True, text=True, timeout=WAIT_S, check=False
        )
        assert done.returncode == 0, f"docker {' '.join(args)}: {done.stderr}"
        return done.stdout.strip()

    def wait_healthy(self, service: str) -> None:
        container = self.container(service)
        deadline = time.monotonic() + WAIT_S
        while self.docker("inspect", "-f", "{{.State.Health.Status}}", container) != "healthy":
            assert time.monotonic() < deadline, f"{service} not healthy again within {WAIT_S} s"
            time.sleep(1)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Compose]:
    reason = _why_not()
    if reason is not None:
        if os.environ.get("EGOV_REQUIRE_INFRA") == "1":
            pytest.fail(f"docker compose cannot run: {reason}")
        pytest.skip(f"docker compose cannot run: {reason}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOV_")}
    env["EGOV_COMPOSE_PROJECT"] = PROJECT
    compose = Compose(env, tmp_path_factory.mktemp("compose"))
    began = time.monotonic()
    try:
        compose.run("up", timeout=UP_BOUND_S)
        print(f"deploy/compose.sh up (images built, every container healthy): "
              f"{time.monotonic() - began:.0f} s")  # fmt: skip
        yield compose
    finally:
        compose.run("down", "-v", timeout=WAIT_S)


def test_every_service_answers_healthy_on_its_published_port(stack: Compose) -> None:
    for service, port in SERVICE_PORTS.items():
        health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=10).json()
        assert (health["status"], health["service"]) == ("ok", service), health
    state = stack.docker("inspect", "-f", "{{.State.ExitCode}}", stack.container("provision"))
    assert state == "0"


def test_a_journey_from_the_host_survives_killed_provider_and_broker(stack: Compose) -> None:
    data = stack.workdir / "data"
    # The keys egov provision made in the data volume: the operators' (the НУЦ's RA issues the
    # journey's people their certificates; the simulation operator moves the clock).
    stack.docker("cp", f"{stack.container('registry')}:/data", str(data))
    scenario = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))
    scenario["timeout_s"] = WAIT_S  # each wait may span a container's restart
    scenario_file = stack.workdir / "a-2018.yaml"
    scenario_file.write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOV_")}
    env["EGOV_PROVIDER_EVENT_STORE_URL"] = PROVIDER_LOG  # the staff appointed in its log
    env["PYTHONUNBUFFERED"] = "1"

    provider, broker = stack.container("provider"), stack.container("rabbitmq")
    provider_log = Lines(["docker", "logs", "--follow", "--since", "1s", provider])
    journey = subprocess.Popen(
        [*egov_command(), "scenario", "run", str(scenario_file),
         "--target", "http://127.0.0.1", "--data-dir", str(data)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        # The run puts every clock on one instant first (the provider's last); then its people
        # get their certificates, the applicant registers and files. The provider dies between.
        provider_log.wait_for(
            lambda line: "/simulation/clock" in line and "PUT" in line, journey, "the clock moved"
        )
        stack.docker("kill", provider)
        provider_log.close()
        # The request waits in the provider's queue: the broker dies too, and both start again.
        deadline = time.monotonic() + WAIT_S
        while _queued(PROVIDER_QUEUE) < 1:
            assert journey.poll() is None, journey.communicate()[0]
            assert time.monotonic() < deadline, f"nothing waited in {PROVIDER_QUEUE}"
            time.sleep(0.5)
        stack.docker("kill", broker)
        stack.docker("start", broker)
        stack.wait_healthy("rabbitmq")
        subscriber = Lines(
            [*egov_command(), "subscribe", "--amqp-url", BROKER, "--namespace", "",
             "--trust-anchors", str(data / "keys" / "trust-anchors.pem"),
             "--service", "cultural_values_export"],
            env=env,
        )  # fmt: skip
        subscriber.wait_for(lambda line: "listening" in line, journey, "egov subscribe")
        stack.docker("start", provider)
        try:
            out, _ = journey.communicate(timeout=WAIT_S * 4)
            subscriber.wait_for(
                lambda line: "cultural_values_export.completed" in line, None, "completed"
            )
        finally:
            subscriber.close()
    finally:
        if journey.poll() is None:
            journey.kill()
            journey.wait()
        if journey.stdout is not None:
            journey.stdout.close()
    # The scenario checks each status once, in order: nothing lost, nothing done twice.
    assert journey.returncode == 0, out
    assert "1/1 scenarios passed" in out, out
    seen = subscriber.seen()
    print("egov subscribe on the host saw:\n" + "\n".join(seen))
    assert next(line for line in seen if "cultural_values_export.completed" in line).startswith(
        "ok "
    ), "the final status, its signature checked on the host"
    assert not [line for line in seen if line.startswith("INVALID")], seen


class Lines:
    """A process's output lines (stdout and stderr), read as they come by a thread."""

    def __init__(self, command: list[str], env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self._lines: queue.Queue[str] = queue.Queue()
        self._seen: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))

    def wait_for(
        self, match: Callable[[str], bool], journey: subprocess.Popen[str] | None, what: str
    ) -> str:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            if journey is not None and journey.poll() is not None:
                pytest.fail(f"the journey ended before {what}: {journey.communicate()[0]}")
            try:
                line = self._lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self._seen.append(line)
            if match(line):
                return line
        pytest.fail(f"not within {WAIT_S} s: {what}; seen:\n" + "\n".join(self._seen[-20:]))

    def seen(self) -> list[str]:
        while not self._lines.empty():
            self._seen.append(self._lines.get_nowait())
        return self._seen

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=30)  # to the end of its output
        if self.process.stdout is not None:
            self.process.stdout.close()


def _queued(queue: str) -> int:
    """Messages in ``queue`` (the broker's management API); 0 while it does not answer."""
    try:
        answer = httpx.get(f"{MANAGEMENT}/api/queues/%2F/{queue}", auth=("egov", "egov-dev"))
    except httpx.TransportError:
        return 0
    if answer.status_code != 200:
        return 0
    return int(json.loads(answer.text).get("messages", 0))
