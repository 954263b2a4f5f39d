"""The PSC desk's pages (portal_svc.pages.desk), over HTTP as a browser sends them: the
operator signs in with their certificate under /psc (the portal's /sign-in is the
applicants'), files a request for a visitor (the registry checks the IIN; an invalid form or
an unknown visitor stores nothing), attaches the scan, signs with their own key, follows the
result back, lists it among the uncollected and hands it out; each in kk, ru and en."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from markupsafe import escape

from portal_svc.domain import events
from portal_svc.pages import mount_pages
from portal_svc.pages.texts import PAGE_TEXTS
from portal_svc.psc import CENTERS
from shared.canonical import canonical_json
from shared.pages.languages import LANGUAGES, Language
from shared.pages.sessions import COOKIE
from shared.pki.jws import JwsSigner
from shared.pki.profiles import EntityRole, Individual, LegalEntitySigner
from tests.portal.conftest import ASTANA_2013, ORG_BIN, World, iin

pytestmark = pytest.mark.parametrize("start", [ASTANA_2013])

ARCHIVES = "provider.astana.archives"
SERVICE = "archive_reference"
FORM = {"subject": "Work record 1995-2001, Tselinograd", "delivery": "in_person"}


def t(key: str, language: Language, **fmt: Any) -> str:
    return str(escape(PAGE_TEXTS.text(key, language, **fmt)))


def code_of(page: httpx.Response) -> str | None:
    found = re.search(r'data-code="([^"]*)"', page.text)
    return found.group(1) if found else None


@pytest.fixture
async def site(world: World) -> World:
    mount_pages(world.app, world.portal, public_url="http://portal")
    return world


async def signed_in(world: World, signer: JwsSigner) -> httpx.Response:
    given = (await world.client.post("/psc/sign-in/challenge")).json()
    return await world.client.post(
        "/psc/sign-in",
        json={
            "challenge": given["challenge"],
            "signature": signer.sign(given["text"].encode()),
            "next": "/psc/desk",
        },
    )


async def stored_events(world: World) -> int:
    return len(await world.store.read_all(after=0, limit=100_000))


async def filed(world: World, visitor: str) -> str:
    answer = await world.client.post(
        f"/psc/desk/new?service={SERVICE}", data={"applicant_iin": visitor, **FORM}
    )
    assert answer.status_code == 303, answer.text
    request_id = answer.headers["location"].rsplit("/", 1)[1]
    scan = await world.client.post(
        f"/psc/desk/requests/{request_id}/documents/application_and_originals",
        files={"file": ("scan.pdf", b"%PDF-1.4 scanned application", "application/pdf")},
    )
    assert scan.status_code == 303, scan.text
    return request_id


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_desk_page_without_a_session_goes_to_the_operators_sign_in(
    site: World, language: Language
) -> None:
    page = await site.client.get("/psc/desk", params={"lang": language})
    assert page.status_code == 303
    assert page.headers["location"].startswith("/psc/sign-in?next=/psc/desk")
    sign_in = await site.client.get("/psc/sign-in", params={"lang": language})
    assert sign_in.status_code == 200
    assert t("desk.sign_in", language) in sign_in.text
    assert "/psc/sign-in/challenge" in sign_in.text


async def test_a_citizen_or_another_organisations_employee_is_refused(site: World) -> None:
    assert (await signed_in(site, site.person(30).signing)).status_code == 200
    page = await site.client.get("/psc/desk", params={"lang": "ru"})
    assert page.status_code == 403
    assert code_of(page) == "ROLE_REQUIRED"
    site.client.cookies.clear()
    clerk = site.issue(
        LegalEntitySigner(
            Individual(iin(31), "Омаров", "Ерлан"), ORG_BIN, "Mura LLP", EntityRole.EMPLOYEE
        )
    )
    assert (await signed_in(site, clerk)).status_code == 200
    page = await site.client.get("/psc/desk", params={"lang": "kk"})
    assert page.status_code == 403
    assert code_of(page) == "not_an_operator"
    assert t("not_an_operator", "kk") in page.text


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_desk_names_its_center_in_the_readers_language(
    site: World, language: Language
) -> None:
    assert (await signed_in(site, site.operator(74, desk="psc.almaty"))).status_code == 200
    desk = await site.client.get("/psc/desk", params={"lang": language})
    almaty = next(c for c in CENTERS if c.desk == "psc.almaty")
    assert len(set(almaty.titles.values())) == len(LANGUAGES)
    named = re.search(r'<span id="center" data-desk="psc.almaty">(.*?)</span>', desk.text)
    assert named is not None
    assert named.group(1) == str(escape(almaty.titles[language]))


@pytest.mark.parametrize("language", LANGUAGES)
async def test_an_unknown_visitor_or_an_invalid_form_stores_nothing(
    site: World, language: Language
) -> None:
    answer = await signed_in(site, site.operator(71))
    assert answer.status_code == 200
    assert answer.cookies.get(COOKIE)
    before = await stored_events(site)
    unknown = await site.client.post(
        f"/psc/desk/new?service={SERVICE}&lang={language}",
        data={"applicant_iin": iin(1), **FORM},
    )
    assert unknown.status_code == 404
    assert code_of(unknown) == "applicant_not_found"
    assert t("applicant_not_found", language) in unknown.text
    invalid = await site.client.post(
        f"/psc/desk/new?service={SERVICE}&lang={language}",
        data={"applicant_iin": iin(61), "subject": "", "delivery": "by pigeon"},
    )
    assert invalid.status_code == 422
    assert code_of(invalid) == "invalid_form"
    assert 'data-field-error="subject"' in invalid.text
    assert t("problem.NOT_A_CHOICE", language) in invalid.text
    assert await stored_events(site) == before


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_filing_goes_from_the_desk_to_hand_out(site: World, language: Language) -> None:
    operator = site.operator(70)
    assert (await signed_in(site, operator)).status_code == 200
    desk = await site.client.get("/psc/desk", params={"lang": language})
    assert desk.status_code == 200
    assert t("desk.title", language) in desk.text
    assert f'href="/psc/desk/new?service={SERVICE}"' in desk.text
    form = await site.client.get("/psc/desk/new", params={"service": SERVICE, "lang": language})
    assert t("desk.visitor_iin", language) in form.text
    request_id = await filed(site, iin(60))
    assert site.registry.asked == [iin(60)]
    page = await site.client.get(f"/psc/desk/requests/{request_id}", params={"lang": language})
    assert t("desk.sign_meaning", language) in page.text
    payload = (await site.portal.service.load(request_id)).signing_bytes()
    signed = await site.client.post(
        f"/psc/desk/requests/{request_id}/sign", data={"signature": operator.sign(payload)}
    )
    assert signed.status_code == 303, signed.text
    found = await site.portal.service.load(request_id)
    assert found.status == "submitted"
    assert found.operator_iin == iin(70)
    submitted = [
        e
        for e in await site.store.read_stream(events.request_stream(request_id))
        if e.type == events.REQUEST_SUBMITTED
    ]
    assert submitted[0].metadata["actor"] == f"operator:psc.astana:{iin(70)}"
    # The result comes back to the desk.
    for status in ("registered", "completed"):
        if status == "completed":
            await site.deliver(
                ARCHIVES,
                request_id,
                "result.issued.v1",
                {"document": {"number": "AR-2013-1", "decision": "issued"}, "signature": None},
                recipient="psc.astana",
                service_code=SERVICE,
            )
        await site.deliver(
            ARCHIVES,
            request_id,
            "status.changed.v1",
            {"status": status},
            recipient="psc.astana",
            service_code=SERVICE,
        )
    waiting = await site.client.get("/psc/desk", params={"uncollected_days": 0, "lang": language})
    assert f'data-request="{request_id}"' in waiting.text
    assert t("desk.uncollected", language) in waiting.text
    assert (
        f'data-request="{request_id}"'
        not in (await site.client.get("/psc/desk", params={"uncollected_days": 5})).text
    )
    card = await site.client.get(f"/psc/desk/requests/{request_id}", params={"lang": language})
    assert 'id="hand-out-form"' in card.text
    no_email = await site.client.post(
        f"/psc/desk/requests/{request_id}/hand-out?lang={language}", data={"how": "email"}
    )
    assert no_email.status_code == 422
    assert code_of(no_email) == "invalid_hand_out"
    handed = await site.client.post(
        f"/psc/desk/requests/{request_id}/hand-out", data={"how": "in_person"}
    )
    assert handed.status_code == 303
    assert (await site.portal.service.load(request_id)).handed_out
    shown = await site.client.get(f"/psc/desk/requests/{request_id}", params={"lang": language})
    assert 'id="handed-out"' in shown.text
    assert (
        f'data-request="{request_id}"'
        not in (await site.client.get("/psc/desk", params={"uncollected_days": 0})).text
    )
    await site.portal.relay.relay_once()
    kinds = [(e["sender"], e["type"]) for e in site.envelopes()]
    assert ("psc.astana", "request.handed_out.v1") in kinds


async def test_another_centers_request_is_refused(site: World) -> None:
    assert (await signed_in(site, site.operator(72))).status_code == 200
    request_id = await filed(site, iin(62))
    site.client.cookies.clear()
    almaty = site.operator(73, desk="psc.almaty")
    assert (await signed_in(site, almaty)).status_code == 200
    page = await site.client.get(f"/psc/desk/requests/{request_id}", params={"lang": "en"})
    assert page.status_code == 403
    assert code_of(page) == "not_yours"


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_desks_request_page_follows_its_history_and_a_refusal_live(
    site: World, language: Language
) -> None:
    operator = site.operator(74)
    assert (await signed_in(site, operator)).status_code == 200
    request_id = await filed(site, iin(64))
    payload = (await site.portal.service.load(request_id)).signing_bytes()
    signed = await site.client.post(
        f"/psc/desk/requests/{request_id}/sign", data={"signature": operator.sign(payload)}
    )
    assert signed.status_code == 303, signed.text
    page = await site.client.get(f"/psc/desk/requests/{request_id}", params={"lang": language})
    stream = re.search(rf"/psc/desk/requests/{request_id}/events\?after=(\d+)", page.text)
    assert stream is not None, "the history is followed live"
    assert 'id="refusal-reason" hidden' in page.text  # uncovered when a refusal comes in
    head = site.issue(Individual(iin(94), "Ахметов", "Серік"))
    document = {
        "kind": "reasoned_refusal",
        "number": f"AR-RF-{request_id[-6:]}",
        "request_id": request_id,
        "decision": "refused",
        "refusal_code": "AUTHORIZATION_REFUSED",
        "grounds": None,
    }
    await site.deliver(
        ARCHIVES,
        request_id,
        "result.refused.v1",
        {"document": document, "signature": head.sign(canonical_json(document))},
        recipient="psc.astana",
        service_code=SERVICE,
    )
    await site.deliver(
        ARCHIVES,
        request_id,
        "status.changed.v1",
        {"status": "refused"},
        recipient="psc.astana",
        service_code=SERVICE,
    )
    answer = await site.client.get(
        f"/psc/desk/requests/{request_id}/events",
        params={"after": stream.group(1), "max_events": 1, "lang": language},
    )
    assert answer.headers["content-type"].startswith("text/event-stream")
    [line] = [x for x in answer.text.splitlines() if x.startswith("data: ")]
    data = json.loads(line.removeprefix("data: "))
    definition = site.portal.service.catalog.get(SERVICE, "astana-2012")
    [ground] = [g for g in definition.refusal_grounds if g.code == "AUTHORIZATION_REFUSED"]
    reason = PAGE_TEXTS.text("request.refusal", language, reason=getattr(ground.name, language))
    assert (data["status"], data["result"]) == ("refused", True)
    assert (data["refusal"], data["refusal_code"]) == (reason, "AUTHORIZATION_REFUSED")
    # Drawn again, the page says it and offers the hand-out of the refusal.
    card = await site.client.get(f"/psc/desk/requests/{request_id}", params={"lang": language})
    assert 'id="refusal-reason" data-code="AUTHORIZATION_REFUSED"' in card.text
    assert 'id="hand-out-form"' in card.text


async def test_another_centers_request_stream_is_refused(site: World) -> None:
    assert (await signed_in(site, site.operator(75))).status_code == 200
    request_id = await filed(site, iin(65))
    site.client.cookies.clear()
    assert (await signed_in(site, site.operator(76, desk="psc.almaty"))).status_code == 200
    for method, path in (
        ("GET", f"/psc/desk/requests/{request_id}/events"),
        ("POST", f"/psc/desk/requests/{request_id}/form"),
        ("POST", f"/psc/desk/requests/{request_id}/documents/application_and_originals"),
    ):
        answer = await site.client.request(method, path, data={"subject": "x"})
        assert answer.status_code == 403, (method, path)
        assert code_of(answer) == "not_yours"
