"""What a request's page does the same for the applicant (/my/requests/{id}) and for the PSC
desk (/psc/desk/requests/{id}): its status changes followed live (Server-Sent Events: each
status in the reader's language, whether the result is in, a refusal's reason), and a draft's
form saved and its documents attached. Each page says who holds the request (its dependency),
who that is to the service layer (owner and actor), and how it draws itself again with a
refusal; the service calls, the refusals and the answers are these."""

# No ``from __future__ import annotations``: FastAPI reads the annotations at definition time.
import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Protocol, TypeVar

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.datastructures import UploadFile

from portal_svc.domain import requests as req
from portal_svc.errors import InvalidInput, PortalError
from portal_svc.pages.common import PortalPages, local_time, refusal_of, status_name
from portal_svc.pages.forms import posted, problems_of
from shared.pages.forms import refuse_foreign_origin

Holder = TypeVar("Holder")
Holder_contra = TypeVar("Holder_contra", contravariant=True)


class RequestPage(Protocol[Holder_contra]):
    """A request's page drawn again, answering ``status`` with the refusal ``error`` (and,
    for a form, each field's problem and the values posted)."""

    def __call__(
        self,
        request: Request,
        holder: Holder_contra,
        found: req.PortalRequest,
        /,
        *,
        status: int = 200,
        error: str | None = None,
        problems: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
    ) -> Awaitable[HTMLResponse]: ...


@dataclass(frozen=True)
class RequestPages(Generic[Holder]):
    """One kind of request page: where its requests are (``base``, e.g. "/my/requests"), the
    dependency that gives the holder and their request named in the path (refusing another's
    before a body is read), who the holder is to the service layer (owner, actor), and the
    page drawn again with a refusal. ``saved`` and ``attached`` follow the page's path in the
    redirect after a form is saved and after a document is attached."""

    base: str
    held: Callable[..., Awaitable[tuple[Holder, req.PortalRequest]]]
    acting: Callable[[Holder], tuple[str, str]]
    page: RequestPage[Holder]
    saved: str = ""
    attached: str = ""


def add_request_routes(router: APIRouter, p: PortalPages, kind: RequestPages[Any]) -> None:
    """The live status stream, the form and the documents of ``kind``'s request pages."""
    service, cabinet, pages = p.service, p.cabinet, p.pages
    Held = Annotated[tuple[Any, req.PortalRequest], Depends(kind.held)]
    limit = service.limits.max_attachment_bytes

    def see(found: req.PortalRequest, suffix: str) -> RedirectResponse:
        return RedirectResponse(f"{kind.base}/{found.request_id}{suffix}", status_code=303)

    @router.get(
        f"{kind.base}/{{request_id}}/events",
        summary="A request's status changes, live (Server-Sent Events)",
    )
    async def request_events(
        request: Request,
        held: Held,
        after: Annotated[int | None, Query(ge=0)] = None,
        last_event_id: Annotated[int | None, Header(ge=0)] = None,
        max_events: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    ) -> StreamingResponse:
        """One ``status`` event per change of this request after ``after`` (the log position
        the page was drawn at) or the browser's ``Last-Event-ID``: the status in the reader's
        language, whether the result is in and, once it is a refusal, its reason in the
        reader's language; and one ``result`` event when the result comes in (it may come
        after the status it ends with: the gateway keeps no order between two messages).
        ``: keep-alive`` fills the silences."""
        holder, found = held
        owner, _actor = kind.acting(holder)
        language = p.language(request)
        definition = service.catalog.get(found.service, found.version)

        async def refusal_now() -> tuple[str | None, str | None]:
            """The stored result's refusal: its reason in the reader's language, its code."""
            now = await service.load(found.request_id)
            said = refusal_of(now, definition, pages, language)
            return said, None if now.result is None else now.result.get("refusal")

        def said_data(refusal: tuple[str | None, str | None] | None) -> dict[str, Any]:
            said, code = refusal or (None, None)
            text = (
                None if said is None else pages.texts.text("request.refusal", language, reason=said)
            )
            return {"refusal": text, "refusal_code": code}

        async def events() -> AsyncIterator[bytes]:
            sent = 0
            refusal: tuple[str | None, str | None] | None = None  # known once the result is in
            position = last_event_id if last_event_id is not None else after
            if position is None:
                position = (await cabinet.refresh()).position
            # A result in before the stream began was drawn with the page, or is sent below.
            row = cabinet.state.requests.get(found.request_id) or {}
            told = row.get("result_number") is not None and after is None and last_event_id is None
            while True:
                changed = cabinet.changed()
                for change in await cabinet.changes(owner, after=position):
                    position = int(change["position"])
                    if change["request_id"] != found.request_id:
                        continue
                    row = cabinet.state.requests[found.request_id]
                    result = row.get("result_number") is not None
                    if result and refusal is None:
                        refusal = await refusal_now()  # the stored result's
                    told = told or result
                    data = {
                        "status": change["status"],
                        "name": status_name(change["status"], definition, pages, language),
                        "at": local_time(change["at"]),
                        "current": status_name(change["current"], definition, pages, language),
                        "result": result,
                        **said_data(refusal),
                    }
                    body = json.dumps(data, ensure_ascii=False)
                    yield f"id: {position}\nevent: status\ndata: {body}\n\n".encode()
                    sent += 1
                    if max_events is not None and sent >= max_events:
                        return
                row = cabinet.state.requests.get(found.request_id) or {}
                if not told and row.get("result_number") is not None:
                    # The result came in with no status of its own (after its final one).
                    told = True
                    refusal = refusal or await refusal_now()
                    body = json.dumps({"result": True, **said_data(refusal)}, ensure_ascii=False)
                    yield f"event: result\ndata: {body}\n\n".encode()
                    sent += 1
                    if max_events is not None and sent >= max_events:
                        return
                try:
                    await asyncio.wait_for(changed.wait(), p.heartbeat_s)
                except TimeoutError:
                    yield b": keep-alive\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    @router.post(
        f"{kind.base}/{{request_id}}/form",
        response_class=HTMLResponse,
        summary="Save a draft's form",
    )
    async def fill(request: Request, held: Held) -> Response:
        refuse_foreign_origin(request)
        holder, found = held
        owner, actor = kind.acting(holder)
        definition = service.catalog.get(found.service, found.version)
        values = posted(definition, await request.form())
        try:
            await service.fill(found.request_id, owner=owner, actor=actor, form=values)
        except PortalError as exc:
            problems = problems_of(exc.details.get("problems", []), pages, p.language(request))
            return await kind.page(
                request,
                holder,
                found,
                status=exc.status,
                error=exc.code,
                problems=problems,
                values=values,
            )
        return see(found, kind.saved)

    @router.post(
        f"{kind.base}/{{request_id}}/documents/{{code}}",
        response_class=HTMLResponse,
        summary="Attach a document's electronic copy to a draft",
        max_body_size=2 * limit + 64 * 1024,
    )
    async def attach(request: Request, code: str, held: Held) -> Response:
        refuse_foreign_origin(request)
        holder, found = held
        owner, actor = kind.acting(holder)
        try:
            name, media_type, content = await read_upload(request, limit)
            await service.attach(
                found.request_id,
                owner=owner,
                actor=actor,
                code=code,
                name=name,
                media_type=media_type,
                content=content,
            )
        except PortalError as exc:
            # A page's 413 would be taken for the edge's own (shared.web answers a 413 that is
            # not JSON as body_too_large): the refused file is answered 422 with its reason.
            status = 422 if exc.status == 413 else exc.status
            return await kind.page(request, holder, found, status=status, error=exc.code)
        return see(found, kind.attached)


async def read_upload(request: Request, limit: int) -> tuple[str, str, bytes]:
    """The posted file: its name, type and content (at most ``limit`` + 1 bytes read, so the
    service layer names a larger one attachment_too_large)."""
    async with request.form(max_files=1, max_fields=4) as form:  # closes the spooled file
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput("attachment_empty", "no file was chosen")
        content = await upload.read(limit + 1)
        return upload.filename, upload.content_type or "application/octet-stream", content
