"""The result as the document it stands for: the certificate, permit, conclusion, reference or
reasoned refusal, titled as the regulation (or the signed document itself) names it, read once
from the signed fields (portal_svc.pages.document, as the result page reads them) for its PDF
and for the public check of its number, ``GET /verify/{number}``: a page for a browser, JSON
for a client (content negotiation on ``Accept``)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse

from portal_svc.domain import requests as req
from portal_svc.handlers import PortalService
from portal_svc.pages.common import local_time
from portal_svc.pages.document import Line, document_lines, localized
from portal_svc.pdf import Attachment, SignatureCheck, contact_lines, render
from portal_svc.results import check_result
from shared.canonical import canonical_json
from shared.pages.languages import LANGUAGES, Language
from shared.pages.render import Pages
from shared.regulation.model import Definition

# The languages a result document is issued in: the workstations and E-licensing sign its name
# in Kazakh and Russian, and a refusal's grounds are written in both.
DOCUMENT_LANGUAGES: tuple[Language, ...] = ("kk", "ru")
# The fields the document's head and its subject already say (what it is, its number, whose,
# the service and the form, the decision and its ground): not repeated among the others.
_SAID = frozenset(
    {
        "kind",
        "name",
        "title",
        "number",
        "permit_number",
        "decision",
        "refusal_code",
        "grounds",
        "applicant_iin",
        "holder",
        "service",
        "provider",
        "form",
    }
)


def document_language(language: Language) -> Language:
    """The PDF's language for a reader of ``language``: theirs when the document is issued in
    it, else Russian (an English reader gets the document as issued, not a translation)."""
    return language if language in DOCUMENT_LANGUAGES else "ru"


@dataclass(frozen=True)
class ResultDocument:
    """One result, as a reader of ``language`` reads it."""

    language: Language
    number: str
    kind: str  # the result's kind (certificate, permit, ..., reasoned_refusal)
    title: str  # what the document is called
    decision: str  # issued or refused
    decision_text: str
    service: str
    issuer: str
    issuer_system: str | None  # the system that sent it (a workstation, E-licensing)
    issued_at: str  # Almaty time
    applicant: str
    ground: str | None  # a refusal's ground, by the regulation's name
    reasons: str | None  # a refusal's grounds as written
    form: tuple[Line, ...]
    details: tuple[Line, ...]
    check: SignatureCheck
    sha256: str | None


def _subject(stored: Mapping[str, Any]) -> Mapping[str, Any]:
    """What the result says: its signed document, or, for a refusal that came without one
    (E-licensing's ``result.refused.v1``), what the refusal said."""
    document = stored.get("document")
    if isinstance(document, Mapping):
        return document
    refused = stored.get("decision") == "refused"
    return {
        "kind": "reasoned_refusal" if refused else None,
        "service": stored.get("service"),
        "request_id": stored.get("request_id"),
        "decision": stored.get("decision"),
        "refusal_code": stored.get("refusal"),
        "grounds": stored.get("grounds"),
    }


def result_document(
    found: req.PortalRequest,
    check: SignatureCheck,
    definition: Definition,
    pages: Pages,
    language: Language,
    *,
    applicant_name: str | None = None,
) -> ResultDocument:
    """``found``'s result (it has one) read in ``language``: the document's own fields by
    :func:`document_lines`, those its head says picked out, the others kept in order."""
    stored = dict(found.result or {})
    subject = _subject(stored)
    texts = pages.texts
    lines = document_lines(subject, definition, pages, language)
    said = {line.key: line for line in lines}

    def value(key: str) -> str | None:
        line = said.get(key)
        return line.value if line is not None and line.value else None

    decision = str(stored.get("decision") or subject.get("decision") or "")
    kind = str(subject.get("kind") or ("reasoned_refusal" if decision == "refused" else ""))
    named = next((r.name for r in definition.results if r.kind.value == kind), None)
    provider = subject.get("provider")
    if isinstance(provider, Mapping) and "name" in provider:
        provider = provider["name"]  # E-licensing's: the provider's id and its name
    # What it is and who issued it: in the document's own words where it has the reader's
    # language, else in the regulation's (which has all three).
    title = (
        _own(subject.get("name"), language)
        or _own(subject.get("title"), language)
        or (None if named is None else str(getattr(named, language)))
        or _kind(kind, pages, language)
    )
    issuer = _own(provider, language) or str(getattr(definition.provider.name, language))
    ground = value("refusal_code")
    reasons = value("grounds")
    return ResultDocument(
        language=language,
        number=str(stored.get("number") or found.request_id),
        kind=kind,
        title=_capital(title),
        decision=decision,
        decision_text=value("decision") or texts.text(f"decision.{decision}", language),
        service=value("service") or str(getattr(definition.name, language)),
        issuer=issuer,
        issuer_system=stored.get("from"),
        issued_at=local_time(stored.get("at")),
        applicant=_applicant(subject, found, applicant_name, pages, language),
        ground=ground,
        reasons=None if reasons == ground else reasons,
        form=said["form"].lines if "form" in said else (),
        details=tuple(line for line in lines if line.key not in _SAID),
        check=check,
        sha256=stored.get("document_sha256"),
    )


def _own(value: Any, language: Language) -> str | None:
    """A value given per language, in ``language`` only."""
    if isinstance(value, Mapping) and value.get(language):
        return str(value[language])
    return None


def _kind(kind: str, pages: Pages, language: Language) -> str:
    key = f"kind.{kind}"
    return pages.texts.text(key if key in pages.texts else "result.title", language)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _applicant(
    subject: Mapping[str, Any],
    found: req.PortalRequest,
    name: str | None,
    pages: Pages,
    language: Language,
) -> str:
    """The applicant as the document names them (E-licensing's holder: name and IIN or BIN),
    else by the request's IIN (and BIN) and the name the portal registered."""
    ids: list[tuple[str, str]] = []
    holder = subject.get("holder")
    if isinstance(holder, Mapping):
        named = holder.get("name")
        name = (localized(named, language) if isinstance(named, Mapping) else named) or name
        if holder.get("id"):
            key = "doc.bin" if holder.get("kind") == "legal_entity" else "doc.iin"
            ids.append((key, str(holder["id"])))
    else:
        iin = subject.get("applicant_iin") or found.applicant_iin
        if iin:
            ids.append(("doc.iin", str(iin)))
        if found.applicant_bin:
            ids.append(("doc.bin", found.applicant_bin))
    parts = [str(name)] if name else []
    parts += [f"{pages.texts.text(key, language)} {number}" for key, number in ids]
    return ", ".join(parts)


def verify_url(public_url: str, number: str) -> str:
    """The public check of a result document: where its QR code leads."""
    return f"{public_url.rstrip('/')}/verify/{quote(number, safe='')}"


def _file_name(number: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", number) or "result"


def attachments(stored: Mapping[str, Any]) -> list[Attachment]:
    """The signed data, for a machine: the document's exact signed bytes (RFC 8785 canonical
    JSON, its SHA-256 the one printed) and the signature over them."""
    document = stored.get("document")
    if not isinstance(document, dict):
        return []
    name = _file_name(str(stored.get("number") or "result"))
    found = [
        Attachment(
            f"{name}.json",
            canonical_json(document),
            "application/json",
            "The signed document (RFC 8785 canonical JSON)",
        )
    ]
    signature = stored.get("signature")
    if isinstance(signature, str):
        found.append(
            Attachment(
                f"{name}.sig",
                signature.encode(),
                "text/plain",
                "Its signature (detached JWS or CMS) over those bytes",
            )
        )
    return found


async def make_result_pdf(
    found: req.PortalRequest,
    *,
    service: PortalService,
    pages: Pages,
    public_url: str,
    language: Language,
    applicant_name: str | None = None,
) -> bytes:
    """The PDF of ``found``'s result (which it has), in ``language`` as
    :func:`document_language` says, the signature checked now."""
    language = document_language(language)
    stored = dict(found.result or {})
    definition = service.catalog.get(found.service, found.version)
    check = await check_result(service.verifier, stored)
    doc = result_document(found, check, definition, pages, language, applicant_name=applicant_name)

    def t(key: str, **fmt: Any) -> str:
        return pages.texts.text(key, language, **fmt)

    return await asyncio.to_thread(
        render,
        doc,
        t=t,
        verify_url=verify_url(public_url, doc.number),
        checked_at=local_time(service.clock.now()),
        contacts=contact_lines(definition.contacts, language),
        attachments=attachments(stored),
    )


# --- the public check ------------------------------------------------------------------------


def wants_html(accept: str | None) -> bool:
    """Whether an ``Accept`` header prefers a page to JSON (RFC 9110 12.5.1): ``text/html``
    named, weighed at least as much as anything that would take JSON and more than
    ``application/json`` named. A client that sends none, or ``*/*``, gets JSON."""
    html = named_json = other = 0.0
    for part in (accept or "").split(","):
        media, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, raw = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    quality = float(raw)
                except ValueError:
                    quality = 0.0
        media = media.strip().lower()
        if media in {"text/html", "application/xhtml+xml", "text/*"}:
            html = max(html, quality)
        elif media == "application/json":
            named_json = max(named_json, quality)
        elif media in {"*/*", "application/*"}:
            other = max(other, quality)
    return html > 0 and html >= other and html > named_json


def verification(
    found: req.PortalRequest, check: SignatureCheck, definition: Definition, pages: Pages
) -> dict[str, Any]:
    """The public check's answer for a client: whether the signature verifies now and what the
    document is (its number, kind and title, the decision, who issued it and when), never who
    it was issued to."""
    stored = dict(found.result or {})
    read = {
        language: result_document(found, check, definition, pages, language)
        for language in LANGUAGES
    }
    first = read[LANGUAGES[0]]
    return {
        "number": first.number,
        "service": found.service,
        "kind": first.kind,
        "title": {language: doc.title for language, doc in read.items()},
        "decision": stored.get("decision"),
        "issuer": {
            "system": first.issuer_system,
            "name": {language: doc.issuer for language, doc in read.items()},
        },
        "issued_at": stored.get("at"),
        "document_sha256": stored.get("document_sha256"),
        "valid": check.code == "OK",
        "code": check.code,
        "signer": check.signer,
        "serial": check.serial,
    }


def verification_page(
    request: Request,
    pages: Pages,
    found: req.PortalRequest,
    check: SignatureCheck,
    definition: Definition,
    language: Language,
) -> HTMLResponse:
    """The public check as a page, in the reader's language."""
    doc = result_document(found, check, definition, pages, language)
    return pages.render(request, "verify.html", doc=doc, check=check)
