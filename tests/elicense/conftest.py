# ruff: noqa: RUF001 - Kazakh names are Cyrillic on purpose
"""A world for elicense's tests: simulated time in 2014 (service A and B, Almaty, and A Akmola
2013), a test CA issuing the systems' and staff certificates at simulated time, a fake
ГБД ФЛ / ГБД ЮЛ that can go down, and the service over an in-memory SQLite log."""

from __future__ import annotations

import functools
import itertools
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509

from elicense_svc import messages as msg
from elicense_svc.domain.actors import Actor
from elicense_svc.domain.directory import Directory
from elicense_svc.engines import Engines
from elicense_svc.handlers import ElicenseService, RetryPolicy
from elicense_svc.registry_port import Found, LookupOutcome, NotFound, Unavailable
from regulations import definitions_dir
from shared.calendar import KzCalendar
from shared.clock import SimulatedClock
from shared.eventlog.sqlite import SqliteEventStore
from shared.ids import Gender, make_bin, make_iin
from shared.pki.ca import issue_certificate
from shared.pki.jws import JwsSigner, JwsVerifier
from shared.pki.keys import KeyAlgorithm, PrivateKey, generate_private_key
from shared.pki.profiles import (
    EntityRole,
    Holder,
    Individual,
    InformationSystem,
    KeyPurpose,
    LegalEntitySigner,
)
from shared.pki.revocation_client import RevocationChecker
from shared.regulation.catalog import Catalog
from shared.signing import Signer
from tests.pki.conftest import URLS, CaPair
from tests.pki.fakes import FakeCaEndpoint
from tests.signer.support import BrowserSigner

# Tuesday 2014-09-02 10:00 in Almaty (UTC+6): A and B Almaty 2014 are in force.
START = datetime(2014, 9, 2, 4, 0, tzinfo=UTC)
AKMOLA_START = datetime(2013, 4, 9, 4, 0, tzinfo=UTC)

APPLICANT_IIN = make_iin(date(1985, 3, 14), Gender.FEMALE, 17)
UNKNOWN_IIN = make_iin(date(1990, 7, 1), Gender.MALE, 23)
COMPANY_BIN = make_bin(date(2005, 5, 1), serial=321)
ALMATY_CULTURE_BIN = make_bin(date(1999, 1, 1), serial=11)
AKMOLA_CULTURE_BIN = make_bin(date(1999, 2, 1), serial=12)

CLERK_IIN = make_iin(date(1980, 1, 2), Gender.FEMALE, 101)
EXECUTOR_IIN = make_iin(date(1981, 2, 3), Gender.MALE, 102)
HEAD_IIN = make_iin(date(1970, 4, 5), Gender.MALE, 103)
AKMOLA_EMPLOYEE_IIN = make_iin(date(1982, 6, 7), Gender.FEMALE, 104)
HEAD_OF_COMPANY_IIN = make_iin(date(1976, 2, 11), Gender.FEMALE, 105)

DIRECTORY = {
    "providers": [
        {
            "id": "provider.almaty.culture",
            "code": "ALA-CUL",
            "region": "almaty",
            "services": ["cultural_values_export", "restoration_approval"],
            "bin": ALMATY_CULTURE_BIN,
        },
        {
            "id": "provider.akmola.culture",
            "code": "AKM-CUL",
            "region": "akmola",
            "services": ["cultural_values_export"],
            "bin": AKMOLA_CULTURE_BIN,
        },
    ],
    "staff": [
        {"iin": CLERK_IIN, "provider": "provider.almaty.culture", "roles": ["office_clerk"]},
        {"iin": EXECUTOR_IIN, "provider": "provider.almaty.culture", "roles": ["executor"]},
        {"iin": HEAD_IIN, "provider": "provider.almaty.culture", "roles": ["head"]},
        {
            "iin": AKMOLA_EMPLOYEE_IIN,
            "provider": "provider.akmola.culture",
            "roles": ["provider_employee"],
        },
    ],
}


@dataclass
class FakeRegistry:
    """ГБД ФЛ / ГБД ЮЛ behind the gateway's sync channel; ``down`` makes it unreachable."""

    records: dict[str, dict[str, object]] = field(default_factory=dict)
    down: bool = False
    calls: list[tuple[str, str]] = field(default_factory=list)

    async def lookup(self, registry: str, key: str) -> LookupOutcome:
        self.calls.append((registry, key))
        if self.down:
            return Unavailable("PROVIDER_UNREACHABLE: registry is down")
        record = self.records.get(key)
        if record is None:
            return NotFound(f"{registry}: no record for {key}")
        return Found(record)


@dataclass
class Pki:
    ca: CaPair
    clock: SimulatedClock
    endpoint: FakeCaEndpoint
    serials: Iterator[int] = field(default_factory=lambda: itertools.count(5000))
    issued: dict[str, x509.Certificate] = field(default_factory=dict)  # by serial (hex)
    keys: dict[str, PrivateKey] = field(default_factory=dict)  # by serial (hex)

    def signer(self, holder: Holder, purpose: KeyPurpose = KeyPurpose.SIGNING) -> JwsSigner:
        key = generate_private_key(KeyAlgorithm.ES256)
        certificate = issue_certificate(
            self.ca.issuing,
            holder,
            purpose,
            key.public_key(),
            serial=next(self.serials),
            now=self.clock.now(),
            urls=URLS,
        )
        signer = JwsSigner(key, certificate, [self.ca.issuing.certificate])
        assert signer.identity.serial is not None
        self.issued[signer.identity.serial] = certificate
        self.keys[signer.identity.serial] = key
        return signer

    def in_browser(self, signer: JwsSigner) -> BrowserSigner:
        """The key behind ``signer``, signing CMS as a browser does through `egov signer`."""
        assert signer.identity.serial is not None
        serial = signer.identity.serial
        return BrowserSigner.of(
            self.keys[serial], self.issued[serial], (self.ca.issuing.certificate,)
        )

    def verifier(self) -> JwsVerifier:
        return JwsVerifier(
            [self.ca.root.certificate], self.clock, RevocationChecker(self.endpoint, self.clock)
        )

    def staff(self, iin: str, bin: str) -> JwsSigner:
        person = Individual(iin=iin, surname="Тестова", given_name="Сотрудник")
        return self.signer(
            LegalEntitySigner(person, bin, "Department of Culture", EntityRole.EMPLOYEE)
        )

    def applicant(self, iin: str | None, bin: str | None = None) -> JwsSigner:
        """The applicant's own signing key: the person's, or for a legal entity its head's
        (an IIN of the head's when the submission names none)."""
        return self.signer(applicant_holder(iin, bin))


def applicant_holder(iin: str | None, bin: str | None = None) -> Holder:
    person = Individual(iin=iin or HEAD_OF_COMPANY_IIN, surname="Сейтқали", given_name="Айгерім")
    if bin is None:
        return person
    return LegalEntitySigner(person, bin, "ТОО «Мұра»", EntityRole.FIRST_HEAD)


def portal_body(applicant: Signer, *, at: datetime, **fields: Any) -> dict[str, Any]:
    """A submission's body as the portal sends it (elicense_svc.messages.PortalSubmission):
    ``fields`` (request_id, service, applicant_iin/_bin, form, documents, ...), the version in
    force ``at`` filing unless given, and ``applicant``'s signature over the request they
    signed (shared.contract.application), rebuilt as E-licensing rebuilds it."""
    if "version" not in fields:
        catalog = _catalog()
        fields["version"] = catalog.in_force(catalog.resolve_code(fields["service"]), at).version
    signed = msg.PortalSubmission.model_validate(fields).signed_bytes()
    assert signed is not None
    return {**fields, "applicant_signature": applicant.sign(signed)}


@functools.cache
def _catalog() -> Catalog:
    return Catalog.from_directory(definitions_dir())


def make_test_ca(now: datetime) -> CaPair:
    from shared.pki.ca import create_issuing, create_root

    root = create_root(generate_private_key(KeyAlgorithm.ES256), common_name="Test Root", now=now)
    issuing = create_issuing(
        root, generate_private_key(KeyAlgorithm.ES256), common_name="Test Issuing", now=now
    )
    return CaPair(root, issuing)


@pytest.fixture(scope="session")
def ca_2013() -> CaPair:
    # Issued before every simulated instant the tests use, valid long after.
    return make_test_ca(datetime(2013, 1, 1, tzinfo=UTC))


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(START)


@pytest.fixture
def pki(ca_2013: CaPair, clock: SimulatedClock) -> Pki:
    return Pki(ca_2013, clock, FakeCaEndpoint(ca_2013, clock))


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return Catalog.from_directory(definitions_dir())


@pytest.fixture
def registry() -> FakeRegistry:
    return FakeRegistry(
        records={
            APPLICANT_IIN: {"iin": APPLICANT_IIN, "name": "Айгерім Сейтқалиева"},
            COMPANY_BIN: {"bin": COMPANY_BIN, "name": "ТОО «Мұра»"},
        }
    )


@pytest.fixture
def directory() -> Directory:
    return Directory.from_mapping(DIRECTORY)


@pytest.fixture
async def store(clock: SimulatedClock) -> AsyncIterator[SqliteEventStore]:
    s = SqliteEventStore(":memory:", clock=clock)
    await s.open()
    yield s
    await s.close()


@pytest.fixture
def engines(catalog: Catalog) -> Engines:
    return Engines(catalog, KzCalendar())


@pytest.fixture
def elicense_signer(pki: Pki) -> JwsSigner:
    return pki.signer(InformationSystem("elicense"))


@pytest.fixture
def service(
    store: SqliteEventStore,
    clock: SimulatedClock,
    engines: Engines,
    directory: Directory,
    registry: FakeRegistry,
    pki: Pki,
    elicense_signer: JwsSigner,
) -> ElicenseService:
    return ElicenseService(
        store=store,
        clock=clock,
        engines=engines,
        directory=directory,
        lookup=registry,
        signer=elicense_signer,
        verifier=pki.verifier(),
        retry=RetryPolicy(base=timedelta(seconds=30), max=timedelta(minutes=10)),
    )


def staff_actor(directory: Directory, iin: str, signer: JwsSigner) -> Actor:
    member = directory.member(iin)
    return Actor(
        kind="staff",
        subject=signer.identity.subject,
        iin=iin,
        serial=signer.identity.serial,
        provider=member.provider,
        roles=member.roles,
    )
