"""The portal's HTTP routes: accounts and sessions, the catalog, requests, the cabinet (with a
Server-Sent Events stream of status changes), result verification, the survey, and the PSC
desk (operators authenticate each call with their EDS, ``shared.pki.http_signing``)."""

# No ``from __future__ import annotations``: FastAPI reads the annotations at definition time.
import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from portal_svc import results
from portal_svc.domain import accounts
from portal_svc.domain.survey import survey_of
from portal_svc.domain.texts import negotiate
from portal_svc.errors import Forbidden, NotFound, Unauthorized
from portal_svc.handlers import PortalService, challenge_bytes, token_hash
from portal_svc.identifiers import check_identifiers
from portal_svc.pages import portal_pages
from portal_svc.pages.result import make_result_pdf, verification, verification_page, wants_html
from portal_svc.projections import Cabinet, indicators, uncollected
from portal_svc.psc import Center, center_by_bin
from shared.authz import Caller, route_guard
from shared.pages.render import language_of
from shared.pki.http_signing import DEFAULT_WINDOW_S, SignedCallRefused, SignedCalls
from shared.regulation.errors import RegulationError
from shared.regulation.model import Channel, Definition
from shared.signing import SignerIdentity


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterIn(_In):
    iin: str = Field(max_length=12)
    bin: str | None = Field(default=None, max_length=12)
    password: str = Field(max_length=256)
    signature: str = Field(max_length=20_000)


class LoginIn(_In):
    iin: str = Field(max_length=12)
    bin: str | None = Field(default=None, max_length=12)
    password: str = Field(max_length=256)


class SignedLoginIn(_In):
    iin: str = Field(max_length=12)
    bin: str | None = Field(default=None, max_length=12)
    challenge: str = Field(max_length=100)
    signature: str = Field(max_length=20_000)


class DraftIn(_In):
    service: str = Field(max_length=64)


class FormIn(_In):
    form: dict[str, Any]


class SignIn(_In):
    signature: str = Field(max_length=20_000)


class SurveyIn(_In):
    # Any JSON value, judged by the handler against the form's answers (a lax ``int`` would
    # take JSON ``true`` as 1 and ``2.0`` as 2).
    answers: dict[str, Any] = Field(max_length=16)


class DeskDraftIn(_In):
    service: str = Field(max_length=64)
    applicant_iin: str = Field(max_length=12)


class HandOutIn(_In):
    how: str
    email: str | None = Field(default=None, max_length=254)


def client_address(request: Request) -> str:
    """The caller's address as the server saw it: what the anonymous routes' limits count. A
    proxy in front would have to pass its own, trusted, header; none is read here."""
    return request.client.host if request.client is not None else "unknown"


def _definition(d: Definition) -> dict[str, Any]:
    names = d.name.model_dump(exclude={"ru_is_translation"})
    return {
        "code": d.code,
        "version": d.version,
        "name": names,
        "provider": d.provider.name.model_dump(exclude={"ru_is_translation"}),
        "region": d.provider.region,
        "channels": [c.value for c in d.channels],
        "route": d.route.value,
        "term": d.term.norm.label(),
        "fee_kzt": d.fee.amount_kzt,
        "form": [
            {
                "name": f.name,
                "label": f.label.model_dump(exclude={"ru_is_translation"}),
                "type": f.type.value,
                "required": f.required,
                "max_length": f.max_length,
                "choices": list(f.choices),
                "prefilled_from": f.prefilled_from,
            }
            for f in d.form
        ],
        "required_documents": [
            {"code": r.code, "name": r.name.model_dump(exclude={"ru_is_translation"})}
            for r in d.required_documents
        ],
        "in_force": {"from": d.in_force.from_.isoformat(), "until": d.in_force.until},
        "service_type": d.service_type.model_dump(exclude={"ru_is_translation"}),
        "result_form": list(d.result_form),
        # The statuses in the order a request meets them, with the act's own names where it
        # gives them (004 appendix 2: «түскен», «іске алынған», «қалыптастыруда», «аяқталды»).
        "statuses": [
            {
                "id": status,
                "name": next(
                    (
                        n.name.model_dump(exclude={"ru_is_translation"})
                        for n in d.status_names
                        if n.id == status
                    ),
                    None,
                ),
            }
            for status in d.statuses
        ],
        # 000 p.12, 003 p.10, 004 p.11: where the applicant asks about the service.
        "contacts": [
            {
                "number": c.number,
                "label": c.label.model_dump(exclude={"ru_is_translation"}),
                "clause": c.source.clause,
            }
            for c in d.contacts
        ],
    }


def _request_view(row: dict[str, Any]) -> dict[str, Any]:
    history = row["history"]
    return {
        "request_id": row["request_id"],
        "service": row["service"],
        "version": row["version"],
        "status": row["status"],
        "deadline": row["deadline"],
        "term": row["term"],
        "last_change": row["last_change"],
        "result_number": row["result_number"],
        "history": [{k: h[k] for k in ("status", "step", "at")} for h in history],
    }


def build_router(
    service: PortalService,
    cabinet: Cabinet,
    *,
    heartbeat_s: float = 15.0,
    public_url: str = "http://127.0.0.1:8081",
    signed_call_window_s: float = DEFAULT_WINDOW_S,
) -> APIRouter:
    router = APIRouter()

    async def account(authorization: Annotated[str | None, Header()] = None) -> str:
        if not authorization or not authorization.lower().startswith("bearer "):
            raise Unauthorized("not_authenticated", "send Authorization: Bearer <token>")
        await cabinet.refresh()
        found = cabinet.session(token_hash(authorization[7:].strip()), service.clock.now())
        if found is None:
            raise Unauthorized("session_expired", "the session is unknown or has expired")
        return found

    # Operators' calls: fresh, signed, each nonce accepted once (kept in the portal's store).
    signed_calls = SignedCalls(
        lambda payload, signature: asyncio.to_thread(service.verifier.verify, payload, signature),
        service.store,
        window_s=signed_call_window_s,
    )

    async def signed_operator(request: Request) -> SignerIdentity:
        try:
            return await signed_calls.check_request(request)
        except SignedCallRefused as refused:
            # Freshness refusals carry their own code, a revoked certificate CERT_REVOKED; any
            # other missing or bad signature stays not_authenticated.
            fresh = refused.code in {"REQUEST_EXPIRED", "REQUEST_REPLAYED"}
            code = refused.answer_code(refused.code.lower() if fresh else "not_authenticated")
            raise Unauthorized(code, f"{refused.code}: {refused.detail}") from None

    authorized = route_guard("portal", signed_operator)

    async def operator(who: Annotated[Caller, Depends(authorized)]) -> tuple[Center, str]:
        """A PSC operator: a signed call by a legal entity's certificate (shared.authz.ROUTES)
        carrying a center's BIN; checked before the body is read."""
        identity = who.verified()
        if identity.iin is None:
            raise Unauthorized("not_authenticated", "the certificate names no IIN")
        found = center_by_bin(identity.bin)
        if found is None:
            raise Forbidden("not_an_operator", f"BIN {identity.bin} is no PSC")
        return found, identity.iin

    Account = Annotated[str, Depends(account)]

    async def owner(request_id: str, who: Account) -> str:
        """The session's account, when the request in the path is its own (not_yours
        otherwise); checked before the body is read."""
        await service.owned(request_id, who)
        return who

    Owner = Annotated[str, Depends(owner)]
    Source = Annotated[str, Depends(client_address)]
    Operator = Annotated[tuple[Center, str], Depends(operator)]

    # --- point 1 ---------------------------------------------------------------------------

    @router.post("/auth/register", status_code=201)
    async def register(body: RegisterIn, source: Source) -> dict[str, Any]:
        found = await service.register(
            iin=body.iin,
            bin_=body.bin,
            password=body.password,
            signature=body.signature,
            source=source,
        )
        return {"account": found.account_id, "name": found.name, "kind": found.kind}

    @router.post("/auth/login")
    async def login(body: LoginIn, source: Source) -> dict[str, Any]:
        session = await service.login(
            iin=body.iin, bin_=body.bin, password=body.password, source=source
        )
        return {"token": session.token, "expires_at": session.expires_at.isoformat()}

    @router.post("/auth/logout", status_code=204)
    async def logout(who: Account, authorization: Annotated[str, Header()]) -> None:
        await service.logout(who, authorization[7:].strip())

    @router.get("/auth/challenge")
    async def challenge(source: Source) -> dict[str, Any]:
        nonce, expires = await service.challenge(source)
        return {
            "challenge": nonce,
            "expires_at": expires.isoformat(),
            "sign": challenge_bytes(nonce).decode(),
        }

    @router.post("/auth/login/signed")
    async def login_signed(body: SignedLoginIn, source: Source) -> dict[str, Any]:
        session = await service.login_signed(
            iin=body.iin,
            bin_=body.bin,
            challenge=body.challenge,
            signature=body.signature,
            source=source,
        )
        return {"token": session.token, "expires_at": session.expires_at.isoformat()}

    # --- point 2 ---------------------------------------------------------------------------

    @router.get("/catalog")
    async def catalog(
        channel: Annotated[Channel, Query()] = Channel.PORTAL,
    ) -> dict[str, Any]:
        return {
            "date": service.clock.now().isoformat(),
            "services": [_definition(d) for d in service.offered(channel)],
        }

    # --- point 3 ---------------------------------------------------------------------------

    async def _applicant(account_id: str) -> accounts.Account:
        found = await service._account(account_id)
        if found is None:
            raise Unauthorized("not_authenticated", "the account no longer exists")
        return found

    @router.post("/requests", status_code=201)
    async def create(body: DraftIn, who: Account) -> dict[str, Any]:
        applicant = await _applicant(who)
        draft = await service.create_draft(
            owner=who,
            actor=who,
            service=body.service,
            applicant_iin=applicant.iin,
            applicant_bin=applicant.bin,
        )
        return {"request_id": draft.request_id, "service": draft.service, "version": draft.version}

    @router.put("/requests/{request_id}/form")
    async def fill(request_id: str, body: FormIn, who: Owner) -> dict[str, Any]:
        filled = await service.fill(request_id, owner=who, actor=who, form=body.form)
        return {"request_id": request_id, "form": dict(filled.form)}

    async def _attach(
        request: Request, request_id: str, code: str, name: str, owner: str, actor: str
    ) -> dict[str, Any]:
        limit = service.limits.max_attachment_bytes
        declared = request.headers.get("content-length")
        content = b""
        if declared is None or int(declared) <= limit:
            content = await request.body()
        else:
            content = b"\0" * (limit + 1)  # refuse without reading a body known to be too big
        document = await service.attach(
            request_id,
            owner=owner,
            actor=actor,
            code=code,
            name=name,
            media_type=request.headers.get("content-type", "application/octet-stream"),
            content=content,
        )
        return document.as_json()

    # An attachment is the one body larger than the edge's default limit (shared.web). Up to
    # twice the attachment limit the handler answers (attachment_too_large, in the applicant's
    # language, judged on the declared length without reading); beyond, the edge refuses
    # (body_too_large), which also bounds a body sent without a length.
    attachment_limit = 2 * service.limits.max_attachment_bytes

    @router.put("/requests/{request_id}/documents/{code}", max_body_size=attachment_limit)
    async def attach(
        request: Request, request_id: str, code: str, name: Annotated[str, Query()], who: Owner
    ) -> dict[str, Any]:
        return await _attach(request, request_id, code, name, who, who)

    @router.get("/requests/{request_id}/signing-payload")
    async def signing_payload(request_id: str, who: Owner) -> dict[str, Any]:
        found = await service.owned(request_id, who)
        return {"payload": found.signing_bytes().decode()}

    @router.post("/requests/{request_id}/sign")
    async def sign(request_id: str, body: SignIn, who: Owner) -> dict[str, Any]:
        done = await service.submit(request_id, owner=who, actor=who, signature=body.signature)
        return {"request_id": request_id, "status": done.status}

    # --- point 4 ---------------------------------------------------------------------------

    @router.get("/cabinet/requests")
    async def mine(who: Account) -> dict[str, Any]:
        await cabinet.refresh()
        return {"requests": [_request_view(r) for r in cabinet.mine(who)]}

    async def _row(request_id: str, owner: str) -> dict[str, Any]:
        await cabinet.refresh()
        row = cabinet.state.requests.get(request_id)
        if row is None:
            raise NotFound("request_not_found", f"no request {request_id}")
        if row["owner"] != owner:
            raise Forbidden("not_yours", f"request {request_id} belongs to someone else")
        return row

    @router.get("/cabinet/requests/{request_id}")
    async def one(request_id: str, who: Owner) -> dict[str, Any]:
        # "Update status" (003 p.8-9) is this GET: the cabinet catches up with the log first.
        return _request_view(await _row(request_id, who))

    @router.get("/cabinet/requests/{request_id}/result")
    async def result(request_id: str, who: Owner) -> dict[str, Any]:
        await _row(request_id, who)
        found = await service.load(request_id)
        if found.result is None:
            raise NotFound("no_result_yet", f"no result for {request_id} yet")
        return dict(found.result)

    @router.get("/cabinet/stream")
    async def stream(
        who: Account,
        last_event_id: Annotated[int | None, Header(ge=0)] = None,
        max_events: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    ) -> StreamingResponse:
        """Server-Sent Events: one ``status`` event per status change of my requests, pushed
        when it is committed, from now on, or, with ``Last-Event-ID``, every change after that
        id first (each event's id is its log position, so a reconnecting browser gets exactly
        what it missed). A ``: keep-alive`` comment goes out after ``heartbeat_s`` without an
        event, so proxies keep the connection open and a dead client is noticed.
        ``max_events`` ends the stream after that many events."""

        async def events() -> AsyncIterator[bytes]:
            sent = 0
            after = last_event_id
            if after is None:
                after = (await cabinet.refresh()).position
            while True:
                changed = cabinet.changed()  # before reading: a commit meanwhile sets it
                for change in await cabinet.changes(who, after=after):
                    data = json.dumps(change, ensure_ascii=False)
                    yield f"id: {change['position']}\nevent: status\ndata: {data}\n\n".encode()
                    after = int(change["position"])
                    sent += 1
                    if max_events is not None and sent >= max_events:
                        return
                try:
                    await asyncio.wait_for(changed.wait(), heartbeat_s)
                except TimeoutError:
                    yield b": keep-alive\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    @router.get("/cabinet/requests/{request_id}/result.pdf")
    async def result_pdf(request: Request, request_id: str, who: Account) -> Response:
        await _row(request_id, who)
        found = await service.load(request_id)
        if found.result is None:
            raise NotFound("no_result_yet", f"no result for {request_id} yet")
        stored = dict(found.result)
        account = await service._account(who)
        content = await make_result_pdf(
            found,
            service=service,
            pages=portal_pages(),
            public_url=public_url,
            language=negotiate(request.headers.get("accept-language")),
            applicant_name=None if account is None else account.name,
        )
        return Response(
            content,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{stored["number"]}.pdf"'},
        )

    @router.get(
        "/verify/{number}",
        responses={200: {"content": {"text/html": {}}, "description": "JSON, or a page"}},
    )
    async def verify(request: Request, number: str) -> Response:
        """Public: anyone holding a result document checks it by its number (where its QR code
        leads): whether its signature verifies now, the subject and serial of the certificate,
        the document's number, kind, decision, issuer and date, never whom it was issued to.
        JSON, or a page in the reader's language for a browser (``Accept: text/html``)."""
        page = wants_html(request.headers.get("accept"))
        await cabinet.refresh()
        request_id = cabinet.state.results.get(number)
        if request_id is None:
            if page:
                return portal_pages().error(request, 404, "result_not_found")
            raise NotFound("result_not_found", f"no result document {number}")
        found = await service.load(request_id)
        check = await results.check_result(service.verifier, dict(found.result or {}))
        definition = service.catalog.get(found.service, found.version)
        vary = {"Vary": "Accept, Accept-Language"}
        if page:
            response = verification_page(
                request, portal_pages(), found, check, definition, language_of(request)
            )
            response.headers.update(vary)
            return response
        return JSONResponse(verification(found, check, definition, portal_pages()), headers=vary)

    # --- point 5 ---------------------------------------------------------------------------

    @router.get("/survey")
    async def survey_form(
        request: Request,
        service_code: Annotated[str | None, Query(alias="service")] = None,
        version: Annotated[str | None, Query()] = None,
    ) -> dict[str, Any]:
        """The survey form of a service's regulation (003 appendix 3, 004 appendix 6): of
        ``version`` when given, else of the version in force today; without ``service``, the
        portal's default form."""
        language = negotiate(request.headers.get("accept-language"))
        definition: Definition | None = None
        if service_code is not None and version is not None:
            try:
                definition = service.catalog.get(service_code, version)
            except RegulationError as exc:
                raise NotFound("unknown_service", str(exc)) from None
        elif service_code is not None:
            definition = service.definition_for(service_code, Channel.PORTAL)
        questions, answers = survey_of(definition)
        return {
            "service": None if definition is None else definition.key,
            "questions": {q: t[language] for q, t in questions.items()},
            "answers": {str(a): t[language] for a, t in answers.items()},
        }

    @router.post("/requests/{request_id}/survey", status_code=201)
    async def survey(request_id: str, body: SurveyIn, who: Owner) -> dict[str, Any]:
        await service.answer_survey(request_id, owner=who, actor=who, answers=body.answers)
        return {"request_id": request_id, "answered": True}

    @router.get("/survey/indicators")
    async def survey_indicators() -> dict[str, Any]:
        await cabinet.refresh()
        return {s: indicators(c) for s, c in sorted(cabinet.state.survey.items())}

    # --- point 6: PSC desk -----------------------------------------------------------------

    @router.post("/psc/requests", status_code=201)
    async def desk_create(body: DeskDraftIn, op: Operator) -> dict[str, Any]:
        center, operator_iin = op
        check_identifiers(body.applicant_iin, None)
        await service.check_applicant(body.applicant_iin)
        draft = await service.create_draft(
            owner=f"psc:{center.desk}",
            actor=f"operator:{center.desk}:{operator_iin}",
            service=body.service,
            applicant_iin=body.applicant_iin,
            applicant_bin=None,
            channel=Channel.PSC,
            center=center,
            operator_iin=operator_iin,
        )
        return {"request_id": draft.request_id, "desk": center.desk}

    @router.put("/psc/requests/{request_id}/form")
    async def desk_fill(request_id: str, body: FormIn, op: Operator) -> dict[str, Any]:
        center, operator_iin = op
        filled = await service.fill(
            request_id,
            owner=f"psc:{center.desk}",
            actor=f"operator:{center.desk}:{operator_iin}",
            form=body.form,
        )
        return {"request_id": request_id, "form": dict(filled.form)}

    @router.put("/psc/requests/{request_id}/documents/{code}", max_body_size=attachment_limit)
    async def desk_attach(
        request: Request, request_id: str, code: str, name: Annotated[str, Query()], op: Operator
    ) -> dict[str, Any]:
        center, operator_iin = op
        actor = f"operator:{center.desk}:{operator_iin}"
        return await _attach(request, request_id, code, name, f"psc:{center.desk}", actor)

    @router.get("/psc/requests/{request_id}/signing-payload")
    async def desk_payload(request_id: str, op: Operator) -> dict[str, Any]:
        found = await service.owned(request_id, f"psc:{op[0].desk}")
        return {"payload": found.signing_bytes().decode()}

    @router.post("/psc/requests/{request_id}/sign")
    async def desk_sign(request_id: str, body: SignIn, op: Operator) -> dict[str, Any]:
        center, operator_iin = op
        done = await service.submit(
            request_id,
            owner=f"psc:{center.desk}",
            actor=f"operator:{center.desk}:{operator_iin}",
            signature=body.signature,
            signer_iin=operator_iin,
            signer_bin=center.bin,
        )
        return {"request_id": request_id, "status": done.status}

    @router.get("/psc/requests")
    async def desk_list(op: Operator, uncollected_days: int | None = None) -> dict[str, Any]:
        """The desk's requests; with ``uncollected_days``, the results waiting longer than that
        and not handed out (004 p.17.4: kept and listed)."""
        await cabinet.refresh()
        rows = cabinet.mine(f"psc:{op[0].desk}")
        if uncollected_days is not None:
            rows = uncollected(rows, service.clock.now(), uncollected_days)
        return {"requests": [_request_view(r) for r in rows]}

    @router.post("/psc/requests/{request_id}/hand-out")
    async def hand_out(request_id: str, body: HandOutIn, op: Operator) -> dict[str, Any]:
        center, operator_iin = op
        await service.hand_out(
            request_id, center=center, operator=operator_iin, how=body.how, email=body.email
        )
        return {"request_id": request_id, "handed_out": body.how}

    @router.get("/psc/emails")
    async def emails(op: Operator) -> dict[str, Any]:
        await cabinet.refresh()
        return {"emails": [e for e in cabinet.state.emails if e["desk"] == op[0].desk]}

    return router
