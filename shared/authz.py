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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Allowed:
    """Who may call a route: any caller of ``kinds``; the information systems named in
    ``systems``; with ``holder``, also the holder of the resource the route names (the route
    itself checks that one, :class:`Caller` passes with ``kinds`` empty of theirs)."""

    kinds: frozenset[Kind] = frozenset()
    systems: frozenset[str] = frozenset()
    holder: bool = False
    why: str = ""

    def admits(self, caller: Caller) -> bool:
        if Kind.ANONYMOUS in self.kinds or caller.kinds & self.kinds:
            return True
        if caller.system_id is not None and caller.system_id in self.systems:
            return True
        return self.holder and caller.identity is not None

    def needed(self) -> list[str]:
        names = sorted(k.value for k in self.kinds)
        names += [f"system:{s}" for s in sorted(self.systems)]
        if self.holder:
            names.append("holder")
        return names


def allow(
    *kinds: Kind, systems: Iterable[str] = (), holder: bool = False, why: str = ""
) -> Allowed:
    return Allowed(frozenset(kinds), frozenset(systems), holder, why)


# (service, HTTP method, path template as the router declares it) -> who may call it.
Route = tuple[str, str, str]

_REGISTRY_READ = allow(
    Kind.REGISTRAR,
    systems=("gateway",),
    why="state information systems read the registries through the gateway's sync channel "
    "(the gateway signs the call); registrars read what they keep",
)
_REGISTRY_WRITE = allow(Kind.REGISTRAR, why="only a registrar writes ГБД ФЛ / ГБД ЮЛ")
_GATEWAY_OPERATOR = allow(Kind.GATEWAY_OPERATOR, why="the gateway's operator routes")
_GATEWAY_LOG = allow(
    Kind.GATEWAY_OPERATOR,
    Kind.SIMULATION_OPERATOR,
    why="the gateway's operator; the simulation operator follows journeys (IINs masked)",
)

ROUTES: Mapping[Route, Allowed] = {
    # --- registry_svc: the НУЦ --------------------------------------------------------------
    ("registry", "POST", "/ca/certificates"): allow(
        Kind.RA_OPERATOR, why="only the registration authority issues, and receives the key"
    ),
    ("registry", "GET", "/ca/certificates/{serial}"): allow(
        Kind.RA_OPERATOR, holder=True, why="the RA, or the certificate's own holder"
    ),
    ("registry", "POST", "/ca/certificates/{serial}/revocation"): allow(
        Kind.RA_OPERATOR, holder=True, why="the RA, or the certificate's own holder"
    ),
    # --- registry_svc: ГБД ФЛ / ГБД ЮЛ ------------------------------------------------------
    ("registry", "GET", "/persons/{iin}"): _REGISTRY_READ,
    ("registry", "POST", "/persons"): _REGISTRY_WRITE,
    ("registry", "PATCH", "/persons/{iin}"): _REGISTRY_WRITE,
    ("registry", "GET", "/legal-entities/{bin}"): _REGISTRY_READ,
    ("registry", "GET", "/legal-entities"): _REGISTRY_READ,
    ("registry", "POST", "/legal-entities"): _REGISTRY_WRITE,
    ("registry", "PATCH", "/legal-entities/{bin}"): _REGISTRY_WRITE,
    # --- gateway_svc: operator routes -------------------------------------------------------
    ("gateway", "GET", "/trace/{correlation_id}"): _GATEWAY_LOG,
    ("gateway", "GET", "/messages"): _GATEWAY_LOG,
    ("gateway", "GET", "/parked"): _GATEWAY_OPERATOR,
    ("gateway", "POST", "/parked/{message_id}/{recipient}/redrive"): _GATEWAY_OPERATOR,
    ("gateway", "POST", "/parked/{message_id}/{recipient}/stop"): _GATEWAY_OPERATOR,
    ("gateway", "POST", "/admin/rules/reload"): _GATEWAY_OPERATOR,
    # --- the simulation clock (portal, elicense, provider; any service that mounts it) ------
    ("*", "PUT", "/simulation/clock"): allow(
        Kind.SIMULATION_OPERATOR, why="only the simulation operator moves the simulated time"
    ),
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
