"""The workstation's pages (``/workstations/...``), over the same service layer as the staff API
(``provider_svc.entrypoints.api``): the staff sign in with the department's certificate
(``/sign-in``, shared.pages.signin), the roster and the BIN decide who they are at a
workstation (``ProviderService.staff_member``), and every action goes through
``ProviderService.act`` / ``extend`` / ``register_paper`` as an API call does. A page that
changes something is a form posted and answered with 303 to the page that shows the result; a
refused form is shown again with the reason at its field, and nothing is stored."""

# No ``from __future__ import annotations``: FastAPI reads the route annotations at definition.
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from provider_svc.domain.documents import signing_bytes
from provider_svc.domain.errors import Forbidden, NotFound, ProviderError
from provider_svc.domain.staff import StaffMember
from provider_svc.domain.workstations import WORKSTATIONS, Workstation
from provider_svc.entrypoints.api import SUPERVISORS
from provider_svc.handlers import ProviderService
from provider_svc.notifications import document_sha256, mask_iin
from provider_svc.pages import present
from provider_svc.pages.forms import (
    BadForm,
    Problem,
    action_post,
    extension_post,
    paper_post,
    posted,
    refusal,
    same_origin,
)
from provider_svc.pages.texts import TEXTS
from provider_svc.projections import ProviderProjection
from provider_svc.views import history_of
from shared.authz import Caller
from shared.pages.languages import Language
from shared.pages.render import Pages, language_of
from shared.pages.signin import PageRefused, mount_sign_in, page_guard
from shared.regulation.model import Channel, Definition, Localized
from shared.signing import VerificationResult, verify_off_loop

TEMPLATES = Path(__file__).parent / "templates"
PAGE_SIZE = 25
# The signing key's purpose (NCALayer's extKeyUsageOids): a result is signed with the
# person's signing key, not their authentication key (shared.pki.oids.EKU_SIGNING).
SIGNING_OIDS = ("1.3.6.1.5.5.7.3.4",)


class StaffRefused(PageRefused):
    """A signed-in person who is not staff of the workstation in the path: the page names the
    department and the BIN its staff sign with."""

    def __init__(self, code: str, message_key: str, values: dict[str, str], status: int = 403):
        super().__init__(code, message_key, status)
        self.values = values


def mount_pages(
    app: FastAPI,
    service: ProviderService,
    projection: ProviderProjection,
    *,
    zone: ZoneInfo,
) -> None:
    """The pages on ``app``: sign-in with the workstation's verifier (as a signed staff call
    is verified: chain, validity, revocation), the pages' texts and templates, the routes."""
    pages = Pages(
        "provider",
        TEMPLATES,
        TEXTS,
        title_key="service.provider",
        nav=(("/workstations", "nav.workstations"),),
    )
    app.state.pages = pages

    async def verify(payload: bytes, signature: str) -> VerificationResult:
        # A person's signature: the CMS the browser's signer returns, or a JWS.
        return await verify_off_loop(service.verifier, payload, signature, document=True)

    sessions = mount_sign_in(app, "provider", verify)

    async def staff_refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StaffRefused)  # noqa: S101 - registered for this type only
        return pages.render(
            request,
            "error.html",
            status=exc.status,
            message_key=exc.message_key,
            fmt=exc.values,
            code=exc.code,
        )

    app.add_exception_handler(StaffRefused, staff_refused)
    app.include_router(
        build_router(service, projection, pages, page_guard("provider", sessions), zone)
    )


def build_router(
    service: ProviderService,
    projection: ProviderProjection,
    pages: Pages,
    guard: Callable[..., Any],
    zone: ZoneInfo,
) -> APIRouter:
    # Pages answer HTML and are in the OpenAPI document, so the authorization walk finds them.
    router = APIRouter(tags=["pages"], default_response_class=HTMLResponse)
    known = TEXTS.keys()
    departments = {w.system_id: _department(service, w) for w in WORKSTATIONS}

    def department(ws: Workstation, language: Language) -> str:
        return present.localized(departments[ws.system_id], language)

    async def member(
        workstation: str, request: Request, caller: Annotated[Caller, Depends(guard)]
    ) -> StaffMember:
        """The signed-in person as staff of ``workstation``: its roster and its BIN (the
        same check as a signed API call's)."""
        try:
            return await service.staff_member(workstation, caller.verified())
        except NotFound as exc:
            raise StaffRefused(exc.code, "refused.unknown_workstation", {}, status=404) from None
        except Forbidden as exc:
            ws = service.workstation(workstation)
            values = {
                "department": department(ws, language_of(request)),
                "bin": ws.bin,
                "found": caller.verified().bin or "—",
            }
            raise StaffRefused(exc.code, f"refused.{exc.code}", values) from None

    Member = Annotated[StaffMember, Depends(member)]

    async def supervisor(member: Member) -> StaffMember:
        if not member.roles & SUPERVISORS:
            raise PageRefused("not_a_supervisor", "refused.not_a_supervisor")
        return member

    def frame(request: Request, ws: Workstation, who: StaffMember) -> dict[str, Any]:
        """What every page of a workstation shows around its content."""
        language = language_of(request)
        return {
            "ws": ws,
            "department": department(ws, language),
            "member": who,
            "roles": sorted(_role_names(service, ws, who.roles, language)),
            "supervisor": bool(who.roles & SUPERVISORS),
        }

    # --- the workstations (public) -------------------------------------------------------------

    @router.get("/workstations", summary="The workstations, their BINs and services")
    async def workstations(request: Request) -> HTMLResponse:
        language = language_of(request)
        rows = [
            {
                "ws": w,
                "department": department(w, language),
                "services": [
                    present.localized(_definition_of(service, code).name, language)
                    for code in w.services
                ],
            }
            for w in WORKSTATIONS
        ]
        return pages.render(request, "workstations.html", rows=rows)

    # --- the inbox -----------------------------------------------------------------------------

    @router.get("/workstations/{workstation}/inbox", summary="Requests waiting for my roles")
    async def inbox(
        request: Request, workstation: str, member: Member, page: str | None = None
    ) -> HTMLResponse:
        await projection.catch_up(service.store)
        ws = service.workstation(workstation)
        views = projection.inbox(ws.system_id, member.roles)
        paged = present.paging(len(views), page, PAGE_SIZE)
        shown = views[paged.first - 1 : paged.first - 1 + PAGE_SIZE]
        language = language_of(request)
        now = service.clock.now()
        rows = [
            present.inbox_row(
                v, service.engine(v.service, v.version).definition, language, zone, now
            )
            for v in shown
        ]
        return pages.render(
            request, "inbox.html", rows=rows, paging=paged, **frame(request, ws, member)
        )

    # --- a request's card and what can be done with it ---------------------------------------

    async def card(
        request: Request,
        ws: Workstation,
        who: StaffMember,
        request_id: str,
        *,
        problem: Problem | None = None,
        entered: dict[str, str] | None = None,
    ) -> HTMLResponse:
        loaded, engine, stream = await service.load(request_id)
        if loaded.origin.workstation != ws.system_id:
            raise NotFound(f"no request {request_id} at {ws.system_id}", code="unknown_request")
        language = language_of(request)
        definition = engine.definition
        names = present.Names(definition, language)
        state = loaded.state
        current = state.current
        now = service.clock.now()
        result = loaded.result
        values: dict[str, Any] = {
            "rid": loaded.request_id,
            "service_name": names.service(),
            "version": state.version,
            "channel": state.channel.value,
            "applicant": mask_iin(loaded.origin.applicant_iin),
            "request_status": state.status,
            "finished": state.finished,
            "refusal_name": names.refusal(state.refusal),
            "grounds": loaded.grounds,
            "step": names.step(None if current is None else current.step),
            "role": names.role(None if current is None else current.role),
            "step_deadline": present.moment(None if current is None else current.deadline, zone),
            "request_deadline": present.moment(state.deadline, zone),
            "step_overdue": current is not None
            and current.deadline is not None
            and now > current.deadline,
            "request_overdue": state.finished is None and now > state.deadline,
            "form_rows": present.form_rows(loaded.origin.form, definition, language),
            "documents": present.document_rows(loaded, definition, language),
            "result": None
            if result is None
            else {
                "name": names.result(str(result.document.get("kind", ""))),
                "signer": result.signer,
                "sha256": document_sha256(result.document),
            },
            "history": present.history_rows(
                history_of(stream),
                definition,
                await service.roster(ws.system_id),
                language,
                zone,
            ),
            "actions": present.action_forms(engine, loaded, who.roles, language),
            "extension": present.extension_form(engine, loaded, who.roles, now, zone, language),
            "problem": problem,
            "entered": entered or {},
            "done": request.query_params.get("done"),
            "signing_oids": list(SIGNING_OIDS),
        }
        status = 200 if problem is None else problem.status
        return pages.render(
            request, "card.html", status=status, **values, **frame(request, ws, who)
        )

    async def card_or_missing(
        request: Request, workstation: str, who: StaffMember, request_id: str, **kw: Any
    ) -> HTMLResponse:
        try:
            return await card(request, service.workstation(workstation), who, request_id, **kw)
        except NotFound:
            return pages.error(request, 404, "error.unknown_request")

    @router.get(
        "/workstations/{workstation}/requests/{request_id}",
        summary="A request: where it stands, its documents and history, what I may do",
    )
    async def show(
        request: Request, workstation: str, request_id: str, member: Member
    ) -> HTMLResponse:
        return await card_or_missing(request, workstation, member, request_id)

    @router.post(
        "/workstations/{workstation}/requests/{request_id}/draft",
        summary="The result document an action would issue, as the text to sign",
        response_class=JSONResponse,
        dependencies=[Depends(same_origin)],
    )
    async def draft(
        request: Request, workstation: str, request_id: str, member: Member
    ) -> JSONResponse:
        """The exact text the person's signature must cover (RFC 8785 canonical JSON of the
        draft, as the API's ``/draft`` gives it); the page signs it through the local signer
        and posts the action with the signature."""
        language = language_of(request)
        try:
            fields = await posted(request)
            posting = action_post(fields)
            if isinstance(posting, Problem):
                return _json_problem(pages, language, posting, 422)
            document = await service.draft(
                workstation,
                member,
                request_id,
                outcome=posting.outcome,
                grounds=posting.grounds,
            )
        except BadForm:
            return _json_problem(pages, language, Problem("form.bad"), 400)
        except ProviderError as exc:
            return _json_problem(pages, language, refusal(exc, None, known), exc.status)
        return JSONResponse({"text": signing_bytes(document).decode("utf-8"), "document": document})

    @router.post(
        "/workstations/{workstation}/requests/{request_id}/actions",
        summary="Do an action of the current step (signed with the EDS where it issues the result)",
        dependencies=[Depends(same_origin)],
    )
    async def act(request: Request, workstation: str, request_id: str, member: Member) -> Response:
        try:
            fields = await posted(request)
        except BadForm:
            fields = {}
        posting = action_post(fields)
        if isinstance(posting, Problem):
            return await card_or_missing(
                request, workstation, member, request_id, problem=posting, entered=fields
            )
        try:
            await service.act(
                workstation,
                member,
                request_id,
                step=posting.step,
                outcome=posting.outcome,
                grounds=posting.grounds,
                document_signature=posting.signature,
            )
        except NotFound:
            return pages.error(request, 404, "error.unknown_request")
        except ProviderError as exc:
            problem = refusal(exc, f"action-{posting.step}-{posting.outcome}", known)
            return await card_or_missing(
                request, workstation, member, request_id, problem=problem, entered=fields
            )
        return _see(request, f"/workstations/{workstation}/requests/{request_id}", "action")

    @router.post(
        "/workstations/{workstation}/requests/{request_id}/extensions",
        summary="Extend the current step, as far as the act allows, with a reason",
        dependencies=[Depends(same_origin)],
    )
    async def extend(
        request: Request, workstation: str, request_id: str, member: Member
    ) -> Response:
        try:
            fields = await posted(request)
        except BadForm:
            fields = {}
        posting = extension_post(fields)
        if isinstance(posting, Problem):
            return await card_or_missing(
                request, workstation, member, request_id, problem=posting, entered=fields
            )
        try:
            await service.extend(
                workstation,
                member,
                request_id,
                step=posting.step,
                until=posting.until,
                reason=posting.reason,
            )
        except NotFound:
            return pages.error(request, 404, "error.unknown_request")
        except ProviderError as exc:
            problem = refusal(exc, "extension", known)
            return await card_or_missing(
                request, workstation, member, request_id, problem=problem, entered=fields
            )
        return _see(request, f"/workstations/{workstation}/requests/{request_id}", "extension")

    # --- paper applications ------------------------------------------------------------------

    def paper_services(ws: Workstation) -> list[Definition]:
        """The workstation's services in force now that are taken on paper at the office."""
        offered = []
        for code in ws.services:
            try:
                definition = service.definition_for(ws, code)
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
        return pages.render(
            request,
            "paper.html",
            status=status,
            offered=[(d.code, present.localized(d.name, language)) for d in offered],
            definition=definition,
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
            **frame(request, ws, who),
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
        return paper_page(request, service.workstation(workstation), member, chosen)

    @router.post(
        "/workstations/{workstation}/paper-applications",
        summary="Register a paper application: the applicant checked in the registry",
        dependencies=[Depends(same_origin)],
    )
    async def paper(request: Request, workstation: str, member: Member) -> Response:
        ws = service.workstation(workstation)
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
            request_id = await service.register_paper(
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
        await service.arm(request_id)
        return _see(request, f"/workstations/{ws.system_id}/requests/{request_id}", "paper")

    # --- the SLA chart -----------------------------------------------------------------------

    @router.get(
        "/workstations/{workstation}/sla",
        summary="On time and overdue per step (the head and the deputy)",
    )
    async def sla(
        request: Request,
        workstation: str,
        member: Annotated[StaffMember, Depends(supervisor)],
    ) -> HTMLResponse:
        await projection.catch_up(service.store)
        ws = service.workstation(workstation)
        now = service.clock.now()
        report = projection.sla(service.engines, now, ws.system_id)
        definitions = {
            (e.definition.code, e.definition.version): e.definition for e in service.engines
        }
        charts = present.sla_charts(report, definitions, language_of(request))
        return pages.render(
            request,
            "sla.html",
            charts=charts,
            at=present.moment(now, zone),
            **frame(request, ws, member),
        )

    return router


def _see(request: Request, path: str, done: str) -> RedirectResponse:
    """POST/redirect/GET: the page that shows what was done."""
    return RedirectResponse(f"{path}?done={done}", status_code=303)


def _json_problem(pages: Pages, language: Language, problem: Problem, status: int) -> JSONResponse:
    return JSONResponse(
        {
            "code": problem.code or problem.key,
            "message": pages.texts.text(problem.key, language, **problem.values),
            "field": problem.field,
        },
        status_code=status,
    )


def _definition_of(service: ProviderService, code: str) -> Definition:
    """The latest regional-gateway version of ``code`` (for its name)."""
    found = [e.definition for e in service.engines if e.definition.code == code]
    return max(found, key=lambda d: d.in_force.from_)


def _department(service: ProviderService, ws: Workstation) -> Localized:
    """The department's name in the three languages, as its definitions give it."""
    return _definition_of(service, ws.services[0]).provider.name


def _role_names(
    service: ProviderService, ws: Workstation, roles: frozenset[str], language: Language
) -> set[str]:
    names = set()
    for role in roles:
        for code in ws.services:
            definition = _definition_of(service, code)
            try:
                names.add(present.localized(definition.role(role).name, language))
                break
            except KeyError:
                continue
        else:
            names.add(role)
    return names
