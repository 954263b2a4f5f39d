"""The НУЦ and the registries' pages for the registration authority's operators and the
registrars, beside the API and on the same service calls (``RegistryService``, ``CaService``),
never through the service's own HTTP API.

- ``/ra/persons`` (ГБД ФЛ by IIN), ``/ra/persons/new``; ``/ra/entities`` (ГБД ЮЛ by BIN),
  ``/ra/entities/new``: the registrar's (the API's registry rows).
- ``/ra/certificates`` (issued, newest first; by serial), ``/ra/certificates/new`` (the issue
  form; the PKCS#12 comes back as a download), ``/ra/certificates/{serial}`` (its status, and
  revocation with a reason): the RA operator's.
- ``/ra/revocation``: the current CRL and the OCSP responder, for both.

Who may open which is ``shared.authz.ROUTES`` (auth ``page``), checked by the page guard on the
certificate the operator signed in with (``shared.pages.signin``)."""

# No ``from __future__ import annotations``: FastAPI reads the routes' annotations when they
# are declared, and the ``SignedIn`` alias is local to registry_router.
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Annotated, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from registry_svc.components import RegistryComponents
from registry_svc.domain.ca import IssuedCertificate
from registry_svc.domain.registry import EntityStatus, PersonStatus
from registry_svc.entrypoints.schemas import HolderKind
from registry_svc.errors import Conflict, NotFound, RegistryError
from registry_svc.pages.forms import (
    REASONS,
    Checked,
    Problem,
    entity_form,
    hex_serial,
    issuance_form,
    person_form,
    posted,
    revocation_reason,
)
from registry_svc.pages.texts import TEXTS
from shared.authz import Caller
from shared.ids import Gender, parse_bin
from shared.pages.forms import refuse_foreign_origin
from shared.pages.render import Pages
from shared.pages.sessions import BrowserSessions
from shared.pages.signin import mount_sign_in, page_guard
from shared.pki.keys import KeyAlgorithm
from shared.pki.profiles import EntityRole, KeyPurpose
from shared.pki.revocation import OCSP_VALIDITY, CertState

SERVICE = "registry"
TEMPLATES = Path(__file__).parent / "templates"
NAV = (
    ("/ra/persons", "ra.nav.persons"),
    ("/ra/entities", "ra.nav.entities"),
    ("/ra/certificates", "ra.nav.certificates"),
    ("/ra/revocation", "ra.nav.revocation"),
)
PAGE_SIZE = 50
PKCS12 = "application/x-pkcs12"
# Where the browser goes once the key file is saved (the issue page's script reads it).
CERTIFICATE_HEADER = "X-Egov-Certificate"


def registry_pages() -> Pages:
    pages = Pages(SERVICE, TEMPLATES, TEXTS, title_key="service.registry", nav=NAV)
    pages.env.globals.update(
        person_statuses=[s.value for s in PersonStatus],
        entity_statuses=[s.value for s in EntityStatus],
        genders=[g.value for g in Gender],
        holder_kinds=[k.value for k in HolderKind],
        roles=[r.value for r in EntityRole],
        purposes=[p.value for p in KeyPurpose],
        algorithms=[a.value for a in KeyAlgorithm],
        reasons=REASONS,
        utc=_utc,
    )
    return pages


def _utc(moment: datetime | None) -> str:
    return "—" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S UTC")


@dataclass(frozen=True)
class CertificateRow:
    record: IssuedCertificate
    revoked: bool

    @property
    def serial(self) -> str:
        return format(self.record.serial, "x")


def _entity_kind(bin_: str) -> tuple[str, str]:
    info = parse_bin(bin_)
    return f"ra.type.{info.entity_type.name.lower()}", f"ra.attribute.{info.attribute.name.lower()}"


def registry_router(components: RegistryComponents, sessions: BrowserSessions) -> APIRouter:
    router = APIRouter(tags=["pages"])
    SignedIn = Annotated[Caller, Depends(page_guard(SERVICE, sessions))]

    def pages(request: Request) -> Pages:
        found: Pages = request.app.state.pages
        return found

    def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        return pages(request).render(request, template, status=status, **values)

    def today() -> Any:
        return components.clock.now().date()

    # --- ГБД ФЛ ------------------------------------------------------------------------------

    @router.get("/ra/persons", response_class=HTMLResponse, summary="A person by IIN (ГБД ФЛ)")
    async def persons(
        request: Request, _caller: SignedIn, iin: str = "", done: str = ""
    ) -> HTMLResponse:
        form = Checked({"iin": iin})
        if not iin.strip():
            return render(request, "ra_persons.html", form=form, person=None, heads=[])
        number = form.iin("iin")
        if not form.ok:
            return render(request, "ra_persons.html", 422, form=form, person=None, heads=[])
        try:
            person = await components.registry.person(number)
        except NotFound:
            return render(
                request, "ra_persons.html", 404, form=form, person=None, heads=[], missing=True
            )
        heads = await components.registry.entities_headed_by(number)
        return render(
            request,
            "ra_persons.html",
            form=form,
            person=person,
            heads=heads,
            registered=done == "registered",
        )

    @router.get("/ra/persons/new", response_class=HTMLResponse, summary="Register a person")
    async def new_person(request: Request, _caller: SignedIn, iin: str = "") -> HTMLResponse:
        return render(request, "ra_person_new.html", form=Checked({"iin": iin[:12]}))

    @router.post("/ra/persons", response_class=HTMLResponse, summary="Register a person")
    async def register_person(request: Request, _caller: SignedIn) -> Response:
        refuse_foreign_origin(request)
        person, form = person_form(await posted(request), today())
        if person is None:
            return render(request, "ra_person_new.html", 422, form=form)
        try:
            await components.registry.register_person(person)
        except Conflict:
            form.problems["iin"] = Problem("ra.persons.exists")
            return render(request, "ra_person_new.html", 409, form=form)
        return RedirectResponse(f"/ra/persons?iin={person.iin}&done=registered", status_code=303)

    # --- ГБД ЮЛ ------------------------------------------------------------------------------

    @router.get(
        "/ra/entities", response_class=HTMLResponse, summary="A legal entity by BIN (ГБД ЮЛ)"
    )
    async def entities(
        request: Request, _caller: SignedIn, bin: str = "", done: str = ""
    ) -> HTMLResponse:
        form = Checked({"bin": bin})
        if not bin.strip():
            return render(request, "ra_entities.html", form=form, entity=None)
        number = form.bin("bin")
        if not form.ok:
            return render(request, "ra_entities.html", 422, form=form, entity=None)
        try:
            entity = await components.registry.entity(number)
        except NotFound:
            return render(request, "ra_entities.html", 404, form=form, entity=None, missing=True)
        head = components.registry.view.person(entity.head_iin)
        return render(
            request,
            "ra_entities.html",
            form=form,
            entity=entity,
            head=head,
            kind=_entity_kind(entity.bin),
            registered=done == "registered",
        )

    @router.get("/ra/entities/new", response_class=HTMLResponse, summary="Register a legal entity")
    async def new_entity(request: Request, _caller: SignedIn, head_iin: str = "") -> HTMLResponse:
        return render(request, "ra_entity_new.html", form=Checked({"head_iin": head_iin[:12]}))

    @router.post("/ra/entities", response_class=HTMLResponse, summary="Register a legal entity")
    async def register_entity(request: Request, _caller: SignedIn) -> Response:
        refuse_foreign_origin(request)
        entity, form = entity_form(await posted(request), today())
        if entity is not None:
            try:
                await components.registry.person(entity.head_iin)
            except NotFound:
                form.problems["head_iin"] = Problem("ra.entities.head_unknown")
        if entity is None or not form.ok:
            return render(request, "ra_entity_new.html", 422, form=form)
        try:
            await components.registry.register_entity(entity)
        except Conflict:
            form.problems["bin"] = Problem("ra.entities.exists")
            return render(request, "ra_entity_new.html", 409, form=form)
        return RedirectResponse(f"/ra/entities?bin={entity.bin}&done=registered", status_code=303)

    # --- certificates ------------------------------------------------------------------------

    @router.get(
        "/ra/certificates", response_class=HTMLResponse, summary="Certificates issued, newest first"
    )
    async def certificates(
        request: Request, _caller: SignedIn, serial: str = "", page: str = "1"
    ) -> Response:
        form = Checked({"serial": serial})
        if serial.strip():
            number = hex_serial(serial)
            if number is not None:
                return RedirectResponse(f"/ra/certificates/{number:x}", status_code=303)
            form.problems["serial"] = Problem("ra.bad_serial")
        await components.ca.refresh()
        state = components.ca.state
        total = len(state.issued)
        pages_count = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        at = min(max(int(page) if page.isdigit() and len(page) < 9 else 1, 1), pages_count)
        newest = islice(reversed(state.issued.values()), (at - 1) * PAGE_SIZE, at * PAGE_SIZE)
        rows = [CertificateRow(r, r.serial in state.revoked) for r in newest]
        return render(
            request,
            "ra_certificates.html",
            422 if form.problems else 200,
            form=form,
            rows=rows,
            total=total,
            page=at,
            pages_count=pages_count,
        )

    @router.get("/ra/certificates/new", response_class=HTMLResponse, summary="The issue form")
    async def new_certificate(
        request: Request,
        _caller: SignedIn,
        kind: str = "individual",
        iin: str = "",
        surname: str = "",
        given_name: str = "",
        patronymic: str = "",
        bin: str = "",
        organization: str = "",
    ) -> HTMLResponse:
        chosen = kind if kind in tuple(HolderKind) else HolderKind.INDIVIDUAL.value
        prefill = {
            "kind": chosen,
            "iin": iin[:12],
            "surname": surname[:100],
            "given_name": given_name[:100],
            "patronymic": patronymic[:100],
            "bin": bin[:12],
            "organization": organization[:200],
        }
        return render(request, "ra_certificate_new.html", form=Checked(prefill))

    @router.post(
        "/ra/certificates",
        response_class=Response,
        summary="Issue a certificate: its PKCS#12 comes back as a download",
        responses={200: {"content": {PKCS12: {}}}},
    )
    async def issue(request: Request, caller: SignedIn) -> Response:
        refuse_foreign_origin(request)
        fields = await posted(request)
        asked, form = issuance_form(fields)
        # The passwords are never shown back, whatever the outcome.
        form.fields.pop("password", None)
        form.fields.pop("password_again", None)
        if asked is None:
            return render(request, "ra_certificate_new.html", 422, form=form)
        identity = caller.verified()
        try:
            issued = await components.ca.issue(
                asked.holder,
                asked.purpose,
                password=asked.password,
                algorithm=asked.algorithm,
                reissue=asked.reissue,
                requested_by=f"{identity.subject} ({identity.serial})",
            )
        except Conflict:
            form.problems["reissue"] = Problem("ra.system_has_certificate")
            return render(request, "ra_certificate_new.html", 409, form=form)
        except RegistryError as exc:
            if exc.code == "ca_busy":
                return pages(request).error(request, 503, "ra.ca_busy")
            raise
        serial = format(issued.serial, "x")
        return Response(
            issued.pkcs12,
            media_type=PKCS12,
            headers={
                "Content-Disposition": f'attachment; filename="{serial}.p12"',
                "Cache-Control": "no-store",
                CERTIFICATE_HEADER: f"/ra/certificates/{serial}?issued=1",
            },
        )

    async def certificate_page(
        request: Request,
        serial: str,
        *,
        status: int = 200,
        notice: str | None = None,
        form: Checked | None = None,
    ) -> HTMLResponse:
        number = hex_serial(serial)
        if number is None:
            return pages(request).error(request, 404, "ra.cert.not_found")
        try:
            record = await components.ca.certificate(number)
        except NotFound:
            return pages(request).error(request, 404, "ra.cert.not_found")
        found = components.ca.state.status(number)
        return render(
            request,
            "ra_certificate.html",
            status,
            record=record,
            serial=format(number, "x"),
            revocation=found.revocation if found.state is CertState.REVOKED else None,
            notice=notice,
            form=form or Checked({}),
        )

    @router.get(
        "/ra/certificates/{serial}", response_class=HTMLResponse, summary="A certificate's status"
    )
    async def certificate(
        request: Request, _caller: SignedIn, serial: str, issued: str = "", revoked: str = ""
    ) -> HTMLResponse:
        notice = "ra.cert.revoked_now" if revoked else ("ra.cert.issued" if issued else None)
        return await certificate_page(request, serial, notice=notice)

    @router.post(
        "/ra/certificates/{serial}/revocation",
        response_class=HTMLResponse,
        summary="Revoke a certificate with a reason",
    )
    async def revoke(request: Request, _caller: SignedIn, serial: str) -> Response:
        refuse_foreign_origin(request)
        number = hex_serial(serial)
        if number is None:
            return pages(request).error(request, 404, "ra.cert.not_found")
        reason, form = revocation_reason(await posted(request))
        if reason is None:
            return await certificate_page(request, serial, status=422, form=form)
        try:
            await components.ca.revoke(number, reason)
        except NotFound:
            return pages(request).error(request, 404, "ra.cert.not_found")
        except Conflict:
            form.problems["reason"] = Problem("ra.cert.already_revoked")
            return await certificate_page(request, serial, status=409, form=form)
        return RedirectResponse(f"/ra/certificates/{number:x}?revoked=1", status_code=303)

    # --- CRL and OCSP ------------------------------------------------------------------------

    @router.get(
        "/ra/revocation",
        response_class=HTMLResponse,
        summary="The current CRL and the OCSP responder",
    )
    async def revocation(request: Request, _caller: SignedIn) -> HTMLResponse:
        ca = components.ca
        crl = x509.load_der_x509_crl(await ca.crl_der())
        number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
        now = components.clock.now()
        responder = ca.ocsp_responder(now)
        # Ask the responder, as a relying party would (POST /ocsp), about the newest
        # certificate issued (or, before any, its own certificate: "unknown").
        newest = next(reversed(ca.state.issued.values()), None)
        about = newest.certificate if newest is not None else responder.certificate
        question = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(about, ca.keys.issuing.certificate, hashes.SHA256())
            .build()
            .public_bytes(serialization.Encoding.DER)
        )
        answer = ocsp.load_der_ocsp_response(await ca.ocsp(question))
        return render(
            request,
            "ra_revocation.html",
            crl=crl,
            crl_number=number,
            revoked_count=len(crl),
            responder=responder.certificate,
            answer=answer,
            about=format(about.serial_number, "x"),
            answer_state=answer.certificate_status.name.lower(),
            fresh_minutes=int(OCSP_VALIDITY.total_seconds() // 60),
        )

    return router


def mount_pages(app: FastAPI, components: RegistryComponents) -> None:
    """The pages on ``app``: signing in with the НУЦ's own check of a person's signature
    (chain, validity, revocation from the CA's state), the texts, templates and routes."""
    app.state.pages = registry_pages()
    sessions = mount_sign_in(app, SERVICE, components.verify_person)
    app.include_router(registry_router(components, sessions))
