"""What the portal's pages share: the parts of the service they read and write through (the
same service layer and read model as the API), the applicant's page session, and how a value
is shown in the reader's language (dates, terms, statuses, a refusal's reason)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse

from portal_svc.domain import requests as req
from portal_svc.domain import statuses
from portal_svc.errors import PortalError
from portal_svc.handlers import PortalService
from portal_svc.pdf import SignatureCheck
from portal_svc.projections import Cabinet
from portal_svc.results import check_result
from shared.pages.languages import Language
from shared.pages.render import Pages, language_of
from shared.pages.signin import PageRefused
from shared.regulation.model import Definition, Norm

# The applicant's page session: the portal session token the login service issues (only its
# hash is in the log), in a cookie scripts cannot read and no other site's page sends.
SESSION_COOKIE = "egov_portal_session"
# The portal's own zone: the deadlines and times an applicant reads are Almaty's.
ZONE = ZoneInfo("Asia/Almaty")
PAGE_SIZE = 20


@dataclass
class PortalPages:
    """The parts every page handler uses."""

    service: PortalService
    cabinet: Cabinet
    pages: Pages
    public_url: str
    heartbeat_s: float = 15.0

    def language(self, request: Request) -> Language:
        return language_of(request)

    def refused(self, request: Request, exc: PortalError) -> HTMLResponse:
        """A service-layer refusal as a page in the reader's language, its code in
        ``data-code`` (never a stack trace)."""
        return self.pages.render(
            request,
            "error.html",
            status=exc.status,
            message_key=exc.code,
            fmt={},
            code=exc.code,
        )

    async def check_result(self, stored: Mapping[str, Any]) -> SignatureCheck:
        """The result document's signature checked now, as GET /verify checks it."""
        return await check_result(self.service.verifier, stored)


def page_refusal(exc: PortalError) -> PageRefused:
    """A service-layer refusal in a page's dependency (not yours, not found) as a page."""
    return PageRefused(exc.code, exc.code, status=exc.status)


def local_time(value: str | datetime | None) -> str:
    """An instant as the applicant reads it: Almaty's date and time."""
    if value is None:
        return ""
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return at.astimezone(ZONE).strftime("%d.%m.%Y %H:%M")


def local_date(value: Any) -> str:
    return value.strftime("%d.%m.%Y") if value is not None else ""


def overdue(row: Mapping[str, Any], now: datetime) -> bool:
    deadline = row.get("deadline")
    if not deadline or row["status"] in statuses.FINISHED or row.get("result_number"):
        return False
    return datetime.fromisoformat(deadline) < now


def norm_text(norm: Norm, pages: Pages, language: Language) -> str:
    """A time limit in the reader's words: «11 жұмыс күні», «15\u201330 календарных дней»."""
    unit = pages.texts.text(f"unit.{norm.unit.value}", language)
    low = f"{norm.min_amount}\u2013" if norm.min_amount is not None else ""
    prefix = "≤ " if norm.at_most else ""
    return f"{prefix}{low}{norm.amount} {unit}"


def size_text(size: int, pages: Pages, language: Language) -> str:
    """A file size limit as the reader says it: «10 МБ», «64 KB»."""
    mib = 1024 * 1024
    if size >= mib and size % mib == 0:
        return pages.texts.text("unit.mb", language, n=size // mib)
    return pages.texts.text("unit.kb", language, n=max(1, size // 1024))


def status_name(
    status: str, definition: Definition | None, pages: Pages, language: Language
) -> str:
    """A status as the act names it (004: «түскен», «іске алынған»...), else the portal's
    words for it, else a step's action, else its id."""
    if definition is not None:
        for named in definition.status_names:
            if named.id == status:
                return str(getattr(named.name, language))
    key = f"status.{status}"
    if key in pages.texts:
        return pages.texts.text(key, language)
    if definition is not None:
        for step in definition.steps:
            if step.id == status:
                return str(getattr(step.action, language))
    return status


def refusal_reason(
    code: str | None,
    grounds: Any,
    definition: Definition | None,
    pages: Pages,
    language: Language,
) -> str:
    """Why a request was refused, in the reader's language: the regulation's own name of the
    ground, the portal's text for the code, the sender's words, or the code itself."""
    said = ""
    if isinstance(grounds, Mapping):
        said = str(grounds.get(language) or grounds.get("ru") or grounds.get("kk") or "")
    elif isinstance(grounds, str):
        said = grounds
    if code and definition is not None:
        for ground in definition.refusal_grounds:
            if ground.code == code:
                named = str(getattr(ground.name, language))
                return named if not said or said == named else f"{named}: {said}"
    if code and code in pages.texts:
        return pages.texts.text(code, language)
    return said or (code or "")


def refusal_of(
    found: req.PortalRequest, definition: Definition, pages: Pages, language: Language
) -> str | None:
    """Why ``found`` was refused, in the reader's language, once its result is a refusal."""
    result = found.result
    if result is None or result.get("decision") != "refused":
        return None
    return refusal_reason(result.get("refusal"), result.get("grounds"), definition, pages, language)
