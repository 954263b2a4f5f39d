"""registry_svc's own HTTP routes: the CA (CRL, OCSP, issuance, revocation) and the person and
legal-entity registries.

CRL, OCSP and the CA chain are public, as НУЦ publishes them: a relying party must be able to
check a signature before it can trust anyone. Everything else answers only a caller whose
signature over the request (``shared.pki.http_signing``) verifies against this CA, and whose
kind ``shared.authz.ROUTES`` admits to the route: the registration authority issues and
revokes (a holder may revoke their own certificate), registrars write the registries, and
registrars and the gateway's sync channel read them.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the route annotations at
# definition time, and the ``Caller`` alias is local to build_router.
import base64
from typing import Annotated, Any

from cryptography.hazmat.primitives import serialization
from fastapi import APIRouter, Depends, Request, Response

from registry_svc.components import RegistryComponents
from registry_svc.domain.registry import LegalEntity, LegalEntityChanges, Person, PersonChanges
from registry_svc.entrypoints.schemas import (
    CertificateStatusOut,
    IssueCertificate,
    IssuedCertificateOut,
    RevokeCertificate,
)
from registry_svc.errors import CallerRejected, RegistryError
from registry_svc.holders import build_holder
from shared.authz import Caller, HolderCheck, Kind, RoleRequired, guard
from shared.pki.http_signing import SignedCallRefused
from shared.pki.messages import message
from shared.pki.revocation import CertState, parse_reason
from shared.signing import SignerIdentity

OCSP_REQUEST = "application/ocsp-request"
OCSP_RESPONSE = "application/ocsp-response"
PKIX_CRL = "application/pkix-crl"
PKIX_CERT = "application/pkix-cert"  # RFC 5280 4.2.2.1: what an HTTP caIssuers URI serves
_MAX_OCSP_REQUEST = 64 * 1024

SERVICE = "registry"


def _parse_serial(serial: str) -> int:
    try:
        return int(serial, 16)
    except ValueError:
        raise RegistryError(
            f"serial {serial!r} is not hexadecimal", code="invalid_serial", status=422
        ) from None


def _requested_by(caller: Caller) -> str | None:
    """Who asked for an issuance, as the event records it (the RA operator's certificate)."""
    identity = caller.identity
    return None if identity is None else f"{identity.subject} ({identity.serial})"


def build_router(components: RegistryComponents) -> APIRouter:
    router = APIRouter()

    async def signed_caller(request: Request) -> SignerIdentity:
        # Headers, timestamp window, signature (revocation from the CA's refreshed state), then
        # the nonce against this store: shared.pki.http_signing.SignedCalls.
        try:
            return await components.signed_calls.check_request(request)
        except SignedCallRefused as refused:
            found = refused.verification
            prefix = message(found.code, "en") if found is not None else ""
            raise CallerRejected(
                f"{prefix} {refused.detail}".strip(),
                code=refused.answer_code(refused.code.lower()),
            ) from None

    def may(method: str, path: str) -> Any:
        """The route's entry in shared.authz.ROUTES, checked on the verified signer."""
        return Depends(
            guard(
                SERVICE,
                method,
                path,
                signed_caller,
                enforced=lambda: components.require_signed_requests,
            )
        )

    # --- certification authority -------------------------------------------------------------

    @router.get(
        "/crl",
        tags=["ca"],
        summary="The full certificate revocation list (DER)",
        response_class=Response,
        responses={200: {"content": {PKIX_CRL: {}}}},
    )
    async def crl() -> Response:
        return Response(await components.ca.crl_der(), media_type=PKIX_CRL)

    @router.get(
        "/crl/root",
        tags=["ca"],
        summary="The root CA's certificate revocation list (DER): revoked CA certificates",
        response_class=Response,
        responses={200: {"content": {PKIX_CRL: {}}}},
    )
    async def root_crl() -> Response:
        return Response(await components.ca.root_crl_der(), media_type=PKIX_CRL)

    @router.get(
        "/ca/issuing.crt",
        tags=["ca"],
        summary="The issuing CA's certificate (DER), named by end-entity certificates' AIA",
        response_class=Response,
        responses={200: {"content": {PKIX_CERT: {}}}},
    )
    async def issuing_certificate() -> Response:
        return Response(components.ca.certificate_der("issuing"), media_type=PKIX_CERT)

    @router.get(
        "/ca/root.crt",
        tags=["ca"],
        summary="The root CA's certificate (DER), named by the issuing CA certificate's AIA",
        response_class=Response,
        responses={200: {"content": {PKIX_CERT: {}}}},
    )
    async def root_certificate() -> Response:
        return Response(components.ca.certificate_der("root"), media_type=PKIX_CERT)

    @router.post(
        "/ocsp",
        tags=["ca"],
        summary="RFC 6960 OCSP responder (POST application/ocsp-request)",
        response_class=Response,
        responses={200: {"content": {OCSP_RESPONSE: {}}}},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {OCSP_REQUEST: {"schema": {"type": "string", "format": "binary"}}},
            }
        },
    )
    async def ocsp(request: Request) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        if content_type != OCSP_REQUEST:
            raise RegistryError(
                f"OCSP requests are sent as {OCSP_REQUEST}, not {content_type or 'nothing'}",
                code="unsupported_media_type",
                status=415,
            )
        body = await request.body()
        if len(body) > _MAX_OCSP_REQUEST:
            raise RegistryError("the OCSP request is too large", code="too_large", status=413)
        return Response(await components.ca.ocsp(body), media_type=OCSP_RESPONSE)

    @router.get(
        "/ocsp/{encoded:path}",
        tags=["ca"],
        summary="RFC 6960 A.1 OCSP over GET: the base64 DER request in the path",
        response_class=Response,
        responses={200: {"content": {OCSP_RESPONSE: {}}}},
    )
    async def ocsp_get(encoded: str) -> Response:
        try:
            # The path is URL-decoded already; base64 of DER, standard alphabet (RFC 6960 A.1).
            body = base64.b64decode(encoded, validate=True)
        except ValueError:
            body = b""  # answered below as malformedRequest, as a POST of garbage would be
        if len(body) > _MAX_OCSP_REQUEST:
            raise RegistryError("the OCSP request is too large", code="too_large", status=413)
        return Response(await components.ca.ocsp(body), media_type=OCSP_RESPONSE)

    @router.get(
        "/ca/chain.pem",
        tags=["ca"],
        summary="The issuing CA and root certificates (PEM), to install as trust anchors",
        response_class=Response,
        responses={200: {"content": {"application/x-pem-file": {}}}},
    )
    async def chain() -> Response:
        return Response(components.ca.pem_chain(), media_type="application/x-pem-file")

    @router.post(
        "/ca/certificates",
        tags=["ca"],
        summary="Issue a certificate and hand out its key as a PKCS#12 file",
        status_code=201,
    )
    async def issue(
        body: IssueCertificate,
        caller: Annotated[Caller, may("POST", "/ca/certificates")],
    ) -> IssuedCertificateOut:
        holder = build_holder(
            body.kind.value,
            iin=body.iin,
            surname=body.surname,
            given_name=body.given_name,
            patronymic=body.patronymic,
            bin_=body.bin,
            organization=body.organization,
            role=body.role,
            system_id=body.system_id,
        )
        issued = await components.ca.issue(
            holder,
            body.purpose,
            password=body.password,
            algorithm=body.algorithm,
            reissue=body.reissue,
            requested_by=_requested_by(caller),
        )
        record = await components.ca.certificate(issued.serial)
        return IssuedCertificateOut(
            serial=format(issued.serial, "x"),
            subject=record.subject,
            certificate_pem=issued.certificate.public_bytes(serialization.Encoding.PEM).decode(),
            pkcs12_base64=base64.b64encode(issued.pkcs12).decode(),
        )

    async def status_of(serial: int) -> CertificateStatusOut:
        record = await components.ca.certificate(serial)
        status = components.ca.state.status(serial)
        revocation = status.revocation
        return CertificateStatusOut(
            serial=format(serial, "x"),
            subject=record.subject,
            iin=record.iin,
            bin=record.bin,
            holder_kind=record.holder_kind,
            role=record.role,
            purpose=record.purpose,
            not_before=record.not_before,
            not_after=record.not_after,
            status="revoked" if status.state is CertState.REVOKED else "good",
            revoked_at=revocation.revoked_at if revocation else None,
            revocation_reason=revocation.reason.value if revocation else None,
        )

    async def held(serial: int, caller: Caller, action: str) -> None:
        """The RA acts on any certificate; anyone else only on their own."""
        if caller.has(Kind.RA_OPERATOR):
            return
        record = await components.ca.certificate(serial)
        own = HolderCheck(
            format(serial, "x"), record.subject, record.iin, record.bin, record.holder_kind
        )
        if not own.held_by(caller):
            raise RoleRequired(
                f"only the registration authority (ra_operator) or the certificate's own "
                f"holder may {action} certificate {serial:x}"
            )

    def holder_or_ra(method: str, path: str, action: str) -> Any:
        """The certificate the path names, once the caller may act on it: checked before the
        body is read, so a refused caller learns nothing about what they sent."""

        async def dependency(serial: str, caller: Annotated[Caller, may(method, path)]) -> int:
            number = _parse_serial(serial)
            await held(number, caller, action)
            return number

        return Depends(dependency)

    @router.get("/ca/certificates/{serial}", tags=["ca"], summary="A certificate's status")
    async def certificate(
        number: Annotated[int, holder_or_ra("GET", "/ca/certificates/{serial}", "read")],
    ) -> CertificateStatusOut:
        return await status_of(number)

    @router.post(
        "/ca/certificates/{serial}/revocation",
        tags=["ca"],
        summary="Revoke a certificate with an RFC 5280 reason",
    )
    async def revoke(
        number: Annotated[
            int, holder_or_ra("POST", "/ca/certificates/{serial}/revocation", "revoke")
        ],
        body: RevokeCertificate,
    ) -> CertificateStatusOut:
        try:
            reason = parse_reason(body.reason)
        except ValueError as exc:
            raise RegistryError(str(exc), code="invalid_reason", status=422) from exc
        await components.ca.revoke(number, reason)
        return await status_of(number)

    # --- registries --------------------------------------------------------------------------

    @router.get(
        "/persons/{iin}",
        tags=["persons"],
        summary="A person by IIN (ГБД ФЛ)",
        responses={404: {"description": "person_not_found"}, 422: {"description": "invalid_iin"}},
    )
    async def person(iin: str, _caller: Annotated[Caller, may("GET", "/persons/{iin}")]) -> Person:
        return await components.registry.person(iin)

    @router.post("/persons", tags=["persons"], summary="Register a person", status_code=201)
    async def register_person(
        body: Person, _caller: Annotated[Caller, may("POST", "/persons")]
    ) -> Person:
        await components.registry.register_person(body)
        return await components.registry.person(body.iin)

    @router.patch(
        "/persons/{iin}", tags=["persons"], summary="Change a person (records a change event)"
    )
    async def change_person(
        iin: str, body: PersonChanges, _caller: Annotated[Caller, may("PATCH", "/persons/{iin}")]
    ) -> Person:
        return await components.registry.change_person(iin, body)

    @router.get(
        "/legal-entities/{bin}",
        tags=["legal entities"],
        summary="A legal entity by BIN (ГБД ЮЛ)",
        responses={
            404: {"description": "legal_entity_not_found"},
            422: {"description": "invalid_bin"},
        },
    )
    async def entity(
        bin: str, _caller: Annotated[Caller, may("GET", "/legal-entities/{bin}")]
    ) -> LegalEntity:
        return await components.registry.entity(bin)

    @router.get(
        "/legal-entities",
        tags=["legal entities"],
        summary="Legal entities whose head has this IIN",
    )
    async def entities_by_head(
        head_iin: str, _caller: Annotated[Caller, may("GET", "/legal-entities")]
    ) -> list[LegalEntity]:
        return await components.registry.entities_headed_by(head_iin)

    @router.post(
        "/legal-entities",
        tags=["legal entities"],
        summary="Register a legal entity",
        status_code=201,
    )
    async def register_entity(
        body: LegalEntity, _caller: Annotated[Caller, may("POST", "/legal-entities")]
    ) -> LegalEntity:
        await components.registry.register_entity(body)
        return await components.registry.entity(body.bin)

    @router.patch(
        "/legal-entities/{bin}",
        tags=["legal entities"],
        summary="Change a legal entity (records a change event)",
    )
    async def change_entity(
        bin: str,
        body: LegalEntityChanges,
        _caller: Annotated[Caller, may("PATCH", "/legal-entities/{bin}")],
    ) -> LegalEntity:
        return await components.registry.change_entity(bin, body)

    return router
