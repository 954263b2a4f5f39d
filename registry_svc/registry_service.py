"""Writes to and reads from the person and legal-entity registries.

Reads first catch the read model up with the log (cheap when nothing is new), so records
written by another process, such as ``egov registry seed``, are visible at once.
"""

from __future__ import annotations

from registry_svc.domain.registry import (
    ENTITY_CHANGED,
    ENTITY_REGISTERED,
    PERSON_CHANGED,
    PERSON_REGISTERED,
    LegalEntity,
    LegalEntityChanges,
    Person,
    PersonChanges,
    RegistryView,
    changes_data,
    entity_stream,
    person_stream,
)
from registry_svc.errors import Conflict, InvalidIdentifier, NotFound
from shared.eventlog.port import ConcurrencyConflict, EventStore, NewEvent
from shared.ids import IdError, parse_bin, parse_iin

_PAGE = 5000


def checked_iin(value: str) -> str:
    try:
        parse_iin(value)
    except IdError as exc:
        raise InvalidIdentifier("IIN", value, exc.code.value, exc.message) from exc
    return value


def checked_bin(value: str) -> str:
    try:
        parse_bin(value)
    except IdError as exc:
        raise InvalidIdentifier("BIN", value, exc.code.value, exc.message) from exc
    return value


class RegistryService:
    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.view = RegistryView()

    async def catch_up(self) -> None:
        while True:
            events = await self.store.read_all(after=self.view.position, limit=_PAGE)
            if not events:
                return
            for event in events:
                self.view.apply(event.type, event.data)
                self.view.position = event.position

    # --- reads -------------------------------------------------------------------------------

    async def person(self, iin: str) -> Person:
        checked_iin(iin)
        await self.catch_up()
        found = self.view.person(iin)
        if found is None:
            raise NotFound(f"no person with IIN {iin} in the registry", code="person_not_found")
        return found

    async def entity(self, bin_: str) -> LegalEntity:
        checked_bin(bin_)
        await self.catch_up()
        found = self.view.entity(bin_)
        if found is None:
            raise NotFound(
                f"no legal entity with BIN {bin_} in the registry", code="legal_entity_not_found"
            )
        return found

    async def entities_headed_by(self, iin: str) -> list[LegalEntity]:
        checked_iin(iin)
        await self.catch_up()
        return self.view.entities_headed_by(iin)

    # --- writes ------------------------------------------------------------------------------

    async def register_person(self, person: Person) -> None:
        await self.catch_up()
        if person.iin in self.view.persons:
            raise Conflict(f"IIN {person.iin} is already registered", code="person_exists")
        await self._append_new(
            person_stream(person.iin), PERSON_REGISTERED, person.model_dump(mode="json"), "IIN"
        )

    async def change_person(self, iin: str, changes: PersonChanges) -> Person:
        await self.person(iin)  # 422 / 404 before writing anything
        data = changes_data(changes)
        if not data:
            raise Conflict("the change names no field", code="empty_change", status=422)
        await self.store.append(
            person_stream(iin), [NewEvent(PERSON_CHANGED, {"iin": iin, "changes": data})]
        )
        return await self.person(iin)

    async def register_entity(self, entity: LegalEntity) -> None:
        await self.catch_up()
        if entity.bin in self.view.entities:
            raise Conflict(f"BIN {entity.bin} is already registered", code="legal_entity_exists")
        await self._append_new(
            entity_stream(entity.bin), ENTITY_REGISTERED, entity.model_dump(mode="json"), "BIN"
        )

    async def change_entity(self, bin_: str, changes: LegalEntityChanges) -> LegalEntity:
        await self.entity(bin_)
        data = changes_data(changes)
        if not data:
            raise Conflict("the change names no field", code="empty_change", status=422)
        await self.store.append(
            entity_stream(bin_), [NewEvent(ENTITY_CHANGED, {"bin": bin_, "changes": data})]
        )
        return await self.entity(bin_)

    async def _append_new(
        self, stream: str, event_type: str, data: dict[str, object], kind: str
    ) -> None:
        try:
            # expected_version=0: two concurrent registrations of one number cannot both win.
            await self.store.append(stream, [NewEvent(event_type, data)], expected_version=0)
        except ConcurrencyConflict as exc:
            raise Conflict(f"{kind} is already registered", code="already_registered") from exc
        await self.catch_up()
