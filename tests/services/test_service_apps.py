"""The five service apps built by their bootstraps, with real SQLite logs and the in-memory bus."""

# ruff: noqa: RUF001 - the Kazakh names are Cyrillic on purpose

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from egov.embedded import EmbeddedService, services
from shared.bus.memory import InMemoryBus
from shared.bus.port import BusError
from shared.config import load_settings
from shared.eventlog.port import EventLogError
from tests.services.fakes import serving

KAZAKH_NAMES = {
    "portal": ["ЭҮП"],
    "gateway": ["ЭҮШ", "ЭҮАШ"],
    "elicense": ["«Е-лицензиялау» МДБ"],
    "registry": ["ЖТ", "ЗТ МДБ", "ҰКО"],
    "provider": ["ЭҮӨШ АЖО", "ЖАО АЖ"],
}

SERVICES = {entry.settings.service: entry for entry in services()}


@pytest.fixture(autouse=True)
def no_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    # These tests use SQLite and the in-memory bus whatever the CI environment exports.
    monkeypatch.delenv("EGOV_PG_DSN", raising=False)
    monkeypatch.delenv("EGOV_AMQP_URL", raising=False)


def test_the_topology_has_the_five_services() -> None:
    assert list(SERVICES) == ["portal", "gateway", "elicense", "registry", "provider"]


@pytest.mark.parametrize("name", list(KAZAKH_NAMES))
async def test_service_serves_health_metrics_and_docs(name: str, tmp_path: Path) -> None:
    entry: EmbeddedService = SERVICES[name]
    data_dir = tmp_path / "not" / "yet" / "there"
    bus = InMemoryBus()
    await bus.connect()
    service = entry.bootstrap(load_settings(entry.settings, data_dir=data_dir), bus=bus)
    assert service.name == name
    async with serving(service.app) as client:
        health = await client.get("/health")
        assert health.status_code == 200, health.text
        assert health.json()["service"] == name
        doc = (await client.get("/openapi.json")).json()
        metrics = (await client.get("/metrics")).text
    title = doc["info"]["title"] + doc["info"]["description"]
    for kazakh in KAZAKH_NAMES[name]:
        assert kazakh in title
    assert doc["info"]["title"].startswith(f"{name}:")
    families = {family.name for family in text_string_to_metric_families(metrics)}
    assert {"http_requests", "http_request_duration_seconds", "egov_service_info"} <= families
    assert (data_dir / f"{name}.sqlite3").is_file()
    # The service built its store, so it closed it; the bus was lent to it and stays open.
    with pytest.raises(EventLogError):
        await service.store.ping()
    await bus.ping()
    await bus.close()


async def test_a_service_alone_owns_and_closes_its_bus(tmp_path: Path) -> None:
    entry = SERVICES["gateway"]
    service = entry.bootstrap(load_settings(entry.settings, data_dir=tmp_path))
    assert isinstance(service.bus, InMemoryBus)
    async with serving(service.app) as client:
        assert (await client.get("/health")).status_code == 200
    with pytest.raises(BusError):
        await service.bus.ping()


async def test_health_fails_when_the_lent_bus_is_closed(tmp_path: Path) -> None:
    entry = SERVICES["provider"]
    bus = InMemoryBus()  # never connected: its ping fails
    service = entry.bootstrap(load_settings(entry.settings, data_dir=tmp_path), bus=bus)
    async with serving(service.app) as client:
        response = await client.get("/health")
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]


@pytest.mark.parametrize("name", list(KAZAKH_NAMES))
async def test_app_from_env_builds_one_service_from_the_environment(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EGOV_DATA_DIR", str(tmp_path))
    monkeypatch.setenv(f"EGOV_{name.upper()}_EVENT_STORE_URL", f"sqlite:///{tmp_path}/own.db")
    app_from_env = importlib.import_module(f"{name}_svc.bootstrap").app_from_env
    app = app_from_env()
    async with serving(app) as client:
        response = await client.get("/health")
    assert response.status_code == 200
    assert response.json()["service"] == name
    assert (tmp_path / "own.db").is_file()
    assert not (tmp_path / f"{name}.sqlite3").exists()
