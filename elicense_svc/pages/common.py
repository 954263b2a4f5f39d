"""What every E-licensing page uses: the running service and read models, the page renderer,
the browser sessions, and how a domain refusal or a foreign form becomes a page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from elicense_svc.domain.errors import ElicenseError
from elicense_svc.handlers import ElicenseService
from elicense_svc.pages.texts import TEXTS
from elicense_svc.projections import Projections
from shared.pages.render import Pages
from shared.pages.sessions import BrowserSessions
from shared.pages.signin import PageRefused
from shared.ratelimit import RateLimiter
from shared.regulation.catalog import KZ_TZ
from shared.regulation.model import Definition

PAGE_SIZE = 50  # rows of a list page: every list is paginated, a page costs O(its rows)


@dataclass(frozen=True)
class Site:
    """The pages' view of the running service (``parts`` raises NOT_RUNNING until it runs)."""

    parts: Callable[[], tuple[ElicenseService, Projections]]
    pages: Pages
    sessions: BrowserSessions
    public_limit: RateLimiter

    @property
    def service(self) -> ElicenseService:
        return self.parts()[0]

    @property
    def projections(self) -> Projections:
        return self.parts()[1]

    def render(
        self, request: Request, template: str, *, status: int = 200, **values: Any
    ) -> HTMLResponse:
        return self.pages.render(request, template, status=status, **values)


def message_key(code: str) -> str:
    """The text that explains a refusal ``code`` (a domain error's), in the reader's language."""
    if f"error.{code}" in TEXTS:
        return f"error.{code}"
    if code.startswith("SIGNATURE_"):
        return "error.SIGNATURE"  # the permit's signature did not verify, with the check's code
    return "error.refused"


@contextmanager
def as_page() -> Iterator[None]:
    """A domain refusal raised inside becomes a page (its status, its text, its code in
    ``data-code``), never a stack trace nor the API's JSON."""
    try:
        yield
    except ElicenseError as exc:
        raise PageRefused(exc.code, message_key(exc.code), exc.status) from None


def localized(value: Any, lang: str) -> str:
    """A kk/ru/en mapping in ``lang`` (else English, else any), or the value as text."""
    if isinstance(value, dict):
        found = value.get(lang) or value.get("en") or next(iter(value.values()), "")
        return str(found)
    return "" if value is None else str(value)


def when(value: datetime | str | None) -> str:
    """An instant as people read it in Kazakhstan: the local (Almaty) date and time."""
    if value is None:
        return ""
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    return f"{instant.astimezone(KZ_TZ):%Y-%m-%d %H:%M}"


def service_name(definition: Definition, lang: str) -> str:
    return localized(definition.name.model_dump(exclude_none=True), lang)


def pages_count(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))
