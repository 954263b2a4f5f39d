"""The applicant's pages (a citizen, or a legal entity's head): the catalog of the services in
force and each service's page, logging in (password or EDS) and registering, the personal
cabinet with each request's live history, its result (the document, its PDF and its check)
and the quality survey, and the form: filled, documents attached, signed through the local
signer and submitted. Every read and write goes through the portal's service layer and its
cabinet read model, as the API's do."""

# No ``from __future__ import annotations``: FastAPI reads the annotations at definition time.
import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)

from portal_svc.domain import accounts, statuses
from portal_svc.domain import requests as req
from portal_svc.domain.survey import survey_of
from portal_svc.errors import InvalidInput, NotFound, PortalError
from portal_svc.handlers import challenge_bytes, registration_bytes, token_hash
from portal_svc.identifiers import check_identifiers
from portal_svc.pages.common import (
    PAGE_SIZE,
    SESSION_COOKIE,
    ZONE,
    PortalPages,
    local_date,
    local_time,
    norm_text,
    overdue,
    page_refusal,
    refusal_of,
    refusal_reason,
    size_text,
    status_name,
)
from portal_svc.pages.document import document_lines
from portal_svc.pages.forms import fields, posted, problems_of
from portal_svc.pages.requests import RequestPages, add_request_routes
from portal_svc.pages.result import make_result_pdf
from shared.authz import allowed
from shared.canonical import canonical_json
from shared.pages.forms import refuse_foreign_origin
from shared.pages.sessions import NotSignedIn
from shared.pages.signin import safe_next
from shared.pki import oids
from shared.pki.profiles import EntityRole
from shared.regulation.model import Channel, Definition

SERVICE = "portal"
# What the signer is asked for (NCALayer's extKeyUsageOids: a key carrying every one).
AUTH_KEY = [oids.EKU_AUTH.dotted_string]
PERSON_SIGNING = [oids.EKU_SIGNING.dotted_string, oids.HOLDER_INDIVIDUAL.dotted_string]
ENTITY_SIGNING = [oids.EKU_SIGNING.dotted_string, oids.HOLDER_LEGAL_ENTITY.dotted_string]
HEAD_SIGNING = [oids.EKU_SIGNING.dotted_string, EntityRole.FIRST_HEAD.holder_oid.dotted_string]
SIGNER_SIGNING = [oids.EKU_SIGNING.dotted_string, EntityRole.SIGNER.holder_oid.dotted_string]


def _source(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _see(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def build_applicant_router(p: PortalPages) -> APIRouter:
    router = APIRouter(tags=["pages"])
    service, cabinet, pages = p.service, p.cabinet, p.pages

    # --- who is signed in ------------------------------------------------------------------

    async def session_account(request: Request) -> accounts.Account | None:
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
        await cabinet.refresh()
        account_id = cabinet.session(token_hash(token), service.clock.now())
        return None if account_id is None else await service._account(account_id)

    async def applicant(request: Request) -> accounts.Account:
        """The applicant of the page session (else a redirect to /sign-in and back), for a
        route of shared.authz.ROUTES (a page without a row fails)."""
        path = getattr(request.scope.get("route"), "path", None)
        if not isinstance(path, str):
            raise RuntimeError("the page's route could not be identified")
        allowed(SERVICE, request.method, path)
        found = await session_account(request)
        if found is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise NotSignedIn(target)
        return found

    Applicant = Annotated[accounts.Account, Depends(applicant)]

    async def own(request_id: str, who: Applicant) -> tuple[accounts.Account, req.PortalRequest]:
        """The applicant and their request named in the path (403 not_yours for another's,
        404 for none), checked before a posted body is read."""
        try:
            return who, await service.owned(request_id, who.account_id)
        except PortalError as exc:
            raise page_refusal(exc) from None

    Own = Annotated[tuple[accounts.Account, req.PortalRequest], Depends(own)]

    def definition_of(found: req.PortalRequest) -> Definition:
        return service.catalog.get(found.service, found.version)

    def signed_in_cookie(response: Response, token: str) -> Response:
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=int(service.limits.session_ttl.total_seconds()),
            httponly=True,
            samesite="strict",
            path="/",
        )
        return response

    # --- the catalog -----------------------------------------------------------------------

    @router.get("/services", response_class=HTMLResponse, summary="The catalog of services")
    async def catalog(request: Request) -> HTMLResponse:
        language = p.language(request)
        offered = [
            {
                "code": d.code,
                "name": getattr(d.name, language),
                "provider": getattr(d.provider.name, language),
                "term": norm_text(d.term.norm, pages, language),
                "fee": d.fee.amount_kzt,
            }
            for d in service.offered(Channel.PORTAL)
        ]
        today = local_date(service.clock.now().astimezone(ZONE))
        return pages.render(request, "catalog.html", services=offered, today=today)

    @router.get("/services/{code}", response_class=HTMLResponse, summary="A service's page")
    async def service_page(request: Request, code: str) -> HTMLResponse:
        try:
            definition = service.definition_for(code, Channel.PORTAL)
        except PortalError as exc:
            return p.refused(request, exc)
        language = p.language(request)
        return pages.render(
            request,
            "service.html",
            d=definition,
            term=norm_text(definition.term.norm, pages, language),
            statuses=[status_name(s, definition, pages, language) for s in definition.statuses],
            in_force=local_date(definition.in_force.from_),
            act_date=local_date(definition.act.date),
        )

    # --- logging in, registering, logging out ------------------------------------------------

    def sign_in_page(
        request: Request, next_: str, *, status: int = 200, error: str | None = None, **fmt: Any
    ) -> HTMLResponse:
        return pages.render(
            request,
            "login.html",
            status=status,
            next=safe_next(next_),
            error=error,
            fmt=fmt,
            auth_oids=AUTH_KEY,
        )

    def refusal_fmt(exc: PortalError) -> dict[str, Any]:
        retry = exc.details.get("retry_after")
        return {"wait": retry} if retry is not None else {}

    @router.get("/sign-in", response_class=HTMLResponse, summary="Log in to the portal")
    async def login_page(request: Request, next: str = "/my/requests") -> HTMLResponse:
        return sign_in_page(request, next)

    @router.post(
        "/sign-in/password", response_class=HTMLResponse, summary="Log in with IIN and password"
    )
    async def login_password(request: Request) -> Response:
        refuse_foreign_origin(request)
        form = await request.form()
        next_ = _text(form, "next") or "/my/requests"
        iin, bin_ = _text(form, "iin"), _text(form, "bin") or None
        try:
            check_identifiers(iin, bin_)
            session = await service.login(
                iin=iin,
                bin_=bin_,
                password=str(form.get("password") or ""),
                source=_source(request),
            )
        except PortalError as exc:
            return sign_in_page(
                request, next_, status=exc.status, error=exc.code, **refusal_fmt(exc)
            )
        return signed_in_cookie(_see(safe_next(next_)), session.token)

    @router.post("/sign-in/eds/challenge", summary="A challenge to sign with the EDS")
    async def login_challenge(request: Request) -> JSONResponse:
        try:
            nonce, _expires = await service.challenge(_source(request))
        except PortalError as exc:
            message = pages.texts.text(exc.code, p.language(request))
            return JSONResponse({"code": exc.code, "message": message}, status_code=exc.status)
        return JSONResponse({"challenge": nonce, "text": challenge_bytes(nonce).decode()})

    @router.post("/sign-in/eds", response_class=HTMLResponse, summary="Log in with the EDS")
    async def login_eds(request: Request) -> Response:
        refuse_foreign_origin(request)
        form = await request.form()
        next_ = _text(form, "next") or "/my/requests"
        challenge, signature = _text(form, "challenge"), _text(form, "signature")
        try:
            if not challenge or not signature:
                raise InvalidInput("signature_missing", "no signed challenge was sent")
            session = await service.login_signed(
                iin=None,
                bin_=None,
                challenge=challenge,
                signature=signature,
                source=_source(request),
            )
        except PortalError as exc:
            return sign_in_page(
                request, next_, status=exc.status, error=exc.code, **refusal_fmt(exc)
            )
        return signed_in_cookie(_see(safe_next(next_)), session.token)

    @router.post("/sign-out", summary="Log out")
    async def logout(request: Request) -> Response:
        refuse_foreign_origin(request)
        token = request.cookies.get(SESSION_COOKIE)
        who = await session_account(request)
        if who is not None and token:
            await service.logout(who.account_id, token)
        response = _see("/sign-in")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    def register_page(
        request: Request,
        iin: str = "",
        bin_: str | None = None,
        *,
        status: int = 200,
        error: str | None = None,
    ) -> HTMLResponse:
        text = registration_bytes(iin, bin_).decode() if iin and error != "invalid_iin" else None
        if error in ("invalid_iin", "invalid_bin"):
            text = None
        return pages.render(
            request,
            "register.html",
            status=status,
            iin=iin,
            bin=bin_ or "",
            text=text,
            error=error,
            sign_oids=PERSON_SIGNING if bin_ is None else ENTITY_SIGNING,
        )

    @router.get("/register", response_class=HTMLResponse, summary="Register on the portal")
    async def register_form(request: Request, iin: str = "", bin: str = "") -> HTMLResponse:
        iin, bin_ = iin.strip(), bin.strip() or None
        if not iin:
            return register_page(request)
        try:
            check_identifiers(iin, bin_)
        except PortalError as exc:
            return register_page(request, iin, bin_, status=exc.status, error=exc.code)
        return register_page(request, iin, bin_)

    @router.post("/register", response_class=HTMLResponse, summary="Register, signed by the EDS")
    async def register(request: Request) -> Response:
        refuse_foreign_origin(request)
        form = await request.form()
        iin, bin_ = _text(form, "iin"), _text(form, "bin") or None
        password = str(form.get("password") or "")
        signature = _text(form, "signature")
        try:
            check_identifiers(iin, bin_)
            if password != str(form.get("password2") or ""):
                raise InvalidInput("passwords_differ", "the two passwords differ")
            if not signature:
                raise InvalidInput("signature_missing", "no signature was sent")
            await service.register(
                iin=iin, bin_=bin_, password=password, signature=signature, source=_source(request)
            )
            session = await service.login(
                iin=iin, bin_=bin_, password=password, source=_source(request)
            )
        except PortalError as exc:
            return register_page(request, iin, bin_, status=exc.status, error=exc.code)
        return signed_in_cookie(_see("/my/requests"), session.token)

    # --- the cabinet -----------------------------------------------------------------------

    def service_name(code: str, version: str, language: str) -> str:
        try:
            return str(getattr(service.catalog.get(code, version).name, language))
        except Exception:  # a version no longer in the catalog: its code still names it
            return code

    @router.get("/my/requests", response_class=HTMLResponse, summary="My requests")
    async def cabinet_page(
        request: Request, who: Applicant, page: Annotated[int, Query(ge=1, le=100_000)] = 1
    ) -> HTMLResponse:
        await cabinet.refresh()
        language = p.language(request)
        rows = cabinet.mine(who.account_id)
        pages_count = max(1, math.ceil(len(rows) / PAGE_SIZE))
        page = min(page, pages_count)
        now = service.clock.now()
        shown = [
            {
                "request_id": r["request_id"],
                "service": service_name(r["service"], r["version"], language),
                "status": status_name(r["status"], definition_or_none(r), pages, language),
                "deadline": local_time(r["deadline"]),
                "overdue": overdue(r, now),
                "last_change": local_time(r["last_change"]),
            }
            for r in rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        ]
        return pages.render(
            request,
            "cabinet.html",
            who=who,
            rows=shown,
            page=page,
            pages_count=pages_count,
        )

    def definition_or_none(row: dict[str, Any]) -> Definition | None:
        try:
            return service.catalog.get(row["service"], row["version"])
        except Exception:
            return None

    async def request_page(
        request: Request,
        who: accounts.Account,
        found: req.PortalRequest,
        *,
        status: int = 200,
        error: str | None = None,
        problems: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
        notice: str | None = None,
        **fmt: Any,
    ) -> HTMLResponse:
        await cabinet.refresh()
        language = p.language(request)
        definition = definition_of(found)
        row = cabinet.state.requests.get(found.request_id) or {}
        history = [
            {
                "status": status_name(h["status"], definition, pages, language),
                "at": local_time(h["at"]),
            }
            for h in row.get("history", [])
        ]
        result = found.result
        refusal = refusal_of(found, definition, pages, language)
        signature_refusal = None
        if found.status == statuses.REJECTED_SIGNATURE and row.get("refusal"):
            signature_refusal = refusal_reason(row["refusal"], None, None, pages, language)
        questions, answers = survey_of(definition)
        survey_open = found.survey is None and (
            found.result is not None or found.status in statuses.FINISHED
        )
        editable = found.editable
        documents = {d.code: d for d in found.documents}
        own_id = found.applicant_bin or found.applicant_iin
        complete = (
            editable
            and not service_problems(found)
            and all(r.code in documents for r in definition.required_documents)
        )
        entity = found.applicant_bin is not None
        return pages.render(
            request,
            "request.html",
            status=status,
            who=who,
            r=found,
            d=definition,
            service_name=getattr(definition.name, language),
            current=status_name(found.status, definition, pages, language),
            deadline=local_time(row.get("deadline")),
            overdue=overdue(row, service.clock.now()) if row else False,
            history=history,
            position=cabinet.state.position,
            result=result,
            refusal=refusal,
            signature_refusal=signature_refusal,
            survey_open=survey_open,
            surveyed=found.survey is not None,
            questions=[(q, text[language]) for q, text in questions.items()],
            answers=[(a, text[language]) for a, text in answers.items()],
            editable=editable,
            fields=fields(
                definition,
                values if values is not None else dict(found.form),
                own=own_id,
                problems=problems or {},
                pages=pages,
                language=language,
            ),
            documents=[
                (r.code, getattr(r.name, language), documents.get(r.code))
                for r in definition.required_documents
            ],
            max_size=size_text(service.limits.max_attachment_bytes, pages, language),
            complete=complete,
            payload=found.signing_bytes().decode() if complete else None,
            signing=[
                ("head", "sign.as_head", HEAD_SIGNING),
                ("signer", "sign.as_signer", SIGNER_SIGNING),
            ]
            if entity
            else [("person", "sign.button", PERSON_SIGNING)],
            error=error,
            notice=notice,
            fmt=fmt,
        )

    def service_problems(found: req.PortalRequest) -> bool:
        try:
            service._complete(found)
        except PortalError:
            return True
        return False

    @router.get(
        "/my/requests/{request_id}", response_class=HTMLResponse, summary="A request's page"
    )
    async def request_view(request: Request, mine: Own, saved: int = 0) -> HTMLResponse:
        who, found = mine
        return await request_page(request, who, found, notice="draft.saved" if saved else None)

    @router.get(
        "/my/requests/{request_id}/result",
        response_class=HTMLResponse,
        summary="A request's result: the document and its check",
    )
    async def result_page(request: Request, mine: Own) -> HTMLResponse:
        _who, found = mine
        if found.result is None:
            return p.refused(request, _no_result(found))
        language = p.language(request)
        definition = definition_of(found)
        stored = dict(found.result)
        check = await p.check_result(stored)
        document = stored.get("document")
        refusal = refusal_of(found, definition, pages, language)
        return pages.render(
            request,
            "result.html",
            r=found,
            service_name=getattr(definition.name, language),
            stored=stored,
            lines=document_lines(document, definition, pages, language),
            signed_text=canonical_json(document).decode() if isinstance(document, dict) else "",
            check=check,
            refusal=refusal,
            at=local_time(stored.get("at")),
        )

    @router.get("/my/requests/{request_id}/result.pdf", summary="A request's result as a PDF")
    async def result_pdf(request: Request, mine: Own) -> Response:
        """The result as the document it stands for, in the page's language (kk or ru; the
        result page's link carries it as ``?lang=``)."""
        who, found = mine
        if found.result is None:
            return p.refused(request, _no_result(found))
        stored = dict(found.result)
        content = await make_result_pdf(
            found,
            service=service,
            pages=pages,
            public_url=p.public_url,
            language=p.language(request),
            applicant_name=who.name,
        )
        return Response(
            content,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{stored["number"]}.pdf"'},
        )

    @router.post(
        "/my/requests/{request_id}/survey",
        response_class=HTMLResponse,
        summary="Answer the quality survey",
    )
    async def survey(request: Request, mine: Own) -> Response:
        refuse_foreign_origin(request)
        who, found = mine
        form = await request.form()
        questions, _answers = survey_of(definition_of(found))
        answers: dict[str, object] = {}
        for question in questions:
            raw = _text(form, question)
            answers[question] = int(raw) if raw.isdigit() else raw
        try:
            await service.answer_survey(
                found.request_id, owner=who.account_id, actor=who.account_id, answers=answers
            )
        except PortalError as exc:
            return await request_page(request, who, found, status=exc.status, error=exc.code)
        return _see(f"/my/requests/{found.request_id}#survey")

    # --- the form: filled, documents attached, signed and sent --------------------------------

    @router.get(
        "/services/{code}/apply", response_class=HTMLResponse, summary="A new request's form"
    )
    async def apply_form(request: Request, code: str, who: Applicant) -> HTMLResponse:
        try:
            definition = service.definition_for(code, Channel.PORTAL)
        except PortalError as exc:
            return p.refused(request, exc)
        return apply_page(request, who, definition, {}, {})

    def apply_page(
        request: Request,
        who: accounts.Account,
        definition: Definition,
        values: dict[str, Any],
        problems: dict[str, str],
        *,
        status: int = 200,
        error: str | None = None,
    ) -> HTMLResponse:
        language = p.language(request)
        return pages.render(
            request,
            "apply.html",
            status=status,
            d=definition,
            service_name=getattr(definition.name, language),
            fields=fields(
                definition,
                values,
                own=who.bin or who.iin,
                problems=problems,
                pages=pages,
                language=language,
            ),
            error=error,
        )

    @router.post(
        "/services/{code}/apply", response_class=HTMLResponse, summary="Save a new request"
    )
    async def apply(request: Request, code: str, who: Applicant) -> Response:
        refuse_foreign_origin(request)
        try:
            definition = service.definition_for(code, Channel.PORTAL)
        except PortalError as exc:
            return p.refused(request, exc)
        values = posted(definition, await request.form())
        try:
            draft = await service.create_draft(
                owner=who.account_id,
                actor=who.account_id,
                service=definition.code,
                applicant_iin=who.iin,
                applicant_bin=who.bin,
                form=values,
            )
        except PortalError as exc:
            problems = problems_of(exc.details.get("problems", []), pages, p.language(request))
            return apply_page(
                request, who, definition, values, problems, status=exc.status, error=exc.code
            )
        return _see(f"/my/requests/{draft.request_id}")

    add_request_routes(
        router,
        p,
        RequestPages(
            base="/my/requests",
            held=own,
            acting=acting,
            page=request_page,
            saved="?saved=1",
            attached="#documents",
        ),
    )

    @router.post(
        "/my/requests/{request_id}/sign",
        response_class=HTMLResponse,
        summary="Submit the request signed with the EDS",
    )
    async def sign(request: Request, mine: Own) -> Response:
        refuse_foreign_origin(request)
        who, found = mine
        form = await request.form()
        signature = _text(form, "signature")
        try:
            if not signature:
                raise InvalidInput("signature_missing", "no signature was sent")
            await service.submit(
                found.request_id, owner=who.account_id, actor=who.account_id, signature=signature
            )
        except PortalError as exc:
            found = await service.load(found.request_id)  # a refusal is on the record now
            return await request_page(request, who, found, status=exc.status, error=exc.code)
        return _see(f"/my/requests/{found.request_id}")

    return router


def acting(who: accounts.Account) -> tuple[str, str]:
    """An applicant owns their requests and acts on them as themselves."""
    return who.account_id, who.account_id


def _no_result(found: req.PortalRequest) -> PortalError:
    return NotFound("no_result_yet", f"no result for {found.request_id} yet")
