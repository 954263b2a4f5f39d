"""The HTTP edge every service shares: :func:`create_service_app`.

It gives each service the same operational surface (``/health``, ``/metrics``, OpenAPI docs at
``/docs``), the same request handling (correlation id in and out, one JSON log line and metrics
per request), the same error shape (``{"code", "message"}``) and the same guards against hostile
input (a body-size limit, refused before the body is read; no NUL in the URL or in a JSON
body), so that the services differ only in their own routes.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Protocol

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import correlation
from shared.logging import get_logger, service_scope
from shared.observability import CONTENT_TYPE_LATEST, UNMATCHED_ROUTE, Metrics, run_checks
from shared.pages.mount import install as install_pages

Hook = Callable[[], Awaitable[None]]

# Endpoints that orchestrators and Prometheus poll every few seconds: logged at DEBUG so that
# they do not drown the request log at INFO.
_QUIET_PATHS = frozenset({"/health", "/metrics"})

# Largest request body a route accepts unless it declares its own (``max_body_size=`` on the
# route, e.g. the portal's attachment upload). Every JSON body of the five services is far
# smaller; a larger one is refused with 413 from its Content-Length, before it is read.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
BODY_TOO_LARGE = "body_too_large"
INVALID_CHARACTERS = "invalid_characters"
_LIMIT_SCOPE_KEY = "egov.max_body_bytes"  # the limit of this request, named in the 413

# What an unhandled error means "try again" rather than "bug": the connection to PostgreSQL (or
# any peer) was refused, reset or shut down by the server mid-request. Answered 503.
SERVICE_UNAVAILABLE = "service_unavailable"
UNAVAILABLE: tuple[type[Exception], ...] = (
    ConnectionError,  # refused, reset, aborted: the OS's word for it
    asyncpg.PostgresConnectionError,  # the connection to the server is gone or failed
    asyncpg.exceptions.OperatorInterventionError,  # admin/crash shutdown, cannot connect now
)


class Pingable(Protocol):
    """What ``/health`` needs of the event store and of the bus."""

    async def ping(self) -> None: ...


class ServiceError(Exception):
    """Base of the errors a service maps to an HTTP answer at the edge: ``status`` and a stable
    machine-readable ``code``; the message is for people."""

    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, **extra}


def _status_code_name(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return f"http_{status}"


def create_service_app(
    name: str,
    *,
    store: Pingable,
    bus: Pingable,
    version: str,
    title: str,
    description: str,
    startup: Sequence[Hook] = (),
    shutdown: Sequence[Hook] = (),
    health_timeout_s: float = 2.0,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> FastAPI:
    """A FastAPI app with the shared edge for service ``name`` (its system id, e.g. ``portal``),
    documented under ``title`` and ``description``. ``startup`` hooks run in order when the server
    starts; ``shutdown`` hooks run in reverse order when it stops (every one of them, even if
    one fails), after in-flight requests have finished. A request body larger than
    ``max_body_bytes`` (or than its route's own ``max_body_size``) is answered 413
    ``body_too_large`` without being read."""
    if max_body_bytes < 1:
        raise ValueError(f"max_body_bytes must be positive, got {max_body_bytes}")
    metrics = Metrics(name, version)
    log = get_logger("shared.web")

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        with service_scope(name):
            for hook in startup:
                await hook()
            log.info("service.started", version=version)
        try:
            yield
        finally:
            with service_scope(name):
                for hook in reversed(shutdown):
                    try:
                        await hook()
                    except Exception:
                        # Keep closing the rest: one stuck resource must not leak the others.
                        log.exception("service.shutdown_hook_failed", hook=repr(hook))
                log.info("service.stopped")

    app = FastAPI(
        title=title,
        description=description,
        version=version,
        docs_url=None,  # served by shared.pages.mount: offline, from the vendored files
        openapi_url="/openapi.json",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.service_name = name
    app.state.metrics = metrics

    @app.get("/health", tags=["operations"], summary="Database and broker reachability")
    async def health() -> JSONResponse:
        report = await run_checks(
            {"database": store.ping, "broker": bus.ping}, timeout_s=health_timeout_s
        )
        body: dict[str, Any] = {
            "status": "ok" if report.ok else "failing",
            "service": name,
            "checks": {
                name: {"ok": r.ok, "ms": round(r.seconds * 1000, 2), "error": r.error}
                for name, r in report.checks.items()
            },
        }
        if not report.ok:
            body["failing"] = report.failing
        return JSONResponse(body, status_code=200 if report.ok else 503)

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics (text format)",
        response_class=Response,  # declared as what it is, not application/json
        responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
    )
    async def prometheus_metrics() -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    # /static, the offline /docs and the home page / (shared.pages).
    install_pages(app, name)
    _install_error_handlers(app)
    _document_errors(app)
    app.add_middleware(
        _EdgeMiddleware,
        service=name,
        metrics=metrics,
        limits=_BodyLimits(app.router, max_body_bytes),
    )
    return app


def _install_error_handlers(app: FastAPI) -> None:
    async def service_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ServiceError)  # noqa: S101 - registered for this type only
        return JSONResponse(error_body(exc.code, exc.message), status_code=exc.status)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for this type
        if exc.status_code in (204, 304):
            return Response(status_code=exc.status_code, headers=exc.headers)
        if isinstance(exc, NulInBody):
            return nul_refused("the JSON body holds a NUL character (\\u0000)")
        if exc.status_code == 413:
            return body_too_large(request.scope.get(_LIMIT_SCOPE_KEY))
        return JSONResponse(
            error_body(_status_code_name(exc.status_code), str(exc.detail)),
            status_code=exc.status_code,
            headers=exc.headers,
        )

    async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for this type
        # loc/msg/type only: the rejected input itself may be a password or a document.
        details = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return JSONResponse(
            error_body("invalid_request", "the request does not match its schema", errors=details),
            status_code=422,
        )

    app.add_exception_handler(ServiceError, service_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)


# The shape of every error answer (error_body), as OpenAPI documents it: FastAPI's default
# 422 schema (``{"detail": [...]}``) is not what the edge answers.
ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string", "description": "stable, machine-readable"},
        "message": {"type": "string", "description": "for people"},
        "errors": {
            "type": "array",
            "items": {"type": "object"},
            "description": "422 only: where the request does not match its schema",
        },
    },
    "additionalProperties": True,
}
_ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def _document_errors(app: FastAPI) -> None:
    """Make the app's OpenAPI say what the edge answers on errors: every operation may be
    refused with a 4xx ``{"code", "message"}`` (authentication, ownership, limits, the
    business rules), and its 422 has that shape too."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas["Error"] = ERROR_SCHEMA
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                responses = operation.setdefault("responses", {})
                if "422" in responses:
                    responses["422"]["content"] = _ERROR_CONTENT
                responses.setdefault(
                    "4XX", {"description": "refused: {code, message}", "content": _ERROR_CONTENT}
                )
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def body_too_large(limit: int | None) -> JSONResponse:
    """The 413 answer: the body was refused before it was read."""
    at_most = f"at most {limit} bytes" if isinstance(limit, int) else "a smaller body"
    return JSONResponse(
        error_body(
            BODY_TOO_LARGE, f"the request body is too large: this endpoint accepts {at_most}"
        ),
        status_code=413,
    )


def nul_refused(what: str) -> JSONResponse:
    return JSONResponse(error_body(INVALID_CHARACTERS, what), status_code=400)


class NulInBody(StarletteHTTPException):
    """Raised while a JSON body is read, when it escapes a NUL character."""

    def __init__(self) -> None:
        super().__init__(status_code=400, detail="NUL character in the JSON body")


class _NulEscapes:
    """Finds a JSON ``\\u0000`` escape in a body read in chunks. PostgreSQL can hold NUL
    neither in text nor in jsonb, and no field of ours has a use for it: refused at the edge
    instead of failing in a query or an append. An escaped backslash before ``u0000``
    (``\\\\u0000``, the text "\\u0000") is not a NUL."""

    _ESCAPE = b"\\u0000"

    def __init__(self) -> None:
        self._tail = b""

    def found_in(self, chunk: bytes) -> bool:
        data = self._tail + chunk
        at = data.find(self._ESCAPE)
        while at != -1:
            start = at
            while start > 0 and data[start - 1] == 0x5C:  # backslashes before this one
                start -= 1
            if (at - start) % 2 == 0:
                return True
            at = data.find(self._ESCAPE, at + 1)
        # Keep what a match across the next chunk could start with: the last 5 bytes and the
        # run of backslashes before them (their count decides what the next one escapes).
        keep = max(len(data) - (len(self._ESCAPE) - 1), 0)
        while keep > 0 and data[keep - 1] == 0x5C:
            keep -= 1
        self._tail = data[keep:]
        return False


def _is_json(scope: Scope) -> bool:
    media = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


class BodyTooLarge(StarletteHTTPException):
    """Raised while the body is read, when it grows past the limit (a chunked body)."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail="request body too large")


@dataclass(frozen=True)
class _BodyLimits:
    """The body limit of a request: its route's ``max_body_size`` (FastAPI's per-route
    setting) if it has one, else the app's default."""

    router: Router
    default: int

    def of(self, scope: Scope) -> int:
        for route in self.router.routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                own = getattr(route, "max_body_size", None)
                return own if isinstance(own, int) else self.default
        return self.default


def _declared_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _has_nul(scope: Scope) -> bool:
    # PostgreSQL cannot store NUL in text, and no identifier of ours holds one: a NUL in the
    # path or query is refused at the edge rather than deep in a query.
    path = scope.get("path", "")
    query = scope.get("query_string", b"")
    return "\x00" in path or b"%00" in query or b"\x00" in query


class _EdgeMiddleware:
    """Correlation id, request log line, metrics, and the last-resort 500 for anything the
    routes let escape. Plain ASGI (not BaseHTTPMiddleware) so the context variables it sets
    are the ones the route code sees."""

    def __init__(
        self, app: ASGIApp, *, service: str, metrics: Metrics, limits: _BodyLimits
    ) -> None:
        self.app = app
        self.service = service
        self.metrics = metrics
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get(correlation.HEADER)
        # A malformed id from outside is replaced, not trusted: it would be written to logs.
        cid = (
            incoming
            if incoming and correlation.is_valid(incoming)
            else correlation.new_correlation_id()
        )
        status = 500
        started = False
        replaced = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started, replaced
            if replaced:
                return  # the body of the plain-text 413 replaced below
            if message["type"] == "http.response.start":
                status = message["status"]
                started = True
                headers = MutableHeaders(scope=message)
                if status == 413 and not headers.get("content-type", "").startswith(
                    "application/json"
                ):
                    # Starlette's limit answers in plain text when the route never read the
                    # body; every error of ours is {"code", "message"}.
                    replaced = True
                    response = body_too_large(scope.get(_LIMIT_SCOPE_KEY))
                    response.headers[correlation.HEADER] = cid
                    await response(scope, _no_body, send)
                    return
                headers[correlation.HEADER] = cid
            await send(message)

        log = get_logger("shared.web")
        began = time.perf_counter()  # a duration: the monotonic counter, not the Clock
        with service_scope(self.service), correlation.correlation_scope(cid):
            try:
                limit = self.limits.of(scope)
                scope[_LIMIT_SCOPE_KEY] = limit
                refused = _refuse_early(scope, limit)
                if refused is not None:
                    await refused(scope, receive, send_with_id)
                    return
                received = 0
                nul = _NulEscapes() if _is_json(scope) else None

                async def receive_limited() -> Message:
                    nonlocal received
                    message = await receive()
                    if message["type"] == "http.request":
                        chunk = message.get("body", b"")
                        received += len(chunk)
                        if received > limit:
                            raise BodyTooLarge
                        if nul is not None and nul.found_in(chunk):
                            raise NulInBody
                    return message

                await self.app(scope, receive_limited, send_with_id)
            except UNAVAILABLE as exc:
                # The database or a peer went away mid-request (a PostgreSQL restart, a
                # connection reset): the caller may try again, so 503, not a 500 bug.
                log.warning(
                    "http.dependency_unavailable",
                    method=scope["method"],
                    path=scope["path"],
                    error=type(exc).__name__,
                )
                if started:
                    raise
                status = 503
                response = JSONResponse(
                    error_body(
                        SERVICE_UNAVAILABLE,
                        "a database or service this one depends on is unavailable; try again",
                    ),
                    status_code=503,
                    headers={"Retry-After": "1"},
                )
                await response(scope, receive, send_with_id)
            except Exception:
                log.exception("http.unhandled_error", method=scope["method"], path=scope["path"])
                if started:
                    raise  # headers are gone; the server closes the connection
                status = 500
                response = JSONResponse(
                    error_body(
                        "internal_error",
                        "internal error; quote the correlation id when reporting it",
                    ),
                    status_code=500,
                )
                await response(scope, receive, send_with_id)
            finally:
                scope.pop(_LIMIT_SCOPE_KEY, None)
                elapsed = time.perf_counter() - began
                route = getattr(scope.get("route"), "path", None) or UNMATCHED_ROUTE
                self.metrics.observe_request(route, scope["method"], status, elapsed)
                emit = log.debug if scope["path"] in _QUIET_PATHS else log.info
                emit(
                    "http.request",
                    method=scope["method"],
                    path=scope["path"],
                    route=route,
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                )


def _refuse_early(scope: Scope, limit: int) -> JSONResponse | None:
    """The answer to a request refused before routing: a NUL in its URL, or a declared body
    over its route's limit (the body is never read)."""
    if _has_nul(scope):
        return nul_refused("the URL holds a NUL character")
    declared = _declared_length(scope)
    if declared is not None and declared > limit:
        return body_too_large(limit)
    return None


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}
