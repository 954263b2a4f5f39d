"""The simulated НУЦ: issues and revokes certificates, answers CRL and OCSP requests.

Its state is the fold of the ``ca`` stream. Before answering or writing, it reads the events it
has not seen yet, so that a revocation made by ``egov pki revoke`` in another process shows in
the very next OCSP answer. Writes use the stream version for optimistic concurrency.

Concurrent writes: in one process (one ``CaService``) they queue on a lock held around
read-decide-append, so they never race each other. Across processes or instances (the embedded
topology's provisioning, ``egov pki issue``, a second registry replica) only the version check
orders them: a writer that loses the race catches up, decides again from the fresh state and
retries after a short random pause, for up to ``_WRITE_PATIENCE_S``. Serials are random 159-bit
numbers (``x509.random_serial_number``); ``decide`` also refuses one the log already holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from registry_svc.domain.ca import (
    CA_CREATED,
    CA_STREAM,
    CERTIFICATE_ISSUED,
    CERTIFICATE_REVOKED,
    CaState,
    IssuedCertificate,
    ca_created,
    certificate_issued,
    certificate_revoked,
    der_b64,
)
from registry_svc.errors import Conflict, NotFound, RegistryError
from registry_svc.keystore import CaKeys, CaKeyStore
from shared.clock import Clock
from shared.eventlog.port import ConcurrencyConflict, EventStore, NewEvent, OutboxMessage
from shared.pki.ca import (
    END_ENTITY_VALIDITY,
    CaCredentials,
    CaUrls,
    issue_certificate,
    issue_ocsp_responder,
)
from shared.pki.keys import KeyAlgorithm, algorithm_of, generate_private_key
from shared.pki.pkcs12 import dump_pkcs12
from shared.pki.profiles import (
    Holder,
    Individual,
    InformationSystem,
    KeyPurpose,
    LegalEntitySigner,
)
from shared.pki.revocation import OCSP_VALIDITY, Revocation, answer_ocsp, build_crl

# How long a write keeps retrying a lost version race (other processes writing the CA stream)
# before answering 503 ``ca_busy``; the pause between attempts grows from the first to the cap.
_WRITE_PATIENCE_S = 15.0
_FIRST_PAUSE_S = 0.005
_MAX_PAUSE_S = 0.25


@dataclass(frozen=True)
class IssuedKeyFile:
    serial: int
    certificate: x509.Certificate
    pkcs12: bytes


def _holder_kind(holder: Holder) -> tuple[str, str | None]:
    if isinstance(holder, Individual):
        return "individual", None
    if isinstance(holder, LegalEntitySigner):
        return "legal_entity", holder.role.value
    return "system", None


class CaService:
    def __init__(
        self,
        store: EventStore,
        clock: Clock,
        data_dir: Path,
        *,
        urls: CaUrls,
        algorithm: KeyAlgorithm = KeyAlgorithm.ES256,
    ) -> None:
        self._store = store
        self._clock = clock
        self._keystore = CaKeyStore(data_dir)
        self._urls = urls
        self._algorithm = algorithm
        self._keys: CaKeys | None = None
        # The delegated OCSP responder (RFC 6960 4.2.2.2): made by each process that answers
        # OCSP, in memory, and replaced before its short validity runs out; it carries
        # id-pkix-ocsp-nocheck, so it needs no record in the log.
        self._responder: CaCredentials | None = None
        self.state = CaState()
        # Concurrent issuances in this process would race for the same stream version and,
        # after three lost races, fail with a 500; they queue here instead (the version check
        # still guards against other processes).
        self._write_lock = asyncio.Lock()
        # Set by the composition root: the outbox rows (the signed pki.revoked) committed with
        # each revocation, and what to call once they are (wake the outbox relay).
        self.announce_revocation: Callable[[Mapping[str, object]], Sequence[OutboxMessage]] = (
            lambda _data: ()
        )
        self.announced: Callable[[], None] = lambda: None

    @property
    def keys(self) -> CaKeys:
        if self._keys is None:
            raise RegistryError("the CA is not started", code="ca_not_started", status=503)
        return self._keys

    @property
    def trust_anchor(self) -> x509.Certificate:
        return self.keys.root.certificate

    @property
    def chain(self) -> tuple[x509.Certificate, x509.Certificate]:
        """Issuing CA then root, as put into key files."""
        return (self.keys.issuing.certificate, self.keys.root.certificate)

    async def start(self) -> None:
        """Load the CA keys (creating them at first start) and rebuild the state from the log."""
        keys, _ = self._keystore.load_or_create(
            now=self._clock.now(), algorithm=self._algorithm, urls=self._urls
        )
        self._keys = keys
        await self.refresh()
        expected = ca_created(keys.root.certificate, keys.issuing.certificate)
        if self.state.root_der_b64 is None:
            # Another process may create it at the same moment; the check below covers that.
            with contextlib.suppress(ConcurrencyConflict):
                await self._store.append(
                    CA_STREAM, [NewEvent(CA_CREATED, expected)], expected_version=0
                )
            await self.refresh()
        if (self.state.root_der_b64, self.state.issuing_der_b64) != (
            expected["root"],
            expected["issuing"],
        ):
            raise RegistryError(
                f"the CA keys in {self._keystore.directory} are not the CA recorded in the "
                "event log; point the service at the matching data directory",
                code="ca_mismatch",
                status=500,
            )

    async def refresh(self) -> None:
        events = await self._store.read_stream(CA_STREAM, from_version=self.state.version + 1)
        for event in events:
            # Refreshes run concurrently (every signed request makes one); one that read earlier
            # may finish after one that read later. Applying only what is new keeps the state's
            # version from going back, which would make the next write lose its race for nothing.
            if event.version > self.state.version:
                self.state.apply(event.version, event.type, event.data)

    async def issue(
        self,
        holder: Holder,
        purpose: KeyPurpose,
        *,
        password: str,
        algorithm: KeyAlgorithm | None = None,
        validity: timedelta = END_ENTITY_VALIDITY,
        reissue: bool | None = None,
        requested_by: str | None = None,
    ) -> IssuedKeyFile:
        """Issue ``holder`` a certificate and its key file. For a request from outside the CA
        (``reissue`` given: the RA over HTTP, ``egov pki``, provisioning) a system's private
        key leaves the CA once per valid certificate: while one is good, another is issued
        only with ``reissue=True`` (recorded in the event, as is ``requested_by``), else
        ``Conflict`` ``system_certificate_valid``. ``None`` is the CA's own use of its keys
        (the registry's system key, which never leaves its data directory)."""
        keys = self.keys
        key = generate_private_key(algorithm or self._algorithm)
        certificate = issue_certificate(
            keys.issuing,
            holder,
            purpose,
            key.public_key(),
            serial=x509.random_serial_number(),
            now=self._clock.now(),
            validity=validity,
            urls=self._urls,
        )
        kind, role = _holder_kind(holder)
        data: dict[str, str | bool | None] = {
            **certificate_issued(certificate, holder_kind=kind, purpose=purpose.value, role=role)
        }
        if reissue:
            data["reissue"] = True
        if requested_by is not None:
            data["requested_by"] = requested_by
        key_file = dump_pkcs12(
            key, certificate, self.chain, password=password, friendly_name=str(data["subject"])
        )

        def issuance() -> tuple[str, Mapping[str, object]]:
            if certificate.serial_number in self.state.issued:
                # 159 random bits make this all but impossible; a duplicate would still make
                # the CRL and OCSP answers ambiguous, so it is refused, never recorded.
                raise Conflict(
                    f"serial {certificate.serial_number:x} was already issued; issue again",
                    code="serial_taken",
                )
            if isinstance(holder, InformationSystem) and reissue is False:
                valid = self.valid_system_certificate(holder.system_id, purpose)
                if valid is not None:
                    raise Conflict(
                        f"system {holder.system_id!r} has a valid {purpose.value} certificate "
                        f"({valid:x}); its key is not handed out again unless the request says "
                        "reissue: true",
                        code="system_certificate_valid",
                    )
            return CERTIFICATE_ISSUED, data

        await self._record(issuance)
        return IssuedKeyFile(certificate.serial_number, certificate, key_file)

    def valid_system_certificate(self, system_id: str, purpose: KeyPurpose) -> int | None:
        now = self._clock.now()
        for serial, record in self.state.issued.items():
            if (
                record.holder_kind == "system"
                and record.subject == system_id
                and record.purpose == purpose.value
                and serial not in self.state.revoked
                and record.not_after > now
            ):
                return serial
        return None

    async def revoke(self, serial: int, reason: x509.ReasonFlags) -> Revocation:
        def revocation() -> tuple[str, Mapping[str, object]]:
            if serial not in self.state.issued:
                raise NotFound(
                    f"no certificate with serial {serial:x} was issued by this CA",
                    code="certificate_not_found",
                )
            if serial in self.state.revoked:
                raise Conflict(f"certificate {serial:x} is already revoked", code="already_revoked")
            return CERTIFICATE_REVOKED, certificate_revoked(serial, reason, self._clock.now())

        await self._record(revocation)
        return self.state.revoked[serial]

    async def _record(self, decide: Callable[[], tuple[str, Mapping[str, object]]]) -> None:
        """Append the event ``decide`` makes from the current state, at the state's version;
        if another writer got there first, catch up and decide again (it may now refuse)."""
        async with self._write_lock:
            await self._record_locked(decide)

    async def _record_locked(self, decide: Callable[[], tuple[str, Mapping[str, object]]]) -> None:
        deadline = time.monotonic() + _WRITE_PATIENCE_S
        pause = _FIRST_PAUSE_S
        lost = 0
        while True:
            await self.refresh()
            event_type, data = decide()
            # A revocation and its pki.revoked event are one append: a crash loses neither.
            outbox = self.announce_revocation(data) if event_type == CERTIFICATE_REVOKED else ()
            try:
                await self._store.append(
                    CA_STREAM,
                    [NewEvent(event_type, data)],
                    expected_version=self.state.version,
                    outbox=outbox,
                )
            except ConcurrencyConflict:
                # Another process wrote first: catch up and decide again.
                lost += 1
                if time.monotonic() + pause > deadline:
                    raise RegistryError(
                        f"the CA's log kept changing under this write ({lost} lost races in "
                        f"{_WRITE_PATIENCE_S:g} s: other processes are writing it); try again",
                        code="ca_busy",
                        status=503,
                    ) from None
                # Jittered so that processes that collided do not collide again in step.
                await asyncio.sleep(random.uniform(0, pause))
                pause = min(pause * 2, _MAX_PAUSE_S)
                continue
            if outbox:
                self.announced()
            await self.refresh()
            return

    async def certificate(self, serial: int) -> IssuedCertificate:
        await self.refresh()
        found = self.state.issued.get(serial)
        if found is None:
            raise NotFound(f"no certificate with serial {serial:x}", code="certificate_not_found")
        return found

    async def crl_der(self) -> bytes:
        await self.refresh()
        return self.crl_der_now()

    def crl_der_now(self) -> bytes:
        # The stream version only grows, so it serves as the monotonic CRL number (RFC 5280
        # 5.2.3) without a counter of its own.
        crl = build_crl(
            self.keys.issuing,
            self.state.revoked.values(),
            now=self._clock.now(),
            crl_number=self.state.version,
        )
        return crl.public_bytes(serialization.Encoding.DER)

    async def ocsp(self, request_der: bytes) -> bytes:
        await self.refresh()
        return self.ocsp_now(request_der)

    def root_crl_der_now(self) -> bytes:
        """The root's CRL: the CA certificates it revoked (none: the simulated root never
        revokes its issuing CA), so ``openssl verify -crl_check_all`` can check every link."""
        crl = build_crl(self.keys.root, [], now=self._clock.now(), crl_number=self.state.version)
        return crl.public_bytes(serialization.Encoding.DER)

    async def root_crl_der(self) -> bytes:
        await self.refresh()
        return self.root_crl_der_now()

    def ocsp_now(self, request_der: bytes) -> bytes:
        now = self._clock.now()
        return answer_ocsp(
            request_der,
            self.ocsp_responder(now),
            self.state.status,
            now=now,
            issuer=self.keys.issuing.certificate,
        )

    def ocsp_responder(self, now: datetime) -> CaCredentials:
        """The delegated responder valid for an answer made ``now`` (and until its
        nextUpdate), issued anew when there is none yet or it no longer covers that."""
        responder = self._responder
        if responder is not None:
            certificate = responder.certificate
            if certificate.not_valid_before_utc <= now and (
                now + OCSP_VALIDITY <= certificate.not_valid_after_utc
            ):
                return responder
        issuing = self.keys.issuing
        key = generate_private_key(algorithm_of(issuing.key))
        responder = issue_ocsp_responder(issuing, key, now=now)
        self._responder = responder
        return responder

    def certificate_der(self, which: Literal["issuing", "root"]) -> bytes:
        """The ``"issuing"`` or ``"root"`` CA certificate, DER (what AIA caIssuers points at)."""
        credentials = self.keys.issuing if which == "issuing" else self.keys.root
        return credentials.certificate.public_bytes(serialization.Encoding.DER)

    def pem_chain(self) -> bytes:
        certificates: Sequence[x509.Certificate] = self.chain
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)

    def issuing_der_b64(self) -> str:
        return der_b64(self.keys.issuing.certificate)


class LocalRevocationSource:
    """The CA answering its own service's revocation questions in-process (no HTTP to itself).
    Answers from the state as of the last refresh, which the caller does just before verifying."""

    def __init__(self, ca: CaService) -> None:
        self._ca = ca

    def post_ocsp(self, url: str, request_der: bytes) -> bytes:
        del url
        return self._ca.ocsp_now(request_der)

    def get_crl(self, url: str) -> bytes:
        del url
        return self._ca.crl_der_now()
