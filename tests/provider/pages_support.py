"""The workstation's pages under test: the provider app (its API and its pages) over a test
harness (tests/provider/conftest.py), and a browser's session for a staff member who signs in
with a JWS over the sign-in challenge (the local signer makes a CMS; the pages post either)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol
from zoneinfo import ZoneInfo

import httpx

from provider_svc.entrypoints.api import build_router
from provider_svc.pages.router import mount_pages
from provider_svc.projections import ProviderProjection
from shared.pages.sessions import COOKIE
from shared.web import create_service_app
from tests.provider.conftest import Harness

ZONE = ZoneInfo("Asia/Almaty")


class _Up:
    async def ping(self) -> None:
        return None


@asynccontextmanager
async def browser(h: Harness) -> AsyncIterator[httpx.AsyncClient]:
    """A browser at the workstation's pages (cookies kept, redirects not followed)."""
    app = create_service_app(
        "provider", store=h.store, bus=_Up(), version="test", title="t", description="t"
    )
    projection = ProviderProjection()
    app.include_router(build_router(h.service, projection))
    mount_pages(app, h.service, projection, zone=ZONE)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://provider.test") as http:
        yield http


class SignsText(Protocol):
    """A key that signs bytes: a JWS signer, or a CMS one as the browser's signer is."""

    def sign(self, payload: bytes) -> str: ...


async def sign_in(http: httpx.AsyncClient, signer: SignsText) -> httpx.Response:
    """Sign in as the holder of ``signer``: the challenge signed, as the page does."""
    given = (await http.post("/sign-in/challenge")).json()
    signature = signer.sign(given["text"].encode("utf-8"))
    answer = await http.post(
        "/sign-in", json={"challenge": given["challenge"], "signature": signature}
    )
    assert answer.status_code == 200, answer.text
    assert http.cookies.get(COOKIE)
    return answer


def code_of(page: httpx.Response) -> str | None:
    """The refusal's code a page names (``data-code``)."""
    found = re.search(r'data-code="([^"]*)"', page.text)
    return found.group(1) if found else None


def form_ids(page: httpx.Response) -> list[str]:
    """The ids of the action forms a card offers."""
    return re.findall(r'<form[^>]*class="stack action"[^>]*id="([^"]+)"', page.text)
