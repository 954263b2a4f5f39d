# ruff: noqa: RUF001 - the Kazakh and Russian texts are Cyrillic on purpose
"""The workstation's pages: the list of workstations, signing in with the department's
certificate, the inbox of one's roles with its deadlines in kk/ru/en, overdue marked, pages of
25, and who is refused (another department's clerk, a personal certificate, someone off the
roster, nobody signed in)."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

from provider_svc.domain.workstations import workstation
from shared.pki.jws import JwsSigner
from shared.pki.pkcs12 import load_pkcs12
from shared.pki.profiles import EntityRole, Individual, KeyPurpose, LegalEntitySigner
from tests.provider.conftest import APPLICANT, Harness, applicant_body, iin
from tests.provider.pages_support import ZONE, browser, code_of, sign_in
from tests.provider.test_flows import ARCHIVES, CULTURE, GREEN

INBOX = f"/workstations/{CULTURE}/inbox"


async def _request(h: Harness) -> str:
    return await h.deliver(
        sender="portal",
        recipient=CULTURE,
        service_code="cultural_values_export",
        body=applicant_body(),
    )


async def test_the_workstations_are_listed_with_their_bins_for_anyone(almaty: Harness) -> None:
    async with browser(almaty) as http:
        for language, title, department in (
            ("kk", "Қызмет берушілердің жұмыс орындары", "Мәдениет және архивтер басқармасы"),
            ("ru", "Рабочие места услугодателей", "Управление культуры и архивов"),
            ("en", "The providers' workstations", "Almaty Department of Culture and Archives"),
        ):
            page = await http.get(f"/workstations?lang={language}")
            assert page.status_code == 200
            assert f'<html lang="{language}">' in page.text
            assert title in unescape(page.text)
            assert department in page.text
            for system_id in (CULTURE, GREEN, ARCHIVES):
                assert f'data-test="workstation-{system_id}"' in page.text
                assert workstation(system_id).bin in page.text


async def test_the_clerk_signs_in_and_sees_the_request_with_its_deadlines(almaty: Harness) -> None:
    h = almaty
    rid = await _request(h)
    clerk_iin, clerk = await h.hire(CULTURE, "office_clerk")
    request, _, _ = await h.service.load(rid)
    step_deadline = request.state.current.deadline  # type: ignore[union-attr]
    assert step_deadline is not None
    local_step = step_deadline.astimezone(ZONE).strftime("%Y-%m-%d %H:%M")
    local_term = request.state.deadline.astimezone(ZONE).strftime("%Y-%m-%d %H:%M")
    assert local_step == "2019-11-04 09:10"  # 001 p.5.1: 10 minutes from the receipt at 09:00
    async with browser(h) as http:
        asked = await http.get(INBOX)
        assert asked.status_code == 303
        assert asked.headers["location"] == f"/sign-in?next={INBOX}"
        signed_in = await sign_in(http, clerk)
        assert "staff" in signed_in.json()["kinds"]
        for language, words in (
            (
                "kk",
                (
                    "Кіріс өтініштер",
                    "Кезеңнің мерзімі",
                    "Қызмет көрсету мерзімі",
                    "Құжаттарды қабылдау, тіркеу және басшыға тапсыру",
                    "Көрсетілетін қызметті берушінің кеңсе қызметкері",
                    "«Электрондық үкімет» веб-порталы",
                ),
            ),
            (
                "ru",
                (
                    "Входящие заявки",
                    "Срок этапа",
                    "Срок оказания услуги",
                    "Приём, регистрация документов и передача руководителю",
                    "Сотрудник канцелярии услугодателя",
                    "Веб-портал «электронного правительства»",
                ),
            ),
            (
                "en",
                (
                    "Inbox",
                    "Step deadline",
                    "Request deadline",
                    "Accept and register documents, pass them to the head",
                    "Provider's office clerk",
                    "E-government portal",
                ),
            ),
        ):
            page = await http.get(f"{INBOX}?lang={language}")
            assert page.status_code == 200, page.text
            assert f'data-test="request-{rid}"' in page.text
            assert len(rid) > 8
            assert f">{rid}</code></a>" in page.text  # the whole id, never cut short
            for word in words:
                assert word in unescape(page.text), (language, word)
            assert f'datetime="{step_deadline.isoformat()}">{local_step}</time>' in page.text
            assert f">{local_term}</time>" in page.text
            assert APPLICANT not in page.text  # masked, as the API shows it
            assert APPLICANT[:2] + "******" + APPLICANT[-4:] in page.text
            assert clerk_iin in page.text  # who is signed in
            assert 'class="overdue"' not in page.text


async def test_an_overdue_step_is_marked_in_the_inbox(almaty: Harness) -> None:
    h = almaty
    rid = await _request(h)
    _, clerk = await h.hire(CULTURE, "office_clerk")
    await h.clock.advance(timedelta(minutes=20))  # the register step's 10 minutes are gone
    async with browser(h) as http:
        await sign_in(http, clerk)
        for language, words in (
            ("kk", "кезеңнің мерзімі өтті"),
            ("ru", "срок этапа истёк"),
            ("en", "step overdue"),
        ):
            page = await http.get(f"{INBOX}?lang={language}")
            assert f'<tr data-test="request-{rid}" class="overdue">' in page.text
            assert words in page.text


async def test_the_inbox_shows_25_requests_a_page(almaty: Harness) -> None:
    h = almaty
    ids = [await _request(h) for _ in range(27)]
    _, clerk = await h.hire(CULTURE, "office_clerk")
    async with browser(h) as http:
        await sign_in(http, clerk)
        first = await http.get(f"{INBOX}?lang=en")
        second = await http.get(f"{INBOX}?page=2&lang=en")
        beyond = await http.get(f"{INBOX}?page=9&lang=en")
    shown = [[rid for rid in ids if f"request-{rid}" in p.text] for p in (first, second)]
    assert [len(s) for s in shown] == [25, 2]
    assert set(shown[0]) | set(shown[1]) == set(ids)
    assert "Page 1 of 2" in first.text
    assert 'id="page-next"' in first.text
    assert "Page 2 of 2" in second.text
    assert 'id="page-previous"' in second.text
    assert "Page 2 of 2" in beyond.text  # a page past the end shows the last


async def test_the_head_sees_no_request_waiting_for_the_clerk(almaty: Harness) -> None:
    h = almaty
    rid = await _request(h)
    _, head = await h.hire(CULTURE, "head")
    async with browser(h) as http:
        await sign_in(http, head)
        page = await http.get(f"{INBOX}?lang=en")
    assert page.status_code == 200
    assert rid not in page.text
    assert 'id="inbox-empty"' in page.text


async def _personal(h: Harness, person_iin: str) -> JwsSigner:
    issued = await h.ca.issue(
        Individual(person_iin, "Own", "Person"), KeyPurpose.SIGNING, password="pw"
    )
    return JwsSigner.from_key_file(load_pkcs12(issued.pkcs12, password="pw"))


async def _employee_off_the_roster(h: Harness) -> JwsSigner:
    department = workstation(CULTURE)
    holder = LegalEntitySigner(
        Individual(iin(90), "New", "Clerk"), department.bin, department.name, EntityRole.EMPLOYEE
    )
    issued = await h.ca.issue(holder, KeyPurpose.SIGNING, password="pw")
    return JwsSigner.from_key_file(load_pkcs12(issued.pkcs12, password="pw"))


async def test_who_is_not_the_workstations_staff_is_refused_as_a_page(almaty: Harness) -> None:
    h = almaty
    await _request(h)
    clerk_iin, _ = await h.hire(CULTURE, "office_clerk")
    _, archivist = await h.hire(ARCHIVES, "provider_employee")
    cases = [
        # Another department's clerk: the certificate names the Astana archives' BIN.
        (archivist, 403, "wrong_bin", workstation(CULTURE).bin),
        # The culture clerk's own personal certificate (their IIN is on the roster).
        (await _personal(h, clerk_iin), 403, "ROLE_REQUIRED", None),
        # An employee certificate of the culture department, but not on its roster.
        (await _employee_off_the_roster(h), 403, "not_staff", workstation(CULTURE).bin),
        # An information system's certificate.
        (await h.system_signer("portal"), 403, "ROLE_REQUIRED", None),
    ]
    for signer, status, code, named in cases:
        async with browser(h) as http:
            await sign_in(http, signer)
            for language in ("kk", "ru", "en"):
                page = await http.get(f"{INBOX}?lang={language}")
                assert (page.status_code, code_of(page)) == (status, code), page.text
                assert 'data-test="request-' not in page.text
                if named is not None:
                    assert named in page.text  # the BIN its staff sign with


async def test_a_workstation_that_does_not_exist_is_not_found(almaty: Harness) -> None:
    _, clerk = await almaty.hire(CULTURE, "office_clerk")
    async with browser(almaty) as http:
        await sign_in(http, clerk)
        page = await http.get("/workstations/provider.nowhere/inbox")
    assert (page.status_code, code_of(page)) == (404, "unknown_workstation")
