"""The public permit check (003 p.5.3: the registry says whether a permit stands): a number
typed in, or the URL of a permit's QR code. Anyone sees the validity, what the permit is, who
issued it and whether its signature verifies today, never the holder; the holder and
E-licensing's staff, signed in, see the whole permit and its QR code."""

from __future__ import annotations

import hashlib
import re

import segno
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from elicense_svc.domain import permit as permits
from elicense_svc.domain.errors import NotFound
from elicense_svc.pages.common import Site, as_page
from shared.ratelimit import retry_after_s

# e.g. KZ-2014-A-000007 (elicense_svc.domain.numbers.permit_number)
_NUMBER = re.compile(r"^KZ-[0-9]{4}-[A-Z]-[0-9]{6}$")
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


def check_url(request: Request, number: str, digest: str) -> str:
    """What a permit's QR code carries: this page for its number and the signed document's
    SHA-256, so that a scan both finds the permit and proves the paper is that edition."""
    return f"{str(request.base_url).rstrip('/')}/check/{number}?sha256={digest}"


def public_router(site: Site) -> APIRouter:
    router = APIRouter(tags=["pages"])

    @router.get(
        "/check", response_class=HTMLResponse, summary="Check a permit by its number (page)"
    )
    async def check(
        request: Request, number: str | None = None, sha256: str | None = None
    ) -> HTMLResponse:
        return await _check(site, request, number, sha256)

    @router.get(
        "/check/{number}",
        response_class=HTMLResponse,
        summary="A permit's QR code lands here (page)",
    )
    async def check_number(
        request: Request, number: str, sha256: str | None = None
    ) -> HTMLResponse:
        return await _check(site, request, number, sha256)

    return router


async def _check(
    site: Site, request: Request, number: str | None, sha256: str | None
) -> HTMLResponse:
    typed = (number or "").strip().upper()
    if not typed:
        return site.render(request, "check.html", number="", problem=None, permit=None)
    problem = None
    if not _NUMBER.fullmatch(typed):
        problem = "check_number_invalid"
    elif sha256 is not None and not _SHA256.fullmatch(sha256):
        problem = "check_sha256_invalid"
    if problem is not None:
        return site.render(
            request, "check.html", status=422, number=typed, problem=problem, permit=None
        )
    with as_page():
        service = site.service
        # One budget per address for the page and the API: an anonymous check must not be a
        # way to walk the sequential permit numbers at speed.
        now = service.clock.now()
        host = request.client.host if request.client is not None else "unknown"
        until = site.public_limit.hit(host, now)
        if until is not None:
            wait = retry_after_s(now, until)
            response = site.render(request, "too_many.html", status=429, wait=wait)
            response.headers["Retry-After"] = str(wait)
            return response
        try:
            public = await service.public_permit(typed, sha256)
        except NotFound:
            return site.render(
                request,
                "check.html",
                status=404,
                number=typed,
                problem="check_not_found",
                permit=None,
            )
        full = None
        qr = None
        caller = await site.sessions.current(request)
        if caller is not None and await service.may_read_permit(caller.verified(), typed):
            full = await service.verify_permit(typed)
            digest = hashlib.sha256(permits.signing_bytes(full["document"])).hexdigest()
            url = check_url(request, typed, digest)
            qr = {"url": url, "svg": segno.make(url, error="m").svg_inline(scale=3)}
    return site.render(
        request, "check.html", number=typed, problem=None, permit=public, full=full, qr=qr
    )
