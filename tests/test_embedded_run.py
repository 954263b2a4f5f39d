"""``egov run`` as a user runs it: a real process, five ports, SIGINT to stop."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.startup_bench import environment
from egov.stack import free_ports

SERVICES = ("portal", "gateway", "elicense", "registry", "provider")
EGOV = Path(sys.executable).parent / "egov"

# Bounds that catch a hang, not a speed requirement: the machine running the suite may be slow.
START_BOUND_S = 90
STOP_BOUND_S = 30


@pytest.fixture
def ports() -> dict[str, int]:
    return dict(zip(SERVICES, free_ports(len(SERVICES)), strict=True))


@pytest.fixture
def egov_run(tmp_path: Path, ports: dict[str, int]) -> Iterator[subprocess.Popen[bytes]]:
    # Servers that do not exist: the embedded mode must ignore them (SQLite, in-memory bus).
    env = environment(tmp_path / "var", ports) | {
        "EGOV_PG_DSN": "postgresql://nobody@127.0.0.1:9/nothing",
        "EGOV_AMQP_URL": "amqp://nobody:secret-pw@127.0.0.1:9/",
    }
    with (tmp_path / "out.txt").open("wb") as out, (tmp_path / "err.txt").open("wb") as err:
        process = subprocess.Popen([str(EGOV), "run"], env=env, stdout=out, stderr=err)
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def wait_healthy(process: subprocess.Popen[bytes], ports: dict[str, int], log: Path) -> None:
    deadline = time.monotonic() + START_BOUND_S
    pending = dict(ports)
    with httpx.Client(timeout=5) as client:
        while pending:
            if process.poll() is not None:
                pytest.fail(f"egov run exited with {process.returncode}:\n{log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"not healthy after {START_BOUND_S} s: {sorted(pending)}")
            for name, port in list(pending.items()):
                try:
                    if client.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                        del pending[name]
                except httpx.TransportError:
                    pass
            time.sleep(0.2)


@pytest.mark.slow
def test_egov_run_serves_five_services_and_stops_cleanly_on_sigint(
    egov_run: subprocess.Popen[bytes], ports: dict[str, int], tmp_path: Path
) -> None:
    wait_healthy(egov_run, ports, tmp_path / "err.txt")

    with httpx.Client(timeout=5) as client:
        for name, port in ports.items():
            base = f"http://127.0.0.1:{port}"
            health = client.get(f"{base}/health").json()
            assert health["service"] == name
            assert health["checks"]["database"]["ok"] is True
            assert health["checks"]["broker"]["ok"] is True
            doc = client.get(f"{base}/openapi.json", headers={"X-Correlation-ID": f"t-{name}"})
            assert doc.headers["X-Correlation-ID"] == f"t-{name}"
            assert doc.json()["info"]["title"].startswith(f"{name}:")
            metrics = client.get(f"{base}/metrics").text
            assert 'http_requests_total{method="GET",route="/health",status="200"}' in metrics
            assert f'egov_service_info{{service="{name}"' in metrics

    assert sorted(p.name for p in (tmp_path / "var").iterdir() if p.suffix == ".sqlite3") == sorted(
        f"{name}.sqlite3" for name in SERVICES
    )

    egov_run.send_signal(signal.SIGINT)
    try:
        code = egov_run.wait(timeout=STOP_BOUND_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"egov run did not stop within {STOP_BOUND_S} s of SIGINT")
    assert code == 0, (tmp_path / "err.txt").read_text()

    out = (tmp_path / "out.txt").read_text()
    for name, port in ports.items():
        [line] = [x for x in out.splitlines() if f"http://127.0.0.1:{port}/health" in x]
        assert line.split()[0] == name
        assert f"http://127.0.0.1:{port}/docs" in line
    assert "stopped" in out

    # The console keeps the summary; the log lines go to the data directory's logs folder.
    logs = tmp_path / "var" / "logs" / "egov-run.jsonl"
    assert f"logs: {logs}" in out
    assert (tmp_path / "err.txt").read_text() == ""
    lines = [json.loads(line) for line in logs.read_text().splitlines()]
    requests = [x for x in lines if x["event"] == "http.request"]
    for name in SERVICES:
        [line] = [x for x in requests if x["correlation_id"] == f"t-{name}"]
        assert line["service"] == name
        assert line["path"] == "/openapi.json"
    stopped = {x["service"] for x in lines if x["event"] == "service.stopped"}
    assert stopped == set(SERVICES)
    assert [x["event"] for x in lines].count("embedded.ignoring_servers") == 1
    assert "secret-pw" not in logs.read_text()


@pytest.mark.slow
def test_egov_run_sigterm_also_stops_cleanly(
    egov_run: subprocess.Popen[bytes], ports: dict[str, int], tmp_path: Path
) -> None:
    wait_healthy(egov_run, ports, tmp_path / "err.txt")
    egov_run.send_signal(signal.SIGTERM)
    try:
        code = egov_run.wait(timeout=STOP_BOUND_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"egov run did not stop within {STOP_BOUND_S} s of SIGTERM")
    assert code == 0, (tmp_path / "err.txt").read_text()


def test_egov_run_names_a_taken_port_and_its_variable(
    tmp_path: Path, ports: dict[str, int]
) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", ports["elicense"]))
        holder.listen()
        result = subprocess.run(
            [str(EGOV), "run"],
            env=environment(tmp_path / "var", ports),
            capture_output=True,
            text=True,
            timeout=STOP_BOUND_S + START_BOUND_S,
            check=False,
        )
    assert result.returncode != 0
    assert f"port {ports['elicense']}" in result.stderr
    assert "EGOV_ELICENSE_PORT" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"), [("EGOV_LOG_LEVEL", "LOUD"), ("EGOV_PORTAL_PORT", "x")]
)
def test_egov_run_refuses_a_bad_setting(
    tmp_path: Path, ports: dict[str, int], variable: str, value: str
) -> None:
    env = environment(tmp_path / "var", ports) | {variable: value}
    result = subprocess.run(
        [str(EGOV), "run"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert f"{variable}={value!r}" in result.stderr


def test_egov_help_and_version() -> None:
    help_text = subprocess.run(
        [str(EGOV), "--help"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    for command in ("run", "version", "settings"):
        assert command in help_text
    version = subprocess.run(
        [str(EGOV), "version"], capture_output=True, text=True, timeout=60, check=True
    ).stdout.strip()
    assert version[0].isdigit()
