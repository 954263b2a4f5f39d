"""Who did something: a staff member (from their verified certificate), the applicant's portal,
or elicense itself (automatic steps, registry checks)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.signing import SignerIdentity


@dataclass(frozen=True)
class Actor:
    kind: str  # "staff", "system"
    subject: str
    iin: str | None = None
    serial: str | None = None
    provider: str | None = None
    roles: tuple[str, ...] = ()

    def as_data(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "iin": self.iin,
            "serial": self.serial,
            "provider": self.provider,
        }


def system_actor(system_id: str, identity: SignerIdentity | None = None) -> Actor:
    return Actor(
        kind="system",
        subject=system_id,
        serial=identity.serial if identity is not None else None,
    )


ELICENSE = system_actor("elicense")
