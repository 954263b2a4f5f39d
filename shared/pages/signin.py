"""The sign-in pages of a service whose people sign (shared.pages.sessions), and the guard of
its pages: who is signed in, checked against shared.authz.ROUTES (auth ``page``).

``GET /sign-in`` is the page; ``POST /sign-in/challenge`` gives a challenge and the exact text
to sign; ``POST /sign-in`` takes ``{challenge, signature}`` (a CMS from the local signer, or a
JWS) and sets the session cookie; ``POST /sign-out`` ends the session."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from shared.authz import Caller, RoleRequired, allowed, check
from shared.pages.render import Pages
from shared.pages.sessions import (
    COOKIE,
    BrowserSessions,
    NotSignedIn,
    SignInRefused,
    Verify,
    sign_in_bytes,
)


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    challenge: str = Field(min_length=8, max_length=200)
    signature: str = Field(min_length=16, max_length=64_000)
    next: str = Field(default="/", max_length=2000)


def safe_next(value: str) -> str:
    """Where to go after signing in: a path of this service only (never another site)."""
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return "/"
    return value


def sign_in_router(pages: Callable[[], Pages], sessions: BrowserSessions) -> APIRouter:
    router = APIRouter(tags=["pages"])

    @router.get("/sign-in", response_class=HTMLResponse, summary="Sign in with a certificate")
    async def sign_in_page(request: Request, next: str = "/") -> HTMLResponse:
        base = sessions.sign_in_path.removesuffix("/sign-in")
        return pages().render(request, "sign_in.html", next=safe_next(next), base=base)

    @router.post("/sign-in/challenge", summary="A challenge to sign, and the text to sign")
    async def sign_in_challenge() -> dict[str, str]:
        challenge = sessions.challenge()
        text = sign_in_bytes(sessions.service, challenge).decode("utf-8")
        return {"challenge": challenge, "text": text}

    @router.post("/sign-in", summary="Sign in: the challenge signed with the certificate")
    async def sign_in(body: SignIn) -> Response:
        try:
            token, caller = await sessions.sign_in(body.challenge, body.signature)
        except SignInRefused as refused:
            return JSONResponse({"code": refused.code, "message": refused.detail}, status_code=401)
        identity = caller.verified()
        response = JSONResponse(
            {
                "next": safe_next(body.next),
                "subject": identity.subject,
                "kinds": sorted(k.value for k in caller.kinds),
            }
        )
        response.set_cookie(
            COOKIE,
            token,
            max_age=int(sessions.ttl_s),
            httponly=True,
            samesite="strict",
            path="/",
        )
        return response

    @router.post("/sign-out", summary="Sign out")
    async def sign_out(request: Request) -> Response:
        sessions.sign_out(request)
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    return router


def page_guard(service: str, sessions: BrowserSessions) -> Callable[..., Any]:
    """The dependency of a page that needs a signed-in person: the session (else a redirect
    to the sign-in page), then the route's row of shared.authz.ROUTES (else 403
    ROLE_REQUIRED as a page)."""

    async def dependency(request: Request) -> Caller:
        path = getattr(request.scope.get("route"), "path", None)
        if not isinstance(path, str):
            raise RuntimeError("the page's route could not be identified")
        allowed(service, request.method, path)  # KeyError: a page without a row
        caller = await sessions.current(request)
        if caller is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise NotSignedIn(target, sessions.sign_in_path)
        try:
            return check(service, request.method, path, caller)
        except RoleRequired as refused:
            raise PageRefused(refused.code, "role_required") from None

    return dependency


class PageRefused(Exception):
    """A signed-in person the page is not for: answered as a page (403) in their language,
    the text ``message_key`` filled with ``values`` (e.g. the department and the BIN its
    staff sign with)."""

    def __init__(
        self,
        code: str,
        message_key: str,
        status: int = 403,
        values: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.message_key = message_key
        self.status = status
        self.values = dict(values or {})


def install_page_errors(app: FastAPI, pages: Callable[[], Pages]) -> None:
    """How a page answers a refusal: a redirect to sign in, or the refusal as a page in the
    reader's language (with its code in ``data-code``), never a stack trace."""

    async def not_signed_in(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, NotSignedIn)  # noqa: S101 - registered for this type only
        return RedirectResponse(exc.location, status_code=303)

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageRefused)  # noqa: S101 - registered for this type only
        return pages().render(
            request,
            "error.html",
            status=exc.status,
            message_key=exc.message_key,
            fmt=exc.values,
            code=exc.code,
        )

    app.add_exception_handler(NotSignedIn, not_signed_in)
    app.add_exception_handler(PageRefused, refused)


def mount_sign_in(
    app: FastAPI, service: str, verify: Verify, *, prefix: str = ""
) -> BrowserSessions:
    """Sign-in with a certificate on ``app`` (its routes, under ``prefix`` where the service's
    ``/sign-in`` is somebody else's, and how its pages answer refusals): the sessions its
    pages' :func:`page_guard` reads. ``verify`` is the service's own check of a signature over
    bytes (chain, validity, revocation)."""
    sessions = BrowserSessions(service, verify, sign_in_path=f"{prefix}/sign-in")

    def pages() -> Pages:
        found: Pages = app.state.pages
        return found

    app.include_router(sign_in_router(pages, sessions), prefix=prefix)
    install_page_errors(app, pages)
    app.state.sessions = sessions
    return sessions
