"""All loaded definitions, and the choice of the version in force on a submission date."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from shared.regulation.errors import DefinitionError, ServiceNotProvided, UnknownService
from shared.regulation.loader import load_directory
from shared.regulation.model import Definition

# The seeds' acts are from Almaty, Astana and Akmola region, all on UTC+6 in the acts' years;
# a submission's "date" is its local calendar date there (tzdata carries the historical offset).
KZ_TZ = ZoneInfo("Asia/Almaty")


def local_date(instant: datetime) -> date:
    if instant.tzinfo is None:
        raise ValueError("submission time must be timezone-aware")
    return instant.astimezone(KZ_TZ).date()


@dataclass(frozen=True)
class Catalog:
    definitions: tuple[Definition, ...]

    @classmethod
    def from_directory(cls, directory: Path) -> Catalog:
        return cls.of(load_directory(directory))

    @classmethod
    def of(cls, definitions: Iterable[Definition]) -> Catalog:
        catalog = cls(tuple(sorted(definitions, key=lambda d: (d.code, d.in_force.from_))))
        catalog._check_no_overlap()
        return catalog

    def _check_no_overlap(self) -> None:
        keys = [d.key for d in self.definitions]
        for key in keys:
            if keys.count(key) > 1:
                raise DefinitionError(f"{key}.yaml", "", "defined twice")
        for code in self.codes():
            versions = self.versions(code)
            for earlier, later in itertools.pairwise(versions):
                if earlier.in_force.until is None or earlier.in_force.until > later.in_force.from_:
                    raise DefinitionError(
                        f"{later.key}.yaml",
                        "in_force.from",
                        f"overlaps {earlier.key} (in force until {earlier.in_force.until})",
                    )

    def codes(self) -> list[str]:
        return sorted({d.code for d in self.definitions})

    def resolve_code(self, name: str) -> str:
        """Accept the code (``archive_reference``) or the DIGEST letter (``E``)."""
        for d in self.definitions:
            if name in (d.code, d.letter):
                return d.code
        raise UnknownService(name, [f"{d.code} ({d.letter})" for d in self.definitions])

    def versions(self, name: str) -> list[Definition]:
        code = self.resolve_code(name)
        return [d for d in self.definitions if d.code == code]

    def get(self, name: str, version: str) -> Definition:
        for d in self.versions(name):
            if d.version == version:
                return d
        known = ", ".join(d.version for d in self.versions(name))
        raise UnknownService(f"{name}@{version}", [known])

    def in_force(self, name: str, submitted_at: datetime) -> Definition:
        """The version a request submitted at ``submitted_at`` (simulated clock) follows."""
        day = local_date(submitted_at)
        versions = self.versions(name)
        for d in versions:
            if d.in_force.covers(day):
                return d
        periods = [
            f"{d.version}: {d.in_force.from_}..{d.in_force.until or 'open'}" for d in versions
        ]
        raise ServiceNotProvided(versions[0].code, day, periods)
