"""Staff HTTP API of the workstations. Every call is signed by the staff member's own
certificate (``X-Egov-Signature`` over ``shared.pki.http_signing.request_signing_bytes``: method,
path and query, body hash, ``X-Egov-Timestamp``, ``X-Egov-Nonce``), fresh and accepted once,
verified against the НУЦ (chain, validity, revocation); the IIN it names must be on the
workstation's staff roster. Staff see only their workstation's requests.
"""

# No ``from __future__ import annotations``: FastAPI reads the route annotations at definition.
from collections.abc import Awaitable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request

from provider_svc.domain.errors import Forbidden, NotAuthenticated, ProviderError
from provider_svc.domain.staff import StaffMember
from provider_svc.domain.statuses import ALL_STATUSES
from provider_svc.domain.workstations import WORKSTATIONS
from provider_svc.handlers import ProviderService
from provider_svc.projections import ProviderProjection
from provider_svc.views import (
    ActionIn,
    DraftIn,
    ExtensionIn,
    PaperApplicationIn,
    RequestOut,
    request_out,
)
from shared.authz import Caller as AuthzCaller
from shared.authz import route_guard
from shared.pki.http_signing import DEFAULT_WINDOW_S, SignedCallRefused, SignedCalls
from shared.signing import SignerIdentity, verify_off_loop
from shared.web import ServiceError

T = TypeVar("T")

# Roles that see the overdue requests and the SLA report of their workstation (the head
# controls the deadlines; 002 makes the deputy the head's reviewer).
SUPERVISORS = frozenset({"head", "deputy"})


async def _edge(call: Awaitable[T]) -> T:
    try:
        return await call
    except ProviderError as exc:
        raise ServiceError(exc.message, code=exc.code, status=exc.status) from None


def build_router(
    service: ProviderService,
    projection: ProviderProjection,
    *,
    signed_call_window_s: float = DEFAULT_WINDOW_S,
) -> APIRouter:
    router = APIRouter(prefix="/provider", tags=["provider"])
    # Staff calls' nonces are remembered in the workstation's own event store.
    signed_calls = SignedCalls(
        lambda payload, signature: verify_off_loop(service.verifier, payload, signature),
        service.store,
        window_s=signed_call_window_s,
    )

    async def caller(request: Request) -> SignerIdentity:
        try:
            return await signed_calls.check_request(request)
        except SignedCallRefused as refused:
            # A broken signature keeps its signature_<code>; a missing header, a stale
            # timestamp or a replayed nonce carry their own code; a revoked one, CERT_REVOKED.
            code = refused.code.lower()
            raise ServiceError(
                f"the request's signature is not accepted: {refused.code} {refused.detail}",
                code=refused.answer_code(
                    f"signature_{code}" if refused.verification is not None else code
                ),
                status=NotAuthenticated.status,
            ) from None

    # The caller's kind from shared.authz.ROUTES first, then the workstation's roster: both
    # before the body is read, so a refused caller learns nothing about what they sent.
    authorized = route_guard("provider", caller)

    async def staff(
        workstation: str, who: Annotated[AuthzCaller, Depends(authorized)]
    ) -> StaffMember:
        return await _edge(service.staff_member(workstation, who.verified()))

    Member = Annotated[StaffMember, Depends(staff)]

    def supervisor(member: StaffMember) -> None:
        if not member.roles & SUPERVISORS:
            raise ServiceError(
                "the overdue view and the SLA report are for the head and the deputy",
                code="not_a_supervisor",
                status=Forbidden.status,
            )

    @router.get("/workstations", summary="The workstations and the services they render")
    async def workstations() -> list[dict[str, Any]]:
        return [
            {
                "system_id": w.system_id,
                "region": w.region,
                "name": w.name,
                "bin": w.bin,
                "services": w.services,
            }
            for w in WORKSTATIONS
        ]

    @router.get("/statuses", summary="Every status name the workstations report")
    async def statuses() -> list[str]:
        return sorted(ALL_STATUSES)

    @router.get("/workstations/{workstation}/inbox", summary="Requests waiting for my roles")
    async def inbox(workstation: str, member: Member) -> dict[str, Any]:
        await projection.catch_up(service.store)
        return {
            "staff": {"iin": member.iin, "name": member.name, "roles": sorted(member.roles)},
            "requests": [v.as_dict() for v in projection.inbox(workstation, member.roles)],
        }

    @router.get("/workstations/{workstation}/overdue", summary="Overdue requests (head)")
    async def overdue(workstation: str, member: Member) -> list[dict[str, Any]]:
        supervisor(member)
        await projection.catch_up(service.store)
        return [v.as_dict() for v in projection.overdue(workstation)]

    @router.get("/workstations/{workstation}/sla", summary="SLA per service and step (head)")
    async def sla(workstation: str, member: Member) -> dict[str, Any]:
        supervisor(member)
        await projection.catch_up(service.store)
        report = projection.sla(service.engines, service.clock.now(), workstation)
        return {
            "at": service.clock.now().isoformat(),
            "requests": [vars(r) for r in report.requests],
            "steps": [
                {
                    "service": s.service,
                    "version": s.version,
                    "step": s.step,
                    "role": s.role,
                    "norm": s.norm,
                    "runs": s.runs,
                    "finished": s.finished,
                    "late": s.late,
                    "mean_s": None if s.mean_actual is None else s.mean_actual.total_seconds(),
                    "max_s": None if s.max_actual is None else s.max_actual.total_seconds(),
                }
                for s in report.steps
            ],
        }

    @router.get("/workstations/{workstation}/requests/{request_id}", response_model=RequestOut)
    async def show(workstation: str, request_id: str, member: Member) -> RequestOut:
        return await _edge(_show(service, workstation, request_id))

    @router.post("/workstations/{workstation}/requests/{request_id}/draft")
    async def draft(
        workstation: str, request_id: str, body: DraftIn, member: Member
    ) -> dict[str, Any]:
        """The result document to sign with your EDS (canonical JSON, RFC 8785)."""
        grounds = None if body.grounds is None else body.grounds.model_dump()
        return await _edge(
            service.draft(workstation, member, request_id, outcome=body.outcome, grounds=grounds)
        )

    @router.post("/workstations/{workstation}/requests/{request_id}/actions")
    async def act(workstation: str, request_id: str, body: ActionIn, member: Member) -> RequestOut:
        await _edge(
            service.act(
                workstation,
                member,
                request_id,
                step=body.step,
                outcome=body.outcome,
                grounds=None if body.grounds is None else body.grounds.model_dump(),
                document_signature=body.document_signature,
            )
        )
        return await _edge(_show(service, workstation, request_id))

    @router.post(
        "/workstations/{workstation}/requests/{request_id}/extensions",
        summary="Extend the current step with a reason, as far as the act allows",
    )
    async def extend(
        workstation: str, request_id: str, body: ExtensionIn, member: Member
    ) -> RequestOut:
        """004: the archive search takes 15-30 calendar days, in some cases up to 6 months.
        The step's deadline and the request's term move; 409 names why an extension is
        refused (BEYOND_MAXIMUM, NOT_EXTENDABLE, DEADLINE_PASSED, NOT_LATER, REASON_REQUIRED)."""
        await _edge(
            service.extend(
                workstation,
                member,
                request_id,
                step=body.step,
                until=body.until,
                reason=body.reason,
            )
        )
        return await _edge(_show(service, workstation, request_id))

    @router.post("/workstations/{workstation}/paper-applications", status_code=201)
    async def paper(workstation: str, body: PaperApplicationIn, member: Member) -> RequestOut:
        request_id = await _edge(
            service.register_paper(
                workstation,
                member,
                service=body.service,
                applicant_iin=body.applicant_iin,
                form=body.form,
                documents_=[d.model_dump(exclude_none=True) for d in body.documents],
            )
        )
        await service.arm(request_id)
        return await _edge(_show(service, workstation, request_id))

    return router


async def _show(service: ProviderService, workstation: str, request_id: str) -> RequestOut:
    request, engine, stream = await service.load(request_id)
    if request.origin.workstation != workstation:
        raise ProviderErrorNotHere(request_id, workstation)
    return request_out(workstation, request, engine, stream)


class ProviderErrorNotHere(ServiceError):
    status = 404

    def __init__(self, request_id: str, workstation: str) -> None:
        super().__init__(f"no request {request_id} at {workstation}", code="unknown_request")
