"""elicense's HTTP routes: the staff workplace (every call signed with the staff member's
certificate) and the public permit verification."""

# No ``from __future__ import annotations``: FastAPI resolves the route annotations, and the
# ``Staff`` alias is local to build_router.

import base64
import binascii
import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from elicense_svc.domain import permit as permits
from elicense_svc.domain import request as req
from elicense_svc.domain.actors import Actor
from elicense_svc.domain.errors import ElicenseError, Invalid
from elicense_svc.engines import signing_step
from elicense_svc.entrypoints.auth import AuthorizationRefused, signed_identity, staff_actor
from elicense_svc.handlers import ElicenseService
from elicense_svc.projections import Projections
from elicense_svc.staff import current_directory
from shared.authz import Caller, route_guard
from shared.file_names import unfit_file_name
from shared.pki.http_signing import (
    DEFAULT_WINDOW_S,
    SIGNATURE_HEADER,
)
from shared.ratelimit import RateLimiter, retry_after_s
from shared.signing import SignerIdentity
from shared.web import error_body

MAX_SCAN_BYTES = 5 * 1024 * 1024  # one scanned document


class ScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    content_base64: str = Field(min_length=1)
    media_type: str = "application/pdf"

    def document(self) -> req.Document:
        try:
            content = base64.b64decode(self.content_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise Invalid("BAD_SCAN", f"document {self.code!r}: not base64: {exc}") from exc
        return scanned(self.code, self.name, content, self.media_type)


def scanned(code: str, name: str, content: bytes, media_type: str) -> req.Document:
    """A scanned document as E-licensing keeps it (process 6): by its SHA-256 and size, the
    bytes themselves not kept; refused for an unfit file name or a scan over the limit."""
    unfit = unfit_file_name(name)
    if unfit is not None:
        raise Invalid("INVALID_FILE_NAME", f"document {code!r}: the file name {unfit}")
    if len(content) > MAX_SCAN_BYTES:
        raise Invalid("SCAN_TOO_LARGE", f"document {code!r} exceeds {MAX_SCAN_BYTES} bytes")
    return req.Document(
        code=code,
        name=name,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        media_type=media_type,
    )


class NewRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    request_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    service: str
    applicant_iin: str | None = None
    applicant_bin: str | None = None
    form: dict[str, Any] = Field(default_factory=dict)
    documents: list[ScanIn] = Field(default_factory=list)


class DocumentsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    documents: list[ScanIn] = Field(min_length=1)


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    step: str
    outcome: str
    document_signature: str | None = None


class PermitCommandIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000)
    document_signature: str | None = None


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000)


class TooManyRequests(ElicenseError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "TOO_MANY_REQUESTS", f"too many calls; retry in {retry_after} s", status=429
        )
        self.retry_after = retry_after


def install_error_handler(app: FastAPI) -> None:
    async def domain_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ElicenseError)  # noqa: S101 - registered for this type only
        reason = getattr(exc, "reason", None)  # AuthorizationRefused's machine-readable why
        extra = {"reason": reason} if isinstance(reason, str) else {}
        retry = getattr(exc, "retry_after", None)  # RFC 9110 10.2.3
        headers = {"Retry-After": str(retry)} if isinstance(retry, int) else None
        return JSONResponse(
            error_body(exc.code, exc.message, **extra), status_code=exc.status, headers=headers
        )

    app.add_exception_handler(ElicenseError, domain_error)


def request_view(service: ElicenseService, state: req.ElicenseRequest) -> dict[str, Any]:
    engine = service.engine_of(state)
    steps = state.steps(engine)
    allowed = [] if req.needs_registry_check(engine, state) else engine.allowed(steps)
    return {
        "request_id": state.request_id,
        "number": state.number,
        "service": state.service,
        "version": state.version,
        "channel": state.channel.value,
        "provider": state.provider,
        "applicant": state.applicant.as_data(),
        "status": req.status_of(engine, state),
        "registry": {
            "state": state.registry,
            "attempts": state.registry_attempts,
            "retry_at": state.retry_at.isoformat() if state.retry_at else None,
            "reason": state.registry_reason,
            "record": state.registry_record,
        },
        "documents": list(state.documents),
        "deadline": steps.deadline.isoformat(),
        "finished": steps.finished,
        "refusal": steps.refusal,
        "permit_number": state.permit_number,
        "signing_step": signing_step(engine.definition).id,
        "steps": [
            {
                "step": r.step,
                "role": r.role,
                "started_at": r.started_at.isoformat(),
                "completed_at": r.completed_at.isoformat() if r.completed_at else None,
                "outcome": r.outcome,
                "actor": r.actor,
            }
            for r in steps.runs
        ],
        "allowed": [
            {"role": a.role, "step": a.step, "outcomes": list(a.outcomes)} for a in allowed
        ],
    }


def build_router(
    parts: Callable[[], tuple[ElicenseService, Projections]],
    *,
    signed_call_window_s: float = DEFAULT_WINDOW_S,
    public_per_address: int = 60,
    public_memory_keys: int = 10_000,
    public_limit: RateLimiter | None = None,
) -> APIRouter:
    """``parts`` gives the running service and read models (built at start-up); it raises
    while the service is not running or not configured. ``public_limit`` counts the anonymous
    permit checks per client address (unset: one of ``public_per_address`` a minute, this
    router's own); the public check page shares it."""
    router = APIRouter()

    def svc() -> ElicenseService:
        return parts()[0]

    def proj() -> Projections:
        return parts()[1]

    async def identify(request: Request) -> SignerIdentity:
        return await signed_identity(
            request, svc().verifier, svc().store, window_s=signed_call_window_s
        )

    authorized = route_guard("elicense", identify)

    async def staff(who: Annotated[Caller, Depends(authorized)]) -> Actor:
        # The caller's kind (shared.authz.ROUTES), then the directory as it stands now (the
        # log), so an appointment or a dismissal made while the service runs applies to the
        # very next call; all before the body is read.
        directory = await current_directory(svc().store, svc().directory)
        return staff_actor(who.verified(), directory)

    Staff = Annotated[Actor, Depends(staff)]

    @router.post("/staff/requests", tags=["staff"], status_code=201, summary="Processes 3-7")
    async def new_request(body: NewRequestIn, actor: Staff) -> dict[str, Any]:
        state = await svc().receive_staff(
            actor,
            request_id=body.request_id,
            service=body.service,
            iin=body.applicant_iin,
            bin=body.applicant_bin,
            form=body.form,
            documents=[d.document() for d in body.documents],
        )
        return request_view(svc(), state)

    @router.get("/staff/requests", tags=["staff"], summary="Requests of my provider")
    async def list_requests(actor: Staff) -> list[dict[str, Any]]:
        await proj().catch_up(svc().store)
        assert actor.provider is not None  # noqa: S101 - staff always belong to a provider
        return proj().requests_of(actor.provider)

    @router.get("/staff/requests/{request_id}", tags=["staff"], summary="One request")
    async def get_request(request_id: str, actor: Staff) -> dict[str, Any]:
        return request_view(svc(), await svc().get_for(actor, request_id))

    @router.post("/staff/requests/{request_id}/documents", tags=["staff"], summary="Process 6")
    async def attach(request_id: str, body: DocumentsIn, actor: Staff) -> dict[str, Any]:
        docs = [d.document() for d in body.documents]
        return request_view(svc(), await svc().attach_documents(actor, request_id, docs))

    @router.post("/staff/requests/{request_id}/actions", tags=["staff"], summary="Finish a step")
    async def act(request_id: str, body: ActionIn, actor: Staff) -> dict[str, Any]:
        state = await svc().act(
            actor,
            request_id,
            step=body.step,
            outcome=body.outcome,
            document_signature=body.document_signature,
        )
        return request_view(svc(), state)

    @router.post(
        "/staff/requests/{request_id}/permit-draft",
        tags=["staff"],
        summary="The permit document to sign (reserves its number)",
    )
    async def draft(request_id: str, actor: Staff) -> dict[str, Any]:
        document = await svc().permit_draft(actor, request_id)
        return _to_sign(document)

    @router.post("/staff/permits/{number}/reissue-draft", tags=["permits"])
    async def reissue_draft(number: str, body: ReasonIn, actor: Staff) -> dict[str, Any]:
        return _to_sign(await svc().reissue_draft(actor, number, body.reason))

    @router.post(
        "/staff/permits/{number}/{command}",
        tags=["permits"],
        summary="reissue, suspend, resume or terminate",
    )
    async def permit_command(
        number: str, command: str, body: PermitCommandIn, actor: Staff
    ) -> dict[str, Any]:
        if command not in permits.LIFECYCLE_COMMANDS:
            raise Invalid(
                "UNKNOWN_COMMAND",
                f"{command!r}; permit commands: {', '.join(permits.LIFECYCLE_COMMANDS)}",
            )
        await svc().permit_command(
            actor,
            number,
            command,
            reason=body.reason,
            document_signature=body.document_signature,
        )
        return await svc().verify_permit(number)

    # Per client address, in memory and bounded: an anonymous check must not be a way to
    # enumerate the sequential permit numbers at speed.
    limit = (
        public_limit
        if public_limit is not None
        else public_checks(public_per_address, public_memory_keys)
    )

    async def reader(request: Request, number: str) -> bool:
        """Whether the caller may read the permit in full: a fresh signed call by its holder
        (the certificate's IIN, or BIN for an entity, is the permit's holder) or by
        E-licensing staff. Unsigned: the public view. Signed by anyone else: refused."""
        if SIGNATURE_HEADER not in request.headers:
            return False
        identity = await signed_identity(
            request, svc().verifier, svc().store, window_s=signed_call_window_s
        )
        if not await svc().may_read_permit(identity, number):
            raise AuthorizationRefused(
                f"permit {number} is read in full by its holder and E-licensing staff only",
                reason="NOT_HOLDER",
            )
        return True

    @router.get("/permits/{number}", tags=["public"], summary="Verify a permit by its number")
    async def verify(
        request: Request,
        number: str,
        sha256: Annotated[str | None, Query(pattern=r"^[0-9a-fA-F]{64}$")] = None,
    ) -> dict[str, Any]:
        """Public: validity, kind, issuer, dates, the signature check and whether ``sha256``
        (the QR code's) is the signed document's hash. Signed by the holder or by staff: the
        whole permit, holder and document included."""
        now = svc().clock.now()
        host = request.client.host if request.client is not None else "unknown"
        until = limit.hit(host, now)
        if until is not None:
            raise TooManyRequests(retry_after_s(now, until))
        if await reader(request, number):
            return await svc().verify_permit(number)
        return await svc().public_permit(number, sha256)

    return router


def public_checks(per_address: int, memory_keys: int) -> RateLimiter:
    """The budget of anonymous permit checks: ``per_address`` a minute per client address."""
    return RateLimiter(per_address, timedelta(minutes=1), max_keys=memory_keys)


def _to_sign(document: dict[str, Any]) -> dict[str, Any]:
    return {
        "document": document,
        # What the signer's EDS signs: RFC 8785 canonical JSON of the document.
        "signing_bytes_base64": base64.b64encode(permits.signing_bytes(document)).decode(),
    }
