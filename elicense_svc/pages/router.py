"""E-licensing's pages on its app: the renderer (``app.state.pages``, whose menu the home page
shows), signing in with a certificate (staff and applicants alike: what each may open is the
authorization table's business), and the three groups of pages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI

from elicense_svc.domain.errors import ElicenseError
from elicense_svc.handlers import ElicenseService
from elicense_svc.pages.applicant import applicant_router
from elicense_svc.pages.common import Site, localized, when
from elicense_svc.pages.public import public_router
from elicense_svc.pages.staff import staff_router
from elicense_svc.pages.texts import TEXTS
from elicense_svc.projections import Projections
from shared.pages.render import Pages
from shared.pages.signin import mount_sign_in
from shared.ratelimit import RateLimiter
from shared.signing import VerificationCode, VerificationResult, verify_off_loop

TEMPLATES = Path(__file__).parent / "templates"
NAV = (("/check", "nav.check"),)


def mount_pages(
    app: FastAPI,
    parts: Callable[[], tuple[ElicenseService, Projections]],
    *,
    public_limit: RateLimiter,
) -> Site:
    pages = Pages("elicense", TEMPLATES, TEXTS, title_key="service.elicense", nav=NAV)
    pages.env.globals.update(localized=localized, when=when)
    app.state.pages = pages

    async def verify(payload: bytes, signature: str) -> VerificationResult:
        """A sign-in's signature, checked as E-licensing checks a signed call (chain,
        validity, revocation) by the running service's verifier."""
        try:
            service = parts()[0]
        except ElicenseError as exc:
            # No verdict while the service is not running: the session waits, fails closed.
            return VerificationResult(VerificationCode.REVOCATION_UNKNOWN, detail=exc.message)
        # A person's signature: the CMS the browser's signer returns, or a JWS.
        return await verify_off_loop(service.verifier, payload, signature, document=True)

    sessions = mount_sign_in(app, "elicense", verify)
    site = Site(parts, pages, sessions, public_limit)
    app.include_router(public_router(site))
    app.include_router(staff_router(site))
    app.include_router(applicant_router(site))
    return site
