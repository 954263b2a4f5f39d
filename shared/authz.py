"""Who may call what: the kinds of caller, read from the caller's verified certificate, and one
table of guarded routes mapped to the kinds allowed to call them.

A service computes the signed caller's :class:`~shared.signing.SignerIdentity` as it always has
(its signature check is not touched here); :func:`kinds_of` reads the kinds from the
certificate's OIDs (``SignerIdentity.oids``) and its subject:

* НУЦ's holder types (``shared.pki.oids``): an individual is a **citizen**; a legal entity's
  first head (or signer with the right to sign) is an **entity head**; its employee is
  **staff** (a workstation's staff, a PSC operator and E-licensing's staff all carry the
  employee OID: which of them a person is, the service's own roster says); an information
  system is a **system**, its id the certificate's CN;
* the simulator's role OIDs (``ROLE_*`` under ``SIMULATOR_ARC``): **RA operator**,
  **registrar**, **gateway operator**, **simulation operator**.

:data:`ROUTES` maps ``(service, method, path template)`` to an :class:`Allowed`, and
:func:`guard` makes the one FastAPI dependency every guarded route uses: it answers 401 for an
unsigned call where a signature is needed (the service's own check) and 403 ``ROLE_REQUIRED``
naming the kinds allowed when the caller is none of them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from fastapi import Request

from shared.pki import oids
from shared.pki.profiles import EntityRole
from shared.signing import SignerIdentity
from shared.web import ServiceError


class Kind(StrEnum):
    ANONYMOUS = "anonymous"
    CITIZEN = "citizen"
    ENTITY_HEAD = "entity_head"
    STAFF = "staff"  # a legal entity's employee: workstation staff, PSC operator, E-licensing
    WORKSTATION_STAFF = "workstation_staff"  # STAFF on a provider workstation's roster
    PSC_OPERATOR = "psc_operator"  # STAFF at a PSC desk (portal's roster)
    ELICENSE_STAFF = "elicense_staff"  # STAFF on E-licensing's roster
    SYSTEM = "system"  # an information system; which one is its CN (Allowed.systems)
    RA_OPERATOR = "ra_operator"
    REGISTRAR = "registrar"
    GATEWAY_OPERATOR = "gateway_operator"
    SIMULATION_OPERATOR = "simulation_operator"


# The kinds a certificate's OIDs alone give (the rostered staff kinds are the services' to add).
_ROLE_KINDS: Mapping[str, Kind] = {
    oids.ROLE_RA_OPERATOR.dotted_string: Kind.RA_OPERATOR,
    oids.ROLE_REGISTRAR.dotted_string: Kind.REGISTRAR,
    oids.ROLE_GATEWAY_OPERATOR.dotted_string: Kind.GATEWAY_OPERATOR,
    oids.ROLE_SIMULATION_OPERATOR.dotted_string: Kind.SIMULATION_OPERATOR,
}
_HEAD_OIDS = frozenset(
    {EntityRole.FIRST_HEAD.holder_oid.dotted_string, EntityRole.SIGNER.holder_oid.dotted_string}
)
_EMPLOYEE_OIDS = frozenset(
    role.holder_oid.dotted_string
    for role in (EntityRole.EMPLOYEE, EntityRole.FINANCE, EntityRole.HR)
)


@dataclass(frozen=True)
class Caller:
    """A caller as the guard sees it: the verified identity (None: anonymous) and its kinds."""

    identity: SignerIdentity | None
    kinds: frozenset[Kind]

    @property
    def system_id(self) -> str | None:
        return self.identity.subject if Kind.SYSTEM in self.kinds and self.identity else None

    def has(self, kind: Kind) -> bool:
        return kind in self.kinds

    def verified(self) -> SignerIdentity:
        """The verified identity of a signed route's caller (the guard admitted nobody else)."""
        if self.identity is None:
            raise ServiceError(
                "this route needs a signed call", code="signature_missing", status=401
            )
        return self.identity


def kinds_of(identity: SignerIdentity | None) -> frozenset[Kind]:
    """The kinds of the holder of a verified certificate (its OIDs, see the module's text)."""
    if identity is None:
        return frozenset({Kind.ANONYMOUS})
    found = identity.oids
    kinds = {kind for oid, kind in _ROLE_KINDS.items() if oid in found}
    if oids.HOLDER_INFORMATION_SYSTEM.dotted_string in found:
        kinds.add(Kind.SYSTEM)
    elif oids.HOLDER_INDIVIDUAL.dotted_string in found and identity.iin:
        kinds.add(Kind.CITIZEN)
    elif oids.HOLDER_LEGAL_ENTITY.dotted_string in found and identity.iin:
        if found & _HEAD_OIDS:
            kinds.add(Kind.ENTITY_HEAD)
        if found & _EMPLOYEE_OIDS:
            kinds.add(Kind.STAFF)
    return frozenset(kinds)


def caller_of(identity: SignerIdentity | None) -> Caller:
    return Caller(identity, kinds_of(identity))


class Auth(StrEnum):
    """How a route's caller proves who they are."""

    PUBLIC = "public"  # nobody needs to: published information, health, sign-up and log-in
    SESSION = "session"  # the portal's session (``Authorization: Bearer``) of an applicant
    SIGNED = "signed"  # a fresh signed call: X-Egov-Signature, -Timestamp, -Nonce
    SYNC = "sync"  # the gateway's sync channel: a system's signed envelope or signed call
    # A page for a person who signed in with a certificate (shared.pages.sessions): the
    # session's certificate is re-verified at each request and read like a signed call's.
    PAGE = "page"


class Scope(StrEnum):
    """What a route checks beyond the caller's kind: the caller's relation to what it names."""

    OWNER = "owner"  # the session's own request
    HOLDER = "holder"  # the certificate's own holder (the RA acts on any)
    WORKSTATION = "workstation"  # on the roster of the workstation in the path, with its BIN
    SUPERVISOR = "supervisor"  # WORKSTATION, as its head or deputy (deadlines, SLA)
    PSC = "psc"  # an operator of a PSC: the certificate's BIN is a center's
    ELICENSE = "elicense"  # on E-licensing's staff directory, with the provider's BIN


@dataclass(frozen=True)
class Refusal:
    """A named refusal: the HTTP status and the error body's code (one of ``codes``)."""

    status: int
    codes: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.status} {' / '.join(self.codes)}"


# The refusal of a call without the credentials its route needs.
UNAUTHENTICATED: Mapping[str, Refusal] = {
    "portal": Refusal(401, ("not_authenticated",)),
    "gateway": Refusal(401, ("SIGNATURE_MISSING",)),
    "elicense": Refusal(401, ("AUTHORIZATION_REFUSED",)),
    "registry": Refusal(401, ("signature_missing",)),
    "provider": Refusal(401, ("signature_missing",)),
    "*": Refusal(401, ("SIGNATURE_MISSING",)),  # /simulation/clock on every service
}
# A page asked for without a session: a redirect to the service's sign-in page.
NOT_SIGNED_IN = Refusal(303, ("sign_in",))
# A verified caller of a kind the route does not admit.
WRONG_KIND = Refusal(403, ("ROLE_REQUIRED",))
# A caller of the right kind without the relation the route's scope asks for.
OUT_OF_SCOPE: Mapping[Scope, Refusal] = {
    Scope.OWNER: Refusal(403, ("not_yours",)),
    Scope.HOLDER: Refusal(403, ("ROLE_REQUIRED",)),
    Scope.WORKSTATION: Refusal(403, ("not_staff", "wrong_bin")),
    Scope.SUPERVISOR: Refusal(403, ("not_staff", "wrong_bin", "not_a_supervisor")),
    Scope.PSC: Refusal(403, ("not_an_operator",)),
    Scope.ELICENSE: Refusal(401, ("AUTHORIZATION_REFUSED",)),
}
# The sync channel's refusals: an unsigned body is read as an envelope without its signature; a
# call signed with a certificate that is no information system's does not speak for a system;
# a system that is not one of the service's clients is refused by the gateway's rules.
UNSIGNED_SYNC = Refusal(400, ("INVALID_ENVELOPE",))
NOT_A_SYSTEM = Refusal(401, ("SENDER_MISMATCH",))
NOT_A_CLIENT = Refusal(403, ("ROUTE_DENIED", "UNKNOWN_SENDER"))


@dataclass(frozen=True)
class Allowed:
    """Who may call a route: how they authenticate (``auth``); any caller of ``kinds`` or an
    information system named in ``systems`` (``*`` ends a prefix: ``provider.*``); and, with
    a ``scope``, only those of them in that relation to what the route names (the route
    checks that itself, after the kind; the RA passes ``HOLDER``)."""

    kinds: frozenset[Kind] = frozenset()
    systems: frozenset[str] = frozenset()
    scope: Scope | None = None
    auth: Auth = Auth.SIGNED
    why: str = ""
    # A page (HTML): without a session it redirects to sign in rather than answering 401.
    page: bool = False

    @property
    def holder(self) -> bool:
        return self.scope is Scope.HOLDER

    def admits_kinds(self, kinds: frozenset[Kind], system_id: str | None) -> bool:
        if self.auth is Auth.PUBLIC or Kind.ANONYMOUS in self.kinds or kinds & self.kinds:
            return True
        if system_id is not None and any(_system_matches(s, system_id) for s in self.systems):
            return True
        # A holder may be anyone verified: the route itself compares them with the holder.
        return self.holder and Kind.ANONYMOUS not in kinds

    def admits(self, caller: Caller) -> bool:
        return self.admits_kinds(caller.kinds, caller.system_id)

    def needed(self) -> list[str]:
        names = sorted(k.value for k in self.kinds)
        names += [f"system:{s}" for s in sorted(self.systems)]
        if self.holder:
            names.append("holder")
        return names


def _system_matches(pattern: str, system_id: str) -> bool:
    if pattern.endswith("*"):
        return system_id.startswith(pattern[:-1])
    return system_id == pattern


def allow(
    *kinds: Kind,
    systems: Iterable[str] = (),
    scope: Scope | None = None,
    auth: Auth = Auth.SIGNED,
    why: str = "",
    page: bool = False,
) -> Allowed:
    return Allowed(frozenset(kinds), frozenset(systems), scope, auth, why, page)


def public(why: str, *, page: bool = False) -> Allowed:
    return Allowed(auth=Auth.PUBLIC, why=why, page=page)


def page(*kinds: Kind, scope: Scope | None = None, why: str) -> Allowed:
    """A page for people who signed in with a certificate (shared.pages.sessions)."""
    return allow(*kinds, scope=scope, auth=Auth.PAGE, why=why, page=True)


# (service, HTTP method, path template as the router declares it) -> who may call it.
Route = tuple[str, str, str]

_OPERATIONS = public("liveness and metrics for the operator's monitoring (no personal data)")
_REGISTRY_READ = allow(
    Kind.REGISTRAR,
    systems=("gateway",),
    why="state information systems read the registries through the gateway's sync channel "
    "(the gateway signs the call); registrars read what they keep",
)
_REGISTRY_WRITE = allow(Kind.REGISTRAR, why="only a registrar writes ГБД ФЛ / ГБД ЮЛ")
_RA_REGISTRAR = page(Kind.REGISTRAR, why="the registrar's pages of ГБД ФЛ / ГБД ЮЛ")
_RA_PAGE = page(Kind.RA_OPERATOR, why="the registration authority's certificate pages")
_CA_PUBLISHED = public("what the НУЦ publishes so that anyone can check a signature")
_GATEWAY_OPERATOR = allow(Kind.GATEWAY_OPERATOR, why="the gateway's operator routes")
_GATEWAY_LOG = allow(
    Kind.GATEWAY_OPERATOR,
    Kind.SIMULATION_OPERATOR,
    why="the gateway's operator; the simulation operator follows journeys (IINs masked)",
)
_CONSOLE = page(Kind.GATEWAY_OPERATOR, why="the gateway operator's console")
_CONSOLE_LOG = page(
    Kind.GATEWAY_OPERATOR,
    Kind.SIMULATION_OPERATOR,
    why="the gateway's operator; the simulation operator follows journeys (IINs masked)",
)
_APPLICANT = allow(
    Kind.CITIZEN,
    Kind.ENTITY_HEAD,
    auth=Auth.SESSION,
    why="the applicant signed in to the portal (by EDS or password)",
)
_OWN_REQUEST = allow(
    Kind.CITIZEN,
    Kind.ENTITY_HEAD,
    auth=Auth.SESSION,
    scope=Scope.OWNER,
    why="the applicant whose request it is",
)


def as_page(api: Allowed, why: str) -> Allowed:
    """The page row of the people an API row admits: the same kinds and scope, in a browser
    (a signed call becomes a signed-in page session; the portal's session stays its session,
    held in a cookie); without a session a page redirects to sign in."""
    auth = Auth.PAGE if api.auth is Auth.SIGNED else api.auth
    return replace(api, auth=auth, why=why, page=True)


# The applicant's pages at the portal: the same session (a cookie holding the portal's session
# token); without one, a redirect to the portal's log-in page.
_APPLICANT_PAGE = as_page(
    _APPLICANT, "the applicant logged in to the portal (by EDS or password), in a browser"
)
_OWN_REQUEST_PAGE = as_page(_OWN_REQUEST, "the applicant whose request it is, in a browser")


def _staff(scope: Scope, why: str) -> Allowed:
    """A route for an organisation's people (an employee, or its head or signer), whom the
    route's ``scope`` narrows to those of the right roster or directory and BIN."""
    return allow(Kind.STAFF, Kind.ENTITY_HEAD, scope=scope, why=why)


_PSC = _staff(Scope.PSC, "a PSC operator, signing with the employee certificate of their center")
# The PSC desk's pages: the same operators, signed in with their certificate in a browser.
_PSC_PAGE = as_page(_PSC, "a PSC operator, signed in with the employee certificate of their center")
_WORKSTATION = _staff(
    Scope.WORKSTATION,
    "the workstation's staff (its roster; the employee certificate of its BIN)",
)
_SUPERVISOR = _staff(
    Scope.SUPERVISOR, "the workstation's head or deputy (002: the deputy reviews for the head)"
)
# The workstation's pages: the same people, signed in with the same certificate in a browser.
_WORKSTATION_PAGE = as_page(
    _WORKSTATION, "the workstation's staff, signed in with the employee certificate of its BIN"
)
_SUPERVISOR_PAGE = as_page(
    _SUPERVISOR, "the workstation's head or deputy, signed in with the certificate of its BIN"
)
_ELICENSE_STAFF = _staff(
    Scope.ELICENSE,
    "E-licensing's staff (its directory; the employee certificate of the provider's BIN)",
)

# E-licensing's desk pages: the API's staff, signed in with the same certificate.
_ELICENSE_DESK = as_page(
    _ELICENSE_STAFF,
    "E-licensing's staff, signed in (its directory; the employee certificate of the "
    "provider's BIN)",
)

# The applicant at elicense.kz, signed in with their certificate: their own requests only (the
# certificate's IIN, or the BIN its head signs for; another's request is not found).
_ELICENSE_APPLICANT = page(
    Kind.CITIZEN,
    Kind.ENTITY_HEAD,
    why="the applicant signed in at elicense.kz with their certificate (their own requests)",
)

ROUTES: Mapping[Route, Allowed] = {
    # --- every service ---------------------------------------------------------------------
    ("*", "GET", "/"): public(
        "the service's home page: its pages and the developer's links", page=True
    ),
    # Signing in with a certificate in a browser, where a service has pages for people who sign.
    ("*", "GET", "/sign-in"): public("the sign-in page", page=True),
    ("*", "POST", "/sign-in/challenge"): public("a challenge to sign (bounded, in memory)"),
    ("*", "POST", "/sign-in"): public("the signed challenge opens a session"),
    ("*", "POST", "/sign-out"): public("ends the caller's own session, if any"),
    ("*", "GET", "/health"): _OPERATIONS,
    ("*", "GET", "/metrics"): _OPERATIONS,
    ("*", "GET", "/simulation/clock"): public("the business clock's time is no secret"),
    ("*", "PUT", "/simulation/clock"): allow(
        Kind.SIMULATION_OPERATOR, why="only the simulation operator moves the simulated time"
    ),
    # The НУЦ and the gateway keep real time: a move is refused (409 clock_not_simulated).
    ("gateway", "PUT", "/simulation/clock"): public("real time: every move is refused, 409"),
    ("registry", "PUT", "/simulation/clock"): public("real time: every move is refused, 409"),
    # --- portal_svc: the ЭҮП -----------------------------------------------------------------
    ("portal", "POST", "/auth/register"): public("sign-up, proven by the applicant's EDS"),
    ("portal", "POST", "/auth/login"): public("log-in by password (throttled per source, IIN)"),
    ("portal", "GET", "/auth/challenge"): public("the challenge an EDS log-in signs"),
    ("portal", "POST", "/auth/login/signed"): public("log-in by EDS (throttled per source)"),
    ("portal", "POST", "/auth/logout"): _APPLICANT,
    ("portal", "GET", "/catalog"): public("the services in force, as the portal publishes them"),
    ("portal", "GET", "/verify/{number}"): public(
        "anyone checks a result document by its number, where its QR code leads: validity, "
        "kind, decision, issuer, date, signer; never its holder (JSON, or a page for a browser)"
    ),
    ("portal", "GET", "/survey"): public("the quality survey's questions"),
    ("portal", "GET", "/survey/indicators"): public("the published quality indicators"),
    ("portal", "POST", "/requests"): _APPLICANT,
    ("portal", "GET", "/cabinet/requests"): _APPLICANT,
    ("portal", "GET", "/cabinet/stream"): _APPLICANT,
    ("portal", "PUT", "/requests/{request_id}/form"): _OWN_REQUEST,
    ("portal", "PUT", "/requests/{request_id}/documents/{code}"): _OWN_REQUEST,
    ("portal", "GET", "/requests/{request_id}/signing-payload"): _OWN_REQUEST,
    ("portal", "POST", "/requests/{request_id}/sign"): _OWN_REQUEST,
    ("portal", "GET", "/cabinet/requests/{request_id}"): _OWN_REQUEST,
    ("portal", "GET", "/cabinet/requests/{request_id}/result"): _OWN_REQUEST,
    ("portal", "GET", "/cabinet/requests/{request_id}/result.pdf"): _OWN_REQUEST,
    ("portal", "POST", "/requests/{request_id}/survey"): _OWN_REQUEST,
    # The portal's pages: the catalog, logging in and registering, the cabinet, the form.
    ("portal", "GET", "/services"): public("the catalog of the services in force", page=True),
    ("portal", "GET", "/services/{code}"): public(
        "a service's page: term, cost, documents, result, where to ask and complain", page=True
    ),
    ("portal", "POST", "/sign-in/password"): public(
        "log-in by password from the page (throttled as /auth/login)"
    ),
    ("portal", "POST", "/sign-in/eds/challenge"): public(
        "the challenge an EDS log-in signs (bounded, in memory)"
    ),
    ("portal", "POST", "/sign-in/eds"): public("log-in by EDS from the page (throttled)"),
    ("portal", "GET", "/register"): public("the registration page", page=True),
    ("portal", "POST", "/register"): public("sign-up from the page, proven by the EDS"),
    ("portal", "GET", "/services/{code}/apply"): _APPLICANT_PAGE,
    ("portal", "POST", "/services/{code}/apply"): _APPLICANT_PAGE,
    ("portal", "GET", "/my/requests"): _APPLICANT_PAGE,
    ("portal", "GET", "/my/requests/{request_id}"): _OWN_REQUEST_PAGE,
    ("portal", "GET", "/my/requests/{request_id}/events"): _OWN_REQUEST_PAGE,
    ("portal", "GET", "/my/requests/{request_id}/result"): _OWN_REQUEST_PAGE,
    ("portal", "GET", "/my/requests/{request_id}/result.pdf"): _OWN_REQUEST_PAGE,
    ("portal", "POST", "/my/requests/{request_id}/form"): _OWN_REQUEST_PAGE,
    ("portal", "POST", "/my/requests/{request_id}/documents/{code}"): _OWN_REQUEST_PAGE,
    ("portal", "POST", "/my/requests/{request_id}/sign"): _OWN_REQUEST_PAGE,
    ("portal", "POST", "/my/requests/{request_id}/survey"): _OWN_REQUEST_PAGE,
    # The PSC desk's pages; the operators sign in with their certificate under /psc (the
    # portal's /sign-in is the applicants').
    ("portal", "GET", "/psc/sign-in"): public("the PSC operator's sign-in page", page=True),
    ("portal", "POST", "/psc/sign-in/challenge"): public(
        "a challenge to sign (bounded, in memory)"
    ),
    ("portal", "POST", "/psc/sign-in"): public("the signed challenge opens a session"),
    ("portal", "POST", "/psc/sign-out"): public("ends the caller's own session, if any"),
    ("portal", "GET", "/psc/desk"): _PSC_PAGE,
    ("portal", "GET", "/psc/desk/new"): _PSC_PAGE,
    ("portal", "POST", "/psc/desk/new"): _PSC_PAGE,
    ("portal", "GET", "/psc/desk/requests/{request_id}"): _PSC_PAGE,
    ("portal", "GET", "/psc/desk/requests/{request_id}/events"): _PSC_PAGE,
    ("portal", "POST", "/psc/desk/requests/{request_id}/form"): _PSC_PAGE,
    ("portal", "POST", "/psc/desk/requests/{request_id}/documents/{code}"): _PSC_PAGE,
    ("portal", "POST", "/psc/desk/requests/{request_id}/sign"): _PSC_PAGE,
    ("portal", "POST", "/psc/desk/requests/{request_id}/hand-out"): _PSC_PAGE,
    ("portal", "POST", "/psc/requests"): _PSC,
    ("portal", "GET", "/psc/requests"): _PSC,
    ("portal", "PUT", "/psc/requests/{request_id}/form"): _PSC,
    ("portal", "PUT", "/psc/requests/{request_id}/documents/{code}"): _PSC,
    ("portal", "GET", "/psc/requests/{request_id}/signing-payload"): _PSC,
    ("portal", "POST", "/psc/requests/{request_id}/sign"): _PSC,
    ("portal", "POST", "/psc/requests/{request_id}/hand-out"): _PSC,
    ("portal", "GET", "/psc/emails"): _PSC,
    # --- gateway_svc -------------------------------------------------------------------------
    ("gateway", "POST", "/sync/{service_id}"): allow(
        systems=("portal", "elicense", "provider.*"),
        auth=Auth.SYNC,
        why="the information systems the rules name as the sync service's clients",
    ),
    ("gateway", "GET", "/trace/{correlation_id}"): _GATEWAY_LOG,
    ("gateway", "GET", "/messages"): _GATEWAY_LOG,
    ("gateway", "GET", "/parked"): _GATEWAY_OPERATOR,
    ("gateway", "POST", "/parked/{message_id}/{recipient}/redrive"): _GATEWAY_OPERATOR,
    ("gateway", "POST", "/parked/{message_id}/{recipient}/stop"): _GATEWAY_OPERATOR,
    ("gateway", "POST", "/admin/rules/reload"): _GATEWAY_OPERATOR,
    # The gateway console: the same data to the same kinds as the API rows above.
    ("gateway", "GET", "/console/messages"): _CONSOLE_LOG,
    ("gateway", "GET", "/console/trace"): _CONSOLE_LOG,
    ("gateway", "GET", "/console/trace/{correlation_id}"): _CONSOLE_LOG,
    ("gateway", "GET", "/console/parked"): _CONSOLE,
    ("gateway", "POST", "/console/parked/{message_id}/{recipient}/redrive"): _CONSOLE,
    ("gateway", "POST", "/console/parked/{message_id}/{recipient}/stop"): _CONSOLE,
    ("gateway", "GET", "/console/rules"): _CONSOLE,
    ("gateway", "POST", "/console/rules/reload"): _CONSOLE,
    ("gateway", "GET", "/console/traffic"): _CONSOLE,
    # --- elicense_svc --------------------------------------------------------------------------
    ("elicense", "GET", "/staff/requests"): _ELICENSE_STAFF,
    ("elicense", "POST", "/staff/requests"): _ELICENSE_STAFF,
    ("elicense", "GET", "/staff/requests/{request_id}"): _ELICENSE_STAFF,
    ("elicense", "POST", "/staff/requests/{request_id}/documents"): _ELICENSE_STAFF,
    ("elicense", "POST", "/staff/requests/{request_id}/actions"): _ELICENSE_STAFF,
    ("elicense", "POST", "/staff/requests/{request_id}/permit-draft"): _ELICENSE_STAFF,
    ("elicense", "POST", "/staff/permits/{number}/reissue-draft"): _ELICENSE_STAFF,
    ("elicense", "POST", "/staff/permits/{number}/{command}"): _ELICENSE_STAFF,
    ("elicense", "GET", "/permits/{number}"): public(
        "anyone checks a permit's validity; its holder and staff (signed) read it in full"
    ),
    ("elicense", "GET", "/check"): public(
        "the permit check page: validity only; its holder and staff (signed in) see it whole",
        page=True,
    ),
    ("elicense", "GET", "/check/{number}"): public(
        "a permit's QR code lands here: validity and the document's hash, never the holder",
        page=True,
    ),
    ("elicense", "GET", "/apply"): public(
        "the services E-licensing takes requests for at elicense.kz (published facts)", page=True
    ),
    ("elicense", "GET", "/apply/{service}"): _ELICENSE_APPLICANT,
    ("elicense", "POST", "/apply/{service}"): _ELICENSE_APPLICANT,
    ("elicense", "POST", "/apply/{service}/sign"): _ELICENSE_APPLICANT,
    ("elicense", "GET", "/my/requests"): _ELICENSE_APPLICANT,
    ("elicense", "GET", "/my/requests/{request_id}"): _ELICENSE_APPLICANT,
    ("elicense", "GET", "/desk"): _ELICENSE_DESK,
    ("elicense", "GET", "/desk/requests/{request_id}"): _ELICENSE_DESK,
    ("elicense", "POST", "/desk/requests/{request_id}/actions"): _ELICENSE_DESK,
    ("elicense", "POST", "/desk/requests/{request_id}/documents"): _ELICENSE_DESK,
    ("elicense", "POST", "/desk/requests/{request_id}/permit-draft"): _ELICENSE_DESK,
    ("elicense", "GET", "/desk/requests/{request_id}/permit"): _ELICENSE_DESK,
    ("elicense", "GET", "/desk/permits/{number}"): _ELICENSE_DESK,
    ("elicense", "GET", "/desk/permits/{number}/reissue"): _ELICENSE_DESK,
    ("elicense", "POST", "/desk/permits/{number}/{command}"): _ELICENSE_DESK,
    # --- registry_svc: the НУЦ --------------------------------------------------------------
    ("registry", "GET", "/crl"): _CA_PUBLISHED,
    ("registry", "GET", "/crl/root"): _CA_PUBLISHED,
    ("registry", "GET", "/ca/issuing.crt"): _CA_PUBLISHED,
    ("registry", "GET", "/ca/root.crt"): _CA_PUBLISHED,
    ("registry", "GET", "/ca/chain.pem"): _CA_PUBLISHED,
    ("registry", "POST", "/ocsp"): _CA_PUBLISHED,
    ("registry", "GET", "/ocsp/{encoded}"): _CA_PUBLISHED,
    ("registry", "POST", "/ca/certificates"): allow(
        Kind.RA_OPERATOR, why="only the registration authority issues, and receives the key"
    ),
    ("registry", "GET", "/ca/certificates/{serial}"): allow(
        Kind.RA_OPERATOR, scope=Scope.HOLDER, why="the RA, or the certificate's own holder"
    ),
    ("registry", "POST", "/ca/certificates/{serial}/revocation"): allow(
        Kind.RA_OPERATOR, scope=Scope.HOLDER, why="the RA, or the certificate's own holder"
    ),
    # --- registry_svc: ГБД ФЛ / ГБД ЮЛ ------------------------------------------------------
    ("registry", "GET", "/persons/{iin}"): _REGISTRY_READ,
    ("registry", "POST", "/persons"): _REGISTRY_WRITE,
    ("registry", "PATCH", "/persons/{iin}"): _REGISTRY_WRITE,
    ("registry", "GET", "/legal-entities/{bin}"): _REGISTRY_READ,
    ("registry", "GET", "/legal-entities"): _REGISTRY_READ,
    ("registry", "POST", "/legal-entities"): _REGISTRY_WRITE,
    ("registry", "PATCH", "/legal-entities/{bin}"): _REGISTRY_WRITE,
    # The НУЦ's pages: the same data to the same kinds as the API rows above.
    ("registry", "GET", "/ra/persons"): _RA_REGISTRAR,
    ("registry", "GET", "/ra/persons/new"): _RA_REGISTRAR,
    ("registry", "POST", "/ra/persons"): _RA_REGISTRAR,
    ("registry", "GET", "/ra/entities"): _RA_REGISTRAR,
    ("registry", "GET", "/ra/entities/new"): _RA_REGISTRAR,
    ("registry", "POST", "/ra/entities"): _RA_REGISTRAR,
    ("registry", "GET", "/ra/certificates"): _RA_PAGE,
    ("registry", "GET", "/ra/certificates/new"): _RA_PAGE,
    ("registry", "POST", "/ra/certificates"): _RA_PAGE,
    ("registry", "GET", "/ra/certificates/{serial}"): _RA_PAGE,
    ("registry", "POST", "/ra/certificates/{serial}/revocation"): _RA_PAGE,
    ("registry", "GET", "/ra/revocation"): page(
        Kind.RA_OPERATOR,
        Kind.REGISTRAR,
        why="the CRL and the OCSP responder, as the RA and the registrars watch them",
    ),
    # --- provider_svc: the workstations ------------------------------------------------------
    ("provider", "GET", "/provider/workstations"): public(
        "which workstations exist, their BINs and services (published facts)"
    ),
    ("provider", "GET", "/provider/statuses"): public("the status names the workstations use"),
    ("provider", "GET", "/provider/workstations/{workstation}/inbox"): _WORKSTATION,
    ("provider", "GET", "/provider/workstations/{workstation}/overdue"): _SUPERVISOR,
    ("provider", "GET", "/provider/workstations/{workstation}/sla"): _SUPERVISOR,
    ("provider", "GET", "/provider/workstations/{workstation}/requests/{request_id}"): (
        _WORKSTATION
    ),
    ("provider", "POST", "/provider/workstations/{workstation}/requests/{request_id}/draft"): (
        _WORKSTATION
    ),
    ("provider", "POST", "/provider/workstations/{workstation}/requests/{request_id}/actions"): (
        _WORKSTATION
    ),
    (
        "provider",
        "POST",
        "/provider/workstations/{workstation}/requests/{request_id}/extensions",
    ): _WORKSTATION,
    ("provider", "POST", "/provider/workstations/{workstation}/paper-applications"): (_WORKSTATION),
    # --- provider_svc: the workstation's pages (provider_svc/pages) -----------------------------
    ("provider", "GET", "/workstations"): public(
        "the workstations, their BINs and services (published facts)", page=True
    ),
    ("provider", "GET", "/workstations/{workstation}/inbox"): _WORKSTATION_PAGE,
    ("provider", "GET", "/workstations/{workstation}/requests/{request_id}"): _WORKSTATION_PAGE,
    ("provider", "POST", "/workstations/{workstation}/requests/{request_id}/draft"): (
        _WORKSTATION_PAGE
    ),
    ("provider", "POST", "/workstations/{workstation}/requests/{request_id}/actions"): (
        _WORKSTATION_PAGE
    ),
    ("provider", "POST", "/workstations/{workstation}/requests/{request_id}/extensions"): (
        _WORKSTATION_PAGE
    ),
    ("provider", "GET", "/workstations/{workstation}/paper-applications"): _WORKSTATION_PAGE,
    ("provider", "POST", "/workstations/{workstation}/paper-applications"): _WORKSTATION_PAGE,
    ("provider", "GET", "/workstations/{workstation}/sla"): _SUPERVISOR_PAGE,
}

# Who sees applicants' IINs and BINs in full in the gateway's message log (others see them
# masked, 88******0411): the gateway's operator, who investigates a delivery by its request and
# re-drives its raw envelope; the simulation operator follows journeys without identities.
FULL_IDENTIFIERS = frozenset({Kind.GATEWAY_OPERATOR})


class RoleRequired(ServiceError):
    status = 403
    code = "ROLE_REQUIRED"


def allowed(service: str, method: str, path: str) -> Allowed:
    """The table's entry for a route (a service's own, else one every service shares)."""
    for key in ((service, method, path), ("*", method, path)):
        entry = ROUTES.get(key)
        if entry is not None:
            return entry
    raise KeyError(f"{method} {path} of {service} is not in shared.authz.ROUTES")


def check(service: str, method: str, path: str, caller: Caller) -> Caller:
    """``caller`` if the table admits them to the route; :class:`RoleRequired` otherwise."""
    entry = allowed(service, method, path)
    if not entry.admits(caller):
        who = ", ".join(sorted(k.value for k in caller.kinds)) or "no known kind"
        raise RoleRequired(
            f"{method} {path} needs one of: {', '.join(entry.needed())} ({entry.why}); "
            f"the caller is {who}"
        )
    return caller


Identify = Callable[[Request], Awaitable[SignerIdentity | None]]


# A wiring that verifies no signature (a test's in-process service) cannot tell callers apart:
# its guard lets everyone through as every kind.
TRUSTED = Caller(None, frozenset(Kind))


def guard(
    service: str,
    method: str,
    path: str,
    identify: Identify,
    *,
    enforced: Callable[[], bool] = lambda: True,
) -> Callable[..., Any]:
    """The FastAPI dependency of one guarded route: ``identify`` is the service's own
    signed-caller check (None for an anonymous call, an error for a bad signature)."""
    allowed(service, method, path)  # a route missing from the table fails when it is built

    async def dependency(request: Request) -> Caller:
        if not enforced():
            return TRUSTED
        return check(service, method, path, caller_of(await identify(request)))

    return dependency


def route_guard(
    service: str, identify: Identify, *, enforced: Callable[[], bool] = lambda: True
) -> Callable[..., Any]:
    """:func:`guard` for whichever route the request matched (its method and path template,
    read from the router's match): one dependency a service declares on every signed route.
    A route missing from the table is refused with 500 rather than served unguarded."""

    async def dependency(request: Request) -> Caller:
        route = request.scope.get("route")
        path = getattr(route, "path", None)
        if not isinstance(path, str):
            raise ServiceError("the route could not be identified", code="internal", status=500)
        try:
            allowed(service, request.method, path)
        except KeyError as missing:
            raise ServiceError(str(missing), code="route_not_in_table", status=500) from None
        if not enforced():
            return TRUSTED
        return check(service, request.method, path, caller_of(await identify(request)))

    return dependency


# --- the table in each service's OpenAPI document -----------------------------------------------

SECURITY_SCHEMES: Mapping[str, dict[str, str]] = {
    "egovSignature": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Egov-Signature",
        "description": "Detached JWS (RFC 7515 appendix F: BASE64URL(header)..BASE64URL("
        "signature), the signing input the usual BASE64URL(header).BASE64URL(payload); ES256 or "
        "RS256) whose payload is the RFC 8785 canonical JSON of "
        '{"body_sha256": <lower-case hex SHA-256 of the exact body bytes, of b"" when none>, '
        '"method": <the HTTP method in upper case>, "nonce": <X-Egov-Nonce>, '
        '"target": <the path and query as sent, e.g. /inbox?limit=5>, '
        '"timestamp": <X-Egov-Timestamp>}, signed with the caller\'s НУЦ certificate, which '
        "rides in the JWS header's x5c (that certificate first, then the chain below the root)",
    },
    "egovTimestamp": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Egov-Timestamp",
        "description": "When the call was signed (RFC 3339, UTC); refused outside the "
        "service's window (EGOV_SIGNED_CALL_WINDOW_S) with REQUEST_EXPIRED",
    },
    "egovNonce": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Egov-Nonce",
        "description": "A fresh random value; a second call with it is REQUEST_REPLAYED",
    },
    "egovSender": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Egov-Sender",
        "description": "The calling information system's id (the sync channel's signed call)",
    },
    "pageSession": {
        "type": "apiKey",
        "in": "cookie",
        "name": "egov_signed_in",
        "description": "The session of a person who signed in with a certificate in a browser "
        "(POST /sign-in with a signed challenge); re-verified at each request",
    },
    "portalSession": {
        "type": "http",
        "scheme": "bearer",
        "description": "The portal's session token, from POST /auth/login or /auth/login/signed",
    },
}
_SIGNED_CALL: dict[str, list[str]] = {"egovSignature": [], "egovTimestamp": [], "egovNonce": []}
_SECURITY: Mapping[Auth, list[dict[str, list[str]]]] = {
    Auth.PUBLIC: [],
    Auth.SESSION: [{"portalSession": []}],
    Auth.SIGNED: [_SIGNED_CALL],
    Auth.PAGE: [{"pageSession": []}],
    # A signed call with the sender's id, or (no header) a signed envelope as the body.
    Auth.SYNC: [{**_SIGNED_CALL, "egovSender": []}, {}],
}


def describe(entry: Allowed) -> dict[str, Any]:
    """A route's row as its OpenAPI operation shows it (``x-egov-authorization``)."""
    return {
        "auth": entry.auth.value,
        "admits": entry.needed() if entry.auth is not Auth.PUBLIC else ["anyone"],
        "scope": None if entry.scope is None else entry.scope.value,
        "why": entry.why,
    }


def document_security(app: Any, service: str) -> None:
    """Have ``app``'s OpenAPI document say, for every operation, how its caller authenticates
    (``security``, from :data:`SECURITY_SCHEMES`) and who may call it
    (``x-egov-authorization``), both read from :data:`ROUTES`."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return dict(app.openapi_schema)
        schema: dict[str, Any] = build()
        schema.setdefault("components", {})["securitySchemes"] = dict(SECURITY_SCHEMES)
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                try:
                    entry = allowed(service, method.upper(), path)
                except KeyError:
                    operation["x-egov-authorization"] = "not in shared.authz.ROUTES"
                    continue
                operation["security"] = _SECURITY[entry.auth]
                operation["x-egov-authorization"] = describe(entry)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi


# --- the callers the table is written for, and what each gets ---------------------------------


@dataclass(frozen=True)
class Profile:
    """A kind of caller as the table's reader thinks of one: the kinds their certificate (and
    the services' rosters) give them, whether they hold a portal session, and the scopes they
    are in for the resources a route names (their own request, their own certificate, the
    roster of the workstation, ...)."""

    name: str
    kinds: frozenset[Kind]
    session: bool = False
    scopes: frozenset[Scope] = frozenset()
    system_id: str | None = None


def _profile(
    name: str, *kinds: Kind, session: bool = False, scopes: Iterable[Scope] = ()
) -> Profile:
    return Profile(name, frozenset(kinds), session, frozenset(scopes))


def system_profile(system_id: str) -> Profile:
    return Profile(f"system {system_id}", frozenset({Kind.SYSTEM}), system_id=system_id)


PROFILES: tuple[Profile, ...] = (
    _profile("anonymous", Kind.ANONYMOUS),
    _profile("citizen", Kind.CITIZEN, session=True, scopes=(Scope.OWNER, Scope.HOLDER)),
    _profile("another citizen", Kind.CITIZEN, session=True),
    _profile("head of a legal entity", Kind.ENTITY_HEAD, session=True),
    _profile(
        "staff of this workstation",
        Kind.STAFF,
        Kind.WORKSTATION_STAFF,
        scopes=(Scope.WORKSTATION,),
    ),
    _profile("staff of another workstation", Kind.STAFF, Kind.WORKSTATION_STAFF),
    _profile("PSC operator", Kind.STAFF, Kind.PSC_OPERATOR, scopes=(Scope.PSC,)),
    _profile("E-licensing staff", Kind.STAFF, Kind.ELICENSE_STAFF, scopes=(Scope.ELICENSE,)),
    # The operators sign with employee certificates of the simulator's operator (its BIN).
    _profile("RA operator (registrar)", Kind.RA_OPERATOR, Kind.REGISTRAR, Kind.STAFF),
    _profile("gateway operator", Kind.GATEWAY_OPERATOR, Kind.STAFF),
    _profile("simulation operator", Kind.SIMULATION_OPERATOR, Kind.STAFF),
    *(
        system_profile(s)
        for s in ("portal", "gateway", "elicense", "registry", "provider.almaty.culture")
    ),
)


def expected(service: str, method: str, path: str, profile: Profile) -> Refusal | None:
    """What the table says ``profile`` gets from a route: None (admitted; the route may still
    answer 404 or 422 for what the call names or sends) or the named refusal."""
    entry = allowed(service, method, path)
    if entry.auth is Auth.PUBLIC:
        return None
    if entry.auth is Auth.SESSION:
        if not profile.session:
            return NOT_SIGNED_IN if entry.page else UNAUTHENTICATED[service]
    elif entry.auth is Auth.SYNC:
        if Kind.ANONYMOUS in profile.kinds:
            return UNSIGNED_SYNC
        if profile.system_id is None:
            return NOT_A_SYSTEM
        return None if entry.admits_kinds(frozenset(), profile.system_id) else NOT_A_CLIENT
    elif Kind.ANONYMOUS in profile.kinds:
        if entry.page:
            return NOT_SIGNED_IN
        key = service if (service, method, path) in ROUTES else "*"
        return UNAUTHENTICATED[key]
    elif not entry.admits_kinds(profile.kinds, profile.system_id):
        return WRONG_KIND
    if entry.scope is None or entry.scope in profile.scopes:
        return None
    if entry.scope is Scope.HOLDER and Kind.RA_OPERATOR in profile.kinds:
        return None
    return OUT_OF_SCOPE[entry.scope]


def markdown_table(services: Iterable[str]) -> str:
    """The table as docs/security.md shows it: a row per route, a column per :data:`PROFILES`
    entry, ✓ for admitted and the named refusal otherwise."""
    names = [p.name for p in PROFILES]
    lines = [
        "| service | route | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    for service in services:
        paths = sorted(
            {(m, p) for (s, m, p) in ROUTES if s in (service, "*")},
            key=lambda mp: (mp[1], mp[0]),
        )
        for method, path in paths:
            cells = []
            for profile in PROFILES:
                found = expected(service, method, path, profile)
                cells.append("✓" if found is None else str(found))
            lines.append(f"| {service} | `{method} {path}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class HolderCheck:
    """What makes a caller the holder of a certificate record (same serial, the same person
    for the same legal entity, or the same information system)."""

    serial: str
    subject: str
    iin: str | None
    bin: str | None
    holder_kind: str

    def held_by(self, caller: Caller) -> bool:
        identity = caller.identity
        if identity is None:
            return False
        if identity.serial is not None and identity.serial == self.serial:
            return True
        if self.holder_kind == "system":
            return caller.system_id == self.subject
        return self.iin is not None and identity.iin == self.iin and identity.bin == self.bin
