"""The pages about a workstation as a whole: the list of the workstations (public), the inbox
of the signed-in person's roles, and the SLA chart of the head and the deputy."""

# No ``from __future__ import annotations``: FastAPI reads the route annotations at definition.
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from provider_svc.domain.staff import StaffMember
from provider_svc.domain.workstations import WORKSTATIONS
from provider_svc.pages import present
from provider_svc.pages.chart import sla_charts
from provider_svc.pages.site import Site, definition_of
from shared.pages.render import language_of

PAGE_SIZE = 25


def workstation_router(site: Site) -> APIRouter:
    # Pages answer HTML and are in the OpenAPI document, so the authorization walk finds them.
    router = APIRouter(tags=["pages"], default_response_class=HTMLResponse)
    service, projection, pages = site.service, site.projection, site.pages
    Member = Annotated[StaffMember, Depends(site.member)]
    Supervisor = Annotated[StaffMember, Depends(site.supervisor)]

    @router.get("/workstations", summary="The workstations, their BINs and services")
    async def workstations(request: Request) -> HTMLResponse:
        language = language_of(request)
        rows = [
            {
                "ws": w,
                "department": site.department(w, language),
                "services": [
                    present.localized(definition_of(service, code).name, language)
                    for code in w.services
                ],
            }
            for w in WORKSTATIONS
        ]
        return pages.render(request, "workstations.html", rows=rows)

    @router.get("/workstations/{workstation}/inbox", summary="Requests waiting for my roles")
    async def inbox(
        request: Request, workstation: str, member: Member, page: str | None = None
    ) -> HTMLResponse:
        """The API's inbox (open requests whose current step is one of my roles, the
        earliest step deadline first), a page of it."""
        await projection.catch_up(service.store)
        ws = service.workstation(workstation)
        views = projection.inbox(ws.system_id, member.roles)
        paged = present.paging(len(views), page, PAGE_SIZE)
        shown = views[paged.first - 1 : paged.first - 1 + PAGE_SIZE]
        language = language_of(request)
        now = service.clock.now()
        rows = [
            present.inbox_row(
                v, service.engine(v.service, v.version).definition, language, site.zone, now
            )
            for v in shown
        ]
        return pages.render(
            request, "inbox.html", rows=rows, paging=paged, **site.frame(request, ws, member)
        )

    @router.get(
        "/workstations/{workstation}/sla",
        summary="On time and overdue per step (the head and the deputy)",
    )
    async def sla(request: Request, workstation: str, member: Supervisor) -> HTMLResponse:
        await projection.catch_up(service.store)
        ws = service.workstation(workstation)
        now = service.clock.now()
        report = projection.sla(service.engines, now, ws.system_id)
        definitions = {
            (e.definition.code, e.definition.version): e.definition for e in service.engines
        }
        charts = sla_charts(report, definitions, language_of(request))
        return pages.render(
            request,
            "sla.html",
            charts=charts,
            at=present.moment(now, site.zone),
            **site.frame(request, ws, member),
        )

    return router
