"""Paper intake and step extensions through the workstation's pages: a paper application
checked field by field (each message in the clerk's language, at its field, nothing stored),
the applicant looked up in the registry, the new request's card; the archive search extended
(004: up to six months) with a reason, a refusal named at its field."""

from __future__ import annotations

from html import unescape

from shared.eventlog.port import EventStore
from tests.provider.conftest import APPLICANT, UNKNOWN_PERSON, Harness, applicant_body
from tests.provider.pages_support import browser, code_of, sign_in
from tests.provider.test_flows import ARCHIVES, CULTURE, GREEN

PAPER = f"/workstations/{CULTURE}/paper-applications"
SCAN = "cd" * 32
LANGS = ("kk", "ru", "en")


def _application(**changes: str) -> dict[str, str]:
    fields = {
        "service": "cultural_values_export",
        "applicant_iin": APPLICANT,
        "form.item_description": "A dombra of 1905",
        "form.destination_country": "Kyrgyzstan",
        "form.return_date": "2020-03-01",
        "doc.standard_p9_documents.sha256": SCAN,
        "doc.standard_p9_documents.name": "dombra.pdf",
        "doc.standard_p9_documents.pages": "3",
    }
    return {**fields, **changes}


async def _everything(store: EventStore) -> int:
    return len(await store.read_all(after=0, limit=100_000))


async def test_the_paper_form_names_each_wrong_field_and_stores_nothing(almaty: Harness) -> None:
    h = almaty
    _, clerk = await h.hire(CULTURE, "office_clerk")
    before = await _everything(h.store)
    wrong = _application(
        applicant_iin="123456789012",
        **{
            "form.item_description": "",
            "form.return_date": "1 March",
            "doc.standard_p9_documents.sha256": "not-a-hash",
            "doc.standard_p9_documents.pages": "0",
        },
    )
    async with browser(h) as http:
        await sign_in(http, clerk)
        form = await http.get(f"{PAPER}?lang=kk")
        assert form.status_code == 200
        assert "Мәдени құндылықтың сипаттамасы" in form.text
        assert "Стандарттың 9 тармағында көрсетілген құжаттар" in form.text
        assert 'id="entry-role"' not in form.text  # the clerk registers paper in A
        for language, words in (
            (
                "kk",
                ("ЖСН — бақылау разряды дұрыс 12 цифр.", "Міндетті өріс.", "64 он алтылық таңба"),
            ),
            ("ru", ("ИИН — 12 цифр", "Обязательное поле.", "64 шестнадцатеричных символа")),
            ("en", ("An IIN is 12 digits", "Required.", "64 hexadecimal characters")),
        ):
            answer = await http.post(f"{PAPER}?lang={language}", data=wrong)
            assert answer.status_code == 422
            text = unescape(answer.text)
            for word in words:
                assert word in text, (language, word)
            for field in (
                "applicant_iin",
                "form-item_description",
                "form-return_date",
                "doc-standard_p9_documents-sha256",
                "doc-standard_p9_documents-pages",
            ):
                assert f'id="error-paper-{field}"' in answer.text, field
            assert 'value="Kyrgyzstan"' in answer.text  # what was typed stays
    assert await _everything(h.store) == before
    assert h.registry.asked == []  # nothing was looked up for an invalid form


async def test_a_paper_application_is_registered_after_the_registry_check(
    almaty: Harness,
) -> None:
    h = almaty
    clerk_iin, clerk = await h.hire(CULTURE, "office_clerk")
    async with browser(h) as http:
        await sign_in(http, clerk)
        before = await _everything(h.store)
        unknown = await http.post(
            f"{PAPER}?lang=ru", data=_application(applicant_iin=UNKNOWN_PERSON)
        )
        assert (unknown.status_code, code_of(unknown)) == (422, "registry_not_found")
        assert 'id="error-paper-applicant_iin"' in unknown.text
        assert "нет в ГБД ФЛ" in unknown.text
        assert await _everything(h.store) == before

        done = await http.post(PAPER, data=_application())
        assert done.status_code == 303, done.text
        card = done.headers["location"]
        assert card.endswith("?done=paper")
        page = await http.get(card + "&lang=kk")
    assert "Қағаз түріндегі өтініш тіркелді." in page.text
    assert "Қызмет берушінің кеңсесі (қағаз түрінде)" in page.text
    assert "dombra.pdf" in page.text
    assert SCAN in page.text
    assert "3 бет" in page.text
    rid = card.split("/requests/")[1].split("?")[0]
    request, _, _ = await h.service.load(rid)
    assert request.origin.channel.value == "provider_office"
    assert request.origin.form["applicant_iin_bin"] == APPLICANT
    assert dict(request.origin.documents[0]) == {
        "code": "standard_p9_documents",
        "sha256": SCAN,
        "name": "dombra.pdf",
        "pages": 3,
    }
    assert (APPLICANT, CULTURE) in h.registry.asked
    checked = [e for e in await h.stream(rid) if e.type == "ApplicantChecked.v1"]
    assert checked[0].metadata["actor"] == clerk_iin


async def test_a_workstation_without_paper_services_says_so(almaty: Harness) -> None:
    h = almaty
    _, employee = await h.hire(GREEN, "employee")
    async with browser(h) as http:
        await sign_in(http, employee)
        page = await http.get(f"/workstations/{GREEN}/paper-applications?lang=en")
        posted = await http.post(
            f"/workstations/{GREEN}/paper-applications?lang=en",
            data=_application(service="minerals_absence_conclusion"),
        )
    assert page.status_code == 200
    assert "This workstation's services are not taken on paper." in unescape(page.text)
    assert (posted.status_code, code_of(posted)) == (422, "form.service")


async def _archive_request(h: Harness) -> str:
    return await h.deliver(
        sender="portal", recipient=ARCHIVES, service_code="archive_reference", body=applicant_body()
    )


def _extension() -> dict[str, str]:
    return {"step": "search_and_decide", "until": "2013-05-20", "reason": "kept at a branch"}


async def test_the_archive_search_is_extended_through_the_page(astana: Harness) -> None:
    h = astana
    rid = await _archive_request(h)
    _, employee = await h.hire(ARCHIVES, "provider_employee")
    card = f"/workstations/{ARCHIVES}/requests/{rid}"
    async with browser(h) as http:
        await sign_in(http, employee)
        page = await http.get(f"{card}?lang=kk")
        assert 'id="extension"' in page.text
        assert "Кезеңнің мерзімін ұзарту" in page.text
        assert "6 айға дейін" in page.text
        before = await _everything(h.store)
        for data, status, code, field in (
            ({**_extension(), "until": "2013-12-20"}, 409, "BEYOND_MAXIMUM", "until"),
            ({**_extension(), "until": "2013-03-05"}, 409, "NOT_LATER", "until"),
            ({**_extension(), "until": "soon"}, 422, "form.date", "until"),
            ({**_extension(), "reason": " "}, 422, "error.REASON_REQUIRED", "reason"),
        ):
            refused = await http.post(f"{card}/extensions?lang=ru", data=data)
            assert (refused.status_code, code_of(refused)) == (status, code), refused.text
            assert f'id="error-extension-{field}"' in refused.text
        assert await _everything(h.store) == before

        done = await http.post(f"{card}/extensions", data=_extension())
        assert done.status_code == 303
        assert done.headers["location"] == f"{card}?done=extension"
        page = await http.get(f"{card}?done=extension&lang=ru")
    assert "Срок продлён." in page.text
    assert "2013-05-20 18:" in page.text  # the new step deadline, at the end of that day
    assert 'data-event="StepExtended"' in page.text
    extended = [e for e in await h.stream(rid) if e.type == "StepExtended.v1"]
    assert extended[0].data["reason"] == "kept at a branch"


async def test_no_extension_is_offered_where_the_act_gives_none(almaty: Harness) -> None:
    h = almaty
    rid = await h.deliver(
        sender="portal",
        recipient=CULTURE,
        service_code="cultural_values_export",
        body=applicant_body(),
    )
    _, clerk = await h.hire(CULTURE, "office_clerk")
    async with browser(h) as http:
        await sign_in(http, clerk)
        page = await http.get(f"/workstations/{CULTURE}/requests/{rid}")
        forced = await http.post(
            f"/workstations/{CULTURE}/requests/{rid}/extensions?lang=en",
            data={"step": "register", "until": "2019-11-20", "reason": "more time"},
        )
    assert 'id="extension"' not in page.text
    assert (forced.status_code, code_of(forced)) == (409, "NOT_EXTENDABLE")
    assert "The act does not let this step run longer." in forced.text


async def test_the_archive_card_says_the_choice_and_the_clause_in_the_readers_words(
    astana: Harness,
) -> None:
    h = astana
    rid = await h.deliver(
        sender="portal",
        recipient=ARCHIVES,
        service_code="archive_reference",
        body=applicant_body(subject="A work record, 1995-2001", delivery="in_person"),
    )
    _, employee = await h.hire(ARCHIVES, "provider_employee")
    card = f"/workstations/{ARCHIVES}/requests/{rid}"
    async with browser(h) as http:
        await sign_in(http, employee)
        pages = {lang: unescape((await http.get(f"{card}?lang={lang}")).text) for lang in LANGS}
        paper = await http.get(f"/workstations/{ARCHIVES}/paper-applications?lang=ru")
    # 004 p.6.11: how the result is received, by its label, never the definition's id.
    for language, received, clause in (
        ("kk", "қолма-қол", "004, 2-қосымша, 3-кесте, 6-әрекет"),
        ("ru", "лично", "004, приложение 2, таблица 3, действие 6"),
        ("en", "in person", "004 appendix 2 table 3 action 6"),
    ):
        page = pages[language]
        assert f"<dd>{received}</dd>" in page, language
        assert "in_person" not in page
        assert clause in page, language
    for language in ("kk", "ru"):
        assert "appendix" not in pages[language]
    assert '<option value="in_person">лично</option>' in paper.text
