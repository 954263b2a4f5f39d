"""The staff's desk (000 appendix 1 / 003 p.7, processes 1-9): signed in with the employee
certificate of their provider's BIN and on E-licensing's roster (condition 1; a refusal is
AUTHORIZATION_REFUSED, process 2), a staff member sees their provider's requests with the steps
and deadlines, a request's card with its documents and history, and does what the step engine
allows them now; the signing step's permit is drafted here and signed through the local signer.
Every call goes to the same service layer as the API's /staff routes."""

# No ``from __future__ import annotations``: FastAPI resolves the route annotations, and the
# ``Staff`` alias is local to staff_router.

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from elicense_svc.domain import permit as permits
from elicense_svc.domain import request as req
from elicense_svc.domain.actors import Actor
from elicense_svc.domain.errors import ElicenseError, Invalid, NotFound
from elicense_svc.engines import signing_step
from elicense_svc.entrypoints.api import MAX_SCAN_BYTES, scanned
from elicense_svc.entrypoints.auth import staff_actor
from elicense_svc.pages.common import (
    PAGE_SIZE,
    Site,
    as_page,
    message_key,
    pages_count,
)
from elicense_svc.staff import current_directory
from shared.authz import Caller
from shared.pages.forms import refuse_foreign_origin
from shared.pages.signin import page_guard

_DONE = frozenset({"step", "documents", "suspend", "resume", "terminate", "reissue"})


def staff_router(site: Site) -> APIRouter:
    router = APIRouter(tags=["pages"])
    guard = page_guard("elicense", site.sessions)

    async def staff(caller: Annotated[Caller, Depends(guard)]) -> Actor:
        # The kind came from the table (shared.authz, scope elicense); the roster as it stands
        # now and the provider's BIN decide the rest (condition 1), as for a signed call.
        with as_page():
            service = site.service
            directory = await current_directory(service.store, service.directory)
            return staff_actor(caller.verified(), directory)

    Staff = Annotated[Actor, Depends(staff)]

    @router.get("/desk", response_class=HTMLResponse, summary="My provider's requests (page)")
    async def desk(request: Request, actor: Staff, page: int = 1) -> HTMLResponse:
        with as_page():
            service, projections = site.parts()
            await projections.catch_up(service.store)
        assert actor.provider is not None  # noqa: S101 - staff always belong to a provider
        page = max(1, page)
        rows, total = projections.page_of(
            actor.provider, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
        now = service.clock.now()
        catalog = service.engines.catalog
        for row in rows:
            definition = catalog.get(row["service"], row["version"])
            row["name"] = definition.name.model_dump(exclude_none=True)
            row["action"] = (
                definition.step(row["step"]).action.model_dump(exclude_none=True)
                if row["step"]
                else None
            )
            row["late_step"] = _past(row["step_deadline"], now)
            row["late"] = row["finished"] is None and _past(row["deadline"], now)
        return site.render(
            request,
            "desk.html",
            actor=actor,
            rows=rows,
            total=total,
            page=page,
            pages=pages_count(total),
        )

    @router.get(
        "/desk/requests/{request_id}",
        response_class=HTMLResponse,
        summary="A request's card: documents, history, what I may do now (page)",
    )
    async def card(request: Request, request_id: str, actor: Staff, done: str = "") -> HTMLResponse:
        with as_page():
            state = await site.service.get_for(actor, request_id)
        return _card(site, request, actor, state, done=done if done in _DONE else "")

    async def refused_on_card(
        request: Request, actor: Actor, request_id: str, exc: ElicenseError
    ) -> HTMLResponse:
        """The card again, with why the action was refused (nothing was recorded)."""
        if isinstance(exc, NotFound):
            raise exc
        with as_page():
            state = await site.service.get_for(actor, request_id)
        return _card(site, request, actor, state, status=exc.status, problem=exc.code)

    @router.post(
        "/desk/requests/{request_id}/actions",
        response_class=HTMLResponse,
        summary="Finish the current step with an outcome (form)",
    )
    async def act(
        request: Request,
        request_id: str,
        actor: Staff,
        step: Annotated[str, Form()] = "",
        outcome: Annotated[str, Form()] = "",
        document_signature: Annotated[str, Form()] = "",
    ) -> Response:
        refuse_foreign_origin(request)
        with as_page():
            try:
                if not step or not outcome:
                    raise Invalid("CHOOSE_OUTCOME", "choose the step's outcome")
                await site.service.act(
                    actor,
                    request_id,
                    step=step,
                    outcome=outcome,
                    document_signature=document_signature.strip() or None,
                )
            except ElicenseError as exc:
                return await refused_on_card(request, actor, request_id, exc)
        return RedirectResponse(f"/desk/requests/{request_id}?done=step", status_code=303)

    @router.post(
        "/desk/requests/{request_id}/documents",
        response_class=HTMLResponse,
        summary="Attach a scanned document (form, process 6)",
    )
    async def attach(
        request: Request,
        request_id: str,
        actor: Staff,
        code: Annotated[str, Form()] = "",
        scan: Annotated[UploadFile | None, File()] = None,
    ) -> Response:
        refuse_foreign_origin(request)
        with as_page():
            try:
                content = await scan.read(MAX_SCAN_BYTES + 1) if scan is not None else b""
                if not code or scan is None or not content:
                    raise Invalid("NO_DOCUMENTS", "choose the document and its scan")
                document = scanned(
                    code, scan.filename or "scan", content, scan.content_type or "application/pdf"
                )
                await site.service.attach_documents(actor, request_id, [document])
            except ElicenseError as exc:
                return await refused_on_card(request, actor, request_id, exc)
        return RedirectResponse(f"/desk/requests/{request_id}?done=documents", status_code=303)

    @router.post(
        "/desk/requests/{request_id}/permit-draft",
        response_class=HTMLResponse,
        summary="Draft the permit to sign: reserves its number (form)",
    )
    async def draft(request: Request, request_id: str, actor: Staff) -> Response:
        refuse_foreign_origin(request)
        with as_page():
            try:
                await site.service.permit_draft(actor, request_id)
            except ElicenseError as exc:
                return await refused_on_card(request, actor, request_id, exc)
        return RedirectResponse(f"/desk/requests/{request_id}/permit", status_code=303)

    @router.get(
        "/desk/requests/{request_id}/permit",
        response_class=HTMLResponse,
        summary="The drafted permit, to sign with the EDS (page)",
    )
    async def permit_to_sign(request: Request, request_id: str, actor: Staff) -> Response:
        with as_page():
            state = await site.service.get_for(actor, request_id)
            if state.permit_number is None:
                # Nothing drafted yet: drafting reserves a number, so it is a POST of the card.
                return RedirectResponse(f"/desk/requests/{request_id}", status_code=303)
            try:
                document = await site.service.permit_draft(actor, request_id)
            except ElicenseError as exc:
                return await refused_on_card(request, actor, request_id, exc)
        definition = site.service.engine_of(state).definition
        sign = signing_step(definition)
        outcomes = [o for o in sign.outcomes if o.refusal is None]
        return site.render(
            request,
            "sign.html",
            actor=actor,
            heading="sign.permit_title",
            document=document,
            text=permits.signing_bytes(document).decode("utf-8"),
            action=f"/desk/requests/{request_id}/actions",
            back=f"/desk/requests/{request_id}",
            fields={"step": sign.id},
            choices=[(o.name, o.label.model_dump(exclude_none=True)) for o in outcomes],
            choice_name="outcome",
        )

    @router.get(
        "/desk/permits/{number}",
        response_class=HTMLResponse,
        summary="A permit of my provider and its commands (page)",
    )
    async def permit_page(
        request: Request, number: str, actor: Staff, done: str = ""
    ) -> HTMLResponse:
        return await _permit_page(site, request, actor, number, done=done if done in _DONE else "")

    @router.get(
        "/desk/permits/{number}/reissue",
        response_class=HTMLResponse,
        summary="The permit's next edition, to sign with the EDS (page)",
    )
    async def reissue_to_sign(
        request: Request, number: str, actor: Staff, reason: str = ""
    ) -> HTMLResponse:
        with as_page():
            try:
                document = await site.service.reissue_draft(actor, number, reason)
            except ElicenseError as exc:
                if isinstance(exc, NotFound):
                    raise
                return await _permit_page(
                    site, request, actor, number, status=exc.status, problem=exc.code
                )
        return site.render(
            request,
            "sign.html",
            actor=actor,
            heading="sign.reissue_title",
            document=document,
            text=permits.signing_bytes(document).decode("utf-8"),
            action=f"/desk/permits/{number}/reissue",
            back=f"/desk/permits/{number}",
            fields={"reason": reason},
            choices=[],
            choice_name="",
        )

    @router.post(
        "/desk/permits/{number}/{command}",
        response_class=HTMLResponse,
        summary="Re-issue, suspend, resume or terminate a permit (form, 003 p.5.3)",
    )
    async def permit_command(
        request: Request,
        number: str,
        command: str,
        actor: Staff,
        reason: Annotated[str, Form()] = "",
        document_signature: Annotated[str, Form()] = "",
    ) -> Response:
        refuse_foreign_origin(request)
        with as_page():
            try:
                if command not in permits.LIFECYCLE_COMMANDS:
                    raise Invalid("UNKNOWN_COMMAND", f"no permit command {command!r}")
                await site.service.permit_command(
                    actor,
                    number,
                    command,
                    reason=reason.strip(),
                    document_signature=document_signature.strip() or None,
                )
            except ElicenseError as exc:
                if isinstance(exc, NotFound):
                    raise
                return await _permit_page(
                    site, request, actor, number, status=exc.status, problem=exc.code
                )
        return RedirectResponse(f"/desk/permits/{number}?done={command}", status_code=303)

    return router


def _card(
    site: Site,
    request: Request,
    actor: Actor,
    state: req.ElicenseRequest,
    *,
    status: int = 200,
    problem: str = "",
    done: str = "",
) -> HTMLResponse:
    service = site.service
    engine = service.engine_of(state)
    definition = engine.definition
    steps = state.steps(engine)
    waiting = req.needs_registry_check(engine, state)
    sign = signing_step(definition)
    actions: list[dict[str, Any]] = []
    if not waiting:
        for allowed in engine.allowed(steps):
            if allowed.role not in actor.roles:
                continue  # the card offers what this person may do, no more
            step = definition.step(allowed.step)
            outcomes = []
            for name in allowed.outcomes:
                outcome = next(o for o in step.outcomes if o.name == name)
                outcomes.append(
                    {
                        "name": name,
                        "label": outcome.label.model_dump(exclude_none=True),
                        "refusal": outcome.refusal is not None,
                        # The signing step's result is a permit signed with the EDS: drafted
                        # first (its number reserved), then signed on the next page.
                        "permit": step.id == sign.id and outcome.refusal is None,
                    }
                )
            actions.append(
                {
                    "step": step.id,
                    "action": step.action.model_dump(exclude_none=True),
                    "outcomes": outcomes,
                }
            )
    runs = [
        {
            "step": definition.step(r.step).action.model_dump(exclude_none=True),
            "role": definition.role(r.role).name.model_dump(exclude_none=True),
            "started_at": r.started_at,
            "deadline": r.deadline,
            "completed_at": r.completed_at,
            "outcome": _outcome_label(definition, r.step, r.outcome),
            "actor": r.actor,
            "late": r.deadline is not None and (r.completed_at or service.clock.now()) > r.deadline,
        }
        for r in steps.runs
    ]
    return site.render(
        request,
        "card.html",
        status=status,
        actor=actor,
        state=state,
        definition=definition,
        status_name=req.status_of(engine, state),
        steps=steps,
        runs=runs,
        actions=actions,
        waiting=waiting,
        overdue=steps.finished is None and service.clock.now() > steps.deadline,
        documents=[d.code for d in definition.required_documents],
        document_names={
            d.code: d.name.model_dump(exclude_none=True) for d in definition.required_documents
        },
        problem=message_key(problem) if problem else "",
        problem_code=problem,
        done=done,
    )


def _past(deadline: str | None, now: datetime) -> bool:
    return deadline is not None and datetime.fromisoformat(deadline) < now


def _outcome_label(definition: Any, step_id: str, name: str | None) -> Any:
    if name is None:
        return None
    for outcome in definition.step(step_id).outcomes:
        if outcome.name == name:
            return outcome.label.model_dump(exclude_none=True)
    return name


async def _permit_page(
    site: Site,
    request: Request,
    actor: Actor,
    number: str,
    *,
    status: int = 200,
    problem: str = "",
    done: str = "",
) -> HTMLResponse:
    with as_page():
        service = site.service
        permit = await service.permit_of(actor, number)
        full = await service.verify_permit(number)
    may = service.signer_role(permit) in actor.roles
    return site.render(
        request,
        "permit.html",
        status=status,
        actor=actor,
        permit=permit,
        full=full,
        commands=permits.commands_allowed(permit.state) if may else (),
        problem=message_key(problem) if problem else "",
        problem_code=problem,
        done=done,
    )
