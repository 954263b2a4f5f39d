"""The registries of individuals (ГБД ФЛ, by IIN) and legal entities (ГБД ЮЛ, by BIN): records,
their events, and the read model folded from them.

A record is registered once (``PersonRegistered.v1`` / ``LegalEntityRegistered.v1``) and then
changed by ``PersonChanged.v1`` / ``LegalEntityChanged.v1`` events that carry only the changed
fields, so the log says what changed and when (a death, a new address, a liquidation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.ids import Bin, Gender, Iin, parse_bin

PERSON_REGISTERED = "PersonRegistered.v1"
PERSON_CHANGED = "PersonChanged.v1"
ENTITY_REGISTERED = "LegalEntityRegistered.v1"
ENTITY_CHANGED = "LegalEntityChanged.v1"


def person_stream(iin: str) -> str:
    return f"person-{iin}"


def entity_stream(bin_: str) -> str:
    return f"legal-entity-{bin_}"


class LocalizedText(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kk: str = Field(min_length=1, max_length=200)
    ru: str = Field(min_length=1, max_length=200)


class PersonStatus(StrEnum):
    ACTIVE = "active"
    DECEASED = "deceased"
    DEPARTED = "departed"  # left the country for permanent residence abroad


class EntityStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    LIQUIDATED = "liquidated"


class Person(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    iin: Iin
    surname: LocalizedText
    name: LocalizedText
    patronymic: LocalizedText | None = None
    birth_date: date
    gender: Gender
    citizenship: str = Field("KZ", pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    address: str = Field(min_length=1, max_length=400)
    status: PersonStatus = PersonStatus.ACTIVE


class PersonChanges(BaseModel):
    """Fields of a person that may change; the IIN never does."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    surname: LocalizedText | None = None
    name: LocalizedText | None = None
    patronymic: LocalizedText | None = None
    citizenship: str | None = Field(None, pattern=r"^[A-Z]{2}$")
    address: str | None = Field(None, min_length=1, max_length=400)
    status: PersonStatus | None = None


class LegalEntity(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    bin: Bin
    name: LocalizedText
    registration_date: date
    head_iin: Iin
    address: str = Field(min_length=1, max_length=400)
    status: EntityStatus = EntityStatus.ACTIVE

    @property
    def entity_type(self) -> str:
        return parse_bin(self.bin).entity_type.name.lower()

    @property
    def attribute(self) -> str:
        return parse_bin(self.bin).attribute.name.lower()


class LegalEntityChanges(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: LocalizedText | None = None
    head_iin: Iin | None = None
    address: str | None = Field(None, min_length=1, max_length=400)
    status: EntityStatus | None = None


def changes_data(changes: BaseModel) -> dict[str, Any]:
    """Only the fields the caller set: an event records what changed, nothing else."""
    return changes.model_dump(mode="json", exclude_unset=True)


@dataclass
class RegistryView:
    """Persons and legal entities as of ``position`` in the service's log, with an index of
    entities by head IIN. Records are kept as the JSON of their events (cheaper than models for
    a population of 100,000) and turned into models on lookup."""

    position: int = 0
    persons: dict[str, dict[str, Any]] = field(default_factory=dict)
    entities: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_head: dict[str, set[str]] = field(default_factory=dict)

    def apply(self, event_type: str, data: dict[str, Any]) -> None:
        if event_type == PERSON_REGISTERED:
            self.persons[data["iin"]] = dict(data)
        elif event_type == PERSON_CHANGED:
            record = self.persons.get(data["iin"])
            if record is not None:
                record.update(data["changes"])
        elif event_type == ENTITY_REGISTERED:
            self.entities[data["bin"]] = dict(data)
            self.by_head.setdefault(data["head_iin"], set()).add(data["bin"])
        elif event_type == ENTITY_CHANGED:
            record = self.entities.get(data["bin"])
            if record is not None:
                old_head = record["head_iin"]
                record.update(data["changes"])
                if record["head_iin"] != old_head:
                    self.by_head.get(old_head, set()).discard(data["bin"])
                    self.by_head.setdefault(record["head_iin"], set()).add(data["bin"])

    def person(self, iin: str) -> Person | None:
        record = self.persons.get(iin)
        return None if record is None else Person.model_validate(record)

    def entity(self, bin_: str) -> LegalEntity | None:
        record = self.entities.get(bin_)
        return None if record is None else LegalEntity.model_validate(record)

    def entities_headed_by(self, iin: str) -> list[LegalEntity]:
        return [
            LegalEntity.model_validate(self.entities[b]) for b in sorted(self.by_head.get(iin, ()))
        ]
