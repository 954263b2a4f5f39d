"""A request's card at the workstation and what can be done with it: the actions the step
engine allows the signed-in person's roles (the result-issuing ones signed over the draft the
page fetches), and the step's extension where the act gives one. Each action goes through
``ProviderService.act`` / ``extend`` as an API call does; a refusal shows the card again with
the reason at its field, and nothing is recorded."""

# No ``from __future__ import annotations``: FastAPI reads the route annotations at definition.
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from provider_svc.domain.documents import signing_bytes
from provider_svc.domain.errors import NotFound, ProviderError
from provider_svc.domain.staff import StaffMember
from provider_svc.domain.workstations import Workstation
from provider_svc.notifications import document_sha256, mask_iin
from provider_svc.pages import present
from provider_svc.pages.forms import (
    BadForm,
    Problem,
    action_post,
    extension_post,
    posted,
    refusal,
)
from provider_svc.pages.site import Site, see
from provider_svc.pages.texts import TEXTS
from provider_svc.views import history_of
from shared.pages.forms import refuse_foreign_origin
from shared.pages.render import language_of

# The signing key's purpose (NCALayer's extKeyUsageOids): a result is signed with the
# person's signing key, not their authentication key (shared.pki.oids.EKU_SIGNING).
SIGNING_OIDS = ("1.3.6.1.5.5.7.3.4",)


def requests_router(site: Site) -> APIRouter:
    # Pages answer HTML and are in the OpenAPI document, so the authorization walk finds them.
    router = APIRouter(tags=["pages"], default_response_class=HTMLResponse)
    known = TEXTS.keys()
    Member = Annotated[StaffMember, Depends(site.member)]

    async def card(
        request: Request,
        ws: Workstation,
        who: StaffMember,
        request_id: str,
        *,
        problem: Problem | None = None,
        entered: dict[str, str] | None = None,
    ) -> HTMLResponse:
        loaded, engine, stream = await site.service.load(request_id)
        if loaded.origin.workstation != ws.system_id:
            raise NotFound(f"no request {request_id} at {ws.system_id}", code="unknown_request")
        language = language_of(request)
        definition = engine.definition
        names = present.Names(definition, language)
        state = loaded.state
        current = state.current
        now = site.service.clock.now()
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
            "step_deadline": present.moment(
                None if current is None else current.deadline, site.zone
            ),
            "request_deadline": present.moment(state.deadline, site.zone),
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
                await site.service.roster(ws.system_id),
                language,
                site.zone,
            ),
            "actions": present.action_forms(engine, loaded, who.roles, language),
            "extension": present.extension_form(
                engine, loaded, who.roles, now, site.zone, language
            ),
            "problem": problem,
            "entered": entered or {},
            "done": request.query_params.get("done"),
            "signing_oids": list(SIGNING_OIDS),
        }
        status = 200 if problem is None else problem.status
        return site.pages.render(
            request, "card.html", status=status, **values, **site.frame(request, ws, who)
        )

    async def card_or_missing(
        request: Request, workstation: str, who: StaffMember, request_id: str, **kw: Any
    ) -> HTMLResponse:
        try:
            return await card(request, site.service.workstation(workstation), who, request_id, **kw)
        except NotFound:
            return site.pages.error(request, 404, "error.unknown_request")

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
        dependencies=[Depends(refuse_foreign_origin)],
    )
    async def draft(
        request: Request, workstation: str, request_id: str, member: Member
    ) -> JSONResponse:
        """The exact text the person's signature must cover (RFC 8785 canonical JSON of the
        draft, as the API's ``/draft`` gives it); the page signs it through the local signer
        and posts the action with the signature."""
        try:
            fields = await posted(request)
            posting = action_post(fields)
            if isinstance(posting, Problem):
                return site.json_problem(request, posting, 422)
            document = await site.service.draft(
                workstation,
                member,
                request_id,
                outcome=posting.outcome,
                grounds=posting.grounds,
            )
        except BadForm:
            return site.json_problem(request, Problem("form.bad"), 400)
        except ProviderError as exc:
            return site.json_problem(request, refusal(exc, None, known), exc.status)
        return JSONResponse({"text": signing_bytes(document).decode("utf-8"), "document": document})

    @router.post(
        "/workstations/{workstation}/requests/{request_id}/actions",
        summary="Do an action of the current step (signed with the EDS where it issues the result)",
        dependencies=[Depends(refuse_foreign_origin)],
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
            await site.service.act(
                workstation,
                member,
                request_id,
                step=posting.step,
                outcome=posting.outcome,
                grounds=posting.grounds,
                document_signature=posting.signature,
            )
        except NotFound:
            return site.pages.error(request, 404, "error.unknown_request")
        except ProviderError as exc:
            problem = refusal(exc, f"action-{posting.step}-{posting.outcome}", known)
            return await card_or_missing(
                request, workstation, member, request_id, problem=problem, entered=fields
            )
        return see(f"/workstations/{workstation}/requests/{request_id}", "action")

    @router.post(
        "/workstations/{workstation}/requests/{request_id}/extensions",
        summary="Extend the current step, as far as the act allows, with a reason",
        dependencies=[Depends(refuse_foreign_origin)],
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
            await site.service.extend(
                workstation,
                member,
                request_id,
                step=posting.step,
                until=posting.until,
                reason=posting.reason,
            )
        except NotFound:
            return site.pages.error(request, 404, "error.unknown_request")
        except ProviderError as exc:
            problem = refusal(exc, "extension", known)
            return await card_or_missing(
                request, workstation, member, request_id, problem=problem, entered=fields
            )
        return see(f"/workstations/{workstation}/requests/{request_id}", "extension")

    return router
