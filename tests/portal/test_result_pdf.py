# ruff: noqa: RUF001  -- Kazakh and Russian text on purpose
"""The result PDF as the document it stands for, read back with poppler's tools as a person and
a machine would: each kind of result (a certificate from a workstation and from E-licensing, a
permit, a conclusion, an archive reference, a reasoned refusal signed at a workstation and one
E-licensing sends unsigned), built as its sender builds it and stored as the portal stores it,
in Kazakh and in Russian: `pdftotext` finds its title as the regulation names it, the applicant,
the service and the form by the regulation's labels, the decision once, a refusal's ground by
its name and its grounds, the signer's subject and serial, the date in Almaty time and no field
name of the JSON; `pdftoppm` draws it, and the QR code drawn there is the one of the
verification page's address its link carries; `pdfdetach` gives back the signed bytes. Then the
routes: the page's and the API's PDF in the reader's language, and the verification page
answering a browser with HTML and a client with JSON.

Needs poppler-utils (Debian: apt-get install -y poppler-utils). Skipped without it, failed
under EGOV_REQUIRE_INFRA=1 (CI)."""

from __future__ import annotations

import hashlib
import html
import logging
import re
import shutil
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast
from urllib.parse import urlsplit
from uuid import uuid4

import pytest
import segno

from elicense_svc.domain.permit import permit_document
from elicense_svc.domain.request import Applicant
from portal_svc.domain.requests import PortalRequest
from portal_svc.entrypoints.consumer import REFUSED_TYPE, _result_data
from portal_svc.pages import mount_pages, portal_pages
from portal_svc.pages.result import make_result_pdf, wants_html
from portal_svc.pages.texts import PAGE_TEXTS
from provider_svc.domain.documents import draft
from shared.canonical import canonical_json
from shared.envelope import Envelope
from shared.pages.languages import Language
from shared.pki.jws import JwsSigner
from shared.pki.profiles import Individual
from shared.regulation.model import Definition, ResultKind
from tests.infra import REQUIRE_INFRA
from tests.portal.conftest import World, iin
from tests.portal.test_pages import PROVIDER, SERVICE, logged_in, submitted

TOOLS = ("pdftotext", "pdftoppm", "pdfdetach", "pdfinfo")
PUBLIC = "http://portal"
APPLICANT = "Сейтқалиева Айгерім Нұрланқызы"
# What a browser sends (Firefox's default), and what a client asks for.
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
JSON = "application/json"
A4_HEIGHT_PT = 841.89
DPI = 150
# When the result was sent, in Almaty time: the world's simulated clock (03:00 UTC).
ISSUED_AT = "04.11.2019 09:00"
FORMS: dict[str, dict[str, str]] = {
    "cultural_values_export": {
        "item_description": "Домбыра, XIX ғасыр",
        "destination_country": "Қырғызстан",
        "return_date": "2020-03-01",
    },
    "minerals_building_permit": {
        "site_address": "Алматы, Медеу ауданы, Бутаков көшесі, 12",
        "cadastral_number": "20-311-004-123",
    },
    "minerals_absence_conclusion": {
        "site_address": "Алматы, Алатау ауданы, Шапағат шағын ауданы, 5",
        "cadastral_number": "20-321-018-077",
    },
    "archive_reference": {
        "subject": "Жер учаскесін беру туралы шешім",
        "period_from": "2001-01-01",
        "period_to": "2005-12-31",
        "delivery": "cabinet",
    },
}
# A reasoned refusal's grounds, as the workstation's head writes them (kk and ru).
GROUNDS = {
    "kk": "Құжаттар толық емес: учаскенің топографиялық түсірілімі жоқ.",
    "ru": "Документы неполные: нет топографической съёмки участка.",
}


@dataclass(frozen=True)
class Case:
    id: str
    service: str
    version: str
    sender: str  # the system that sends the result to the portal
    kind: ResultKind
    refusal: str | None = None

    @property
    def elicense(self) -> bool:
        return self.sender == "elicense"


CASES = (
    Case("certificate", "cultural_values_export", "almaty-2018", PROVIDER, ResultKind.CERTIFICATE),
    Case(
        "certificate-elicense",
        "cultural_values_export",
        "almaty-2014",
        "elicense",
        ResultKind.CERTIFICATE,
    ),
    Case(
        "permit",
        "minerals_building_permit",
        "almaty-2019",
        "provider.almaty.green_economy",
        ResultKind.PERMIT,
    ),
    Case(
        "conclusion",
        "minerals_absence_conclusion",
        "almaty-2019",
        "provider.almaty.green_economy",
        ResultKind.CONCLUSION,
    ),
    Case(
        "reference",
        "archive_reference",
        "astana-2012",
        "provider.astana.archives",
        ResultKind.ARCHIVE_REFERENCE,
    ),
    Case(
        "refusal",
        "minerals_building_permit",
        "almaty-2019",
        "provider.almaty.green_economy",
        ResultKind.REASONED_REFUSAL,
        refusal="DOCUMENTS_NON_COMPLIANT",
    ),
    Case(
        "refusal-elicense",
        "cultural_values_export",
        "almaty-2014",
        "elicense",
        ResultKind.REASONED_REFUSAL,
        refusal="REGISTRY_DATA_NOT_FOUND",
    ),
)


@pytest.fixture(scope="module")
def poppler() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        reason = f"{', '.join(missing)} not found (Debian: apt-get install -y poppler-utils)"
        if REQUIRE_INFRA:
            pytest.fail(f"EGOV_REQUIRE_INFRA=1 but {reason}", pytrace=False)
        pytest.skip(reason)


def run(*command: str | Path) -> str:
    done = subprocess.run(
        [str(c) for c in command], capture_output=True, check=True, timeout=60, text=True
    )
    return done.stdout


def text_of(pdf: Path) -> str:
    """The PDF's text as a reader reads it, whitespace and line breaks made single spaces."""
    return " ".join(run("pdftotext", "-enc", "UTF-8", pdf, "-").split())


# --- the documents, as their senders build and sign them ------------------------------------------


def _form(definition: Definition, applicant: str) -> dict[str, str]:
    values = {"applicant_iin_bin": applicant, **FORMS[definition.code]}
    return {spec.name: values[spec.name] for spec in definition.form if spec.name in values}


def _stored(
    world: World, case: Case, head: JwsSigner, request_id: str
) -> tuple[PortalRequest, dict[str, Any]]:
    """The request at the portal, its result stored as the portal's consumer stores what the
    sender sent (portal_svc.entrypoints.consumer), and the document signed (or None)."""
    definition = world.portal.service.catalog.get(case.service, case.version)
    applicant = iin(40)
    form = _form(definition, applicant)
    request = PortalRequest(
        request_id=request_id,
        owner=applicant,
        service=case.service,
        version=case.version,
        channel="portal",
        recipient=case.sender,
        applicant_iin=applicant,
        applicant_bin=None,
        form=form,
    )
    body: dict[str, Any]
    type_ = "result.issued.v1"
    document: dict[str, Any] | None = None
    if case.elicense and case.refusal is not None:
        # E-licensing's refusal (elicense_svc.handlers): the ground's name, no document.
        ground = next(g for g in definition.refusal_grounds if g.code == case.refusal)
        body = {
            "request_id": request_id,
            "request_number": "KZ-2014-000031",
            "refusal": case.refusal,
            "grounds": ground.name.model_dump(mode="json", exclude_none=True),
            "reason": "no such person in ГБД ФЛ",
        }
        type_ = REFUSED_TYPE
    elif case.elicense:
        # E-licensing's permit (elicense_svc.domain.permit), with the holder's name from ГБД ФЛ.
        record = {
            "surname": {"kk": "Сейтқалиева", "ru": "Сейткалиева"},
            "name": {"kk": "Айгерім", "ru": "Айгерим"},
            "patronymic": {"kk": "Нұрланқызы", "ru": "Нурлановна"},
        }
        state = SimpleNamespace(
            request_id=request_id,
            number="KZ-2014-000031",
            registry_record=record,
            applicant=Applicant("individual", applicant),
            provider=PROVIDER,
            form=form,
        )
        document = permit_document(definition, cast(Any, state), "KZ-2014-A-000007")
        body = {
            "request_id": request_id,
            "request_number": "KZ-2014-000031",
            "permit_number": "KZ-2014-A-000007",
            "document": document,
            "document_signature": head.sign(canonical_json(document)),
            "signer": head.identity.subject,
        }
    else:
        # A workstation's result (provider_svc.domain.documents.draft), signed by its head.
        state = SimpleNamespace(
            request_id=request_id,
            state=SimpleNamespace(current=None, submitted_at=world.clock.now()),
            origin=SimpleNamespace(workstation=case.sender, applicant_iin=applicant, form=form),
            grounds=GROUNDS if case.refusal else None,
        )
        document = draft(definition, cast(Any, state), case.kind, case.refusal)
        body = {
            "request_id": request_id,
            "document": document,
            "signature": head.sign(canonical_json(document)),
        }
    envelope = Envelope(
        message_id=uuid4(),
        correlation_id=request_id,
        type=type_,
        sender=case.sender,
        recipient="portal",
        service_code=case.service,
        sent_at=world.clock.now(),
        body=body,
    )
    return replace(request, result=_result_data(envelope, request)), document or {}


async def _pdf_of(
    world: World, case: Case, language: Language, tmp_path: Path
) -> tuple[Path, PortalRequest, JwsSigner, dict[str, Any]]:
    head = world.issue(Individual(iin(91), "Ахметов", "Серік"))
    found, document = _stored(world, case, head, f"P-2019-{CASES.index(case):06d}")
    pdf = tmp_path / f"{case.id}-{language}.pdf"
    pdf.write_bytes(await _render(world, found, language))
    return pdf, found, head, document


async def _render(world: World, found: PortalRequest, language: Language) -> bytes:
    """The PDF as both routes make it."""
    return await make_result_pdf(
        found,
        service=world.portal.service,
        pages=portal_pages(),
        public_url=PUBLIC,
        language=language,
        applicant_name=APPLICANT,
    )


# --- the QR code as drawn -------------------------------------------------------------------------


def _links(pdf: bytes) -> list[tuple[tuple[float, ...], str]]:
    """The link annotations of the PDF: their rectangle (points) and URI."""
    found = re.findall(rb"/URI \(([^)]*)\)>>[^>]*?/Rect \[([\d. ]+)\]", pdf)
    return [(tuple(float(v) for v in rect.split()), uri.decode()) for uri, rect in found]


def _gray_page(pdf: Path, out: Path) -> tuple[int, int, bytes]:
    """The first page drawn by pdftoppm in grey levels (a binary PGM): width, height, pixels."""
    run("pdftoppm", "-gray", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile", pdf, out)
    raw = out.with_suffix(".pgm").read_bytes()
    magic, width, height, depth, pixels = raw.split(maxsplit=4)
    assert (magic, depth) == (b"P5", b"255")
    return int(width), int(height), pixels


def _qr_drawn(pdf: Path, tmp_path: Path) -> str:
    """The URL whose QR code is drawn where the PDF's square link is, read from the picture
    pdftoppm draws: every module's centre is dark exactly where the code of that URL has one."""
    squares = [
        (r, uri) for r, uri in _links(pdf.read_bytes()) if abs((r[2] - r[0]) - (r[3] - r[1])) < 1
    ]
    assert len(squares) == 1, squares
    (x1, _y1, x2, y2), url = squares[0]
    width, _height, pixels = _gray_page(pdf, tmp_path / f"{pdf.stem}-page")
    matrix = [list(row) for row in segno.make(url, error="m", micro=False).matrix]
    scale = DPI / 72
    module = (x2 - x1) * scale / len(matrix)
    left, top = x1 * scale, (A4_HEIGHT_PT - y2) * scale
    drawn = [
        [
            pixels[int(top + (r + 0.5) * module) * width + int(left + (c + 0.5) * module)] < 128
            for c in range(len(matrix))
        ]
        for r in range(len(matrix))
    ]
    assert drawn == [[bool(v) for v in row] for row in matrix]
    return url


# --- each kind, in each language ------------------------------------------------------------------


RAW_KEYS = re.compile(
    r"\b(kind|name|title|service|provider|holder|form|decision|refusal_code|grounds|basis|"
    r"edition|prepared_at|request_id|request_number|permit_number|applicant_iin|workstation|"
    r"certificate|permit|conclusion|archive_reference|reasoned_refusal|issued|refused|"
    r"null|None|true|false)\b|[{}\[\]\"]"
)


@pytest.mark.usefixtures("poppler")
@pytest.mark.parametrize("language", ["kk", "ru"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_each_kind_reads_as_its_document_in_the_applicants_language(
    world: World, case: Case, language: Language, tmp_path: Path
) -> None:
    pdf, found, head, document = await _pdf_of(world, case, language, tmp_path)
    definition = world.portal.service.catalog.get(case.service, case.version)
    text = text_of(pdf)
    other: Language = "ru" if language == "kk" else "kk"

    def said(key: str, **fmt: Any) -> str:
        return PAGE_TEXTS.text(key, language, **fmt)

    # The title, as the regulation names the result (E-licensing's unsigned refusal: the
    # portal's name of the kind, the regulation giving none), and not in the other language.
    named = next((r.name for r in definition.results if r.kind is case.kind), None)
    if named is not None:
        title, not_title = getattr(named, language), getattr(named, other)
    else:
        title = said(f"kind.{case.kind.value}").capitalize()
        not_title = PAGE_TEXTS.text(f"kind.{case.kind.value}", other).capitalize()
    assert title in text
    assert not_title not in text
    assert found.result is not None
    assert f"№ {found.result['number']}" in text
    # Who issued it and when (Almaty time), and to whom.
    assert getattr(definition.provider.name, language) in text
    assert f"{said('result.date')}: {ISSUED_AT}" in text
    holder = {"kk": "Сейтқалиева Айгерім Нұрланқызы", "ru": "Сейткалиева Айгерим Нурлановна"}
    name = holder[language] if case.elicense and case.refusal is None else APPLICANT
    assert f"{said('result.applicant')} {name}, {said('doc.iin')} {iin(40)}" in text
    # What about: the service and each field of the form by the regulation's label.
    assert getattr(definition.name, language) in " ".join(text.split())
    for spec in definition.form:
        if spec.name in found.form and not (case.elicense and case.refusal):
            assert getattr(spec.label, language) in text, spec.name  # (a refusal without
            # a document, E-licensing's, carries no form)
    if case.service == "cultural_values_export" and not case.elicense:
        assert "Домбыра, XIX ғасыр" in text
        assert "01.03.2020" in text  # a date field as the reader writes it
    if case.service == "archive_reference":
        assert said("choice.cabinet") in text
    # The decision, once, and a refusal's ground by the regulation's name, then its grounds.
    decision = said("decision.refused" if case.refusal else "decision.issued")
    assert f"{said('result.decision')} {decision}" in text
    assert text.count(f" {decision} ") == 1
    if case.refusal is not None:
        ground = next(g for g in definition.refusal_grounds if g.code == case.refusal)
        assert f"{said('doc.refusal_code')} {getattr(ground.name, language)}" in text
        if not case.elicense:
            assert f"{said('doc.grounds')} {GROUNDS[language]}" in text
    # The signer: the subject and serial of the signature's certificate, checked now.
    if case.elicense and case.refusal is not None:
        assert said("result.unsigned") in text
        assert head.identity.subject not in text
    else:
        assert f"{said('result.signature_state')} {said('result.signature_ok')}" in text
        assert f"{said('result.signer')} {head.identity.subject}" in text
        assert f"{said('result.serial')} {head.identity.serial}" in text
        assert found.result["document_sha256"] in text
    # Where to check it, in words and as the QR code drawn on the page.
    url = f"{PUBLIC}/verify/{found.result['number']}"
    assert url in text
    assert _qr_drawn(pdf, tmp_path) == url
    # No field name, no JSON: the identifiers it shows are the only Latin words.
    plain = text.replace(url, "").replace(case.sender, "")
    plain = re.sub(r"\S+\.(json|sig)\b", "", plain)
    assert not RAW_KEYS.search(plain), RAW_KEYS.findall(plain)
    # One page, and poppler draws it.
    assert re.search(r"^Pages:\s+1$", run("pdfinfo", pdf), re.MULTILINE)
    run("pdftoppm", "-png", "-r", "40", "-singlefile", pdf, tmp_path / "drawn")
    drawn = (tmp_path / "drawn.png").read_bytes()
    assert drawn.startswith(b"\x89PNG")
    assert len(drawn) > 2_000
    # The signed data, attached for machines: the exact bytes signed, and the signature.
    if document:
        out = tmp_path / "attached"
        out.mkdir()
        run("pdfdetach", "-saveall", "-o", out, pdf)
        number = re.sub(r"[^A-Za-z0-9._-]", "_", found.result["number"])
        signed = (out / f"{number}.json").read_bytes()
        assert signed == canonical_json(document)
        assert hashlib.sha256(signed).hexdigest() == found.result["document_sha256"]
        assert (out / f"{number}.sig").read_text() == found.result["signature"]
    else:
        assert "0 embedded files" in run("pdfdetach", "-list", pdf)


async def test_making_a_pdf_says_nothing_on_the_console(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("fontTools", "fontTools.subset", "fpdf"):
        logging.getLogger(name).setLevel(logging.NOTSET)  # as a fresh process has them
    caplog.set_level(logging.DEBUG)
    head = world.issue(Individual(iin(92), "Ахметов", "Серік"))
    found, _document = _stored(world, CASES[0], head, "P-2019-quiet")
    assert (await _render(world, found, "kk")).startswith(b"%PDF-")
    chatter = [r for r in caplog.records if r.name.startswith(("fontTools", "fpdf"))]
    assert chatter == [], [f"{r.name}: {r.getMessage()}" for r in chatter[:5]]


@pytest.mark.parametrize(
    ("accept", "page"),
    [
        (BROWSER, True),
        ("text/html", True),
        ("text/html, */*", True),
        (None, False),
        ("*/*", False),
        (JSON, False),
        ("application/json, text/html", False),
        ("text/html;q=0.5, application/json", False),
        ("text/html;q=0", False),
    ],
)
def test_the_check_answers_a_page_only_to_who_asks_for_html(accept: str | None, page: bool) -> None:
    assert wants_html(accept) is page


# --- the routes -----------------------------------------------------------------------------------


async def _completed(world: World, request_id: str) -> tuple[JwsSigner, str]:
    """The request's certificate, as its workstation drafts it and its head signs it."""
    definition = world.portal.service.catalog.get(SERVICE, "almaty-2018")
    found = await world.portal.service.load(request_id)
    state = SimpleNamespace(
        request_id=request_id,
        state=SimpleNamespace(current=None, submitted_at=world.clock.now()),
        origin=SimpleNamespace(
            workstation=PROVIDER, applicant_iin=found.applicant_iin, form=dict(found.form)
        ),
        grounds=None,
    )
    document = draft(definition, cast(Any, state), ResultKind.CERTIFICATE, None)
    head = world.issue(Individual(iin(93), "Ахметов", "Серік"))
    await world.deliver(
        PROVIDER, request_id, "status.changed.v1", {"status": "registered", "step": "register"}
    )
    await world.deliver(
        PROVIDER,
        request_id,
        "result.issued.v1",
        {
            "request_id": request_id,
            "document": document,
            "signature": head.sign(canonical_json(document)),
        },
    )
    return head, request_id  # a workstation's document has no number of its own: the request's


@pytest.fixture
async def site(world: World) -> World:
    mount_pages(world.app, world.portal, public_url=PUBLIC, heartbeat_s=0.2)
    return world


@pytest.mark.usefixtures("poppler")
async def test_the_page_and_the_api_give_the_pdf_in_the_readers_language(
    site: World, tmp_path: Path
) -> None:
    keys = site.person(41)
    await logged_in(site, site.client, keys)
    request_id = await submitted(site, site.client, keys)
    head, number = await _completed(site, request_id)
    definition = site.portal.service.catalog.get(SERVICE, "almaty-2018")
    certificate = next(r.name for r in definition.results if r.kind is ResultKind.CERTIFICATE)
    # The result page links the PDF in the page's language.
    page = await site.client.get(f"/my/requests/{request_id}/result", params={"lang": "ru"})
    assert f'href="/my/requests/{request_id}/result.pdf?lang=ru"' in page.text
    for language in ("kk", "ru"):
        answer = await site.client.get(
            f"/my/requests/{request_id}/result.pdf", params={"lang": language}
        )
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/pdf"
        pdf = tmp_path / f"page-{language}.pdf"
        pdf.write_bytes(answer.content)
        text = text_of(pdf)
        assert getattr(certificate, language) in text
        assert head.identity.subject in text
        assert keys.signing.identity.subject in text  # the applicant, as registered
        assert _qr_drawn(pdf, tmp_path) == f"{PUBLIC}/verify/{number}"
    # An English reader gets the document as issued: in Russian.
    english = await site.client.get(f"/my/requests/{request_id}/result.pdf", params={"lang": "en"})
    (tmp_path / "en.pdf").write_bytes(english.content)
    assert certificate.ru in text_of(tmp_path / "en.pdf")
    # The API's route: Accept-Language, the applicant's registered name.
    headers = await site.login(keys)
    answer = await site.client.get(
        f"/cabinet/requests/{request_id}/result.pdf", headers={**headers, "Accept-Language": "kk"}
    )
    assert answer.status_code == 200
    pdf = tmp_path / "api.pdf"
    pdf.write_bytes(answer.content)
    text = text_of(pdf)
    assert certificate.kk in text
    assert keys.signing.identity.subject in text  # the applicant, as registered
    url = _qr_drawn(pdf, tmp_path)
    assert url.endswith(f"/verify/{number}")
    checked = await site.client.get(urlsplit(url).path, headers={"Accept": JSON})
    assert checked.json()["valid"] is True


async def test_the_verification_page_answers_a_browser_in_html_and_a_client_in_json(
    site: World,
) -> None:
    keys = site.person(42)
    await logged_in(site, site.client, keys)
    request_id = await submitted(site, site.client, keys)
    head, number = await _completed(site, request_id)
    definition = site.portal.service.catalog.get(SERVICE, "almaty-2018")
    certificate = next(r.name for r in definition.results if r.kind is ResultKind.CERTIFICATE)
    stored = (await site.portal.service.load(request_id)).result
    assert stored is not None
    for language in ("kk", "ru", "en"):
        page = await site.client.get(
            f"/verify/{number}", params={"lang": language}, headers={"Accept": BROWSER}
        )
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "Accept" in page.headers["vary"]
        body = html.unescape(page.text)
        assert f'<html lang="{language}">' in page.text
        assert PAGE_TEXTS.text("verify.valid", language) in body
        assert 'id="verify-state" data-code="OK"' in page.text
        assert f'id="verify-number">{number}<' in page.text
        assert getattr(certificate, language) in body
        assert PAGE_TEXTS.text("decision.issued", language) in body
        assert getattr(definition.provider.name, language) in body
        assert f'id="verify-date">{ISSUED_AT}<' in page.text
        assert head.identity.subject in body
        assert f'id="verify-serial">{head.identity.serial}<' in page.text
        assert keys.signing.identity.subject not in body  # never whom it was issued to
        assert str(keys.signing.identity.iin) not in body
    checked = await site.client.get(f"/verify/{number}", headers={"Accept": JSON})
    assert checked.headers["content-type"] == "application/json"
    assert checked.json() == {
        "number": number,
        "service": SERVICE,
        "kind": "certificate",
        "title": {"kk": certificate.kk, "ru": certificate.ru, "en": certificate.en},
        "decision": "issued",
        "issuer": {
            "system": PROVIDER,
            "name": {
                "kk": definition.provider.name.kk,
                "ru": definition.provider.name.ru,
                "en": definition.provider.name.en,
            },
        },
        "issued_at": stored["at"],
        "document_sha256": stored["document_sha256"],
        "valid": True,
        "code": "OK",
        "signer": head.identity.subject,
        "serial": head.identity.serial,
    }
    # A script that says nothing of what it accepts gets JSON, as before.
    assert (await site.client.get(f"/verify/{number}")).json()["valid"] is True
    # An unknown number: a page for a browser, the error body for a client.
    unknown = await site.client.get(
        "/verify/NO-SUCH-1", params={"lang": "ru"}, headers={"Accept": BROWSER}
    )
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("text/html")
    assert html.escape(PAGE_TEXTS.text("result_not_found", "ru"), quote=False) in unknown.text
    missing = await site.client.get("/verify/NO-SUCH-1", headers={"Accept": JSON})
    assert missing.status_code == 404
    assert missing.json()["code"] == "result_not_found"
