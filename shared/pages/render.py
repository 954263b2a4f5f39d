"""Rendering a page: one Jinja2 environment per service over its own templates and the shared
layout, the request's language (``?lang=`` — remembered in a cookie —, else the cookie, else
``Accept-Language``), and the texts of that language (``t('key')``) from the shared catalog
and the service's own."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from shared.config import DEFAULT_SIGNER_URL
from shared.pages.languages import LANGUAGES, NATIVE_NAMES, Language, as_language, negotiate
from shared.pages.texts import SHARED_TEXTS, Texts

HERE = Path(__file__).parent
SHARED_TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
LANGUAGE_COOKIE = "egov_lang"
_YEAR_S = 365 * 24 * 3600


def language_of(request: Request) -> Language:
    return (
        as_language(request.query_params.get("lang"))
        or as_language(request.cookies.get(LANGUAGE_COOKIE))
        or negotiate(request.headers.get("accept-language"))
    )


class Pages:
    """A service's pages: ``templates`` (its own folder, searched before the shared one) and
    ``texts`` (its own, over :data:`SHARED_TEXTS`). ``title`` names the service in every
    page's header; ``nav`` is its menu, (path, text key) pairs."""

    def __init__(
        self,
        service: str,
        templates: Path,
        texts: Texts,
        *,
        title_key: str,
        nav: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.service = service
        self.texts = SHARED_TEXTS.merged(texts)
        self.title_key = title_key
        self.nav = nav
        self.env = Environment(
            loader=ChoiceLoader(
                [FileSystemLoader(str(templates)), FileSystemLoader(str(SHARED_TEMPLATES))]
            ),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,  # a misspelt name fails the page's test, not silently
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def context(self, request: Request, **values: Any) -> dict[str, Any]:
        language = language_of(request)

        def t(key: str, **fmt: Any) -> str:
            return self.texts.text(key, language, **fmt)

        return {
            "request": request,
            "lang": language,
            "languages": [(code, NATIVE_NAMES[code]) for code in LANGUAGES],
            "t": t,
            "service": self.service,
            "title_key": self.title_key,
            "nav": self.nav,
            "path": request.url.path,
            "signer_url": getattr(request.app.state, "signer_url", DEFAULT_SIGNER_URL),
            **values,
        }

    def render(
        self,
        request: Request,
        template: str,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        **values: Any,
    ) -> HTMLResponse:
        html = self.env.get_template(template).render(self.context(request, **values))
        response = HTMLResponse(html, status_code=status, headers=dict(headers or {}))
        chosen = as_language(request.query_params.get("lang"))
        if chosen is not None and chosen != request.cookies.get(LANGUAGE_COOKIE):
            response.set_cookie(
                LANGUAGE_COOKIE, chosen, max_age=_YEAR_S, samesite="lax", httponly=False
            )
        return response

    def error(self, request: Request, status: int, message_key: str, **fmt: Any) -> HTMLResponse:
        """A refusal as a page, in the reader's language: its text, never a stack trace."""
        return self.render(request, "error.html", status=status, message_key=message_key, fmt=fmt)
