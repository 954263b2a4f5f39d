"""The portal service's HTTP app: the shared operational endpoints (``/health``,
``/metrics``, ``/docs``) and, when the portal has its keys, its own routes. Errors people
read are answered in the language of ``Accept-Language`` (kk, ru or en)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from portal_svc.domain.texts import negotiate, text
from portal_svc.errors import PortalError
from portal_svc.settings import PortalSettings
from shared.runtime import service_app
from shared.web import Hook, Pingable, error_body

TITLE = "portal: ЭҮП, the e-government portal, and the ХҚКО desk"
DESCRIPTION = (
    "The «электрондық үкімет» web portal (ЭҮП, ПЭП in Russian, egov.kz) where applicants file "
    "requests and follow them, and the desk of the Public Service Center (ХҚКО / ЦОН) where an "
    "operator files them on paper."
)


async def _portal_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, PortalError):  # registered for PortalError only
        raise exc
    language = negotiate(request.headers.get("accept-language"))
    readable = text(exc.code, language) or exc.message
    details = {k: v for k, v in exc.details.items() if k not in {"until", "retry_after"}}
    if "until" in exc.details:
        details["until"] = exc.details["until"].isoformat()
    headers: dict[str, str] = {"Content-Language": language}
    if "retry_after" in exc.details:  # 429 and 423: when to come back (RFC 9110 10.2.3)
        headers["Retry-After"] = str(exc.details["retry_after"])
    body = error_body(exc.code, readable, detail=exc.message, language=language, **details)
    return JSONResponse(body, status_code=exc.status, headers=headers)


def create_app(
    settings: PortalSettings,
    *,
    store: Pingable,
    bus: Pingable,
    startup: Sequence[Hook] = (),
    shutdown: Sequence[Hook] = (),
    router: APIRouter | None = None,
) -> FastAPI:
    app = service_app(
        settings,
        title=TITLE,
        description=DESCRIPTION,
        store=store,
        bus=bus,
        startup=startup,
        shutdown=shutdown,
    )
    app.add_exception_handler(PortalError, _portal_error)
    if router is not None:
        app.include_router(router)
    return app
