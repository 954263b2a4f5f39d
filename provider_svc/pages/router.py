"""The workstation's pages (``/workstations/...``), over the same service layer as the staff API
(``provider_svc.entrypoints.api``): the staff sign in with the department's certificate
(``/sign-in``, shared.pages.signin), the roster and the BIN decide who they are at a
workstation (``ProviderService.staff_member``), and every action goes through
``ProviderService.act`` / ``extend`` / ``register_paper`` as an API call does. A page that
changes something is a form posted and answered with 303 to the page that shows the result; a
refused form is shown again with the reason at its field, and nothing is stored."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import FastAPI

from provider_svc.handlers import ProviderService
from provider_svc.pages.paper import paper_router
from provider_svc.pages.requests import requests_router
from provider_svc.pages.site import Site
from provider_svc.pages.texts import TEXTS
from provider_svc.pages.workstation import workstation_router
from provider_svc.projections import ProviderProjection
from shared.pages.render import Pages
from shared.pages.signin import mount_sign_in, page_guard
from shared.signing import VerificationResult, verify_off_loop

TEMPLATES = Path(__file__).parent / "templates"


def mount_pages(
    app: FastAPI,
    service: ProviderService,
    projection: ProviderProjection,
    *,
    zone: ZoneInfo,
) -> None:
    """The pages on ``app``: sign-in with the workstation's verifier (as a signed staff call
    is verified: chain, validity, revocation), the pages' texts and templates, the routes.
    ``zone`` is the workstation's time zone, in which the pages show times."""
    pages = Pages(
        "provider",
        TEMPLATES,
        TEXTS,
        title_key="service.provider",
        nav=(("/workstations", "nav.workstations"),),
    )
    app.state.pages = pages

    async def verify(payload: bytes, signature: str) -> VerificationResult:
        # A person's signature: the CMS the browser's signer returns, or a JWS.
        return await verify_off_loop(service.verifier, payload, signature, document=True)

    sessions = mount_sign_in(app, "provider", verify)

    site = Site(service, projection, pages, page_guard("provider", sessions), zone)
    app.include_router(workstation_router(site))
    app.include_router(requests_router(site))
    app.include_router(paper_router(site))
