"""The CA service: keys kept in the data directory, state rebuilt from CertificateIssued /
CertificateRevoked events."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography import x509

from registry_svc.ca_service import CaService
from registry_svc.components import RegistryComponents
from registry_svc.domain.ca import CA_STREAM
from registry_svc.errors import Conflict, NotFound, RegistryError
from shared.clock import SimulatedClock
from shared.eventlog.sqlite import SqliteEventStore
from shared.pki.ca import CaUrls
from shared.pki.pkcs12 import load_pkcs12
from shared.pki.profiles import EntityRole, Individual, KeyPurpose, LegalEntitySigner
from shared.pki.revocation import CertState

URLS = CaUrls(ocsp="http://registry.test/ocsp", crl="http://registry.test/crl")
PERSON = Individual("900101300126", "Оспанов", "Ерлан", "Муратович")


async def test_first_start_creates_keys_and_records_the_ca(
    components: RegistryComponents, store: SqliteEventStore, tmp_path: Path
) -> None:
    events = await store.read_stream(CA_STREAM)
    assert [e.type for e in events] == ["CaCreated.v1"]
    key_file = tmp_path / "data" / "ca" / "issuing.key.pem"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


async def test_restart_rebuilds_state_from_events(
    components: RegistryComponents, store: SqliteEventStore, clock: SimulatedClock, tmp_path: Path
) -> None:
    one = await components.ca.issue(PERSON, KeyPurpose.SIGNING, password="pw")
    two = await components.ca.issue(PERSON, KeyPurpose.AUTH, password="pw")
    await components.ca.revoke(two.serial, x509.ReasonFlags.key_compromise)

    again = CaService(store, clock, tmp_path / "data", urls=URLS)
    await again.start()
    assert again.trust_anchor == components.ca.trust_anchor
    assert again.state.status(one.serial).state is CertState.GOOD
    revoked = again.state.status(two.serial)
    assert revoked.state is CertState.REVOKED
    assert revoked.revocation is not None
    assert revoked.revocation.reason is x509.ReasonFlags.key_compromise
    assert [e.type for e in await store.read_stream(CA_STREAM)] == [
        "CaCreated.v1",
        "CertificateIssued.v1",
        "CertificateIssued.v1",
        "CertificateRevoked.v1",
    ]


async def test_keys_of_another_ca_are_refused(
    components: RegistryComponents, store: SqliteEventStore, clock: SimulatedClock, tmp_path: Path
) -> None:
    stranger = CaService(store, clock, tmp_path / "other-data", urls=URLS)
    with pytest.raises(RegistryError, match="not the CA recorded in the event log"):
        await stranger.start()


async def test_issued_key_file_opens_with_the_chain(components: RegistryComponents) -> None:
    holder = LegalEntitySigner(PERSON, "050140000656", "Дала Жер", EntityRole.FIRST_HEAD)
    issued = await components.ca.issue(holder, KeyPurpose.SIGNING, password="secret")
    key_file = load_pkcs12(issued.pkcs12, password="secret")
    assert key_file.certificate == issued.certificate
    assert key_file.chain == components.ca.chain
    record = await components.ca.certificate(issued.serial)
    assert (record.iin, record.bin, record.role) == ("900101300126", "050140000656", "first_head")


async def test_revoking_twice_or_unknown_serial_is_refused(components: RegistryComponents) -> None:
    issued = await components.ca.issue(PERSON, KeyPurpose.SIGNING, password="pw")
    await components.ca.revoke(issued.serial, x509.ReasonFlags.superseded)
    with pytest.raises(Conflict, match="already revoked"):
        await components.ca.revoke(issued.serial, x509.ReasonFlags.superseded)
    with pytest.raises(NotFound, match="no certificate with serial"):
        await components.ca.revoke(12345, x509.ReasonFlags.superseded)


async def test_revocation_by_another_process_shows_in_the_next_answer(
    components: RegistryComponents, store: SqliteEventStore, clock: SimulatedClock, tmp_path: Path
) -> None:
    issued = await components.ca.issue(PERSON, KeyPurpose.SIGNING, password="pw")
    other_process = CaService(store, clock, tmp_path / "data", urls=URLS)
    await other_process.start()
    await other_process.revoke(issued.serial, x509.ReasonFlags.key_compromise)
    crl = x509.load_der_x509_crl(await components.ca.crl_der())
    assert crl.get_revoked_certificate_by_serial_number(issued.serial) is not None


class _RacingStore:
    """Lets another writer append to the ``ca`` stream just before our first append lands."""

    def __init__(self, inner: SqliteEventStore, rival: CaService, serial: int) -> None:
        self._inner = inner
        self._rival = rival
        self._serial = serial
        self.raced = False

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    async def append(self, stream_id: str, events: object, **kwargs: object) -> object:
        if not self.raced:
            self.raced = True
            await self._rival.revoke(self._serial, x509.ReasonFlags.superseded)
        return await self._inner.append(stream_id, events, **kwargs)  # type: ignore[arg-type]


async def test_concurrent_revocation_is_seen_and_refused_not_duplicated(
    components: RegistryComponents, store: SqliteEventStore, clock: SimulatedClock, tmp_path: Path
) -> None:
    issued = await components.ca.issue(PERSON, KeyPurpose.SIGNING, password="pw")
    rival = CaService(store, clock, tmp_path / "data", urls=URLS)
    await rival.start()
    racing = _RacingStore(store, rival, issued.serial)
    ours = CaService(racing, clock, tmp_path / "data", urls=URLS)  # type: ignore[arg-type]
    await ours.start()
    with pytest.raises(Conflict, match="already revoked"):
        await ours.revoke(issued.serial, x509.ReasonFlags.key_compromise)
    assert racing.raced
    revocations = [
        e for e in await store.read_stream(CA_STREAM) if e.type == "CertificateRevoked.v1"
    ]
    assert len(revocations) == 1
    assert revocations[0].data["reason"] == "superseded"
