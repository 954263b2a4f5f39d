"""The synchronous channel: ``POST /sync/{service_id}``.

A caller authenticates in one of two forms:

* **signed envelope** (the body is an envelope, as on the async channel): the same checks as
  there, and its message id is claimed, so a replay is refused;
* **signed HTTP request** (``shared.pki.http_signing``: headers ``X-Egov-Signature`` over the
  method, target and body hash, and ``X-Egov-Sender``), for look-ups that have no envelope. The
  signature binds this exact target and body; a repeated look-up is an idempotent read, so no
  replay claim is made (each call is still logged). The body is a JSON object whose fields fill
  the service URL's placeholders, or, for a service with another ``request_type`` (OCSP's
  ``application/ocsp-request``), opaque bytes forwarded as they came.

Then the service's ``clients`` patterns decide whether the caller may use it. The gateway logs
the request, forwards it to the provider's registered endpoint with a timeout (signed with the
gateway's own key when it has one, as the provider sees the gateway as its caller), checks the
answer, logs it linked to the request by the request's SHA-256 (as X-Road links a request and
its response) and returns it. An ``envelope`` answer must be an envelope signed by that
provider, addressed to the caller, naming the request in ``causation_id``; it is returned byte
for byte. A ``record`` answer (a registry row) is passed on with its 200 or 404. A ``binary``
answer (an OCSP response, a CRL) must carry the service's ``answer_type`` and is passed on byte
for byte: it is signed inside by the CA, which is what its reader checks. Bodies that are not
UTF-8 text are kept in the log as base64.

Every failure is a fault ``{code, message, origin}``: ``client`` when the caller's message is at
fault, ``gateway`` when the gateway cannot serve, ``provider`` when the provider failed.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from gateway_svc.admission import AdmissionRefused, Authenticated, Refusal
from gateway_svc.errors import ErrorCode, Origin, Rejected, from_verification, origin_of
from gateway_svc.gateway import Gateway
from gateway_svc.messagelog import Record, sha256_hex
from gateway_svc.rules import JSON_TYPE, Answer, SyncService
from shared import correlation
from shared.eventlog.port import AlreadyProcessed
from shared.ids import IdError, path_key
from shared.inbound import is_system_certificate
from shared.pki.http_signing import (
    DEFAULT_WINDOW_S,
    NONCE_HEADER,
    SENDER_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignedCallRefused,
    SignedCalls,
    sign_request,
)
from shared.signing import Signer

_FIELD_VALUE = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
_ID_PLACEHOLDERS = frozenset({"iin", "bin"})  # filled only with an ID's shape (twelve digits)

_STATUS: dict[ErrorCode, int] = {
    ErrorCode.MESSAGE_TOO_LARGE: 413,
    ErrorCode.MALFORMED_JSON: 400,
    ErrorCode.INVALID_ENVELOPE: 400,
    ErrorCode.INVALID_REQUEST: 400,
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


@dataclass(frozen=True)
class SyncAnswer:
    status: int  # 200, or 404 for a record the provider does not hold
    body: bytes
    media_type: str = JSON_TYPE


@dataclass(frozen=True)
class _Caller:
    sender: str
    message_id: str | None  # the envelope form's id; None for a signed HTTP request
    correlation_id: str | None
    fields: dict[str, Any]  # what fills the service URL's placeholders (the envelope's body)
    envelope: Authenticated | None


class SyncChannel:
    def __init__(
        self,
        gateway: Gateway,
        client: httpx.AsyncClient,
        *,
        signer: Signer | None = None,
        signed_call_window_s: float = DEFAULT_WINDOW_S,
    ) -> None:
        self._gateway = gateway
        self._client = client
        self._signer = signer
        # Signed-HTTP-request calls: fresh, and each nonce accepted once, remembered in the
        # gateway's own store (shared by its replicas, kept across restarts).
        self._signed_calls = SignedCalls(
            gateway.admission.verify_detached, gateway.log.store, window_s=signed_call_window_s
        )

    async def call(
        self,
        service_id: str,
        raw: bytes,
        *,
        signature: str | None = None,
        sender: str | None = None,
        content_type: str | None = None,
        timestamp: str | None = None,
        nonce: str | None = None,
    ) -> SyncAnswer:
        """The provider's answer, or :class:`SyncFault`. ``signature``, ``timestamp``,
        ``nonce`` (and ``sender``) are the signed-HTTP-request headers; without a signature
        ``raw`` must be a signed envelope. ``content_type`` is the caller's declared media type,
        if any."""
        gateway = self._gateway
        began = time.perf_counter()
        outcome = "ok"
        try:
            if not gateway.health.ok:
                raise fault(
                    ErrorCode.GATEWAY_UNAVAILABLE,
                    f"gateway unhealthy: {', '.join(gateway.health.failing)}",
                )
            freshness = {TIMESTAMP_HEADER: timestamp or "", NONCE_HEADER: nonce or ""}
            return await self._call(service_id, raw, signature, sender, content_type, freshness)
        except SyncFault as exc:
            outcome = exc.fault.code.value
            gateway.metrics.rejections.labels(exc.fault.code.value).inc()
            raise
        finally:
            gateway.metrics.sync_latency.labels(
                _service_label(gateway, service_id), outcome
            ).observe(time.perf_counter() - began)

    async def _call(
        self,
        service_id: str,
        raw: bytes,
        signature: str | None,
        sender: str | None,
        content_type: str | None,
        freshness: dict[str, str],
    ) -> SyncAnswer:
        gateway = self._gateway
        request_hash = sha256_hex(raw)
        try:
            if signature is None and _media_type(content_type) not in (None, JSON_TYPE):
                # Only a JSON envelope carries its own signature; any other body must come
                # with the signed-HTTP-request headers, so an unsigned one is refused as such.
                raise _refused(
                    ErrorCode.BAD_SIGNATURE,
                    f"a {_media_type(content_type)} body needs the {SIGNATURE_HEADER} header",
                )
            caller = await (
                self._authenticate_request(service_id, raw, signature, sender, freshness)
                if signature is not None
                else self._authenticate_envelope(raw)
            )
        except AdmissionRefused as refused:
            r = refused.refusal
            await self._log_refusal(service_id, raw, None, r.code, r.detail)
            raise fault(r.code, r.detail) from None
        try:
            service = gateway.rules.current.sync_service(service_id, caller.sender)
            url = _target(service, _fields(service_id, service, caller, raw, content_type))
        except Rejected as rejected:
            await self._log_refusal(service_id, raw, caller, rejected.code, rejected.detail)
            raise fault(rejected.code, rejected.detail) from None
        try:
            await self._log_request(service_id, raw, caller, service)
        except AlreadyProcessed:
            detail = f"message id {caller.message_id} was already used"
            await self._log_refusal(service_id, raw, caller, ErrorCode.REPLAYED_MESSAGE, detail)
            raise fault(ErrorCode.REPLAYED_MESSAGE, detail) from None
        try:
            answer = await self._forward(service, url, raw)
            if service.answer is Answer.ENVELOPE:
                await self._check_envelope_answer(service, caller, answer.body)
        except SyncFault as exc:
            await self._log_response(service_id, caller, request_hash, None, exc.fault)
            raise
        await self._log_response(service_id, caller, request_hash, answer, None)
        return answer

    # --- who is calling ----------------------------------------------------------------------

    async def _authenticate_envelope(self, raw: bytes) -> _Caller:
        who = await self._gateway.admission.authenticate(raw)
        envelope = who.envelope
        return _Caller(
            sender=envelope.sender,
            message_id=str(envelope.message_id),
            correlation_id=envelope.correlation_id,
            fields=dict(envelope.body),
            envelope=who,
        )

    async def _authenticate_request(
        self,
        service_id: str,
        raw: bytes,
        signature: str,
        sender: str | None,
        freshness: dict[str, str],
    ) -> _Caller:
        admission = self._gateway.admission
        if len(raw) > admission.max_bytes:
            raise _refused(ErrorCode.MESSAGE_TOO_LARGE, f"{len(raw)} bytes")
        try:
            identity = await self._signed_calls.check(
                "POST", f"/sync/{service_id}", raw, {SIGNATURE_HEADER: signature, **freshness}
            )
        except SignedCallRefused as refused:
            found = refused.verification
            if found is not None:
                raise _refused(from_verification(found.code), found.detail) from None
            # An empty signature header (SIGNATURE_MISSING) is an unsigned call: BAD_SIGNATURE.
            code = ErrorCode.__members__.get(refused.code, ErrorCode.BAD_SIGNATURE)
            raise _refused(code, refused.detail) from None
        subject = identity.subject
        if sender is not None and sender != subject:
            raise _refused(
                ErrorCode.SENDER_MISMATCH,
                f"{SENDER_HEADER} says {sender!r} but the certificate is {subject!r}'s",
            )
        if not is_system_certificate(identity):
            # As the asynchronous channel's admission: a person's or an organisation's
            # certificate may carry any common name; only a system's speaks for that system.
            raise _refused(
                ErrorCode.SENDER_MISMATCH,
                f"the certificate named {subject!r} (serial {identity.serial}) is not an "
                "information system's",
            )
        # The body is read once the service is known: JSON fields, or opaque bytes.
        return _Caller(subject, None, correlation.current(), {}, None)

    # --- the provider ------------------------------------------------------------------------

    async def _forward(self, service: SyncService, url: str, raw: bytes) -> SyncAnswer:
        body = raw if service.method == "POST" else b""
        headers = {"Content-Type": service.request_type} if body else {}
        if self._signer is not None:
            # The provider sees the gateway as its caller (it cannot check the original
            # signature, whose target was /sync/...): sign this request as shared.pki.http_signing
            # describes.
            target = httpx.URL(url).raw_path.decode("ascii")
            headers.update(sign_request(self._signer, service.method, target, body))
            headers[SENDER_HEADER] = self._signer.identity.subject
        cid = correlation.current()
        if cid is not None:
            headers[correlation.HEADER] = cid
        try:
            # asyncio's timeout bounds the whole exchange, whatever the transport honours.
            async with asyncio.timeout(service.timeout_s):
                response = await self._client.request(
                    service.method, url, content=body, headers=headers, timeout=service.timeout_s
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
        passed_on = (200, 404) if service.answer is Answer.RECORD else (200,)
        if response.status_code not in passed_on:
            raise fault(
                ErrorCode.PROVIDER_ERROR,
                f"{service.provider} answered HTTP {response.status_code}: {response.text[:300]}",
            )
        if service.answer_type is None:
            return SyncAnswer(response.status_code, response.content)
        answered = _media_type(response.headers.get("content-type"))
        if answered != service.answer_type:
            raise fault(
                ErrorCode.BAD_PROVIDER_RESPONSE,
                f"{service.provider} answered {answered or 'no content type'}, "
                f"expected {service.answer_type}",
            )
        return SyncAnswer(response.status_code, response.content, service.answer_type)

    async def _check_envelope_answer(
        self, service: SyncService, caller: _Caller, answer: bytes
    ) -> None:
        try:
            reply = await self._gateway.admission.authenticate(answer)
        except AdmissionRefused as refused:
            raise fault(
                ErrorCode.BAD_PROVIDER_RESPONSE,
                f"the answer fails the gateway's checks: {refused.refusal.code}: "
                f"{refused.refusal.detail}",
            ) from None
        envelope = reply.envelope
        if envelope.sender != service.provider or envelope.recipient != caller.sender:
            raise fault(
                ErrorCode.BAD_PROVIDER_RESPONSE,
                f"the answer goes {envelope.sender} -> {envelope.recipient}, expected "
                f"{service.provider} -> {caller.sender}",
            )
        if caller.message_id is not None and envelope.causation_id != caller.message_id:
            raise fault(
                ErrorCode.BAD_PROVIDER_RESPONSE,
                "the answer's causation_id does not name the request's message id",
            )

    # --- the log -----------------------------------------------------------------------------

    def _base(self, service_id: str, raw: bytes, caller: _Caller | None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "hop": "sync",
            "service_id": service_id,
            "request_sha256": sha256_hex(raw),
            "size": len(raw),
        }
        if caller is not None:
            data.update(
                message_id=caller.message_id,
                correlation_id=caller.correlation_id,
                sender=caller.sender,
                form="envelope" if caller.envelope is not None else "signed-request",
            )
        if self._gateway.log.keep_bodies and len(raw) <= self._gateway.admission.max_bytes:
            data.update(_kept(raw))
        return data

    async def _log_request(
        self, service_id: str, raw: bytes, caller: _Caller, service: SyncService
    ) -> None:
        data = self._base(service_id, raw, caller)
        data["provider"] = service.provider
        # One namespace with the async channel: a message id is used once at the gateway.
        claim = caller.message_id
        await self._gateway.log.append(Record.SYNC_REQUEST, data, claim_message_id=claim)

    async def _log_refusal(
        self,
        service_id: str,
        raw: bytes,
        caller: _Caller | None,
        code: ErrorCode,
        detail: str,
    ) -> None:
        data = self._base(service_id, raw, caller)
        data.update(code=code.value, detail=detail[:2000])
        await self._gateway.log.append(Record.REJECTED, data)

    async def _log_response(
        self,
        service_id: str,
        caller: _Caller,
        request_hash: str,
        answer: SyncAnswer | None,
        failed: Fault | None,
    ) -> None:
        log = self._gateway.log
        data: dict[str, Any] = {
            "hop": "sync",
            "service_id": service_id,
            "request_sha256": request_hash,  # links the answer to its request
            "message_id": caller.message_id,
            "correlation_id": caller.correlation_id,
            "sender": caller.sender,
        }
        if answer is not None:
            data["status"] = answer.status
            data["response_sha256"] = sha256_hex(answer.body)
            if log.keep_bodies:
                data.update(_kept(answer.body))
        if failed is not None:
            data.update(code=failed.code.value, detail=failed.message[:2000], origin=failed.origin)
        await log.append(Record.SYNC_RESPONSE, data)


def _refused(code: ErrorCode, detail: str) -> AdmissionRefused:
    return AdmissionRefused(Refusal(code, detail))


def _media_type(header: str | None) -> str | None:
    if not header:
        return None
    return header.split(";", 1)[0].strip().lower() or None


def _kept(body: bytes) -> dict[str, str]:
    """A body as the log keeps it: UTF-8 text as is, anything else (DER) losslessly in base64."""
    try:
        return {"raw": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"raw_base64": base64.b64encode(body).decode("ascii")}


def _fields(
    service_id: str,
    service: SyncService,
    caller: _Caller,
    raw: bytes,
    content_type: str | None,
) -> dict[str, Any]:
    """What fills the service URL's placeholders, after checking the body suits the service."""
    if caller.envelope is not None:
        if service.opaque_body:
            raise Rejected(
                ErrorCode.INVALID_REQUEST,
                f"{service_id} takes a signed HTTP request with a {service.request_type} body, "
                "not an envelope",
            )
        return caller.fields
    if service.opaque_body:
        declared = _media_type(content_type)
        if declared is not None and declared != service.request_type:
            raise Rejected(
                ErrorCode.INVALID_REQUEST,
                f"{service_id} takes {service.request_type}, not {declared}",
            )
        if service.method == "POST" and not raw:
            raise Rejected(ErrorCode.INVALID_REQUEST, f"{service_id} needs a request body")
        return {}
    if not raw:
        return {}
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Rejected(ErrorCode.MALFORMED_JSON, str(exc)) from None
    if not isinstance(document, dict):
        raise Rejected(ErrorCode.INVALID_REQUEST, "the request body is not a JSON object")
    return document


def _target(service: SyncService, fields: dict[str, Any]) -> str:
    url = service.url
    for name in service.placeholders:
        value = fields.get(name)
        if name in _ID_PLACEHOLDERS:
            try:
                path_key(value)
            except IdError as exc:
                raise Rejected(
                    ErrorCode.INVALID_REQUEST,
                    f"the field {name!r} is no {name.upper()}: {exc.message}",
                ) from None
        # "." and ".." are path steps, not names: the filled URL would name another resource.
        if not isinstance(value, str) or not _FIELD_VALUE.fullmatch(value) or not value.strip("."):
            raise Rejected(
                ErrorCode.INVALID_REQUEST,
                f"the request needs a field {name!r}: letters, digits, '_', '.', '-'",
            )
        url = url.replace("{" + name + "}", quote(value, safe=""))
    return url


def _service_label(gateway: Gateway, service_id: str) -> str:
    # Only configured services get their own series; anything a caller invents is "<unknown>".
    return service_id if service_id in gateway.rules.current.file.sync_services else "<unknown>"
