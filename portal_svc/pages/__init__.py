"""The portal's pages for people (server-rendered, kk/ru/en): the applicant's (catalog,
logging in and registering, the personal cabinet, the form signed through the local signer)
and the PSC desk's. They use the same service layer and read model as the API
(portal_svc.handlers, portal_svc.projections), never the portal's own HTTP API."""

from __future__ import annotations

import asyncio
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI

from portal_svc.pages.applicant import build_applicant_router
from portal_svc.pages.common import PortalPages
from portal_svc.pages.desk import build_desk_router
from portal_svc.pages.texts import PAGE_TEXTS
from shared.pages.render import Pages
from shared.pages.signin import mount_sign_in
from shared.signing import VerificationResult

if TYPE_CHECKING:
    # Only a type here: the API's routes (built with the Portal) use these pages' words.
    from portal_svc.assembly import Portal

TEMPLATES = Path(__file__).parent / "templates"
NAV = (
    ("/services", "nav.services"),
    ("/my/requests", "nav.cabinet"),
    ("/register", "nav.register"),
    ("/psc/desk", "nav.desk"),
)
# The portal's /sign-in is the applicants' (password or EDS, the portal's own sessions); the
# PSC operators sign in with their certificate under /psc (shared.pages.signin's routes).
DESK = "/psc"


@cache
def portal_pages() -> Pages:
    """The portal's templates and words: its pages', and the API's where it answers a person
    (the result's PDF, the public check's page)."""
    return Pages("portal", TEMPLATES, PAGE_TEXTS, title_key="service.portal", nav=NAV)


def mount_pages(
    app: FastAPI, portal: Portal, *, public_url: str, heartbeat_s: float = 15.0
) -> PortalPages:
    """The portal's pages on ``app`` (its Pages, so that ``/`` and the error pages are the
    portal's), over ``portal``'s service layer and cabinet."""
    pages = portal_pages()
    app.state.pages = pages
    parts = PortalPages(portal.service, portal.cabinet, pages, public_url, heartbeat_s)
    verifier = portal.service.verifier

    async def verify(payload: bytes, signature: str) -> VerificationResult:
        return await asyncio.to_thread(verifier.verify_document, payload, signature)

    # A desk page asked for without a session goes to the desk's sign-in (/psc/sign-in); an
    # applicant's page to the applicant's (/sign-in, raised by the applicant's pages).
    sessions = mount_sign_in(app, "portal", verify, prefix=DESK)
    app.include_router(build_applicant_router(parts))
    app.include_router(build_desk_router(parts, sessions))
    return parts
