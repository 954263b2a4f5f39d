"""A paper application taken at the office (000 appendix 1, 004 diagram 1): the form of the
service, checked field by field before anything is asked, then ``ProviderService.register_paper``
(the applicant looked up in the person registry through the gateway) as the API's
paper-applications call does; the new request's card opens."""

# No ``from __future__ import annotations``: FastAPI reads the route annotations at definition.
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from provider_svc.domain.errors import ProviderError
from provider_svc.domain.staff import StaffMember
from provider_svc.domain.workstations import Workstation
from provider_svc.pages import present
from provider_svc.pages.forms import BadForm, Problem, paper_post, posted, refusal
from provider_svc.pages.site import Site, see
from provider_svc.pages.texts import TEXTS
from shared.pages.forms import refuse_foreign_origin
from shared.pages.render import language_of
from shared.regulation.model import Channel, Definition


def paper_router(site: Site) -> APIRouter:
    # Pages answer HTML and are in the OpenAPI document, so the authorization walk finds them.
    router = APIRouter(tags=["pages"], default_response_class=HTMLResponse)
    known = TEXTS.keys()
    Member = Annotated[StaffMember, Depends(site.member)]

    def paper_services(ws: Workstation) -> list[Definition]:
        """The workstation's services in force now that are taken on paper at the office."""
        offered = []
        for code in ws.services:
            try:
                definition = site.service.definition_for(ws, code)
            except ProviderError:
                continue
            if Channel.PROVIDER_OFFICE in definition.channels:
                offered.append(definition)
        return offered

    def paper_page(
        request: Request,
        ws: Workstation,
        who: StaffMember,
        chosen: str | None,
        *,
        problems: list[Problem] | None = None,
        entered: dict[str, str] | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        language = language_of(request)
        offered = paper_services(ws)
        definition = next((d for d in offered if d.code == chosen), offered[0] if offered else None)
        entry_role = None
        if definition is not None:
            entry = definition.entry_step(Channel.PROVIDER_OFFICE)
            entry_role = (
                None
                if entry.role in who.roles
                else present.Names(definition, language).role(entry.role)
            )
        return site.pages.render(
            request,
            "paper.html",
            status=status,
            offered=[(d.code, present.localized(d.name, language)) for d in offered],
            definition=definition,
            choices={
                c: present.choice(c, language)
                for f in (definition.form if definition is not None else ())
                for c in f.choices
            },
            fields=[]
            if definition is None
            else [
                (f, present.localized(f.label, language))
                for f in definition.form
                if f.prefilled_from is None
            ],
            scans=[]
            if definition is None
            else [
                (d.code, present.localized(d.name, language)) for d in definition.required_documents
            ],
            entry_role=entry_role,
            problems=problems or [],
            errors={p.field: p for p in problems or [] if p.field is not None},
            entered=entered or {},
            **site.frame(request, ws, who),
        )

    @router.get(
        "/workstations/{workstation}/paper-applications",
        summary="Register a paper application taken at the office",
    )
    async def paper_form(
        request: Request,
        workstation: str,
        member: Member,
        chosen: Annotated[str | None, Query(alias="service", max_length=64)] = None,
    ) -> HTMLResponse:
        return paper_page(request, site.service.workstation(workstation), member, chosen)

    @router.post(
        "/workstations/{workstation}/paper-applications",
        summary="Register a paper application: the applicant checked in the registry",
        dependencies=[Depends(refuse_foreign_origin)],
    )
    async def paper(request: Request, workstation: str, member: Member) -> Response:
        ws = site.service.workstation(workstation)
        try:
            fields = await posted(request)
        except BadForm:
            fields = {}
        chosen = fields.get("service", "")
        definition = next((d for d in paper_services(ws) if d.code == chosen), None)
        if definition is None:
            problem = Problem("form.service", "service")
            return paper_page(
                request, ws, member, None, problems=[problem], entered=fields, status=422
            )
        application, problems = paper_post(fields, definition)
        if application is None:
            return paper_page(
                request, ws, member, chosen, problems=problems, entered=fields, status=422
            )
        try:
            request_id = await site.service.register_paper(
                ws.system_id,
                member,
                service=application.service,
                applicant_iin=application.applicant_iin,
                form=application.form,
                documents_=application.documents,
            )
        except ProviderError as exc:
            problem = refusal(exc, None, known)
            return paper_page(
                request,
                ws,
                member,
                chosen,
                problems=[problem],
                entered=fields,
                status=problem.status,
            )
        await site.service.arm(request_id)
        return see(f"/workstations/{ws.system_id}/requests/{request_id}", "paper")

    return router
