"""``egov provision``: keys, the gateway's rules and one env file per service for separate
processes; idempotent, and no key password in any env file or in its output."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from egov.provisioning import OPERATORS, read_env_file
from egov.stack import SERVICES, egov_command, free_ports


def provision(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*egov_command(), "provision"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOV_")}
    env["EGOV_DATA_DIR"] = str(tmp_path / "var")
    env["EGOV_SIMULATION_CONTROL"] = "true"
    for service, port in zip(SERVICES, free_ports(len(SERVICES)), strict=True):
        env[f"EGOV_{service.upper()}_PORT"] = str(port)
    return env


def test_provision_writes_env_files_without_passwords_and_is_idempotent(
    env: dict[str, str], tmp_path: Path
) -> None:
    first = provision(env)
    assert first.returncode == 0, first.stderr
    # 10 systems and E-licensing's 4 staff (almaty: clerk, executor, head; akmola: employee).
    # 14 systems' and E-licensing staff's keys, and the operators' (shared.authz's roles).
    keys = 14 + len(OPERATORS)
    assert f"{keys} issued, 0 reused" in first.stdout
    assert "E-licensing staff" in first.stdout
    data = tmp_path / "var"
    files = {service: data / "env" / f"{service}.env" for service in SERVICES}
    texts = {service: path.read_text() for service, path in files.items()}

    second = provision(env)
    assert second.returncode == 0, second.stderr
    assert f"0 issued, {keys} reused" in second.stdout
    assert {service: path.read_text() for service, path in files.items()} == texts

    passwords = [p.read_text().strip() for p in (data / "keys").glob("*/password")]
    # portal, gateway, elicense, provider, registry, elicense-staff, operators
    assert len(passwords) == 7
    output = first.stdout + first.stderr + second.stdout + second.stderr
    for password in passwords:
        assert password not in output
        for text in texts.values():
            assert password not in text
    for path in files.values():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    portal = read_env_file(files["portal"])
    assert portal["EGOV_PORTAL_PORT"] == env["EGOV_PORTAL_PORT"]
    assert portal["EGOV_PORTAL_GATEWAY_URL"] == f"http://127.0.0.1:{env['EGOV_GATEWAY_PORT']}"
    assert portal["EGOV_PORTAL_SIMULATED_DATE"] == "2019-11-04"
    assert portal["EGOV_SIMULATION_CONTROL"] == "true"
    assert not any(name.endswith("_KEY_PASSWORD") for name in portal)
    for service in ("portal", "gateway", "elicense", "provider"):
        variables = read_env_file(files[service])
        password_file = Path(variables[f"EGOV_{service.upper()}_KEY_PASSWORD_FILE"])
        assert password_file.read_text().strip() in passwords
    gateway = read_env_file(files["gateway"])
    rules = Path(gateway["EGOV_GATEWAY_RULES_FILE"]).read_text()
    assert f"127.0.0.1:{env['EGOV_REGISTRY_PORT']}" in rules  # sync calls to this registry
    registry = read_env_file(files["registry"])
    assert registry["EGOV_REGISTRY_EVENT_STORE_URL"].startswith("sqlite:///")


def test_provision_refuses_a_bad_setting(env: dict[str, str]) -> None:
    result = provision(env | {"EGOV_GATEWAY_PORT": "gateway"})
    assert result.returncode == 2
    assert "EGOV_GATEWAY_PORT='gateway'" in result.stderr
