"""The PSC (ХҚКО / ЦОН) operator's desk pages: signed in with the operator's certificate
(shared.pages.signin, under /psc), filing a request on a visitor's behalf (the visitor's IIN
checked in the persons registry through the gateway, the form, the scans, the operator's own
signature), following the center's requests, handing results out, and the results not
collected. The same service calls as the desk's signed API (/psc/requests...)."""

# No ``from __future__ import annotations``: FastAPI reads the annotations at definition time.
import math
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portal_svc.domain import requests as req
from portal_svc.errors import InvalidInput, PortalError
from portal_svc.identifiers import check_identifiers
from portal_svc.pages.common import (
    PAGE_SIZE,
    PortalPages,
    local_time,
    overdue,
    page_refusal,
    refusal_of,
    refusal_reason,
    size_text,
    status_name,
)
from portal_svc.pages.forms import fields, posted, problems_of
from portal_svc.pages.requests import RequestPages, add_request_routes
from portal_svc.projections import uncollected
from portal_svc.psc import Center, center_by_bin
from shared.authz import Caller
from shared.pages.forms import refuse_foreign_origin
from shared.pages.sessions import BrowserSessions
from shared.pages.signin import PageRefused, page_guard
from shared.pki import oids
from shared.regulation.model import Channel, Definition

# The operator signs as the center's employee (004: the PSC operator's EDS).
OPERATOR_SIGNING = [oids.EKU_SIGNING.dotted_string, oids.HOLDER_LEGAL_ENTITY.dotted_string]


@dataclass(frozen=True)
class Operator:
    center: Center
    iin: str
    name: str

    @property
    def owner(self) -> str:
        return f"psc:{self.center.desk}"

    @property
    def actor(self) -> str:
        return f"operator:{self.center.desk}:{self.iin}"


def _see(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def build_desk_router(p: PortalPages, sessions: BrowserSessions) -> APIRouter:
    router = APIRouter(tags=["pages"])
    service, cabinet, pages = p.service, p.cabinet, p.pages
    guard = page_guard("portal", sessions)

    async def operator(who: Annotated[Caller, Depends(guard)]) -> Operator:
        """A signed-in person whose certificate carries a center's BIN (else 403
        not_an_operator as a page)."""
        identity = who.verified()
        center = center_by_bin(identity.bin)
        if center is None or identity.iin is None:
            raise PageRefused("not_an_operator", "not_an_operator")
        return Operator(center, identity.iin, identity.subject)

    Op = Annotated[Operator, Depends(operator)]

    async def filed(request_id: str, op: Op) -> tuple[Operator, req.PortalRequest]:
        """The operator and a request their center filed (403 not_yours for another's)."""
        try:
            return op, await service.owned(request_id, op.owner)
        except PortalError as exc:
            raise page_refusal(exc) from None

    Filed = Annotated[tuple[Operator, req.PortalRequest], Depends(filed)]

    def name_of(row: dict[str, Any], language: str) -> str:
        try:
            return str(getattr(service.catalog.get(row["service"], row["version"]).name, language))
        except Exception:  # a version no longer in the catalog: its code still names it
            return str(row["service"])

    @router.get("/psc/desk", response_class=HTMLResponse, summary="The PSC desk's requests")
    async def desk(
        request: Request,
        op: Op,
        uncollected_days: Annotated[int | None, Query(ge=0, le=3650)] = None,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    ) -> HTMLResponse:
        await cabinet.refresh()
        language = p.language(request)
        now = service.clock.now()
        rows = cabinet.mine(op.owner)
        if uncollected_days is not None:
            rows = uncollected(rows, now, uncollected_days)
        pages_count = max(1, math.ceil(len(rows) / PAGE_SIZE))
        page = min(page, pages_count)
        shown = [
            {
                "request_id": r["request_id"],
                "applicant": r.get("applicant_iin"),
                "service": name_of(r, language),
                "status": status_name(r["status"], None, pages, language),
                "deadline": local_time(r["deadline"]),
                "overdue": overdue(r, now),
                "waiting": r["result_number"] is not None and r["handed_out"] is None,
            }
            for r in rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        ]
        offered = [(d.code, getattr(d.name, language)) for d in service.offered(Channel.PSC)]
        return pages.render(
            request,
            "desk.html",
            op=op,
            rows=shown,
            page=page,
            pages_count=pages_count,
            uncollected_days=uncollected_days,
            offered=offered,
        )

    def new_page(
        request: Request,
        definition: Definition,
        visitor: str,
        values: dict[str, Any],
        problems: dict[str, str],
        *,
        status: int = 200,
        error: str | None = None,
    ) -> HTMLResponse:
        language = p.language(request)
        return pages.render(
            request,
            "desk_new.html",
            status=status,
            d=definition,
            service_name=getattr(definition.name, language),
            visitor=visitor,
            fields=fields(
                definition,
                values,
                own=visitor or None,
                problems=problems,
                pages=pages,
                language=language,
            ),
            error=error,
        )

    @router.get(
        "/psc/desk/new", response_class=HTMLResponse, summary="File a request for a visitor"
    )
    async def new_form(
        request: Request, op: Op, service_code: Annotated[str, Query(alias="service")] = ""
    ) -> Response:
        try:
            definition = service.definition_for(service_code, Channel.PSC)
        except PortalError as exc:
            return p.refused(request, exc)
        return new_page(request, definition, "", {}, {})

    @router.post("/psc/desk/new", response_class=HTMLResponse, summary="Save a visitor's request")
    async def new(
        request: Request, op: Op, service_code: Annotated[str, Query(alias="service")] = ""
    ) -> Response:
        refuse_foreign_origin(request)
        try:
            definition = service.definition_for(service_code, Channel.PSC)
        except PortalError as exc:
            return p.refused(request, exc)
        form = await request.form()
        visitor = str(form.get("applicant_iin") or "").strip()
        values = posted(definition, form)
        try:
            check_identifiers(visitor, None)
            await service.check_applicant(visitor)
            draft = await service.create_draft(
                owner=op.owner,
                actor=op.actor,
                service=definition.code,
                applicant_iin=visitor,
                applicant_bin=None,
                channel=Channel.PSC,
                center=op.center,
                operator_iin=op.iin,
                form=values,
            )
        except PortalError as exc:
            problems = problems_of(exc.details.get("problems", []), pages, p.language(request))
            return new_page(
                request, definition, visitor, values, problems, status=exc.status, error=exc.code
            )
        return _see(f"/psc/desk/requests/{draft.request_id}")

    async def request_page(
        request: Request,
        op: Operator,
        found: req.PortalRequest,
        *,
        status: int = 200,
        error: str | None = None,
        problems: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
    ) -> HTMLResponse:
        await cabinet.refresh()
        language = p.language(request)
        definition = service.catalog.get(found.service, found.version)
        row = cabinet.state.requests.get(found.request_id) or {}
        documents = {d.code: d for d in found.documents}
        complete = found.editable and all(
            r.code in documents for r in definition.required_documents
        )
        result = found.result
        refusal = refusal_of(found, definition, pages, language)
        signature_refusal = None
        if row.get("refusal") and found.editable:
            signature_refusal = refusal_reason(row["refusal"], None, None, pages, language)
        handed = row.get("handed_out")
        return pages.render(
            request,
            "desk_request.html",
            status=status,
            op=op,
            r=found,
            service_name=getattr(definition.name, language),
            current=status_name(found.status, definition, pages, language),
            deadline=local_time(row.get("deadline")),
            history=[
                {
                    "status": status_name(h["status"], definition, pages, language),
                    "at": local_time(h["at"]),
                }
                for h in row.get("history", [])
            ],
            editable=found.editable,
            fields=fields(
                definition,
                values if values is not None else dict(found.form),
                own=found.applicant_iin,
                problems=problems or {},
                pages=pages,
                language=language,
            ),
            documents=[
                (r.code, getattr(r.name, language), documents.get(r.code))
                for r in definition.required_documents
            ],
            max_size=size_text(service.limits.max_attachment_bytes, pages, language),
            payload=found.signing_bytes().decode() if complete else None,
            signing=[("operator", "sign.button", OPERATOR_SIGNING)],
            position=cabinet.state.position,
            result=result,
            refusal=refusal,
            signature_refusal=signature_refusal,
            handed=handed,
            handed_at=local_time(handed["at"]) if handed else "",
            error=error,
        )

    @router.get(
        "/psc/desk/requests/{request_id}",
        response_class=HTMLResponse,
        summary="A request filed at the desk",
    )
    async def one(request: Request, mine: Filed) -> HTMLResponse:
        op, found = mine
        return await request_page(request, op, found)

    add_request_routes(
        router,
        p,
        RequestPages(
            base="/psc/desk/requests",
            held=filed,
            acting=lambda op: (op.owner, op.actor),
            page=request_page,
        ),
    )

    @router.post(
        "/psc/desk/requests/{request_id}/sign",
        response_class=HTMLResponse,
        summary="Send the request signed by the operator",
    )
    async def sign(request: Request, mine: Filed) -> Response:
        refuse_foreign_origin(request)
        op, found = mine
        form = await request.form()
        signature = str(form.get("signature") or "").strip()
        try:
            if not signature:
                raise InvalidInput("signature_missing", "no signature was sent")
            await service.submit(
                found.request_id,
                owner=op.owner,
                actor=op.actor,
                signature=signature,
                signer_iin=op.iin,
                signer_bin=op.center.bin,
            )
        except PortalError as exc:
            found = await service.load(found.request_id)
            return await request_page(request, op, found, status=exc.status, error=exc.code)
        return _see(f"/psc/desk/requests/{found.request_id}")

    @router.post(
        "/psc/desk/requests/{request_id}/hand-out",
        response_class=HTMLResponse,
        summary="Hand the result out",
    )
    async def hand_out(request: Request, mine: Filed) -> Response:
        refuse_foreign_origin(request)
        op, found = mine
        form = await request.form()
        how = str(form.get("how") or "")
        email = str(form.get("email") or "").strip() or None
        try:
            await service.hand_out(
                found.request_id, center=op.center, operator=op.iin, how=how, email=email
            )
        except PortalError as exc:
            return await request_page(request, op, found, status=exc.status, error=exc.code)
        return _see(f"/psc/desk/requests/{found.request_id}")

    return router
