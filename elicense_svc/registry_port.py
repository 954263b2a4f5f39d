"""What elicense needs from ГБД ФЛ / ГБД ЮЛ (000 appendix 1 process 4): one look-up, three
possible answers. The adapter goes through the gateway's sync channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Found:
    record: dict[str, Any]


@dataclass(frozen=True)
class NotFound:
    reason: str


@dataclass(frozen=True)
class Unavailable:
    """The registry, the gateway or the network failed: ask again later, refuse nobody."""

    reason: str


LookupOutcome = Found | NotFound | Unavailable


class RegistryLookup(Protocol):
    async def lookup(self, registry: str, key: str) -> LookupOutcome:
        """``registry`` is ``registry.person`` (key: IIN) or ``registry.legal_entity`` (BIN)."""
        ...
