"""The synchronous channel: ``POST /sync/{service_id}`` with a signed envelope.

The gateway authenticates the caller exactly as on the async channel, checks that the caller may
use the service, claims the message id (a replay is refused), logs the request, forwards the
envelope's bytes to the provider's registered endpoint with a timeout, checks that the answer is
an envelope signed by that provider and answering this request, logs the answer linked to the
request by the request's SHA-256 (as X-Road links a request and its response), and returns the
provider's bytes unchanged, its signature intact.

Every failure is a fault ``{code, message, origin}``: ``client`` when the caller's message is at
fault, ``gateway`` when the gateway cannot serve, ``provider`` when the provider failed.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx

from gateway_svc.admission import AdmissionRefused, Authenticated
from gateway_svc.errors import ErrorCode, Origin, Rejected, origin_of
from gateway_svc.gateway import Gateway
from gateway_svc.messagelog import Record, sha256_hex
from gateway_svc.rules import SyncService
from shared.eventlog.port import AlreadyProcessed

_STATUS: dict[ErrorCode, int] = {
    ErrorCode.MESSAGE_TOO_LARGE: 413,
    ErrorCode.MALFORMED_JSON: 400,
    ErrorCode.INVALID_ENVELOPE: 400,
    ErrorCode.UNKNOWN_SERVICE: 404,
    ErrorCode.ROUTE_DENIED: 403,
    ErrorCode.UNKNOWN_SENDER: 403,
    ErrorCode.UNKNOWN_RECIPIENT: 403,
    ErrorCode.UNKNOWN_MESSAGE_TYPE: 403,
    ErrorCode.REPLAYED_MESSAGE: 409,
    ErrorCode.GATEWAY_UNAVAILABLE: 503,
    ErrorCode.REVOCATION_UNKNOWN: 503,
    ErrorCode.PROVIDER_TIMEOUT: 504,
    ErrorCode.PROVIDER_UNREACHABLE: 502,
    ErrorCode.PROVIDER_ERROR: 502,
    ErrorCode.BAD_PROVIDER_RESPONSE: 502,
}


@dataclass(frozen=True)
class Fault:
    code: ErrorCode
    message: str
    origin: Origin

    @property
    def http_status(self) -> int:
        # Signature and certificate problems are the caller's: 401, like X-Road's client faults.
        return _STATUS.get(self.code, 401)

    def body(self) -> dict[str, Any]:
        return {"code": self.code.value, "message": self.message, "origin": self.origin.value}


class SyncFault(Exception):
    def __init__(self, fault: Fault) -> None:
        super().__init__(f"{fault.code}: {fault.message}")
        self.fault = fault


def fault(code: ErrorCode, message: str) -> SyncFault:
    return SyncFault(Fault(code, message, origin_of(code)))


class SyncChannel:
    def __init__(self, gateway: Gateway, client: httpx.AsyncClient) -> None:
        self._gateway = gateway
        self._client = client

    async def call(self, service_id: str, raw: bytes) -> bytes:
        """The provider's signed answer, or :class:`SyncFault`."""
        gateway = self._gateway
        began = time.perf_counter()
        outcome = "ok"
        try:
            if not gateway.health.ok:
                raise fault(
                    ErrorCode.GATEWAY_UNAVAILABLE,
                    f"gateway unhealthy: {', '.join(gateway.health.failing)}",
                )
            return await self._call(service_id, raw)
        except SyncFault as exc:
            outcome = exc.fault.code.value
            gateway.metrics.rejections.labels(exc.fault.code.value).inc()
            raise
        finally:
            gateway.metrics.sync_latency.labels(
                _service_label(gateway, service_id), outcome
            ).observe(time.perf_counter() - began)

    async def _call(self, service_id: str, raw: bytes) -> bytes:
        gateway = self._gateway
        request_hash = sha256_hex(raw)
        try:
            who = await gateway.admission.authenticate(raw)
            service = gateway.rules.current.sync_service(service_id, who.envelope.sender)
        except AdmissionRefused as refused:
            r = refused.refusal
            await self._log_request(service_id, raw, None, code=r.code, detail=r.detail)
            raise fault(r.code, r.detail) from None
        except Rejected as rejected:
            await self._log_request(
                service_id, raw, who, code=rejected.code, detail=rejected.detail
            )
            raise fault(rejected.code, rejected.detail) from None
        try:
            await self._log_request(service_id, raw, who, claim=True, provider=service.provider)
        except AlreadyProcessed:
            detail = f"message id {who.envelope.message_id} was already used"
            await self._log_request(
                service_id, raw, who, code=ErrorCode.REPLAYED_MESSAGE, detail=detail
            )
            raise fault(ErrorCode.REPLAYED_MESSAGE, detail) from None
        try:
            answer = await self._forward(service, raw)
            await self._check_answer(service, who, answer)
        except SyncFault as exc:
            await self._log_response(service_id, who, request_hash, None, exc.fault)
            raise
        await self._log_response(service_id, who, request_hash, answer, None)
        return answer

    async def _forward(self, service: SyncService, raw: bytes) -> bytes:
        url = str(service.url)
        try:
            # asyncio's timeout bounds the whole exchange, whatever the transport honours.
            async with asyncio.timeout(service.timeout_s):
                response = await self._client.post(
                    url,
                    content=raw,
                    headers={"Content-Type": "application/json"},
                    timeout=service.timeout_s,
                )
        except (TimeoutError, httpx.TimeoutException):
            raise fault(
                ErrorCode.PROVIDER_TIMEOUT,
                f"{service.provider} gave no answer in {service.timeout_s} s",
            ) from None
        except httpx.HTTPError as exc:
            raise fault(
                ErrorCode.PROVIDER_UNREACHABLE, f"{service.provider} at {url}: {exc}"
            ) from None
        if response.status_code != 200:
            raise fault(
                ErrorCode.PROVIDER_ERROR,
                f"{service.provider} answered HTTP {response.status_code}: {response.text[:300]}",
            )
        return response.content

    async def _check_answer(self, service: SyncService, who: Authenticated, answer: bytes) -> None:
        try:
            reply = await self._gateway.admission.authenticate(answer)
        except AdmissionRefused as refused:
            raise fault(
                ErrorCode.BAD_PROVIDER_RESPONSE,
                f"the answer fails the gateway's checks: {refused.refusal.code}: "
                f"{refused.refusal.detail}",
            ) from None
        envelope = reply.envelope
        if envelope.sender != service.provider or envelope.recipient != who.envelope.sender:
            raise fault(
                ErrorCode.BAD_PROVIDER_RESPONSE,
                f"the answer goes {envelope.sender} -> {envelope.recipient}, expected "
                f"{service.provider} -> {who.envelope.sender}",
            )
        if envelope.causation_id != str(who.envelope.message_id):
            raise fault(
                ErrorCode.BAD_PROVIDER_RESPONSE,
                "the answer's causation_id does not name the request's message id",
            )

    async def _log_request(
        self,
        service_id: str,
        raw: bytes,
        who: Authenticated | None,
        *,
        claim: bool = False,
        provider: str | None = None,
        code: ErrorCode | None = None,
        detail: str = "",
    ) -> None:
        log = self._gateway.log
        data: dict[str, Any] = {
            "hop": "sync",
            "service_id": service_id,
            "provider": provider,
            "request_sha256": sha256_hex(raw),
            "size": len(raw),
        }
        if who is not None:
            envelope = who.envelope
            data.update(
                message_id=str(envelope.message_id),
                correlation_id=envelope.correlation_id,
                sender=envelope.sender,
                recipient=envelope.recipient,
                type=envelope.type,
            )
        if code is not None:
            data.update(code=code.value, detail=detail[:2000])
        if log.keep_bodies and len(raw) <= self._gateway.admission.max_bytes:
            data["raw"] = raw.decode("utf-8", errors="replace")
        claim_id = f"sync:{who.envelope.message_id}" if claim and who is not None else None
        record = Record.SYNC_REQUEST if code is None else Record.REJECTED
        await log.append(record, data, claim_message_id=claim_id)

    async def _log_response(
        self,
        service_id: str,
        who: Authenticated,
        request_hash: str,
        answer: bytes | None,
        failed: Fault | None,
    ) -> None:
        log = self._gateway.log
        data: dict[str, Any] = {
            "hop": "sync",
            "service_id": service_id,
            "request_sha256": request_hash,  # links the answer to its request
            "message_id": str(who.envelope.message_id),
            "correlation_id": who.envelope.correlation_id,
            "sender": who.envelope.sender,
        }
        if answer is not None:
            data["response_sha256"] = sha256_hex(answer)
            if log.keep_bodies:
                data["raw"] = answer.decode("utf-8", errors="replace")
        if failed is not None:
            data.update(code=failed.code.value, detail=failed.message[:2000], origin=failed.origin)
        await log.append(Record.SYNC_RESPONSE, data)


def _service_label(gateway: Gateway, service_id: str) -> str:
    # Only configured services get their own series; anything a caller invents is "<unknown>".
    return service_id if service_id in gateway.rules.current.file.sync_services else "<unknown>"
