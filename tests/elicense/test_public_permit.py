"""The public permit check lists no holders: anyone with a permit number learns whether it
stands, what it is, who issued it and when, whether its signature verifies and whether the QR
code's hash is the signed document's; the holder and the form go only to the holder (a signed
call with their own certificate) and to E-licensing staff. The check is rate-limited per client
address (429 with Retry-After)."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx

from elicense_svc.domain import events as ev
from elicense_svc.domain.permit import signing_bytes
from shared.bus.memory import InMemoryBus
from shared.clock import SimulatedClock
from shared.envelope import Envelope
from shared.eventlog.sqlite import SqliteEventStore
from shared.pki.profiles import Individual
from tests.elicense.conftest import (
    ALMATY_CULTURE_BIN,
    APPLICANT_IIN,
    CLERK_IIN,
    EXECUTOR_IIN,
    HEAD_IIN,
    Pki,
)
from tests.elicense.test_app import (
    deliver,
    eventually,
    portal_envelope,
    signed_call,
    world,
)

__all__ = ["world"]

World = tuple[httpx.AsyncClient, InMemoryBus, list[Envelope]]


async def _permit(
    world: World, store: SqliteEventStore, clock: SimulatedClock, pki: Pki
) -> dict[str, Any]:
    client, bus, _ = world
    call = signed_call(client)
    await deliver(bus, portal_envelope(pki, "web-1", clock), "m-1")

    async def found() -> bool:
        events = await store.read_stream(ev.request_stream("web-1"))
        return any(e.type == ev.REGISTRY_RECORD_FOUND for e in events)

    await eventually(found, "the registry check")
    head = pki.staff(HEAD_IIN, ALMATY_CULTURE_BIN)
    executor = pki.staff(EXECUTOR_IIN, ALMATY_CULTURE_BIN)
    base = "/staff/requests/web-1"
    for signer, step, outcome in [
        (executor, "register_portal", "registered"),
        (head, "assign_executor", "assigned"),
        (executor, "check_documents", "complete"),
        (executor, "prepare_result", "result_drafted"),
    ]:
        answer = await call(signer, "POST", f"{base}/actions", {"step": step, "outcome": outcome})
        assert answer.status_code == 200, answer.text
    document: dict[str, Any] = (await call(head, "POST", f"{base}/permit-draft")).json()["document"]
    body = {
        "step": "sign",
        "outcome": "signed",
        "document_signature": head.sign(signing_bytes(document)),
    }
    assert (await call(head, "POST", f"{base}/actions", body)).status_code == 200
    return document


async def test_the_public_check_gives_validity_not_the_holder(
    world: World, store: SqliteEventStore, clock: SimulatedClock, pki: Pki
) -> None:
    client, _, _ = world
    document = await _permit(world, store, clock, pki)
    number = document["permit_number"]
    digest = hashlib.sha256(signing_bytes(document)).hexdigest()
    public = await client.get(f"/permits/{number}", params={"sha256": digest})
    assert public.status_code == 200, public.text
    view = public.json()
    assert view["state"] == "valid"
    assert view["signature"] == {"valid": True, "code": "OK"}
    assert view["document_sha256"] == digest
    assert view["document_matches"] is True
    assert view["issuer"]["id"] == "provider.almaty.culture"
    for personal in ("holder", "document", "document_signature", "reason"):
        assert personal not in view
    assert APPLICANT_IIN not in public.text
    other = await client.get(f"/permits/{number}", params={"sha256": "0" * 64})
    assert other.json()["document_matches"] is False


async def test_the_holder_and_staff_read_the_permit_in_full_and_nobody_else(
    world: World, store: SqliteEventStore, clock: SimulatedClock, pki: Pki
) -> None:
    client, _, _ = world
    call = signed_call(client)
    number = (await _permit(world, store, clock, pki))["permit_number"]
    holder = pki.signer(Individual(iin=APPLICANT_IIN, surname="Сейтқалиева", given_name="Айгерім"))
    mine = await call(holder, "GET", f"/permits/{number}")
    assert mine.status_code == 200, mine.text
    assert mine.json()["holder"]["id"] == APPLICANT_IIN
    staff = await call(pki.staff(CLERK_IIN, ALMATY_CULTURE_BIN), "GET", f"/permits/{number}")
    assert staff.json()["holder"]["id"] == APPLICANT_IIN
    stranger = pki.signer(Individual(iin="900101300126", surname="Бөтен", given_name="Адам"))
    refused = await call(stranger, "GET", f"/permits/{number}")
    assert refused.status_code == 401
    assert refused.json()["reason"] == "NOT_HOLDER"


async def test_the_public_check_is_rate_limited_per_address(world: World) -> None:
    client, _, _ = world
    codes = [(await client.get("/permits/KZ-2014-A-000001")).status_code for _ in range(61)]
    assert codes == [404] * 60 + [429]
    limited = await client.get("/permits/KZ-2014-A-000002")
    assert limited.json()["code"] == "TOO_MANY_REQUESTS"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
