"""What the tests of E-licensing's pages share: the whole service as bootstrap builds it (pages
included) over the in-memory bus, people signing in to its pages with their certificates (a
JWS over the sign-in text, as an API client may), and a permit issued through the API."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml

from elicense_svc.bootstrap import bootstrap
from elicense_svc.domain.permit import signing_bytes
from elicense_svc.settings import ElicenseSettings
from shared.bus.memory import InMemoryBus
from shared.clock import SimulatedClock
from shared.config import load_settings
from shared.eventlog.sqlite import SqliteEventStore
from shared.pages.sessions import COOKIE
from shared.pki.jws import JwsSigner
from shared.signing import Signer
from tests.elicense.conftest import (
    AKMOLA_CULTURE_BIN,
    AKMOLA_EMPLOYEE_IIN,
    APPLICANT_IIN,
    DIRECTORY,
    FakeRegistry,
    Pki,
)
from tests.elicense.test_app import signed_call
from tests.services.fakes import serving

LANGUAGES = ("kk", "ru", "en")


@asynccontextmanager
async def app_client(
    tmp_path: Path,
    store: SqliteEventStore,
    clock: SimulatedClock,
    pki: Pki,
    registry: FakeRegistry,
    elicense_signer: JwsSigner,
    **settings: Any,
) -> AsyncIterator[httpx.AsyncClient]:
    directory = tmp_path / "directory.yaml"
    directory.write_text(yaml.safe_dump(DIRECTORY, allow_unicode=True), encoding="utf-8")
    config = load_settings(
        ElicenseSettings, directory_file=directory, data_dir=tmp_path, **settings
    )
    bus = InMemoryBus()
    await bus.connect()
    service = bootstrap(
        config,
        store=store,
        bus=bus,
        clock=clock,
        signer=elicense_signer,
        verifier=pki.verifier(),
        lookup=registry,
    )
    try:
        async with serving(service.app) as client:
            yield client
    finally:
        await bus.close()


async def sign_in(client: httpx.AsyncClient, signer: Signer) -> httpx.Response:
    """Open a page session at E-licensing with ``signer``'s certificate."""
    given = (await client.post("/sign-in/challenge")).json()
    signature = signer.sign(given["text"].encode())
    answer = await client.post(
        "/sign-in", json={"challenge": given["challenge"], "signature": signature}
    )
    assert answer.status_code == 200, answer.text
    assert client.cookies.get(COOKIE)
    return answer


def text_to_sign(page: httpx.Response) -> str:
    """The exact text a signing page hands to the local signer (its JSON script element)."""
    found = re.search(
        r'<script type="application/json" id="text-to-sign">(.*?)</script>', page.text
    )
    assert found, page.text
    return str(json.loads(found.group(1)))


def code_of(page: httpx.Response) -> str | None:
    """The refusal code a page names in ``data-code`` (shared.pages error pages)."""
    found = re.search(r'data-code="([^"]*)"', page.text)
    return found.group(1) if found else None


async def offered(client: httpx.AsyncClient, staff: Signer, request_id: str, step: str) -> None:
    """Wait until ``step`` is offered (the registry check runs in the background)."""
    call = signed_call(client)
    for _ in range(300):
        view = await call(staff, "GET", f"/staff/requests/{request_id}")
        if any(a["step"] == step for a in view.json()["allowed"]):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{step} never offered for {request_id}")


async def akmola_permit(client: httpx.AsyncClient, pki: Pki, request_id: str) -> str:
    """A 2013 (003) office request for the applicant taken to a signed certificate through the
    API by the Akmola employee; returns the permit's number."""
    call = signed_call(client)
    employee = pki.staff(AKMOLA_EMPLOYEE_IIN, AKMOLA_CULTURE_BIN)
    created = await call(
        employee,
        "POST",
        "/staff/requests",
        {"request_id": request_id, "service": "A", "applicant_iin": APPLICANT_IIN},
    )
    assert created.status_code == 201, created.text
    base = f"/staff/requests/{request_id}"
    for step, outcome in (("enter_applicant_data", "entered"), ("attach_documents", "attached")):
        await offered(client, employee, request_id, step)
        answer = await call(employee, "POST", f"{base}/actions", {"step": step, "outcome": outcome})
        assert answer.status_code == 200, answer.text
    draft = await call(employee, "POST", f"{base}/permit-draft")
    assert draft.status_code == 200, draft.text
    document = draft.json()["document"]
    signed = await call(
        employee,
        "POST",
        f"{base}/actions",
        {
            "step": "decide",
            "outcome": "certificate_issued",
            "document_signature": employee.sign(signing_bytes(document)),
        },
    )
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "completed"
    return str(document["permit_number"])
