"""The provisioning container and the services' containers agree: ``egov provision`` run with
the provision container's environment (here on SQLite, in a temporary data directory) writes
for each service an env file whose every variable the service's container sets to the same
value, and the files the containers name (key files, password files, trust anchors, rules
copy) are the ones it creates."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from egov.embedded import EmbeddedSettings, services
from egov.provisioning import ProcessTopology, provision_processes, read_env_file
from shared.clock import SystemClock
from shared.config import load_settings
from tests.deploy.support import egov_services, environment

DATA = "/data"  # the containers' EGOV_DATA_DIR
# Decided per container, not by provisioning: where it listens (the provision container names
# the registry, see compose.yaml) and its event store (PostgreSQL there, SQLite here).
PER_CONTAINER = ("EGOV_HOST",)
# Under /data but made by the services, not by provisioning: the portal's attachments and the
# simulated time, which the first service to start records (shared/simclock.py).
WRITTEN_BY_SERVICES = ("EGOV_PORTAL_ATTACHMENTS_DIR", "EGOV_SIMULATION_CLOCK_FILE")


def test_each_container_sets_what_egov_provision_writes_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [n for n in os.environ if n.startswith("EGOV_")]:
        monkeypatch.delenv(name)
    for name, value in environment("provision").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("EGOV_DATA_DIR", str(tmp_path))
    stores = {}
    for entry in services():
        service = entry.settings.service
        variable = f"EGOV_{service.upper()}_EVENT_STORE_URL"
        stores[variable] = f"sqlite:///{tmp_path / service}.sqlite3"
        monkeypatch.setenv(variable, stores[variable])
    common = load_settings(EmbeddedSettings)
    settings = {e.settings.service: load_settings(e.settings) for e in services()}
    done = asyncio.run(
        provision_processes(
            ProcessTopology(common.data_dir, settings, common.simulated_date), clock=SystemClock()
        )
    )
    root = str(tmp_path.resolve())
    for container, service in egov_services().items():
        written = read_env_file(done.env_files[service])
        expected = {
            name: value.replace(root, DATA)
            for name, value in written.items()
            if name not in PER_CONTAINER and name not in stores
        }
        actual = environment(container)
        assert {name: actual.get(name) for name in expected} == expected, container
        # Every file the container names exists once provisioned (paths under /data), but for
        # those the services write themselves.
        for name, value in actual.items():
            if value.startswith(DATA + "/") and name not in WRITTEN_BY_SERVICES:
                assert Path(root + value.removeprefix(DATA)).exists(), f"{container}: {name}"
