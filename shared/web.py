"""The HTTP edge every service shares: :func:`create_service_app`.

It gives each service the same operational surface (``/health``, ``/metrics``, OpenAPI docs at
``/docs``), the same request handling (correlation id in and out, one JSON log line and metrics
per request) and the same error shape (``{"code", "message"}``), so that the services differ
only in their own routes.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any, Protocol

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import correlation
from shared.logging import get_logger, service_scope
from shared.observability import CONTENT_TYPE_LATEST, UNMATCHED_ROUTE, Metrics, run_checks

Hook = Callable[[], Awaitable[None]]

# Endpoints that orchestrators and Prometheus poll every few seconds: logged at DEBUG so that
# they do not drown the request log at INFO.
_QUIET_PATHS = frozenset({"/health", "/metrics"})


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
) -> FastAPI:
    """A FastAPI app with the shared edge for service ``name`` (its system id, e.g. ``portal``),
    documented under ``title`` and ``description``. ``startup`` hooks run in order when the server
    starts; ``shutdown`` hooks run in reverse order when it stops (every one of them, even if
    one fails), after in-flight requests have finished."""
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
        docs_url="/docs",
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

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics (text format)")
    async def prometheus_metrics() -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    _install_error_handlers(app)
    app.add_middleware(_EdgeMiddleware, service=name, metrics=metrics)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    async def service_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ServiceError)  # noqa: S101 - registered for this type only
        return JSONResponse(error_body(exc.code, exc.message), status_code=exc.status)

    async def http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for this type
        if exc.status_code in (204, 304):
            return Response(status_code=exc.status_code, headers=exc.headers)
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


class _EdgeMiddleware:
    """Correlation id, request log line, metrics, and the last-resort 500 for anything the
    routes let escape. Plain ASGI (not BaseHTTPMiddleware) so the context variables it sets
    are the ones the route code sees."""

    def __init__(self, app: ASGIApp, *, service: str, metrics: Metrics) -> None:
        self.app = app
        self.service = service
        self.metrics = metrics

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

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status = message["status"]
                started = True
                MutableHeaders(scope=message)[correlation.HEADER] = cid
            await send(message)

        log = get_logger("shared.web")
        began = time.perf_counter()  # a duration: the monotonic counter, not the Clock
        with service_scope(self.service), correlation.correlation_scope(cid):
            try:
                await self.app(scope, receive, send_with_id)
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
