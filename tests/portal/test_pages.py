"""The applicant's pages at the portal (portal_svc.pages), over HTTP as a browser sends them:
the catalog and a service's page, logging in by password and by EDS, registering, the
cabinet, the form (an invalid one stores nothing), documents, signing and submitting, a
request's live history, its result with the PDF and the check, the survey, and another
applicant's request refused; each in Kazakh, Russian and English."""

from __future__ import annotations

import html
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from markupsafe import escape

from portal_svc.handlers import challenge_bytes, registration_bytes
from portal_svc.pages import mount_pages
from portal_svc.pages.common import SESSION_COOKIE
from portal_svc.pages.texts import PAGE_TEXTS
from shared.canonical import canonical_json
from shared.pages.languages import LANGUAGES, Language
from shared.pki.profiles import EntityRole, Individual
from tests.portal.conftest import ORG_BIN, PASSWORD, Keys, World, iin

PROVIDER = "provider.almaty.culture"
SERVICE = "cultural_values_export"
FORM = {
    "item_description": "A 19th-century dombra",
    "destination_country": "Kyrgyzstan",
    "return_date": "2020-03-01",
}


def t(key: str, language: Language, **fmt: Any) -> str:
    """A text as a page shows it (escaped as Jinja escapes it)."""
    return str(escape(PAGE_TEXTS.text(key, language, **fmt)))


@pytest.fixture
async def site(world: World) -> World:
    mount_pages(world.app, world.portal, public_url="http://portal", heartbeat_s=0.2)
    return world


@asynccontextmanager
async def browser(world: World) -> AsyncIterator[httpx.AsyncClient]:
    """Another browser: its own cookies."""
    transport = httpx.ASGITransport(app=world.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://portal") as client:
        yield client


async def logged_in(world: World, client: httpx.AsyncClient, keys: Keys) -> None:
    assert (await world.register(keys)).status_code == 201
    answer = await client.post(
        "/sign-in/password",
        data={"iin": keys.signing.identity.iin, "password": PASSWORD, "next": "/my/requests"},
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/my/requests"


async def stored_events(world: World) -> int:
    return len(await world.store.read_all(after=0, limit=100_000))


def shown(page: httpx.Response, element_id: str) -> str:
    """The text of the element with ``element_id`` as the browser reads it (unescaped)."""
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</', page.text, re.DOTALL)
    assert found is not None, element_id
    return html.unescape(found.group(1))


def code_of(page: httpx.Response) -> str | None:
    found = re.search(r'data-code="([^"]*)"', page.text)
    return found.group(1) if found else None


async def drafted(world: World, client: httpx.AsyncClient) -> str:
    answer = await client.post(f"/services/{SERVICE}/apply", data=FORM)
    assert answer.status_code == 303, answer.text
    request_id = answer.headers["location"].rsplit("/", 1)[1]
    attached = await client.post(
        f"/my/requests/{request_id}/documents/standard_p9_documents",
        files={"file": ("scan.pdf", b"%PDF-1.4 a scan", "application/pdf")},
    )
    assert attached.status_code == 303, attached.text
    return request_id


async def submitted(world: World, client: httpx.AsyncClient, keys: Keys) -> str:
    request_id = await drafted(world, client)
    page = await client.get(f"/my/requests/{request_id}")
    payload = (await world.portal.service.load(request_id)).signing_bytes()
    assert shown(page, "sign-payload") == payload.decode()  # the exact text to sign
    sent = await client.post(
        f"/my/requests/{request_id}/sign", data={"signature": keys.signing.sign(payload)}
    )
    assert sent.status_code == 303, sent.text
    return request_id


# --- the catalog and a service's page ----------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
async def test_catalog_lists_the_services_in_force_in_each_language(
    site: World, language: Language
) -> None:
    page = await site.client.get("/services", params={"lang": language})
    assert page.status_code == 200
    assert f'<html lang="{language}">' in page.text
    assert t("catalog.title", language) in page.text
    definition = site.portal.service.catalog.get(SERVICE, "almaty-2018")
    assert getattr(definition.name, language) in page.text
    assert 'href="/services/cultural_values_export"' in page.text
    assert "04.11.2019" in page.text  # the simulated day
    assert "archive_reference" not in page.text  # not in force in 2019
    assert {"kk": "11 жұмыс күні", "ru": "11 рабочих дней", "en": "11 working days"}[
        language
    ] in page.text


@pytest.mark.parametrize("language", LANGUAGES)
async def test_service_page_shows_term_cost_documents_result_and_where_to_complain(
    site: World, language: Language
) -> None:
    page = await site.client.get(f"/services/{SERVICE}", params={"lang": language})
    assert page.status_code == 200
    text = page.text
    assert t("service.term", language) in text
    assert t("fee.free", language) in text
    assert 'data-document="standard_p9_documents"' in text
    assert 'data-result="certificate"' in text
    assert t("service.complain", language) in text
    assert "1414" in text
    assert 'href="/services/cultural_values_export/apply"' in text


async def test_a_service_page_for_a_service_not_in_force_says_so(site: World) -> None:
    page = await site.client.get("/services/archive_reference", params={"lang": "ru"})
    assert page.status_code == 404
    assert code_of(page) == "service_not_in_force"
    assert "Услуга сегодня не оказывается" in page.text


async def test_the_portal_home_page_names_its_pages(site: World) -> None:
    page = await site.client.get("/", params={"lang": "kk"})
    assert page.status_code == 200
    assert 'href="/services"' in page.text
    assert t("nav.cabinet", "kk") in page.text


# --- logging in, registering -------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_cabinet_page_without_a_session_redirects_to_sign_in(
    site: World, language: Language
) -> None:
    page = await site.client.get("/my/requests", params={"lang": language})
    assert page.status_code == 303
    assert page.headers["location"].startswith("/sign-in?next=/my/requests")
    login = await site.client.get("/sign-in", params={"lang": language})
    assert t("signin.password", language) in login.text
    assert t("signin.eds", language) in login.text


async def test_password_login_sets_a_strict_http_only_cookie_and_logout_ends_it(
    site: World,
) -> None:
    keys = site.person(1)
    assert (await site.register(keys)).status_code == 201
    answer = await site.client.post(
        "/sign-in/password",
        data={"iin": keys.signing.identity.iin, "password": PASSWORD, "next": "/my/requests"},
    )
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    cabinet = await site.client.get("/my/requests", params={"lang": "en"})
    assert cabinet.status_code == 200
    assert "Signed in: " in cabinet.text
    out = await site.client.post("/sign-out")
    assert out.status_code == 303
    assert (await site.client.get("/my/requests")).status_code == 303


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_wrong_password_is_refused_in_the_readers_language(
    site: World, language: Language
) -> None:
    keys = site.person(2)
    assert (await site.register(keys)).status_code == 201
    answer = await site.client.post(
        f"/sign-in/password?lang={language}",
        data={"iin": keys.signing.identity.iin, "password": "Wrong-2019", "next": "/"},
    )
    assert answer.status_code == 401
    assert code_of(answer) == "wrong_credentials"
    assert t("wrong_credentials", language) in answer.text
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")


async def test_eds_login_signs_the_portals_challenge_with_the_auth_key(site: World) -> None:
    keys = site.person(3)
    assert (await site.register(keys)).status_code == 201
    login = await site.client.get("/sign-in")
    assert "1.3.6.1.5.5.7.3.2" in html.unescape(login.text)  # the signer is asked for AUTH
    given = (await site.client.post("/sign-in/eds/challenge")).json()
    assert given["text"] == challenge_bytes(given["challenge"]).decode()
    answer = await site.client.post(
        "/sign-in/eds",
        data={
            "challenge": given["challenge"],
            "signature": keys.auth.sign(given["text"].encode()),
            "next": "/my/requests",
        },
    )
    assert answer.status_code == 303, answer.text
    assert (await site.client.get("/my/requests")).status_code == 200


async def test_eds_login_with_the_signing_key_opens_nothing(site: World) -> None:
    keys = site.person(4)
    assert (await site.register(keys)).status_code == 201
    given = (await site.client.post("/sign-in/eds/challenge")).json()
    answer = await site.client.post(
        "/sign-in/eds",
        data={
            "challenge": given["challenge"],
            "signature": keys.signing.sign(given["text"].encode()),
            "next": "/my/requests",
        },
    )
    assert answer.status_code == 401
    assert code_of(answer) == "wrong_credentials"
    assert (await site.client.get("/my/requests")).status_code == 303


@pytest.mark.parametrize("language", LANGUAGES)
async def test_registration_signs_the_text_it_shows_and_logs_in(
    site: World, language: Language
) -> None:
    keys = site.person(5)
    applicant = keys.signing.identity.iin
    assert applicant is not None
    step = await site.client.get("/register", params={"iin": applicant, "lang": language})
    text = registration_bytes(applicant, None).decode()
    assert shown(step, "register-text") == text
    assert t("register.sign_what", language) in step.text
    answer = await site.client.post(
        "/register",
        data={
            "iin": applicant,
            "bin": "",
            "password": PASSWORD,
            "password2": PASSWORD,
            "signature": keys.signing.sign(text.encode()),
        },
    )
    assert answer.status_code == 303, answer.text
    assert (await site.client.get("/my/requests")).status_code == 200


async def test_registration_with_another_persons_signature_stores_nothing(site: World) -> None:
    keys, other = site.person(6), site.person(7)
    applicant = keys.signing.identity.iin
    assert applicant is not None
    before = await stored_events(site)
    answer = await site.client.post(
        "/register?lang=ru",
        data={
            "iin": applicant,
            "password": PASSWORD,
            "password2": PASSWORD,
            "signature": other.signing.sign(registration_bytes(applicant, None)),
        },
    )
    assert answer.status_code == 422
    assert code_of(answer) == "SUBJECT_MISMATCH"
    assert "ИИН/БИН в заявке не совпадает" in answer.text
    assert await stored_events(site) == before


async def test_registration_refuses_an_invalid_iin_in_the_readers_language(site: World) -> None:
    page = await site.client.get("/register", params={"iin": "123456789012", "lang": "kk"})
    assert page.status_code == 422
    assert t("invalid_iin", "kk") in page.text


async def test_a_post_from_another_site_is_refused(site: World) -> None:
    answer = await site.client.post(
        "/sign-in/password",
        data={"iin": iin(8), "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert answer.status_code == 403
    assert code_of(answer) == "foreign_origin"


# --- the form, documents, signing ---------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
async def test_an_invalid_form_stores_nothing_and_names_each_problem(
    site: World, language: Language
) -> None:
    await logged_in(site, site.client, site.person(10))
    form = await site.client.get(f"/services/{SERVICE}/apply", params={"lang": language})
    assert form.status_code == 200
    assert t("draft.prefilled", language) in form.text
    assert iin(10) in form.text  # the IIN/BIN is filled in from the registration
    before = await stored_events(site)
    answer = await site.client.post(
        f"/services/{SERVICE}/apply?lang={language}",
        data={"item_description": "", "destination_country": "Kyrgyzstan", "return_date": "soon"},
    )
    assert answer.status_code == 422
    assert code_of(answer) == "invalid_form"
    assert 'data-field-error="item_description"' in answer.text
    assert 'data-field-error="return_date"' in answer.text
    assert t("problem.REQUIRED", language) in answer.text
    assert t("problem.INVALID", language) in answer.text
    assert 'value="Kyrgyzstan"' in answer.text  # what was typed stays
    assert await stored_events(site) == before


async def test_a_draft_is_filled_attached_signed_and_sent(site: World) -> None:
    keys = site.person(11)
    await logged_in(site, site.client, keys)
    request_id = await drafted(site, site.client)
    page = await site.client.get(f"/my/requests/{request_id}", params={"lang": "en"})
    assert "Attached: scan.pdf" in page.text
    assert "1.3.6.1.5.5.7.3.4" in html.unescape(page.text)  # the signer is asked for signing
    assert t("sign.meaning", "en") in page.text
    payload = (await site.portal.service.load(request_id)).signing_bytes()
    sent = await site.client.post(
        f"/my/requests/{request_id}/sign", data={"signature": keys.signing.sign(payload)}
    )
    assert sent.status_code == 303
    assert (await site.portal.service.load(request_id)).status == "submitted"
    shown = await site.client.get(f"/my/requests/{request_id}", params={"lang": "ru"})
    assert "отправлена" in shown.text
    assert 'id="sign-form"' not in shown.text


async def test_a_bad_file_is_refused_and_stores_nothing(site: World) -> None:
    await logged_in(site, site.client, site.person(12))
    answer = await site.client.post(f"/services/{SERVICE}/apply", data=FORM)
    request_id = answer.headers["location"].rsplit("/", 1)[1]
    before = await stored_events(site)
    for files, code in (
        ({"file": ("notes.txt", b"plain text", "text/plain")}, "attachment_type"),
        ({"file": ("big.pdf", b"%PDF" + b"0" * 70_000, "application/pdf")}, "attachment_too_large"),
        ({"file": ("../x.pdf", b"%PDF-1.4", "application/pdf")}, "invalid_name"),
        ({}, "attachment_empty"),
    ):
        refused = await site.client.post(
            f"/my/requests/{request_id}/documents/standard_p9_documents?lang=kk", files=files
        )
        assert refused.status_code >= 400, code
        assert code_of(refused) == code
    assert await stored_events(site) == before


async def test_a_signature_by_someone_else_is_refused_with_the_reason(site: World) -> None:
    await logged_in(site, site.client, site.person(13))
    request_id = await drafted(site, site.client)
    payload = (await site.portal.service.load(request_id)).signing_bytes()
    other = site.person(14)
    refused = await site.client.post(
        f"/my/requests/{request_id}/sign?lang=kk", data={"signature": other.signing.sign(payload)}
    )
    assert refused.status_code == 422
    assert code_of(refused) == "SUBJECT_MISMATCH"
    assert t("SUBJECT_MISMATCH", "kk") in refused.text
    assert (await site.portal.service.load(request_id)).status == "rejected_signature"


# --- another applicant's request ---------------------------------------------------------------


async def test_another_applicants_request_is_refused(site: World) -> None:
    await logged_in(site, site.client, site.person(15))
    request_id = await drafted(site, site.client)
    async with browser(site) as other:
        await logged_in(site, other, site.person(16))
        before = await stored_events(site)
        for method, path in (
            ("GET", f"/my/requests/{request_id}"),
            ("GET", f"/my/requests/{request_id}/result"),
            ("GET", f"/my/requests/{request_id}/events"),
            ("POST", f"/my/requests/{request_id}/form"),
            ("POST", f"/my/requests/{request_id}/sign"),
        ):
            answer = await other.request(method, f"{path}?lang=ru", data={"signature": "x"})
            assert answer.status_code == 403, (method, path)
            assert code_of(answer) == "not_yours"
            assert "Эта заявка вам не принадлежит" in answer.text
        assert await stored_events(site) == before


# --- the cabinet, the live history, the result, the survey ---------------------------------------


async def _completed(site: World, request_id: str, applicant: str) -> None:
    await site.deliver(
        PROVIDER, request_id, "status.changed.v1", {"status": "registered", "step": "register"}
    )
    head = site.issue(Individual(iin(90), "Ахметов", "Серік"))
    # As a workstation signs it (provider_svc.domain.documents.draft), with its number.
    document = {
        "kind": "certificate",
        "name": {"kk": "Куәлік", "ru": "Свидетельство"},
        "number": f"KZ-CV-{request_id[-6:]}",
        "request_id": request_id,
        "service": SERVICE,
        "version": "almaty-2018",
        "provider": {"kk": "Мәдениет басқармасы", "ru": "Управление культуры"},
        "workstation": PROVIDER,
        "applicant_iin": applicant,
        "decision": "issued",
        "refusal_code": None,
        "grounds": None,
        "form": {**FORM, "item_description": "Домбыра"},
        "prepared_at": "2019-10-01T04:00:00+00:00",
    }
    await site.deliver(
        PROVIDER,
        request_id,
        "result.issued.v1",
        {
            "request_id": request_id,
            "document": document,
            "signature": head.sign(canonical_json(document)),
        },
    )
    await site.deliver(
        PROVIDER, request_id, "status.changed.v1", {"status": "completed", "step": None}
    )


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_cabinet_lists_requests_with_status_and_deadline(
    site: World, language: Language
) -> None:
    keys = site.person(20)
    await logged_in(site, site.client, keys)
    request_id = await submitted(site, site.client, keys)
    page = await site.client.get("/my/requests", params={"lang": language})
    assert page.status_code == 200
    assert f'data-request="{request_id}"' in page.text
    assert t("col.deadline", language) in page.text
    assert t("status.submitted", language) in page.text
    assert re.search(r"\d\d\.\d\d\.2019 \d\d:\d\d", page.text)  # the deadline, Almaty time


async def test_the_request_page_follows_its_history_live(site: World) -> None:
    keys = site.person(21)
    await logged_in(site, site.client, keys)
    request_id = await submitted(site, site.client, keys)
    page = await site.client.get(f"/my/requests/{request_id}", params={"lang": "kk"})
    position = int(re.search(r"events\?after=(\d+)", page.text).group(1))  # type: ignore[union-attr]
    await site.deliver(
        PROVIDER, request_id, "status.changed.v1", {"status": "registered", "step": "register"}
    )
    stream = await site.client.get(
        f"/my/requests/{request_id}/events",
        params={"after": position, "max_events": 1, "lang": "kk"},
    )
    assert stream.headers["content-type"].startswith("text/event-stream")
    assert "event: status" in stream.text
    assert '"name": "тіркелді"' in stream.text
    assert '"result": false' in stream.text


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_result_is_shown_as_a_document_with_its_pdf_and_check(
    site: World, language: Language
) -> None:
    keys = site.person(22)
    await logged_in(site, site.client, keys)
    request_id = await submitted(site, site.client, keys)
    await _completed(site, request_id, iin(22))
    page = await site.client.get(f"/my/requests/{request_id}", params={"lang": language})
    assert t("request.view_result", language) in page.text
    assert t("status.completed", language) in page.text
    result = await site.client.get(f"/my/requests/{request_id}/result", params={"lang": language})
    assert result.status_code == 200
    assert 'id="result-check" data-code="OK"' in result.text
    assert t("result.valid", language, signer="") in result.text
    assert {"kk": "Куәлік", "ru": "Свидетельство", "en": "Куәлік"}[language] in result.text
    assert f'href="/verify/KZ-CV-{request_id[-6:]}"' in result.text
    pdf = await site.client.get(f"/my/requests/{request_id}/result.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    verified = await site.client.get(f"/verify/KZ-CV-{request_id[-6:]}")
    assert verified.json()["valid"] is True


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_result_documents_fields_and_values_are_in_the_readers_language(
    site: World, language: Language
) -> None:
    keys = site.person(27)
    await logged_in(site, site.client, keys)
    request_id = await submitted(site, site.client, keys)
    await _completed(site, request_id, iin(27))
    result = await site.client.get(f"/my/requests/{request_id}/result", params={"lang": language})
    assert result.status_code == 200
    definition = site.portal.service.catalog.get(SERVICE, "almaty-2018")
    table = re.search(r'<table id="result-document">(.*?)</table>', result.text, re.DOTALL)
    assert table is not None
    rows = dict(re.findall(r'<tr data-field="(\w+)">\s*<th scope="row">(.*?)</th>', table.group(1)))
    for key in ("kind", "name", "service", "version", "provider", "workstation", "form"):
        assert rows[key] == t(f"doc.{key}", language), key
    assert {"refusal_code", "grounds"}.isdisjoint(rows)  # empty fields are left out
    certificate = next(r.name for r in definition.results if r.kind.value == "certificate")
    field = {spec.name: spec.label for spec in definition.form}
    said = html.unescape(re.sub(r"<code>.*?</code>|<[^>]+>", " ", table.group(1)))
    for value in (
        getattr(certificate, language),  # the kind, as the regulation names the result
        PAGE_TEXTS.text("decision.issued", language),
        getattr(definition.name, language),  # the service
        getattr(field["item_description"], language),  # a form field by its label
        {"kk": "Мәдениет басқармасы"}.get(language, "Управление культуры"),
        "01.10.2019 10:00",  # prepared, in Almaty time
    ):
        assert value in said, value
    if language != "en":  # no raw field name nor value is left outside the identifiers
        assert not re.search(r"\b(kind|name|service|provider|form|certificate|issued)\b", said)
    # The document as signed, to the byte, stays available.
    document = (await site.portal.service.load(request_id)).result["document"]  # type: ignore[index]
    assert shown(result, "result-signed-text") == canonical_json(document).decode()


async def _refused(site: World, request_id: str, *, head: int) -> None:
    """The workstation's signed reasoned refusal (APPLICANT_NON_COMPLIANT) of ``request_id``,
    signed by the person of serial ``head``, delivered to the portal."""
    signer = site.issue(Individual(iin(head), "Ахметов", "Серік"))
    document = {
        "kind": "reasoned_refusal",
        "number": f"KZ-RF-{request_id[-6:]}",
        "request_id": request_id,
        "decision": "refused",
        "refusal_code": "APPLICANT_NON_COMPLIANT",
        "grounds": None,
    }
    await site.deliver(
        PROVIDER,
        request_id,
        "result.refused.v1",
        {
            "request_id": request_id,
            "document": document,
            "signature": signer.sign(canonical_json(document)),
        },
    )


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_refusal_shows_its_reason_in_the_chosen_language(
    site: World, language: Language
) -> None:
    keys = site.person(23)
    await logged_in(site, site.client, keys)
    request_id = await submitted(site, site.client, keys)
    await _refused(site, request_id, head=91)
    await site.deliver(PROVIDER, request_id, "status.changed.v1", {"status": "refused"})
    page = await site.client.get(f"/my/requests/{request_id}", params={"lang": language})
    definition = site.portal.service.catalog.get(SERVICE, "almaty-2018")
    ground = next(
        (g for g in definition.refusal_grounds if g.code == "APPLICANT_NON_COMPLIANT"), None
    )
    assert ground is not None
    assert 'id="refusal-reason" data-code="APPLICANT_NON_COMPLIANT"' in page.text
    assert str(escape(getattr(ground.name, language))) in page.text


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_survey_takes_typed_answers_once(site: World, language: Language) -> None:
    keys = site.person(24)
    await logged_in(site, site.client, keys)
    request_id = await submitted(site, site.client, keys)
    await _completed(site, request_id, iin(24))
    page = await site.client.get(f"/my/requests/{request_id}", params={"lang": language})
    assert t("survey.title", language) in page.text
    before = await stored_events(site)
    bad = await site.client.post(
        f"/my/requests/{request_id}/survey?lang={language}",
        data={"process": "true", "information": "3"},
    )
    assert bad.status_code == 422
    assert code_of(bad) == "invalid_answer"
    assert await stored_events(site) == before
    good = await site.client.post(
        f"/my/requests/{request_id}/survey", data={"process": "3", "information": "2"}
    )
    assert good.status_code == 303
    found = await site.portal.service.load(request_id)
    assert found.survey is not None
    assert found.survey["answers"] == {"process": 3, "information": 2}
    again = await site.client.get(f"/my/requests/{request_id}", params={"lang": language})
    assert t("survey.thanks", language) in again.text


async def entity_logged_in(world: World, client: httpx.AsyncClient, keys: Keys) -> None:
    assert (await world.register(keys, bin_=ORG_BIN)).status_code == 201
    answer = await client.post(
        "/sign-in/password",
        data={"iin": keys.signing.identity.iin, "bin": ORG_BIN, "password": PASSWORD},
    )
    assert answer.status_code == 303, answer.text


async def test_a_legal_entitys_request_is_signed_as_its_head_not_by_an_employee(
    site: World,
) -> None:
    head = site.org_signer(25)
    await entity_logged_in(site, site.client, head)
    request_id = await drafted(site, site.client)
    page = await site.client.get(f"/my/requests/{request_id}", params={"lang": "ru"})
    assert ORG_BIN in page.text  # the entity's BIN is the form's IIN/BIN
    assert t("sign.as_head", "ru") in page.text
    assert t("sign.as_signer", "ru") in page.text
    oids = html.unescape(page.text)
    assert EntityRole.FIRST_HEAD.holder_oid.dotted_string in oids
    assert EntityRole.SIGNER.holder_oid.dotted_string in oids
    payload = (await site.portal.service.load(request_id)).signing_bytes()
    signed = await site.client.post(
        f"/my/requests/{request_id}/sign", data={"signature": head.signing.sign(payload)}
    )
    assert signed.status_code == 303
    assert (await site.portal.service.load(request_id)).status == "submitted"
    # The entity's employee may prepare a request, not sign it.
    employee = site.org_signer(26, role=EntityRole.EMPLOYEE)
    async with browser(site) as other:
        await entity_logged_in(site, other, employee)
        drafted_by_employee = await drafted(site, other)
        payload = (await site.portal.service.load(drafted_by_employee)).signing_bytes()
        refused = await other.post(
            f"/my/requests/{drafted_by_employee}/sign?lang=ru",
            data={"signature": employee.signing.sign(payload)},
        )
    assert refused.status_code == 403
    assert code_of(refused) == "no_right_to_sign"
    assert t("no_right_to_sign", "ru") in refused.text


async def test_a_result_arriving_after_its_final_status_is_sent_live_on_its_own(
    site: World,
) -> None:
    # The gateway keeps no order between two messages: the refusal's status may come first.
    keys = site.person(24)
    await logged_in(site, site.client, keys)
    request_id = await submitted(site, site.client, keys)
    await site.deliver(PROVIDER, request_id, "status.changed.v1", {"status": "refused"})
    page = await site.client.get(f"/my/requests/{request_id}", params={"lang": "ru"})
    assert re.search(r'id="result-link" hidden', page.text)
    position = int(re.search(r"events\?after=(\d+)", page.text).group(1))  # type: ignore[union-attr]
    await _refused(site, request_id, head=92)
    stream = await site.client.get(
        f"/my/requests/{request_id}/events",
        params={"after": position, "max_events": 1, "lang": "ru"},
    )
    [event] = [x for x in stream.text.splitlines() if x.startswith("event: ")]
    [data] = [x for x in stream.text.splitlines() if x.startswith("data: ")]
    sent = json.loads(data.removeprefix("data: "))
    definition = site.portal.service.catalog.get(SERVICE, "almaty-2018")
    [ground] = [g for g in definition.refusal_grounds if g.code == "APPLICANT_NON_COMPLIANT"]
    assert event == "event: result"
    assert sent == {
        "result": True,
        "refusal": PAGE_TEXTS.text("request.refusal", "ru", reason=ground.name.ru),
        "refusal_code": "APPLICANT_NON_COMPLIANT",
    }
