"""The staff's desk pages: signing in with the staff certificate, the provider's requests with
steps and deadlines (overdue marked), a request's card and a step done through its form, the
permit drafted and signed through the pages, the permit's commands; who is refused (a citizen,
somebody not on the roster, another site's form) and what an invalid form stores (nothing)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from elicense_svc.domain import events as ev
from shared.clock import SimulatedClock
from shared.eventlog.sqlite import SqliteEventStore
from shared.pki.jws import JwsSigner
from tests.elicense.conftest import (
    AKMOLA_CULTURE_BIN,
    AKMOLA_EMPLOYEE_IIN,
    AKMOLA_START,
    APPLICANT_IIN,
    UNKNOWN_IIN,
    FakeRegistry,
    Pki,
)
from tests.elicense.pages_support import (
    LANGUAGES,
    app_client,
    code_of,
    offered,
    sign_in,
    text_to_sign,
)
from tests.elicense.test_app import signed_call


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(AKMOLA_START)


@pytest.fixture
async def client(
    tmp_path: Path,
    store: SqliteEventStore,
    clock: SimulatedClock,
    pki: Pki,
    registry: FakeRegistry,
    elicense_signer: JwsSigner,
) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(tmp_path, store, clock, pki, registry, elicense_signer) as http:
        yield http


@pytest.fixture
def employee(pki: Pki) -> JwsSigner:
    return pki.staff(AKMOLA_EMPLOYEE_IIN, AKMOLA_CULTURE_BIN)


async def office_request(client: httpx.AsyncClient, employee: JwsSigner, request_id: str) -> str:
    """An office request (003 p.7) entered through the API; returns its number."""
    created = await signed_call(client)(
        employee,
        "POST",
        "/staff/requests",
        {"request_id": request_id, "service": "A", "applicant_iin": APPLICANT_IIN},
    )
    assert created.status_code == 201, created.text
    return str(created.json()["number"])


async def test_staff_sign_in_and_see_their_providers_requests(
    client: httpx.AsyncClient, employee: JwsSigner, clock: SimulatedClock
) -> None:
    number = await office_request(client, employee, "desk-1")
    first = await client.get("/desk")
    assert first.status_code == 303
    assert first.headers["location"] == "/sign-in?next=/desk"
    await sign_in(client, employee)
    for lang, words in {"kk": "Ағымдағы қадам", "ru": "Текущий шаг", "en": "Current step"}.items():
        page = await client.get("/desk", params={"lang": lang})
        assert page.status_code == 200, page.text
        assert number in page.text
        assert words in page.text
        assert 'data-test="overdue"' not in page.text
    # The first step's norm is 90 seconds (003 appendix 1): an hour later it is overdue.
    await clock.advance(timedelta(hours=1))
    page = await client.get("/desk")
    assert 'data-test="overdue"' in page.text


async def test_a_step_done_through_the_card(
    client: httpx.AsyncClient, employee: JwsSigner, store: SqliteEventStore
) -> None:
    await office_request(client, employee, "desk-2")
    await sign_in(client, employee)
    card = await client.get("/desk/requests/desk-2")
    assert card.status_code == 200
    assert 'id="act-enter_applicant_data-entered"' in card.text
    done = await client.post(
        "/desk/requests/desk-2/actions", data={"step": "enter_applicant_data", "outcome": "entered"}
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/desk/requests/desk-2?done=step"
    events = await store.read_stream(ev.request_stream("desk-2"))
    completed = [e for e in events if e.type == "StepCompleted.v1"]
    assert completed[0].data["actor"] == AKMOLA_EMPLOYEE_IIN
    page = await client.get(done.headers["location"] + "&lang=en")
    assert "The step is done." in page.text


async def test_an_invalid_action_form_stores_nothing_and_says_why(
    client: httpx.AsyncClient, employee: JwsSigner, store: SqliteEventStore
) -> None:
    await office_request(client, employee, "desk-3")
    await sign_in(client, employee)
    before = await store.stream_version(ev.request_stream("desk-3"))
    words = {"kk": "нәтижесін таңдаңыз", "ru": "Выберите итог шага", "en": "Choose the step"}
    for lang in LANGUAGES:
        page = await client.post(
            f"/desk/requests/desk-3/actions?lang={lang}", data={"step": "enter_applicant_data"}
        )
        assert page.status_code == 422
        assert words[lang] in page.text
    wrong = await client.post(
        "/desk/requests/desk-3/actions", data={"step": "decide", "outcome": "certificate_issued"}
    )
    assert wrong.status_code == 409
    assert code_of(wrong) == "WRONG_ORDER"
    assert await store.stream_version(ev.request_stream("desk-3")) == before


async def test_the_permit_drafted_and_signed_through_the_pages(
    client: httpx.AsyncClient, employee: JwsSigner
) -> None:
    await office_request(client, employee, "desk-4")
    await sign_in(client, employee)
    for step, outcome in (("enter_applicant_data", "entered"), ("attach_documents", "attached")):
        await offered(client, employee, "desk-4", step)
        answer = await client.post(
            "/desk/requests/desk-4/actions", data={"step": step, "outcome": outcome}
        )
        assert answer.status_code == 303, answer.text
    card = await client.get("/desk/requests/desk-4")
    assert 'data-test="permit-draft"' in card.text
    drafted = await client.post("/desk/requests/desk-4/permit-draft")
    assert drafted.status_code == 303
    page = await client.get(drafted.headers["location"])
    assert page.status_code == 200
    text = text_to_sign(page)
    assert "KZ-2013-A-000001" in text
    signed = await client.post(
        "/desk/requests/desk-4/actions",
        data={
            "step": "decide",
            "outcome": "certificate_issued",
            "document_signature": employee.sign(text.encode()),
        },
    )
    assert signed.status_code == 303, signed.text
    card = await client.get("/desk/requests/desk-4")
    assert 'data-status="completed"' in card.text
    permit = await client.get("/desk/permits/KZ-2013-A-000001")
    assert permit.status_code == 200
    assert 'data-state="valid"' in permit.text
    assert 'id="command-suspend"' in permit.text
    assert 'id="command-resume"' not in permit.text

    suspended = await client.post(
        "/desk/permits/KZ-2013-A-000001/suspend", data={"reason": "Inspection"}
    )
    assert suspended.status_code == 303
    permit = await client.get(suspended.headers["location"])
    assert 'data-state="suspended"' in permit.text
    assert 'id="command-resume"' in permit.text
    no_reason = await client.post("/desk/permits/KZ-2013-A-000001/resume", data={"reason": " "})
    assert no_reason.status_code == 422
    assert code_of(no_reason) == "REASON_REQUIRED"

    edition = await client.get(
        "/desk/permits/KZ-2013-A-000001/reissue", params={"reason": "New address"}
    )
    assert edition.status_code == 200
    text = text_to_sign(edition)
    assert '"edition":2' in text
    reissued = await client.post(
        "/desk/permits/KZ-2013-A-000001/reissue",
        data={"reason": "New address", "document_signature": employee.sign(text.encode())},
    )
    assert reissued.status_code == 303, reissued.text
    public = (await client.get("/permits/KZ-2013-A-000001")).json()
    assert (public["edition"], public["state"]) == (2, "suspended")


async def test_who_is_refused_on_the_desk(
    client: httpx.AsyncClient, pki: Pki, employee: JwsSigner
) -> None:
    await sign_in(client, pki.applicant(APPLICANT_IIN))  # a citizen
    words = {"kk": "рөліңізге", "ru": "не для вашей роли", "en": "not for your role"}
    for lang in LANGUAGES:
        page = await client.get("/desk", params={"lang": lang})
        assert page.status_code == 403
        assert code_of(page) == "ROLE_REQUIRED"
        assert words[lang] in page.text
    client.cookies.clear()
    await sign_in(client, pki.staff(UNKNOWN_IIN, AKMOLA_CULTURE_BIN))  # not on the roster
    page = await client.get("/desk")
    assert (page.status_code, code_of(page)) == (401, "AUTHORIZATION_REFUSED")
    client.cookies.clear()
    await sign_in(client, pki.staff(AKMOLA_EMPLOYEE_IIN, "0" * 11 + "1"))  # another BIN
    page = await client.get("/desk")
    assert (page.status_code, code_of(page)) == (401, "AUTHORIZATION_REFUSED")
    client.cookies.clear()
    await office_request(client, employee, "desk-5")
    await sign_in(client, employee)
    foreign = await client.post(
        "/desk/requests/desk-5/actions",
        data={"step": "enter_applicant_data", "outcome": "entered"},
        headers={"Origin": "https://elsewhere.example"},
    )
    assert (foreign.status_code, code_of(foreign)) == (403, "foreign_origin")
    missing = await client.get("/desk/requests/nope")
    assert (missing.status_code, code_of(missing)) == (404, "REQUEST_NOT_FOUND")


async def test_a_scan_attached_through_the_card(
    client: httpx.AsyncClient, employee: JwsSigner
) -> None:
    await office_request(client, employee, "desk-6")
    await sign_in(client, employee)
    attached = await client.post(
        "/desk/requests/desk-6/documents",
        data={"code": "standard_documents"},
        files={"scan": ("passport.pdf", b"%PDF-1.4 scan", "application/pdf")},
    )
    assert attached.status_code == 303, attached.text
    card = await client.get("/desk/requests/desk-6")
    assert "passport.pdf" in card.text
    assert "13" in card.text  # kept by size and SHA-256 only
    empty = await client.post(
        "/desk/requests/desk-6/documents", data={"code": "standard_documents"}
    )
    assert (empty.status_code, code_of(empty)) == (422, "NO_DOCUMENTS")
