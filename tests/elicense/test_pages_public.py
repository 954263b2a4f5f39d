# ruff: noqa: RUF001 - Kazakh and Russian words are Cyrillic on purpose
"""The public permit check page (/check, and /check/{number} where a permit's QR code lands):
validity, what the permit is and whether its signature verifies, in each language, never the
holder's data; the holder and staff, signed in, see the whole permit and its QR code."""

from __future__ import annotations

import hashlib
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
from tests.elicense.pages_support import LANGUAGES, akmola_permit, app_client, code_of, sign_in

HOLDER_NAME = "Айгерім Сейтқалиева"  # the fake ГБД ФЛ's record, written on the permit


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


async def test_the_public_check_shows_validity_only(client: httpx.AsyncClient, pki: Pki) -> None:
    number = await akmola_permit(client, pki, "pub-1")
    words = {"kk": "Күшінде", "ru": "Действует", "en": "Valid"}
    for lang in LANGUAGES:
        page = await client.get("/check", params={"number": number, "lang": lang})
        assert page.status_code == 200, page.text
        assert number in page.text
        assert 'data-state="valid"' in page.text
        assert words[lang] in page.text
        assert 'data-code="OK"' in page.text  # the signature verifies today
        # Never the holder: their IIN, name or the form.
        assert APPLICANT_IIN not in page.text
        assert HOLDER_NAME not in page.text
        assert 'data-test="permit-full"' not in page.text


async def test_the_qr_code_lands_on_the_check_and_proves_the_edition(
    client: httpx.AsyncClient, pki: Pki
) -> None:
    number = await akmola_permit(client, pki, "pub-2")
    digest = (await client.get(f"/permits/{number}")).json()["document_sha256"]
    page = await client.get(f"/check/{number}", params={"sha256": digest})
    assert page.status_code == 200
    assert 'data-matches="yes"' in page.text
    other = hashlib.sha256(b"an altered copy").hexdigest()
    page = await client.get(f"/check/{number}", params={"sha256": other, "lang": "ru"})
    assert 'data-matches="no"' in page.text
    assert "Не совпадает" in page.text


async def test_a_wrong_or_unknown_number_is_said_in_each_language(
    client: httpx.AsyncClient,
) -> None:
    bad = {"kk": "түрінде енгізіңіз", "ru": "Введите номер в виде", "en": "Enter the number as"}
    missing = {"kk": "тізілімде жоқ", "ru": "в реестре нет", "en": "is in the registry"}
    for lang in LANGUAGES:
        page = await client.get("/check", params={"number": "12345", "lang": lang})
        assert page.status_code == 422
        assert bad[lang] in page.text
        page = await client.get("/check", params={"number": "KZ-2013-A-000099", "lang": lang})
        assert page.status_code == 404
        assert missing[lang] in page.text
    form = await client.get("/check")
    assert form.status_code == 200
    assert 'id="permit-number"' in form.text


async def test_the_holder_and_staff_signed_in_see_the_whole_permit(
    client: httpx.AsyncClient, pki: Pki
) -> None:
    number = await akmola_permit(client, pki, "pub-3")
    await sign_in(client, pki.applicant(APPLICANT_IIN))
    page = await client.get(f"/check/{number}")
    assert 'data-test="permit-full"' in page.text
    assert APPLICANT_IIN in page.text
    assert HOLDER_NAME in page.text
    assert "<svg" in page.text  # the QR code, pointing back here with the document's hash
    assert f"/check/{number}?sha256=" in page.text
    client.cookies.clear()
    await sign_in(client, pki.staff(AKMOLA_EMPLOYEE_IIN, AKMOLA_CULTURE_BIN))
    assert 'data-test="permit-full"' in (await client.get(f"/check/{number}")).text
    client.cookies.clear()
    await sign_in(client, pki.applicant(UNKNOWN_IIN))  # somebody else: the public view
    page = await client.get(f"/check/{number}")
    assert 'data-test="permit-full"' not in page.text
    assert APPLICANT_IIN not in page.text


async def test_the_check_page_shares_the_apis_budget_per_address(
    tmp_path: Path,
    store: SqliteEventStore,
    clock: SimulatedClock,
    pki: Pki,
    registry: FakeRegistry,
    elicense_signer: JwsSigner,
) -> None:
    async with app_client(
        tmp_path, store, clock, pki, registry, elicense_signer, public_per_address=2
    ) as http:
        assert (await http.get("/permits/KZ-2013-A-000001")).status_code == 404
        assert (await http.get("/check", params={"number": "KZ-2013-A-000001"})).status_code == 404
        page = await http.get("/check", params={"number": "KZ-2013-A-000001", "lang": "en"})
        assert page.status_code == 429
        assert code_of(page) == "TOO_MANY_REQUESTS"
        assert int(page.headers["retry-after"]) >= 1
