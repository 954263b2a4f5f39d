"""What the provider workstation needs from outside, as protocols the composition root fills."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ApplicantRecord:
    iin: str
    found: bool
    name: str | None = None


class ApplicantLookup(Protocol):
    """The person registry (ЖТ МДБ), asked through the gateway's synchronous channel
    (``POST /sync/registry.person``) when the office registers a paper application."""

    async def person(self, iin: str, *, workstation: str) -> ApplicantRecord: ...
