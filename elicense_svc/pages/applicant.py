"""The applicant's door at elicense.kz (003 p.1: a request goes "through www.e.gov.kz or
www.elicense.kz"; 003 p.6 processes 3-7): choose a service E-licensing handles, fill the form
the definition gives, attach the documents, sign the request with the EDS through the local
signer, and follow it. The request signed is the one every portal submission carries
(shared.contract.application); E-licensing checks the signature and registers the request with
:meth:`ElicenseService.receive_applicant`, as it registers one the portal sends.

How an applicant finds their own requests, and only theirs: they sign in with their
certificate (the same sign-in as the staff's); the certificate's IIN, or for the head of a
legal entity its BIN, is the applicant whose requests they see. Somebody else's request does
not exist for them (404), as another provider's request does not for staff."""

# No ``from __future__ import annotations``: FastAPI resolves the route annotations, and the
# ``Applicant`` alias is local to applicant_router.

import json
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from elicense_svc import messages as msg
from elicense_svc.domain import request as req
from elicense_svc.domain.errors import ElicenseError, Invalid, NotFound
from elicense_svc.engines import routes_through_elicensing
from elicense_svc.entrypoints.api import MAX_SCAN_BYTES, scanned
from elicense_svc.pages.common import (
    PAGE_SIZE,
    Site,
    as_page,
    message_key,
    pages_count,
)
from shared.authz import Caller, Kind
from shared.contract.application import SIGNED_KIND
from shared.pages.forms import refuse_foreign_origin
from shared.pages.signin import PageRefused, page_guard
from shared.regulation.errors import RegulationError
from shared.regulation.forms import validate_form
from shared.regulation.model import Channel, Definition, FieldType

_CHANNEL = Channel.ELICENSE_PORTAL


@dataclass(frozen=True)
class Person:
    """The signed-in applicant: the individual, or the legal entity its head signs for."""

    subject: str
    iin: str | None
    bin: str | None

    @property
    def key(self) -> str:
        """Whose requests these are: the entity's BIN, else the person's IIN."""
        return str(self.bin or self.iin)


def applicant_router(site: Site) -> APIRouter:
    router = APIRouter(tags=["pages"])
    guard = page_guard("elicense", site.sessions)

    async def person(caller: Annotated[Caller, Depends(guard)]) -> Person:
        identity = caller.verified()
        # A legal entity applies through its first head or a person with the right to sign
        # (the portal's rule, and E-licensing's at intake: NO_RIGHT_TO_SIGN).
        entity = Kind.ENTITY_HEAD in caller.kinds and identity.bin is not None
        return Person(identity.subject, identity.iin, identity.bin if entity else None)

    Applicant = Annotated[Person, Depends(person)]

    @router.get(
        "/apply", response_class=HTMLResponse, summary="The services to apply for here (page)"
    )
    async def services(request: Request) -> HTMLResponse:
        with as_page():
            offered = _offered(site)
        return site.render(request, "apply.html", offered=offered)

    @router.get(
        "/apply/{service}",
        response_class=HTMLResponse,
        summary="The request form of a service (page)",
    )
    async def form(request: Request, service: str, who: Applicant) -> HTMLResponse:
        with as_page():
            definition = _definition(site, service)
        return _form(site, request, definition, who)

    @router.post(
        "/apply/{service}",
        response_class=HTMLResponse,
        summary="Check the form and documents; the request to sign (form)",
    )
    async def prepare(request: Request, service: str, who: Applicant) -> HTMLResponse:
        refuse_foreign_origin(request)
        with as_page():
            definition = _definition(site, service)
        # The scans are read (for their hash and size) and let go: E-licensing keeps documents
        # by SHA-256 and size only, and the form's spooled files are closed with it.
        async with request.form(max_files=len(definition.required_documents) + 1) as posted:
            data, values, problems = _read_form(definition, who, posted)
            documents: list[msg.DocumentIn] = []
            for spec in definition.required_documents:
                upload = posted.get(f"doc.{spec.code}")
                content = b""
                if isinstance(upload, UploadFile):
                    content = await upload.read(MAX_SCAN_BYTES + 1)
                if not isinstance(upload, UploadFile) or not content:
                    problems[f"doc.{spec.code}"] = "field.DOCUMENT_MISSING"
                    continue
                try:
                    document = scanned(
                        spec.code,
                        upload.filename or "scan.pdf",
                        content,
                        upload.content_type or "application/pdf",
                    )
                except Invalid as exc:
                    problems[f"doc.{spec.code}"] = message_key(exc.code)
                    continue
                documents.append(msg.DocumentIn(**document.as_data()))
        if problems:
            # Nothing is kept of a form that does not pass: it comes back with its messages.
            return _form(site, request, definition, who, values=values, problems=problems)
        now = site.service.clock.now()
        submission = msg.PortalSubmission(
            request_id=f"E{now:%Y%m%d}-{uuid.uuid4().hex[:10].upper()}",
            service=definition.code,
            version=definition.version,
            channel=_CHANNEL.value,
            applicant_iin=who.iin,
            applicant_bin=who.bin,
            form=data,
            documents=documents,
        )
        return _review(site, request, definition, who, submission)

    @router.post(
        "/apply/{service}/sign",
        response_class=HTMLResponse,
        summary="File the request signed with the EDS (form)",
    )
    async def file(
        request: Request,
        service: str,
        who: Applicant,
        application: Annotated[str, Form()] = "",
        signature: Annotated[str, Form()] = "",
    ) -> Response:
        refuse_foreign_origin(request)
        with as_page():
            definition = _definition(site, service)
        submission = _signed(definition, who, application, signature)
        try:
            with as_page():
                if not submission.applicant_signature:
                    raise Invalid("SIGNATURE_REQUIRED", "sign the request with your EDS")
                await site.service.receive_applicant(submission)
        except PageRefused as refused:
            if refused.status >= 500:
                raise
            # The request is not filed (nothing was numbered): the same request, to sign again.
            return _review(
                site,
                request,
                definition,
                who,
                submission,
                status=refused.status,
                problem=refused.code,
            )
        return RedirectResponse(f"/my/requests/{submission.request_id}", status_code=303)

    @router.get("/my/requests", response_class=HTMLResponse, summary="My requests (page)")
    async def mine(request: Request, who: Applicant, page: int = 1) -> HTMLResponse:
        with as_page():
            service, projections = site.parts()
            await projections.catch_up(service.store)
        page = max(1, page)
        rows, total = projections.page_of_applicant(
            who.key, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
        catalog = service.engines.catalog
        for row in rows:
            definition = catalog.get(row["service"], row["version"])
            row["name"] = definition.name.model_dump(exclude_none=True)
        return site.render(
            request,
            "mine.html",
            who=who,
            rows=rows,
            total=total,
            page=page,
            pages=pages_count(total),
        )

    @router.get(
        "/my/requests/{request_id}",
        response_class=HTMLResponse,
        summary="One of my requests: its status, step and deadline (page)",
    )
    async def one(request: Request, request_id: str, who: Applicant) -> HTMLResponse:
        with as_page():
            service = site.service
            state = await service.load(request_id)
            if state.applicant.id != who.key:
                # Only the applicant's own requests exist for them.
                raise NotFound("REQUEST_NOT_FOUND", f"no request {request_id}")
        engine = service.engine_of(state)
        definition = engine.definition
        steps = state.steps(engine)
        current = steps.current
        refusal = next(
            (
                g.name.model_dump(exclude_none=True)
                for g in definition.refusal_grounds
                if g.code == steps.refusal
            ),
            None,
        )
        return site.render(
            request,
            "status.html",
            who=who,
            state=state,
            definition=definition,
            status_name=req.status_of(engine, state),
            steps=steps,
            action=definition.step(current.step).action.model_dump(exclude_none=True)
            if current is not None
            else None,
            step_deadline=current.deadline if current is not None else None,
            refusal=refusal,
            data_message=req.DATA_CANNOT_BE_OBTAINED if state.registry == "not_found" else None,
            document_names={
                d.code: d.name.model_dump(exclude_none=True) for d in definition.required_documents
            },
        )

    return router


def _offered(site: Site) -> list[dict[str, Any]]:
    """The services E-licensing handles, in force today, and whether elicense.kz takes them."""
    service = site.service
    now = service.clock.now()
    found = []
    for code in service.engines.catalog.codes():
        try:
            definition = service.engines.in_force(code, now).definition
        except RegulationError:
            continue
        if routes_through_elicensing(definition):
            found.append({"definition": definition, "here": _CHANNEL in definition.channels})
    return found


def _definition(site: Site, service: str) -> Definition:
    """The version in force of ``service`` (its code or letter) that elicense.kz takes."""
    engines = site.service.engines
    try:
        definition = engines.in_force(service, site.service.clock.now()).definition
    except RegulationError as exc:
        raise NotFound("SERVICE_NOT_PROVIDED", str(exc)) from exc
    if not routes_through_elicensing(definition):
        raise NotFound("SERVICE_NOT_PROVIDED", f"{definition.key} is not E-licensing's")
    if _CHANNEL not in definition.channels:
        raise ElicenseError(
            "CHANNEL_NOT_OFFERED", f"{definition.key} is not offered through elicense.kz"
        )
    return definition


def _prefilled(definition: Definition, who: Person) -> dict[str, str]:
    # Fields the definition fills from registration or the certificate are the applicant's
    # own IIN/BIN: nobody types another's there (condition 2 compares them with the EDS).
    return {f.name: who.key for f in definition.form if f.prefilled_from is not None}


def _read_form(
    definition: Definition, who: Person, posted: Any
) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """The form's data as the definition types it, what was typed (to show again), and each
    field's problem (a text key), checked by shared.regulation.forms."""
    prefilled = _prefilled(definition, who)
    data: dict[str, Any] = dict(prefilled)
    values: dict[str, str] = dict(prefilled)
    for spec in definition.form:
        if spec.name in prefilled:
            continue
        raw = posted.get(f"field.{spec.name}")
        text = raw.strip() if isinstance(raw, str) else ""
        values[spec.name] = text
        if not text:
            continue
        if spec.type is FieldType.INTEGER:
            try:
                data[spec.name] = int(text)
            except ValueError:
                data[spec.name] = text  # the check below names it WRONG_TYPE
        else:
            data[spec.name] = text
    problems = {f"field.{p.field}": f"field.{p.code}" for p in validate_form(definition, data)}
    return data, values, problems


def _form(
    site: Site,
    request: Request,
    definition: Definition,
    who: Person,
    *,
    values: dict[str, str] | None = None,
    problems: dict[str, str] | None = None,
) -> HTMLResponse:
    return site.render(
        request,
        "apply_form.html",
        status=422 if problems else 200,
        who=who,
        definition=definition,
        values=values if values is not None else _prefilled(definition, who),
        problems=problems or {},
    )


def _review(
    site: Site,
    request: Request,
    definition: Definition,
    who: Person,
    submission: msg.PortalSubmission,
    *,
    status: int = 200,
    problem: str = "",
) -> HTMLResponse:
    signed = submission.signed_bytes()
    assert signed is not None  # noqa: S101 - the version is always set here
    return site.render(
        request,
        "apply_sign.html",
        status=status,
        who=who,
        definition=definition,
        submission=submission,
        text=signed.decode("utf-8"),
        document_names={
            d.code: d.name.model_dump(exclude_none=True) for d in definition.required_documents
        },
        problem=message_key(problem) if problem else "",
        problem_code=problem,
    )


def _signed(
    definition: Definition, who: Person, application: str, signature: str
) -> msg.PortalSubmission:
    """The request the applicant signed, read back from the text they signed: it must be a
    request of this service's version in force, by this applicant, with a form and
    documents that pass; anything else is refused before E-licensing is asked."""
    try:
        signed = json.loads(application)
        if not isinstance(signed, dict) or signed.get("kind") != SIGNED_KIND:
            raise ValueError("not a signed request")
        submission = msg.PortalSubmission(
            request_id=signed["request_id"],
            service=signed["service"],
            version=signed["version"],
            channel=_CHANNEL.value,
            applicant_iin=signed["applicant_iin"],
            applicant_bin=signed["applicant_bin"],
            form=signed["form"],
            documents=signed["documents"],
            applicant_signature=signature.strip() or None,
        )
    except (ValueError, KeyError, TypeError, ValidationError):
        raise PageRefused("APPLICATION_DAMAGED", "error.APPLICATION_DAMAGED", 422) from None
    if submission.signed_bytes() != application.encode("utf-8"):
        raise PageRefused("APPLICATION_DAMAGED", "error.APPLICATION_DAMAGED", 422)
    if (submission.applicant_iin, submission.applicant_bin) != (who.iin, who.bin):
        # Condition 2 binds the request to the signer; the page files for the signed-in
        # person only, whoever's request text is posted.
        raise PageRefused("NOT_YOURS", "error.NOT_YOURS", 403)
    if (submission.service, submission.version) != (definition.code, definition.version):
        raise PageRefused("VERSION_CHANGED", "error.VERSION_CHANGED", 409)
    wanted = sorted(d.code for d in definition.required_documents)
    if (
        validate_form(definition, submission.form)
        or sorted(d.code for d in submission.documents) != wanted
    ):
        raise PageRefused("APPLICATION_DAMAGED", "error.APPLICATION_DAMAGED", 422)
    return submission
