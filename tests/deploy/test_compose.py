"""deploy/compose.yaml checked statically (no Docker engine here): the Compose Specification's
schema, and every service, command, port, EGOV_* variable, health check, database, broker
name and file it names against the code."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest

from egov.broker import password_matches
from egov.cli import build_cli
from egov.commands.serve import ServiceName
from egov.embedded import EmbeddedSettings, services, settings_classes
from egov.stack import CLOCK_FILE
from gateway_svc import topology
from shared.bus.permissions import broker_user, grants
from shared.clock import SystemClock
from shared.config import env_var, load_settings
from shared.pki.revocation_events import PKI_EXCHANGE
from shared.simclock import ClockBackwards, SimulationClock, business_clock
from tests.deploy.support import (
    COMPOSE,
    DEPLOY,
    ROOT,
    compose,
    egov_services,
    environment,
    interpolate,
    raw_compose,
)

VENDORED = Path(__file__).with_name("vendor") / "compose-spec.json"
VENDORED_SHA256 = "d549057ebc2925f39f62799eab0db7b9e2c18b35b6c00595199116da3ed10e64"
SETTINGS = {entry.settings.service: entry.settings for entry in services()}


def _variables(cls: type[Any]) -> set[str]:
    return {env_var(cls, name, field) for name, field in cls.model_fields.items()}


def _health_url(spec: dict[str, Any]) -> str:
    test = " ".join(spec["healthcheck"]["test"])
    found = re.findall(r"https?://[^'\" ]+", test)
    assert len(found) == 1, f"one URL in the health check: {test}"
    return str(found[0])


@pytest.fixture
def settings_of(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A service's settings as its container would load them (its environment only). The
    password files are read at load and exist only once provisioned: test_provisioning.py
    checks their paths against what egov provision writes."""

    def load(container: str) -> Any:
        for name in [n for n in os.environ if n.startswith("EGOV_")]:
            monkeypatch.delenv(name)
        for name, value in environment(container).items():
            if not name.endswith("_PASSWORD_FILE"):
                monkeypatch.setenv(name, value)
        return load_settings(SETTINGS[egov_services()[container]])

    return load


def test_compose_file_follows_the_compose_specification() -> None:
    raw = VENDORED.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == VENDORED_SHA256, "vendored schema was altered"
    validator = jsonschema.Draft202012Validator(json.loads(raw))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(compose())]
    assert errors == []
    broken = compose()
    broken["services"]["gateway"]["depends_on"]["registry"]["condition"] = "service_ready"
    assert list(validator.iter_errors(broken)) != []


def test_every_service_runs_in_its_own_container() -> None:
    assert sorted(egov_services().values()) == sorted(SETTINGS)
    assert sorted(egov_services().values()) == sorted(s.value for s in ServiceName)
    assert {name: svc for name, svc in egov_services().items() if name != svc} == {}


def test_every_command_is_an_egov_command() -> None:
    registered = {c.name for c in build_cli().registered_commands}
    for name, spec in compose()["services"].items():
        if spec.get("image") != "egov-sim:local":
            continue
        assert spec["command"][0] in registered, f"{name}: egov {spec['command'][0]}?"


def test_every_egov_variable_exists_and_belongs_to_the_container_reading_it() -> None:
    shared = _variables(EmbeddedSettings)
    known = shared.union(*(_variables(cls) for cls in settings_classes()))
    for name, spec in compose()["services"].items():
        for variable in spec.get("environment", {}):
            if variable.startswith("EGOV_"):
                assert variable in known, f"{name}: {variable} is read by no settings class"
        if name in egov_services():
            own = _variables(SETTINGS[egov_services()[name]])
            foreign = {v for v in environment(name) if v.startswith("EGOV_")} - own
            assert foreign == set(), f"{name}: variables of other services {foreign}"


@pytest.mark.parametrize("container", ["portal", "gateway", "elicense", "registry", "provider"])
def test_port_health_check_and_published_port_match_the_settings(
    container: str, settings_of: Any
) -> None:
    settings = settings_of(container)  # also: every value in the environment is valid
    spec = compose()["services"][container]
    url = urlsplit(_health_url(spec))
    assert url.port == settings.port
    assert url.path == "/health"
    # Probed from inside the container: on loopback when it listens on every interface, else
    # on the name it listens on.
    assert url.hostname == ("127.0.0.1" if settings.host == "0.0.0.0" else settings.host)  # noqa: S104
    assert settings.host in ("0.0.0.0", container)  # noqa: S104
    assert spec["ports"] == [f"127.0.0.1:{settings.port}:{settings.port}"]


def test_health_route_is_served_by_every_service(tmp_path: Path) -> None:
    for service, cls in SETTINGS.items():
        built = next(e for e in services() if e.settings is cls).bootstrap(
            load_settings(cls, data_dir=tmp_path)
        )
        assert "get" in built.app.openapi()["paths"].get("/health", {}), service


def test_services_start_after_provisioning_and_their_dependencies_are_healthy() -> None:
    specs = compose()["services"]
    for name in egov_services():
        depends = specs[name]["depends_on"]
        assert depends["provision"] == {"condition": "service_completed_successfully"}
        for other, condition in depends.items():
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in specs[other], f"{name} waits for {other}'s health"
    for name in ("portal", "elicense", "provider"):
        assert specs[name]["depends_on"]["gateway"] == {"condition": "service_healthy"}
    assert specs["gateway"]["depends_on"]["registry"] == {"condition": "service_healthy"}
    assert specs["provision"]["command"] == ["provision"]
    assert specs["provision"]["restart"] == "no"


def test_gateway_urls_name_the_gateway_container() -> None:
    gateway = urlsplit(f"http://gateway:{SETTINGS['gateway'].model_fields['port'].default}")
    for container in ("portal", "elicense", "provider", "provision"):
        for name, value in environment(container).items():
            if name.endswith("_GATEWAY_URL"):
                assert urlsplit(value)[:2] == gateway[:2], f"{container}: {name}={value}"


def test_every_store_url_names_a_database_the_init_script_creates() -> None:
    created = set(
        re.findall(
            r"CREATE DATABASE (\w+);",
            (DEPLOY / "postgres" / "init-databases.sql").read_text(encoding="utf-8"),
        )
    )
    postgres = compose()["services"]["postgres"]
    user = postgres["environment"]["POSTGRES_USER"]
    password = postgres["environment"]["POSTGRES_PASSWORD"]
    mounted = {v.split(":")[1] for v in postgres["volumes"]}
    assert "/docker-entrypoint-initdb.d/10-init-databases.sql" in mounted
    used = {}
    for container in [*egov_services(), "provision"]:
        for name, value in environment(container).items():
            if name.endswith("_EVENT_STORE_URL"):
                url = urlsplit(value)
                assert (url.hostname, url.port) == ("postgres", 5432)
                assert (url.username, url.password) == (user, password)
                used[name] = url.path.lstrip("/")
    assert created == set(SETTINGS)  # one database per service
    assert used == {f"EGOV_{s.upper()}_EVENT_STORE_URL": s for s in SETTINGS}


def test_rabbitmq_definitions_hold_the_users_and_the_gateways_exchanges() -> None:
    definitions = json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text())
    conf = (DEPLOY / "rabbitmq" / "rabbitmq.conf").read_text(encoding="utf-8")
    rabbit = compose()["services"]["rabbitmq"]
    mounts = {v.split(":")[0]: v.split(":")[1] for v in rabbit["volumes"]}
    path = re.search(r"^definitions\.local\.path = (\S+)$", conf, re.MULTILINE)
    assert path is not None
    assert mounts["./rabbitmq/definitions.json"] == path.group(1)
    assert mounts["./rabbitmq/rabbitmq.conf"] == "/etc/rabbitmq/rabbitmq.conf"
    # The exchanges, as RabbitMqBus declares them (topic, durable, no arguments): a
    # difference would make the services' own declarations fail.
    assert {e["name"] for e in definitions["exchanges"]} == {
        topology.INBOUND_EXCHANGE,
        topology.REGIONAL_EXCHANGE,
        topology.DELIVER_EXCHANGE,
        topology.STATUS_EXCHANGE,
        PKI_EXCHANGE,  # the НУЦ's pki.revoked events (shared.pki.revocation_events)
    }
    for exchange in definitions["exchanges"]:
        assert (exchange["type"], exchange["durable"], exchange["auto_delete"]) == (
            "topic",
            True,
            False,
        )
        assert (exchange["internal"], exchange["arguments"]) == (False, {})
    # Each service connects as its own user, with its password, and that user has exactly
    # the model's permissions (shared.bus.permissions); the provisioning container none.
    users = {u["name"]: u for u in definitions["users"]}
    permissions = {(p["user"], p["vhost"]): p for p in definitions["permissions"]}
    for container, service in egov_services().items():
        url = urlsplit(environment(container)["EGOV_AMQP_URL"])
        assert (url.hostname, url.port, url.path) == ("rabbitmq", 5672, "/")
        assert url.username == broker_user(service), container
        user = users[url.username]
        assert user["tags"] == []
        assert password_matches(user["password_hash"], url.password or "")
        own = grants(service)
        granted = permissions[(user["name"], "/")]
        assert (granted["configure"], granted["write"], granted["read"]) == (
            own.configure,
            own.write,
            own.read,
        )
        topics = [t for t in definitions["topic_permissions"] if t["user"] == user["name"]]
        assert [(t["exchange"], t["write"], t["read"]) for t in topics] == [
            (t.exchange, t.write, t.read) for t in own.topics
        ]
    assert "EGOV_AMQP_URL" not in environment("provision")


def test_dockerfile_copies_every_package_pyproject_includes() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {pattern.rstrip("*") for pattern in include}
    copied = set(re.findall(r"^COPY (\w+) \./\1$", dockerfile, re.MULTILINE))
    assert copied == packages
    assert "COPY pyproject.toml README.md ./" in dockerfile
    data_dir = re.search(r"^ENV EGOV_DATA_DIR=(\S+)$", dockerfile, re.MULTILINE)
    assert data_dir is not None
    assert '"egov"' in dockerfile.split("ENTRYPOINT", 1)[1].splitlines()[0]
    for name, spec in compose()["services"].items():
        if spec.get("image") == "egov-sim:local":
            assert environment(name)["EGOV_DATA_DIR"] == data_dir.group(1)
            assert f"egov-data:{data_dir.group(1)}" in spec["volumes"]
            assert {k: spec["build"][k] for k in ("context", "dockerfile")} == {
                "context": "..",
                "dockerfile": "deploy/Dockerfile",
            }
            # The base image is an argument: where no registry is reachable, one built here.
            assert spec["build"]["args"] == {"PYTHON_IMAGE": "python:3.11-slim"}
            assert "ARG PYTHON_IMAGE=python:3.11-slim" in dockerfile
            assert (COMPOSE.parent / spec["build"]["context"] / "deploy/Dockerfile").is_file()


def test_interpolation_defaults_are_what_the_checks_above_saw() -> None:
    # The raw file uses ${VAR:-default} only; a bare ${VAR} would be empty without a .env.
    text = COMPOSE.read_text(encoding="utf-8")
    assert re.findall(r"\$\{[A-Z_]+\}", text) == []
    assert interpolate("${X:-a}b") == "ab"
    # No top-level key Compose v1 rejects: the project's name is deploy/compose.sh's.
    assert set(raw_compose()) <= {"services", "volumes", "networks"} | {
        key for key in raw_compose() if key.startswith("x-")
    }
    assert "project=${EGOV_COMPOSE_PROJECT:-egov-sim}" in (DEPLOY / "compose.sh").read_text()


SIMULATED_DAY = ("portal", "elicense", "provider")


def test_the_simulated_day_is_shared_on_the_data_volume() -> None:
    files = {c: environment(c).get("EGOV_SIMULATION_CLOCK_FILE") for c in SIMULATED_DAY}
    assert set(files.values()) == {f"{environment('portal')['EGOV_DATA_DIR']}/{CLOCK_FILE}"}
    for container in SIMULATED_DAY:
        assert environment(container)["EGOV_SIMULATION_CONTROL"] == "true"
        assert "egov-data:/data" in compose()["services"][container]["volumes"]


async def test_a_restarted_container_keeps_the_simulated_day(
    tmp_path: Path, settings_of: Any
) -> None:
    """Each container's business clock, built from its compose environment (with /data a
    temporary directory): elicense moves the day on; provider, started later, and portal,
    restarted, are on the moved day, not on EGOV_SIMULATED_DATE again."""

    def clock_of(container: str) -> SimulationClock:
        settings = settings_of(container)
        assert settings.simulation_control
        state_file = tmp_path / settings.simulation_clock_file.relative_to("/data")
        clock = business_clock(
            SystemClock(), settings.simulated_date, control=True, state_file=state_file
        )
        assert isinstance(clock, SimulationClock)
        return clock

    portal = clock_of("portal")
    assert portal.now().date() == date(2019, 11, 4)
    moved = datetime(2019, 12, 2, 5, 0, tzinfo=UTC)
    await clock_of("elicense").set(moved)
    for container in ("provider", "portal"):
        now = clock_of(container).now()
        assert moved <= now < moved + timedelta(minutes=1), container
        with pytest.raises(ClockBackwards):
            await clock_of(container).set(moved - timedelta(days=1))
