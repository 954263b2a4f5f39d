"""The gateway's HTTP routes: the sync channel, the message-log queries and trace, parked
messages and their re-drive, rules reload, and a /health that also gates traffic.

The operator routes (message log, trace, parked messages, re-drive, stop, rules reload) answer
only a signed call (``shared.pki.http_signing``) from a caller ``shared.authz.ROUTES`` admits:
the gateway's operator; the simulation operator may also read the log and traces. IINs and
BINs in what the log shows are masked (``88******0411``, as on ``egov.status``) unless the
caller's kind is in ``shared.authz.FULL_IDENTIFIERS``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import AwareDatetime, BaseModel, Field

from gateway_svc.errors import ErrorCode
from gateway_svc.gateway import Gateway
from gateway_svc.messagelog import Query as LogQuery
from gateway_svc.rules import RulesError
from gateway_svc.sync import SyncChannel, SyncFault, fault
from shared.authz import FULL_IDENTIFIERS, ROUTES, Caller, guard
from shared.contract.status import mask_iin
from shared.pki.http_signing import (
    NONCE_HEADER,
    SENDER_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignedCallRefused,
    SignedCalls,
)
from shared.signing import SignerIdentity
from shared.web import ServiceError

SERVICE = "gateway"
# Twelve digits standing alone, or right after НУЦ's IIN/BIN prefix (SERIALNUMBER=IIN...):
# an IIN or a BIN. Digits inside a longer word (a hash, a UUID's last group) are left alone.
_IDENTIFIER = re.compile(r"(?:(?<=IIN)|(?<=BIN)|(?<![0-9A-Za-z-]))\d{12}(?![0-9A-Za-z])")
# Fields whose text is not about a person: hashes, ids, base64 bodies.
_UNMASKED_FIELDS = frozenset(
    {"message_id", "correlation_id", "causation_id", "signer_serial", "raw_base64"}
)


def masked(value: Any) -> Any:
    """``value`` (a log entry as JSON) with every IIN and BIN masked, in any string at any
    depth (the raw envelope kept for a re-drive included)."""
    if isinstance(value, str):
        return _IDENTIFIER.sub(lambda m: mask_iin(m.group(0)), value)
    if isinstance(value, list):
        return [masked(v) for v in value]
    if isinstance(value, dict):
        return {
            k: v if k in _UNMASKED_FIELDS or k.endswith("sha256") else masked(v)
            for k, v in value.items()
        }
    return value


def shown(entries: list[dict[str, Any]], caller: Caller) -> list[dict[str, Any]]:
    return entries if caller.kinds & FULL_IDENTIFIERS else [masked(e) for e in entries]


class StopRequest(BaseModel):
    reason: str = Field(min_length=3, max_length=500)


def gateway_router(gateway: Gateway, sync: SyncChannel, *, service: str) -> APIRouter:
    router = APIRouter()
    # The operators' signed calls: fresh, each nonce once, in the gateway's own store.
    signed_calls = SignedCalls(gateway.admission.verify_detached, gateway.log.store)

    async def signed_caller(request: Request) -> SignerIdentity:
        try:
            return await signed_calls.check_request(request)
        except SignedCallRefused as refused:
            raise ServiceError(refused.detail, code=refused.code, status=401) from None

    # Each operator route's entry in shared.authz.ROUTES, checked on the verified signer.
    guards = {
        (method, path): Depends(guard(SERVICE, method, path, signed_caller))
        for (svc, method, path) in ROUTES
        if svc == SERVICE
    }

    @router.get("/health", tags=["operations"], summary="Database, broker, key and revocation")
    async def health() -> JSONResponse:
        report = await gateway.health.check()
        body: dict[str, Any] = {
            "status": "ok" if report.ok else "failing",
            "service": service,
            "accepting_traffic": report.ok,
            "rules_version": gateway.rules.current.version,
            "checks": {
                name: {"ok": r.ok, "ms": round(r.seconds * 1000, 2), "error": r.error}
                for name, r in report.checks.items()
            },
        }
        if not report.ok:
            body["failing"] = report.failing
        return JSONResponse(body, status_code=200 if report.ok else 503)

    # The edge's body limit (shared.web) for this route follows the gateway's own: up to twice
    # EGOV_GATEWAY_MAX_MESSAGE_BYTES the route answers MESSAGE_TOO_LARGE itself (judged on the
    # declared length, unread); beyond, the edge refuses it (body_too_large) before the route.
    @router.post(
        "/sync/{service_id}",
        max_body_size=2 * gateway.admission.max_bytes,
        tags=["sync channel"],
        summary="Call a synchronous service (signed envelope, or signed HTTP request)",
        responses={
            200: {"description": "the provider's answer (a signed envelope unchanged)"},
            404: {"description": "a record service holds no such record (provider's body)"},
        },
    )
    async def call_sync(service_id: str, request: Request) -> Response:
        limit = gateway.admission.max_bytes
        declared = request.headers.get("content-length")
        try:
            if declared is not None and declared.isdigit() and int(declared) > limit:
                raise fault(
                    ErrorCode.MESSAGE_TOO_LARGE, f"{declared} bytes; at most {limit} accepted"
                )
            answer = await sync.call(
                service_id,
                await request.body(),
                signature=request.headers.get(SIGNATURE_HEADER),
                sender=request.headers.get(SENDER_HEADER),
                content_type=request.headers.get("content-type"),
                timestamp=request.headers.get(TIMESTAMP_HEADER),
                nonce=request.headers.get(NONCE_HEADER),
            )
        except SyncFault as exc:
            return JSONResponse(exc.fault.body(), status_code=exc.fault.http_status)
        return Response(answer.body, status_code=answer.status, media_type=answer.media_type)

    @router.get("/trace/{correlation_id}", tags=["message log"], summary="A request's journey")
    async def trace(
        correlation_id: str, caller: Caller = guards["GET", "/trace/{correlation_id}"]
    ) -> list[dict[str, Any]]:
        entries = await gateway.log.trace(correlation_id)
        if not entries:
            raise ServiceError(
                f"no message with correlation id {correlation_id!r} in the log",
                code="not_found",
                status=404,
            )
        return shown([e.as_json() for e in entries], caller)

    @router.get("/messages", tags=["message log"], summary="Query the message log")
    async def messages(
        caller: Caller = guards["GET", "/messages"],
        message_id: str | None = None,
        correlation_id: str | None = None,
        sender: str | None = None,
        recipient: str | None = None,
        since: Annotated[AwareDatetime | None, Query()] = None,
        until: Annotated[AwareDatetime | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[dict[str, Any]]:
        entries = await gateway.log.query(
            LogQuery(message_id, correlation_id, sender, recipient, since, until, limit)
        )
        return shown([e.as_json() for e in entries], caller)

    @router.get("/parked", tags=["delivery"], summary="Messages that could not be delivered")
    async def parked(
        _caller: Caller = guards["GET", "/parked"],
    ) -> list[dict[str, Any]]:
        return [
            {
                "message_id": d.message_id,
                "recipient": d.recipient,
                "correlation_id": d.correlation_id,
                "state": d.state.value,
                "reason": d.reason,
                "position": d.position,
            }
            for d in await gateway.log.parked()
        ]

    @router.post(
        "/parked/{message_id}/{recipient}/redrive", tags=["delivery"], summary="Deliver again"
    )
    async def redrive(
        message_id: str,
        recipient: str,
        _caller: Caller = guards["POST", "/parked/{message_id}/{recipient}/redrive"],
    ) -> dict[str, str]:
        try:
            state = await gateway.redrive(message_id, recipient)
        except LookupError as exc:
            raise ServiceError(str(exc), code="not_parked", status=404) from None
        return {"message_id": message_id, "recipient": recipient, "state": state.value}

    @router.post(
        "/parked/{message_id}/{recipient}/stop", tags=["delivery"], summary="Stop delivery"
    )
    async def stop(
        message_id: str,
        recipient: str,
        body: StopRequest,
        _caller: Caller = guards["POST", "/parked/{message_id}/{recipient}/stop"],
    ) -> dict[str, str]:
        try:
            await gateway.stop_delivery(message_id, recipient, body.reason)
        except LookupError as exc:
            raise ServiceError(str(exc), code="not_parked", status=404) from None
        return {"message_id": message_id, "recipient": recipient, "state": "DELIVERY_STOPPED"}

    @router.post("/admin/rules/reload", tags=["operations"], summary="Reload the access rules")
    async def reload_rules(
        _caller: Caller = guards["POST", "/admin/rules/reload"],
    ) -> dict[str, int]:
        try:
            rules = await gateway.rules.reload()
        except RulesError as exc:
            raise ServiceError(str(exc), code="invalid_rules", status=422) from None
        return {"version": rules.version}

    return router
