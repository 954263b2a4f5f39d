"""The НУЦ announces each revocation on the bus (``pki.revoked``, see
:mod:`shared.pki.revocation_events`), signed with the registry's own system key.

The key is the one ``egov provision`` issues for the system ``registry``
(``EGOV_REGISTRY_KEY_FILE``). Without one, the registry, being its own CA, issues its system
certificate itself (``CN=registry``) the first time it needs one and keeps the key file next
to the CA's keys (``<data_dir>/ca/registry-system.p12``, its password in
``registry-system.password``, both owner-only). Any process that revokes through a
:class:`CaService` on the registry's event log (registry_svc, ``egov pki revoke``) commits the
signed event with the revocation; the registry's outbox relay publishes it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from registry_svc.ca_service import CaService
from shared.bus.port import Bus
from shared.clock import Clock
from shared.eventlog.port import EventStore, OutboxMessage
from shared.outbox import OutboxRelay
from shared.pki.jws import JwsSigner
from shared.pki.pkcs12 import KeyFileError, load_pkcs12
from shared.pki.profiles import InformationSystem, KeyPurpose
from shared.pki.revocation_events import REGISTRY_SYSTEM, RevocationFeed, revoked_message
from shared.pki.setup import signer_from_key_file
from shared.private_files import write_private
from shared.signing import Signer, Verifier

KEY_FILE = "registry-system.p12"
PASSWORD_FILE = "registry-system.password"  # noqa: S105 - a file name


async def registry_signer(
    ca: CaService,
    data_dir: Path,
    clock: Clock,
    *,
    key_file: Path | None = None,
    password: str = "",
) -> Signer:
    """The registry's system signer: the provisioned ``key_file`` when given (``egov
    provision`` issues one for every system the gateway's rules name, the registry too);
    otherwise its own key file while that certificate is valid and not revoked, else a new
    one issued by ``ca`` (and written)."""
    if key_file is not None:
        return signer_from_key_file(key_file, password)
    directory = data_dir / "ca"
    key_path, password_path = directory / KEY_FILE, directory / PASSWORD_FILE
    if key_path.exists() and password_path.exists():
        try:
            loaded = load_pkcs12(
                key_path.read_bytes(), password=password_path.read_text("utf-8").strip()
            )
        except KeyFileError:
            loaded = None
        if loaded is not None:
            certificate = loaded.certificate
            now = clock.now()
            usable = (
                certificate.not_valid_before_utc <= now < certificate.not_valid_after_utc
                and certificate.serial_number not in ca.state.revoked
            )
            if usable:
                return JwsSigner.from_key_file(loaded)
    password = secrets.token_urlsafe(24)
    issued = await ca.issue(
        InformationSystem(REGISTRY_SYSTEM), KeyPurpose.SIGNING, password=password
    )
    write_private(password_path, password.encode("utf-8"))
    write_private(key_path, issued.pkcs12)
    return JwsSigner.from_key_file(load_pkcs12(issued.pkcs12, password=password))


def announce_with(ca: CaService, signer: Signer, clock: Clock) -> None:
    """Make every revocation ``ca`` records carry its signed ``pki.revoked`` outbox row."""
    issuer = ca.keys.issuing.certificate.subject.rfc4514_string()

    def messages(data: Mapping[str, object]) -> Sequence[OutboxMessage]:
        return [
            revoked_message(
                signer,
                serial=int(str(data["serial"]), 16),
                issuer=issuer,
                revoked_at=datetime.fromisoformat(str(data["revoked_at"])),
                reason=str(data["reason"]),
                sent_at=clock.now(),
            )
        ]

    ca.announce_revocation = messages


class RevocationEvents:
    """registry_svc's part, started after its CA: sign and commit ``pki.revoked`` with each
    revocation, relay the outbox to the bus, and listen like every service (its own queue also
    keeps ``egov.pki`` routable, so the relay's mandatory publish never finds it empty)."""

    def __init__(
        self,
        ca: CaService,
        store: EventStore,
        bus: Bus,
        verifier: Callable[[], Verifier],
        *,
        data_dir: Path,
        clock: Clock,
        key_file: Path | None = None,
        password: str = "",
    ) -> None:
        self._key_file = key_file
        self._password = password
        self._ca = ca
        self._store = store
        self._bus = bus
        self._verifier = verifier
        self._data_dir = data_dir
        self._clock = clock
        self._relay: OutboxRelay | None = None
        self._feed: RevocationFeed | None = None

    async def start(self) -> None:
        signer = await registry_signer(
            self._ca,
            self._data_dir,
            self._clock,
            key_file=self._key_file,
            password=self._password,
        )
        # The registry keeps no OCSP cache (it asks its own CA in-process), so its listener
        # drops nothing of its own; it still verifies, as every service does.
        self._feed = RevocationFeed(self._bus, self._verifier, service=REGISTRY_SYSTEM)
        await self._feed.start()
        self._relay = OutboxRelay(self._store, self._bus)
        announce_with(self._ca, signer, self._clock)
        self._ca.announced = self._relay.notify
        self._relay.start()

    async def stop(self) -> None:
        relay, self._relay = self._relay, None
        if relay is not None:
            await relay.stop()
        feed, self._feed = self._feed, None
        if feed is not None:
            await feed.stop()


async def announce_revocations(
    ca: CaService, data_dir: Path, clock: Clock, *, key_file: Path | None = None, password: str = ""
) -> None:
    """For a process that revokes on the registry's log without running the registry
    (``egov pki revoke``): its revocations carry the signed event too; the registry's relay
    publishes the row."""
    signer = await registry_signer(ca, data_dir, clock, key_file=key_file, password=password)
    announce_with(ca, signer, clock)
