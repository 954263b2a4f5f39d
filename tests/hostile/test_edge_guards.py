"""The shared HTTP edge's guards against hostile input (shared.web): a body over the limit is
refused with 413 ``body_too_large`` before it is read (declared or chunked), a route may declare
a larger limit of its own, and a NUL in the URL is refused with 400 ``invalid_characters``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request
from pydantic import BaseModel

from shared.web import create_service_app
from tests.services.fakes import FakeResource

LIMIT = 1024


class Item(BaseModel):
    name: str


def make_app(reads: list[int]) -> FastAPI:
    app = create_service_app(
        "edge",
        store=FakeResource("store"),
        bus=FakeResource("bus"),
        version="test",
        title="edge",
        description="edge under test",
        max_body_bytes=LIMIT,
    )

    @app.post("/items")
    async def create(item: Item) -> Item:
        return item

    @app.put("/files", max_body_size=4 * LIMIT)
    async def upload(request: Request) -> dict[str, int]:
        body = await request.body()
        reads.append(len(body))
        return {"size": len(body)}

    @app.get("/items/{name}")
    async def one(name: str) -> dict[str, str]:
        return {"name": name}

    return app


@pytest.fixture
def reads() -> list[int]:
    return []


@pytest.fixture
async def client(reads: list[int]) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=make_app(reads))
    async with httpx.AsyncClient(transport=transport, base_url="http://edge") as http:
        yield http


async def test_refuses_a_declared_body_over_the_limit_with_413(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/items",
        content=b'{"name": "' + b"x" * LIMIT + b'"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"
    assert f"at most {LIMIT} bytes" in response.json()["message"]
    assert response.headers["x-correlation-id"]


async def test_refuses_a_chunked_body_once_it_passes_the_limit(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "'
        for _ in range(8):
            yield b"x" * 512
        yield b'"}'

    response = await client.post(
        "/items", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"


async def test_a_body_within_the_limit_is_served(client: httpx.AsyncClient) -> None:
    response = await client.post("/items", json={"name": "x" * 100})
    assert response.status_code == 200
    assert response.json() == {"name": "x" * 100}


async def test_a_route_declares_a_larger_limit_of_its_own(
    client: httpx.AsyncClient, reads: list[int]
) -> None:
    assert (await client.put("/files", content=b"y" * (3 * LIMIT))).json() == {"size": 3 * LIMIT}
    refused = await client.put("/files", content=b"y" * (4 * LIMIT + 1))
    assert refused.status_code == 413
    assert refused.json()["code"] == "body_too_large"
    assert f"at most {4 * LIMIT} bytes" in refused.json()["message"]
    assert reads == [3 * LIMIT]  # the refused body never reached the route


async def test_a_route_that_reads_no_body_still_refuses_a_huge_one(
    client: httpx.AsyncClient,
) -> None:
    response = await client.request("GET", "/items/a", content=b"z" * (2 * LIMIT))
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"


@pytest.mark.parametrize("url", ["/items/a%00b", "/items/a?x=%00", "/items/%00"])
async def test_refuses_a_nul_in_the_url(client: httpx.AsyncClient, url: str) -> None:
    response = await client.get(url)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_characters"


def test_refuses_a_limit_that_is_not_positive() -> None:
    with pytest.raises(ValueError, match="max_body_bytes must be positive"):
        create_service_app(
            "edge",
            store=FakeResource("store"),
            bus=FakeResource("bus"),
            version="test",
            title="edge",
            description="edge",
            max_body_bytes=0,
        )


async def test_refuses_a_nul_escaped_in_a_json_body(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/items", content=b'{"name": "a\\u0000b"}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_characters"


async def test_refuses_a_nul_escape_split_across_chunks(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "a\\u00'
        yield b'00b"}'

    response = await client.post(
        "/items", content=chunks(), headers={"content-type": "application/problem+json"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_characters"


@pytest.mark.parametrize(
    "body", [b'{"name": "C:\\\\u0000"}', b'{"name": "\\\\\\\\u0000"}', b'{"name": "u0000"}']
)
async def test_an_escaped_backslash_before_u0000_is_text_not_a_nul(
    client: httpx.AsyncClient, body: bytes
) -> None:
    response = await client.post(
        "/items", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text


async def test_a_binary_body_may_hold_nul_bytes(
    client: httpx.AsyncClient, reads: list[int]
) -> None:
    content = b"%PDF-1.4\x00\x00\\u0000 binary"
    response = await client.put(
        "/files", content=content, headers={"content-type": "application/pdf"}
    )
    assert response.status_code == 200
    assert reads == [len(content)]


async def test_the_limit_is_the_egov_max_body_bytes_setting() -> None:
    from portal_svc.app import create_app
    from portal_svc.settings import PortalSettings

    app = create_app(
        PortalSettings(max_body_bytes=2048), store=FakeResource("store"), bus=FakeResource("bus")
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://portal") as http:
        response = await http.post("/anything", content=b"x" * 3000)
    assert response.status_code == 413
    assert "at most 2048 bytes" in response.json()["message"]
