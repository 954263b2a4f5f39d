"""The applicant's pages at elicense.kz: choose the service, fill the form the definition gives,
attach the documents, sign the exact request through the signer, and follow it. A request
filed through the page is registered and numbered as the portal's; an invalid form stores
nothing and says why in each language; another person's signature is refused; an applicant
sees only their own requests, and staff are refused here."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

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
from tests.elicense.pages_support import LANGUAGES, app_client, code_of, sign_in, text_to_sign

FORM = "/apply/cultural_values_export"
SCAN = ("passport.pdf", b"%PDF-1.4 a scan", "application/pdf")


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(AKMOLA_START)  # 003 (Akmola 2013) is in force: elicense.kz takes A


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
def applicant(pki: Pki) -> JwsSigner:
    return pki.applicant(APPLICANT_IIN)


async def nothing_stored(store: SqliteEventStore) -> bool:
    return not [e for e in await store.read_all(after=0, limit=100) if "request" in e.stream_id]


async def prepared(client: httpx.AsyncClient) -> str:
    """The form filled and posted with its scan: the exact request text to sign."""
    page = await client.post(FORM, files={"doc.standard_documents": SCAN})
    assert page.status_code == 200, page.text
    return text_to_sign(page)


async def test_intake_through_the_page_registers_a_request_numbered_as_the_portals(
    client: httpx.AsyncClient, applicant: JwsSigner, store: SqliteEventStore
) -> None:
    services = await client.get("/apply", params={"lang": "ru"})
    assert services.status_code == 200
    assert 'id="apply-cultural_values_export"' in services.text
    assert (await client.get(FORM)).headers["location"] == f"/sign-in?next={FORM}"
    await sign_in(client, applicant)
    form = await client.get(FORM)
    assert form.status_code == 200
    assert f'value="{APPLICANT_IIN}" readonly' in form.text  # from the certificate
    text = await prepared(client)
    signed = json.loads(text)
    assert (signed["kind"], signed["applicant_iin"]) == ("egov.portal.request.v1", APPLICANT_IIN)
    filed = await client.post(
        f"{FORM}/sign", data={"application": text, "signature": applicant.sign(text.encode())}
    )
    assert filed.status_code == 303, filed.text
    request_id = signed["request_id"]
    assert filed.headers["location"] == f"/my/requests/{request_id}"
    # 003: registered with a number in E-licensing, then the provider's decision is formed.
    words = {"kk": "Нәтиже қалыптастырылуда", "ru": "Формируется результат", "en": "Result being"}
    for lang in LANGUAGES:
        page = await client.get(filed.headers["location"], params={"lang": lang})
        assert page.status_code == 200
        assert "AKM-CUL-2013-000001" in page.text  # the provider's sequence, as a portal request
        assert "elicense.kz" in page.text
        assert 'data-status="result_forming"' in page.text
        assert words[lang] in page.text
    mine = await client.get("/my/requests")
    assert "AKM-CUL-2013-000001" in mine.text
    assert not await nothing_stored(store)


async def test_an_invalid_form_stores_nothing_and_says_why_in_each_language(
    client: httpx.AsyncClient, applicant: JwsSigner, store: SqliteEventStore
) -> None:
    await sign_in(client, applicant)
    words = {
        "kk": "электрондық көшірмесін бекітіңіз",
        "ru": "Прикрепите электронную копию",
        "en": "Attach the document",
    }
    for lang in LANGUAGES:
        page = await client.post(f"{FORM}?lang={lang}", data={})
        assert page.status_code == 422
        assert words[lang] in page.text
        assert 'data-field="doc.standard_documents"' in page.text
    unsigned = await client.post(f"{FORM}/sign", data={"application": await prepared(client)})
    assert (unsigned.status_code, code_of(unsigned)) == (422, "SIGNATURE_REQUIRED")
    damaged = await client.post(f"{FORM}/sign", data={"application": "{", "signature": "x"})
    assert (damaged.status_code, code_of(damaged)) == (422, "APPLICATION_DAMAGED")
    assert await nothing_stored(store)


async def test_another_persons_signature_is_refused(
    client: httpx.AsyncClient, applicant: JwsSigner, pki: Pki, store: SqliteEventStore
) -> None:
    await sign_in(client, applicant)
    text = await prepared(client)
    stranger = pki.applicant(UNKNOWN_IIN)
    words = {"kk": "ЭЦҚ расталмады", "ru": "ЭЦП не подтверждена", "en": "not confirmed"}
    for lang in LANGUAGES:
        page = await client.post(
            f"{FORM}/sign?lang={lang}",
            data={"application": text, "signature": stranger.sign(text.encode())},
        )
        assert (page.status_code, code_of(page)) == (422, "APPLICANT_SIGNATURE_INVALID")
        assert words[lang] in page.text
    # Somebody else signed in cannot file my request text, even signed by me.
    client.cookies.clear()
    await sign_in(client, stranger)
    page = await client.post(
        f"{FORM}/sign", data={"application": text, "signature": applicant.sign(text.encode())}
    )
    assert (page.status_code, code_of(page)) == (403, "NOT_YOURS")
    assert await nothing_stored(store)


async def test_an_applicant_sees_only_their_own_requests(
    client: httpx.AsyncClient, applicant: JwsSigner, pki: Pki
) -> None:
    await sign_in(client, applicant)
    text = await prepared(client)
    filed = await client.post(
        f"{FORM}/sign", data={"application": text, "signature": applicant.sign(text.encode())}
    )
    location = filed.headers["location"]
    client.cookies.clear()
    await sign_in(client, pki.applicant(UNKNOWN_IIN))
    page = await client.get(location)
    assert (page.status_code, code_of(page)) == (404, "REQUEST_NOT_FOUND")
    assert "AKM-CUL-2013" not in (await client.get("/my/requests")).text
    client.cookies.clear()
    await sign_in(client, pki.staff(AKMOLA_EMPLOYEE_IIN, AKMOLA_CULTURE_BIN))
    page = await client.get("/my/requests")
    assert (page.status_code, code_of(page)) == (403, "ROLE_REQUIRED")


async def test_the_browsers_signer_signs_in_and_files_the_request(
    client: httpx.AsyncClient, applicant: JwsSigner, pki: Pki
) -> None:
    """The CMS NCALayer (or egov signer) returns to the page, over the sign-in text and over
    the request text, as the pages' script posts them."""
    browser = pki.in_browser(applicant)
    await sign_in(client, browser)
    text = await prepared(client)
    filed = await client.post(
        f"{FORM}/sign", data={"application": text, "signature": browser.sign(text.encode())}
    )
    assert filed.status_code == 303, filed.text
    page = await client.get(filed.headers["location"])
    assert "AKM-CUL-2013-000001" in page.text
