"""The HTTP edge every service shares (shared.web): health, metrics, correlation ids, errors,
lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from pydantic import BaseModel

from shared.bus.port import BusError
from shared.eventlog.port import EventLogError
from shared.web import ServiceError, create_service_app
from tests.services.fakes import FakeResource, captured_logs, serving


class Item(BaseModel):
    name: str
    quantity: int


def make_app(
    store: FakeResource, bus: FakeResource, *, timeout_s: float = 2.0, **hooks: object
) -> FastAPI:
    app = create_service_app(
        "portal",
        store=store,
        bus=bus,
        version="1.2.3",
        title="portal: ЭҮП",
        description="test app",
        health_timeout_s=timeout_s,
        **hooks,  # type: ignore[arg-type]
    )

    @app.get("/items/{item_id}")
    async def get_item(item_id: int) -> dict[str, int]:
        if item_id == 0:
            raise ServiceError("item 0 is reserved", code="item_reserved", status=409)
        if item_id == 13:
            raise RuntimeError("unlucky database password=hunter2")
        return {"item_id": item_id}

    @app.post("/items")
    async def create_item(item: Item) -> Item:
        return item

    return app


@pytest.fixture
def store() -> FakeResource:
    return FakeResource("store")


@pytest.fixture
def bus() -> FakeResource:
    return FakeResource("bus")


@pytest.fixture
async def client(store: FakeResource, bus: FakeResource) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(make_app(store, bus)) as client:
        yield client


async def samples(client: httpx.AsyncClient, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    text = (await client.get("/metrics")).text
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                out[tuple(sorted(sample.labels.items()))] = sample.value
    return out


# --- /health ---------------------------------------------------------------------------------


async def test_health_is_ok_when_database_and_broker_answer(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["service"] == "portal"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True
    assert "failing" not in body


async def test_health_names_the_failing_database(
    client: httpx.AsyncClient, store: FakeResource
) -> None:
    store.failure = EventLogError("the SQLite event store is not open")
    response = await client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database"]
    assert body["checks"]["database"]["error"] == (
        "EventLogError: the SQLite event store is not open"
    )
    assert body["checks"]["broker"]["ok"] is True


async def test_health_names_the_failing_broker(
    client: httpx.AsyncClient, bus: FakeResource
) -> None:
    bus.failure = BusError("connection lost")
    response = await client.get("/health")
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]


async def test_health_error_hides_passwords(client: httpx.AsyncClient, store: FakeResource) -> None:
    store.failure = OSError("cannot reach postgresql://egov:s3cr3t@db:5432/egov")
    body = (await client.get("/health")).json()
    assert "s3cr3t" not in body["checks"]["database"]["error"]
    assert "postgresql://egov:[REDACTED]@db:5432/egov" in body["checks"]["database"]["error"]


async def test_a_hung_check_fails_after_its_timeout(store: FakeResource, bus: FakeResource) -> None:
    bus.hang = True
    async with serving(make_app(store, bus, timeout_s=0.05)) as client:
        response = await client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["broker"]
    assert body["checks"]["broker"]["error"] == "timed out after 0.05 s"
    assert body["checks"]["database"]["ok"] is True


# --- correlation ids and logs -----------------------------------------------------------------


async def test_given_correlation_id_is_echoed_and_logged(
    store: FakeResource, bus: FakeResource
) -> None:
    with captured_logs() as logs:
        async with serving(make_app(store, bus)) as client:
            response = await client.get("/items/7", headers={"X-Correlation-ID": "req-42"})
    assert response.status_code == 200
    assert response.headers["X-Correlation-ID"] == "req-42"
    [line] = [x for x in logs.events("http.request") if x["path"] == "/items/7"]
    assert line["correlation_id"] == "req-42"
    assert line["service"] == "portal"
    assert line["level"] == "info"
    assert line["status"] == 200
    assert line["route"] == "/items/{item_id}"
    assert line["timestamp"] == "2024-03-01T10:30:00+00:00"  # from the Clock given


async def test_missing_correlation_id_is_generated(client: httpx.AsyncClient) -> None:
    first = (await client.get("/items/1")).headers["X-Correlation-ID"]
    second = (await client.get("/items/1")).headers["X-Correlation-ID"]
    assert first
    assert second
    assert first != second


async def test_malformed_correlation_id_is_replaced(client: httpx.AsyncClient) -> None:
    bad = "x" * 500
    response = await client.get("/items/1", headers={"X-Correlation-ID": bad})
    echoed = response.headers["X-Correlation-ID"]
    assert echoed != bad
    assert len(echoed) == 36


async def test_error_responses_carry_the_correlation_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/nowhere", headers={"X-Correlation-ID": "req-404"})
    assert response.status_code == 404
    assert response.headers["X-Correlation-ID"] == "req-404"


# --- errors at the edge -----------------------------------------------------------------------


async def test_unknown_route_is_a_structured_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/nowhere")
    assert response.json() == {"code": "not_found", "message": "Not Found"}


async def test_service_error_maps_to_its_status_and_code(client: httpx.AsyncClient) -> None:
    response = await client.get("/items/0")
    assert response.status_code == 409
    assert response.json() == {"code": "item_reserved", "message": "item 0 is reserved"}


async def test_invalid_body_is_a_structured_422_without_the_input(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/items", json={"name": "pen", "quantity": "password123"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_request"
    assert body["errors"][0]["loc"] == ["body", "quantity"]
    assert "password123" not in response.text


async def test_unhandled_exception_is_a_500_logged_with_its_correlation_id(
    store: FakeResource, bus: FakeResource
) -> None:
    with captured_logs() as logs:
        async with serving(make_app(store, bus)) as client:
            response = await client.get("/items/13", headers={"X-Correlation-ID": "req-500"})
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert "hunter2" not in response.text
    assert response.headers["X-Correlation-ID"] == "req-500"
    [error] = logs.events("http.unhandled_error")
    assert error["correlation_id"] == "req-500"
    assert "RuntimeError" in error["exception"]
    assert "hunter2" not in error["exception"]  # "password=..." in text is masked too
    [access] = [x for x in logs.events("http.request") if x["path"] == "/items/13"]
    assert access["status"] == 500


@pytest.mark.parametrize(
    "lost",
    [
        ConnectionResetError("connection reset by peer"),
        asyncpg.exceptions.AdminShutdownError("terminating connection: administrator command"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle"),
    ],
    ids=["reset", "admin-shutdown", "connection-gone"],
)
async def test_a_lost_database_connection_is_a_503_to_retry_not_a_500(
    store: FakeResource, bus: FakeResource, lost: Exception
) -> None:
    app = make_app(store, bus)

    @app.get("/lost")
    async def lose() -> None:
        raise lost

    with captured_logs() as logs:
        async with serving(app) as client:
            response = await client.get("/lost")
            still = await client.get("/items/13")
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert response.headers["Retry-After"] == "1"
    [warning] = logs.events("http.dependency_unavailable")
    assert warning["error"] == type(lost).__name__
    assert not [x for x in logs.events("http.unhandled_error") if x["path"] == "/lost"]
    assert still.status_code == 500  # any other error is still a bug, not "try again"


# --- metrics ------------------------------------------------------------------------------------


async def test_metrics_count_requests_by_route_template_method_and_status(
    client: httpx.AsyncClient,
) -> None:
    for item in (1, 2, 3):
        await client.get(f"/items/{item}")
    await client.get("/items/0")
    await client.get("/nowhere/at/all")
    counts = await samples(client, "http_requests_total")
    ok = (("method", "GET"), ("route", "/items/{item_id}"), ("status", "200"))
    conflict = (("method", "GET"), ("route", "/items/{item_id}"), ("status", "409"))
    unmatched = (("method", "GET"), ("route", "<unmatched>"), ("status", "404"))
    assert counts[ok] == 3
    assert counts[conflict] == 1
    assert counts[unmatched] == 1
    assert not any(dict(labels)["route"].startswith("/nowhere") for labels in counts)
    latency = await samples(client, "http_request_duration_seconds_count")
    assert latency[(("method", "GET"), ("route", "/items/{item_id}"))] == 4


async def test_metrics_are_prometheus_text(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    info = await samples(client, "egov_service_info")
    assert info == {(("service", "portal"), ("version", "1.2.3")): 1.0}


async def test_two_apps_in_one_process_keep_separate_metrics(
    store: FakeResource, bus: FakeResource
) -> None:
    async with serving(make_app(store, bus)) as one, serving(make_app(store, bus)) as two:
        await one.get("/items/1")
        await one.get("/items/1")
        await two.get("/items/1")
        route = (("method", "GET"), ("route", "/items/{item_id}"), ("status", "200"))
        assert (await samples(one, "http_requests_total"))[route] == 2
        assert (await samples(two, "http_requests_total"))[route] == 1


# --- OpenAPI and lifespan ---------------------------------------------------------------------


async def test_openapi_names_the_service(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/openapi.json")).json()
    assert doc["info"]["title"] == "portal: ЭҮП"
    assert doc["info"]["version"] == "1.2.3"
    assert "/health" in doc["paths"]
    assert "/metrics" in doc["paths"]
    assert (await client.get("/docs")).status_code == 200


async def test_lifespan_runs_startup_in_order_and_shutdown_in_reverse_even_after_a_failure(
    store: FakeResource, bus: FakeResource
) -> None:
    journal: list[str] = []

    async def failing_close() -> None:
        journal.append("close failing")
        raise RuntimeError("stuck")

    store.journal = bus.journal = journal
    app = make_app(
        store,
        bus,
        startup=[store.open, bus.connect],
        shutdown=[store.close, failing_close, bus.close],
    )
    with captured_logs() as logs:
        async with serving(app):
            assert journal == ["open store", "connect bus"]
    assert journal == [
        "open store",
        "connect bus",
        "close bus",
        "close failing",
        "close store",
    ]
    assert len(logs.events("service.shutdown_hook_failed")) == 1
