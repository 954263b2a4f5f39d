"""shared.authz: the kinds of caller read from real certificates of each profile, and the one
table's answers (admitted, or 403 ROLE_REQUIRED naming what the route needs)."""

from __future__ import annotations

import pytest

from shared import authz
from shared.authz import Kind, RoleRequired, caller_of, kinds_of
from shared.pki import oids
from shared.pki.certinfo import identity_of
from shared.pki.profiles import (
    EntityRole,
    Holder,
    Individual,
    InformationSystem,
    LegalEntitySigner,
    simulator_operator,
)
from shared.signing import SignerIdentity
from tests.pki.conftest import ALICE, IssueFn

BIN = "050140000656"


def entity(role: EntityRole) -> LegalEntitySigner:
    return LegalEntitySigner(ALICE, BIN, "Dala Zher", role)


@pytest.mark.parametrize(
    ("holder", "kinds"),
    [
        (ALICE, {Kind.CITIZEN}),
        (entity(EntityRole.FIRST_HEAD), {Kind.ENTITY_HEAD}),
        (entity(EntityRole.SIGNER), {Kind.ENTITY_HEAD}),
        (entity(EntityRole.EMPLOYEE), {Kind.STAFF}),
        (InformationSystem("gateway"), {Kind.SYSTEM}),
        (
            simulator_operator(ALICE, (oids.ROLE_RA_OPERATOR, oids.ROLE_REGISTRAR)),
            {Kind.RA_OPERATOR, Kind.REGISTRAR, Kind.STAFF},
        ),
        (
            simulator_operator(ALICE, (oids.ROLE_SIMULATION_OPERATOR,)),
            {Kind.SIMULATION_OPERATOR, Kind.STAFF},
        ),
    ],
)
def test_kinds_come_from_the_certificates_oids(
    issue: IssueFn, holder: Holder, kinds: set[Kind]
) -> None:
    identity = identity_of(issue(holder).certificate)
    assert kinds_of(identity) == kinds


def test_no_certificate_is_anonymous_and_a_bare_claim_is_no_kind() -> None:
    assert kinds_of(None) == {Kind.ANONYMOUS}
    assert kinds_of(SignerIdentity("portal")) == set()


def test_a_system_is_admitted_by_its_id_only(issue: IssueFn) -> None:
    gateway = caller_of(identity_of(issue(InformationSystem("gateway")).certificate))
    portal = caller_of(identity_of(issue(InformationSystem("portal")).certificate))
    assert authz.check("registry", "GET", "/persons/{iin}", gateway) is gateway
    with pytest.raises(RoleRequired, match=r"registrar, system:gateway"):
        authz.check("registry", "GET", "/persons/{iin}", portal)


def test_a_refusal_names_the_roles_needed_and_the_callers_kind(issue: IssueFn) -> None:
    citizen = caller_of(identity_of(issue(Individual("851231400011", "A", "B")).certificate))
    with pytest.raises(RoleRequired) as refused:
        authz.check("registry", "POST", "/ca/certificates", citizen)
    assert refused.value.status == 403
    assert refused.value.code == "ROLE_REQUIRED"
    assert "ra_operator" in refused.value.message
    assert "the caller is citizen" in refused.value.message


def test_every_guarded_route_says_why_and_an_unknown_route_is_no_route() -> None:
    assert all(entry.why for entry in authz.ROUTES.values())
    assert authz.allowed("portal", "PUT", "/simulation/clock").kinds == {Kind.SIMULATION_OPERATOR}
    with pytest.raises(KeyError, match=r"not in shared\.authz\.ROUTES"):
        authz.allowed("registry", "DELETE", "/persons/{iin}")
