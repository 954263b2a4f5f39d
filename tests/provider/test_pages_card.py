# ruff: noqa: RUF001 - the Kazakh and Russian texts are Cyrillic on purpose
"""A request's card at the workstation: what arrived (applicant masked, service and version,
channel, documents with their hashes, the history as the API gives it), exactly the actions
the step engine allows now to the signed-in person's roles, an action posted through the page
changing the request, and a refused one showing the reason at its field and changing nothing;
the result signed with the EDS over the draft the page fetched."""

from __future__ import annotations

import re
from html import unescape

import httpx

from provider_svc.domain.documents import signing_bytes
from shared.pki.cms import CmsSigner, cms_pem
from tests.provider.conftest import APPLICANT, Harness, applicant_body
from tests.provider.pages_support import browser, code_of, form_ids, sign_in
from tests.provider.test_flows import CULTURE, GROUNDS, do

SCAN = "ab" * 32


async def _request(h: Harness) -> str:
    body = applicant_body()
    body["documents"] = [
        {
            "code": "standard_p9_documents",
            "name": "passport-scan.pdf",
            "media_type": "application/pdf",
            "size": 48213,
            "sha256": SCAN,
        }
    ]
    return await h.deliver(
        sender="portal", recipient=CULTURE, service_code="cultural_values_export", body=body
    )


def _card(rid: str) -> str:
    return f"/workstations/{CULTURE}/requests/{rid}"


async def _events(h: Harness, rid: str) -> list[str]:
    return [e.type for e in await h.stream(rid)]


async def test_the_card_shows_the_request_and_offers_what_the_engine_allows(
    almaty: Harness,
) -> None:
    h = almaty
    rid = await _request(h)
    _, clerk = await h.hire(CULTURE, "office_clerk")
    _, head = await h.hire(CULTURE, "head")
    async with browser(h) as http:
        await sign_in(http, clerk)
        for language, words in (
            (
                "kk",
                (
                    "Мәдени құндылықтарды уақытша әкету құқығына куәлік беру",
                    "Стандарттың 9 тармағында көрсетілген құжаттар",
                    "Өтініш түсті",
                    "Кезең басталды",
                    "Тіркелді",
                    "Мәдени құндылықтың сипаттамасы",
                ),
            ),
            (
                "ru",
                (
                    "Выдача свидетельства на право временного вывоза культурных ценностей",
                    "Документы, указанные в пункте 9 Стандарта",
                    "Заявка поступила",
                    "Этап начат",
                    "Зарегистрировано",
                    "Описание культурной ценности",
                ),
            ),
            (
                "en",
                (
                    "Certificate for the right of temporary export of cultural values",
                    "Documents listed in Standard p.9",
                    "Request received",
                    "Step started",
                    "Registered",
                    "Description of the cultural value",
                ),
            ),
        ):
            page = await http.get(f"{_card(rid)}?lang={language}")
            assert page.status_code == 200, page.text
            text = unescape(page.text)
            for word in words:
                assert word in text, (language, word)
            assert "almaty-2018" in text
            assert "passport-scan.pdf" in text
            assert SCAN in text
            assert "48213" in text
            assert APPLICANT not in text  # masked, in the form's IIN/BIN field too
            assert APPLICANT[:2] + "******" + APPLICANT[-4:] in text
            assert form_ids(page) == ["action-register-registered"]
        history = re.findall(r'<tr data-event="([^"]+)">', page.text)
        api = await http.get(f"/provider/workstations/{CULTURE}/requests/{rid}")
        assert api.status_code == 401  # the API stays signed-call only
        _, _, stream = await h.service.load(rid)
        assert history == [e.type.rsplit(".v", 1)[0] for e in stream]

    async with browser(h) as http:
        await sign_in(http, head)
        page = await http.get(f"{_card(rid)}?lang=en")
        assert page.status_code == 200
        assert form_ids(page) == []  # the step is the clerk's
        assert 'id="no-actions"' in page.text


async def test_an_action_posted_through_the_page_moves_the_request(almaty: Harness) -> None:
    h = almaty
    rid = await _request(h)
    clerk_iin, clerk = await h.hire(CULTURE, "office_clerk")
    _, head = await h.hire(CULTURE, "head")
    async with browser(h) as http:
        await sign_in(http, clerk)
        done = await http.post(
            f"{_card(rid)}/actions", data={"step": "register", "outcome": "registered"}
        )
        assert done.status_code == 303
        assert done.headers["location"] == f"{_card(rid)}?done=action"
        page = await http.get(done.headers["location"] + "&lang=ru")
        assert "Действие записано." in page.text
        assert form_ids(page) == []  # the request is at the head's review now
    completed = [e for e in await h.stream(rid) if e.type == "StepCompleted.v1"]
    assert [(e.data["step"], e.metadata["actor"]) for e in completed] == [("register", clerk_iin)]

    async with browser(h) as http:
        await sign_in(http, head)
        page = await http.get(f"{_card(rid)}?lang=kk")
        assert form_ids(page) == [
            "action-review_and_assign-executor_assigned",
            "action-review_and_assign-documents_non_compliant",
        ]
        text = unescape(page.text)
        assert "Орындаушы анықталды" in text
        assert "Құжаттарда бұзушылықтар бар" in text
        # The refusal at review issues a reasoned refusal: grounds and the EDS are asked for.
        refusal = page.text.split('id="action-review_and_assign-documents_non_compliant"')[1]
        assert 'name="grounds_kk"' in refusal
        assert 'name="grounds_ru"' in refusal
        assert 'name="document_signature"' in refusal
        assert "data-sign" in page.text


async def test_a_refused_action_shows_the_reason_and_changes_nothing(almaty: Harness) -> None:
    h = almaty
    rid = await _request(h)
    _, head = await h.hire(CULTURE, "head")
    before = await _events(h, rid)
    async with browser(h) as http:
        await sign_in(http, head)
        # The head's own step, but the request is still at the clerk's registration.
        for language, words in (
            ("kk", "Өтініш бұл кезеңде емес"),
            ("ru", "Заявка не на этом этапе"),
            ("en", "The request is not at this step"),
        ):
            refused = await http.post(
                f"{_card(rid)}/actions?lang={language}",
                data={"step": "review_and_assign", "outcome": "executor_assigned"},
            )
            assert (refused.status_code, code_of(refused)) == (409, "WRONG_ORDER")
            assert words in refused.text
        # The clerk's step: not one of the head's roles.
        wrong_role = await http.post(
            f"{_card(rid)}/actions?lang=en", data={"step": "register", "outcome": "registered"}
        )
        assert (wrong_role.status_code, code_of(wrong_role)) == (409, "WRONG_ROLE")
        # Not a form at all.
        empty = await http.post(f"{_card(rid)}/actions?lang=en")
        assert (empty.status_code, code_of(empty)) == (422, "form.no_action")
    assert await _events(h, rid) == before


async def _at_review(h: Harness) -> str:
    rid = await _request(h)
    await do(h, CULTURE, rid, "office_clerk", "register", "registered")
    return rid


async def test_a_refusal_needs_its_grounds_and_the_heads_eds_over_the_draft(
    almaty: Harness,
) -> None:
    h = almaty
    rid = await _at_review(h)
    head_iin, head = await h.hire(CULTURE, "head")
    _, clerk = await h.hire(CULTURE, "office_clerk")
    form = "action-review_and_assign-documents_non_compliant"
    refuse = {"step": "review_and_assign", "outcome": "documents_non_compliant"}
    before = await _events(h, rid)
    async with browser(h) as http:
        await sign_in(http, head)
        no_grounds = await http.post(f"{_card(rid)}/actions?lang=ru", data=refuse)
        assert (no_grounds.status_code, code_of(no_grounds)) == (422, "grounds_required")
        assert f'id="error-{form}-grounds"' in no_grounds.text  # at the field
        assert "Укажите основания отказа на казахском и русском языках." in no_grounds.text
        with_grounds = {**refuse, "grounds_kk": GROUNDS["kk"], "grounds_ru": GROUNDS["ru"]}
        unsigned = await http.post(f"{_card(rid)}/actions?lang=kk", data=with_grounds)
        assert (unsigned.status_code, code_of(unsigned)) == (422, "signature_required")
        assert f'id="error-{form}-signature"' in unsigned.text
        assert GROUNDS["kk"] in unescape(unsigned.text)  # what was typed is kept
        # Someone else's EDS over the right draft.
        drafted = await http.post(f"{_card(rid)}/draft", data=with_grounds)
        assert drafted.status_code == 200, drafted.text
        text = drafted.json()["text"]
        forged = await http.post(
            f"{_card(rid)}/actions?lang=en",
            data={**with_grounds, "document_signature": clerk.sign(text.encode())},
        )
        assert (forged.status_code, code_of(forged)) == (422, "signature_subject_mismatch")
        assert await _events(h, rid) == before

        # The head's own EDS over the text the page was given to sign.
        assert drafted.json()["document"]["decision"] == "refused"
        assert text.encode() == signing_bytes(drafted.json()["document"])
        done = await http.post(
            f"{_card(rid)}/actions",
            data={**with_grounds, "document_signature": head.sign(text.encode())},
        )
        assert done.status_code == 303, done.text
        page = await http.get(f"{_card(rid)}?lang=ru")
    assert 'data-status="refused"' in page.text
    assert "Нарушения в документах услугополучателя" in page.text  # the refusal ground
    assert GROUNDS["ru"] in unescape(page.text)
    assert "Мотивированный ответ об отказе в оказании услуги" in page.text
    request, _, _ = await h.service.load(rid)
    assert request.result is not None
    assert request.result.signer_iin == head_iin


async def test_the_draft_names_why_it_cannot_be_made(almaty: Harness) -> None:
    h = almaty
    rid = await _at_review(h)
    _, head = await h.hire(CULTURE, "head")
    async with browser(h) as http:
        await sign_in(http, head)
        answer = await http.post(
            f"{_card(rid)}/draft?lang=en",
            data={"step": "review_and_assign", "outcome": "documents_non_compliant"},
        )
    assert answer.status_code == 422
    assert answer.json() == {
        "code": "grounds_required",
        "message": "Give the grounds of the refusal in Kazakh and in Russian.",
        "field": "grounds",
    }


async def test_a_post_from_another_site_is_refused(almaty: Harness) -> None:
    h = almaty
    rid = await _request(h)
    _, clerk = await h.hire(CULTURE, "office_clerk")
    before = await _events(h, rid)
    async with browser(h) as http:
        await sign_in(http, clerk)
        answer = await http.post(
            f"{_card(rid)}/actions",
            data={"step": "register", "outcome": "registered"},
            headers={"Origin": "https://elsewhere.example"},
        )
        assert (answer.status_code, code_of(answer)) == (403, "foreign_origin")
        same = await http.post(
            f"{_card(rid)}/actions",
            data={"step": "register", "outcome": "registered"},
            headers={"Origin": "http://provider.test"},
        )
        assert same.status_code == 303
    assert len(await _events(h, rid)) > len(before)


async def test_another_workstations_request_is_not_shown(almaty: Harness) -> None:
    h = almaty
    rid = await h.deliver(
        sender="portal",
        recipient="provider.almaty.green_economy",
        service_code="minerals_absence_conclusion",
        body=applicant_body(site_address="Almaty, Abay 1", cadastral_number="20-311-001"),
    )
    _, clerk = await h.hire(CULTURE, "office_clerk")
    async with browser(h) as http:
        await sign_in(http, clerk)
        page = await http.get(_card(rid))
        missing = await http.get(_card("no-such-request"))
        posted: httpx.Response = await http.post(
            f"{_card(rid)}/actions", data={"step": "register", "outcome": "registered"}
        )
    assert page.status_code == missing.status_code == posted.status_code == 404
    assert "site_address" not in page.text


class _CmsKey:
    """The key as the browser's signer uses it: a detached CMS (PEM) of exactly the text."""

    def __init__(self, signer: CmsSigner) -> None:
        self._signer = signer

    def sign(self, payload: bytes) -> str:
        return cms_pem(self._signer.sign(payload))


async def test_the_browser_signers_cms_signs_in_and_signs_the_result(almaty: Harness) -> None:
    h = almaty
    rid = await _at_review(h)
    head_iin, _ = await h.hire(CULTURE, "head")
    cms = _CmsKey(CmsSigner.from_key_file(h.key_files[head_iin]))
    with_grounds = {
        "step": "review_and_assign",
        "outcome": "documents_non_compliant",
        "grounds_kk": GROUNDS["kk"],
        "grounds_ru": GROUNDS["ru"],
    }
    async with browser(h) as http:
        await sign_in(http, cms)
        drafted = await http.post(f"{_card(rid)}/draft", data=with_grounds)
        assert drafted.status_code == 200, drafted.text
        signature = cms.sign(drafted.json()["text"].encode("utf-8"))
        assert signature.startswith("-----BEGIN CMS-----")
        done = await http.post(
            f"{_card(rid)}/actions", data={**with_grounds, "document_signature": signature}
        )
        assert done.status_code == 303, done.text
    request, _, _ = await h.service.load(rid)
    assert request.state.finished == "refused"
    assert request.result is not None
    assert request.result.signature == signature.strip()  # the PEM the signer returned
    assert request.result.signer_iin == head_iin
