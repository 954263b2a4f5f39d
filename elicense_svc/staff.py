"""Appointing and dismissing E-licensing's staff, and the directory as the roster now stands
(see elicense_svc.domain.staff). The API reads :func:`current_directory` on every staff call;
``egov elicense staff ...`` and provisioning write through :class:`StaffRoster`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from elicense_svc.domain import staff
from elicense_svc.domain.directory import Directory, StaffMember
from shared.eventlog.port import EventStore, NewEvent
from shared.regulation.catalog import Catalog
from shared.regulation.model import RoleKind, Route


def staff_roles(directory: Directory, catalog: Catalog) -> dict[str, set[str]]:
    """Provider id -> the human roles of the definitions it provides through E-licensing (the
    roles someone must hold for each of their steps to be done)."""
    roles: dict[str, set[str]] = {p.id: set() for p in directory.providers}
    for definition in catalog.definitions:
        if definition.route is not Route.ELICENSING:
            continue
        for provider in directory.providers:
            if (
                definition.code in provider.services
                and provider.region == definition.provider.region
            ):
                roles[provider.id] |= {r.id for r in definition.roles if r.kind is RoleKind.HUMAN}
    return roles


async def current_directory(store: EventStore, base: Directory) -> Directory:
    """``base`` (the directory file) with the roster's appointments and dismissals applied."""
    return staff.fold(base, await store.read_stream(staff.STAFF_STREAM))


@dataclass(frozen=True)
class Listed:
    member: StaffMember
    name: str  # "" for a member listed only in the directory file


class StaffRoster:
    def __init__(self, store: EventStore, base: Directory, catalog: Catalog) -> None:
        self._store = store
        self._base = base
        self._roles = staff_roles(base, catalog)

    async def directory(self) -> Directory:
        return await current_directory(self._store, self._base)

    async def appoint(
        self, provider: str, *, iin: str, name: str, roles: Iterable[str], by: str
    ) -> None:
        event = staff.appoint(
            self._base, self._roles, provider=provider, iin=iin, name=name, roles=roles
        )
        await self._append(event, by)

    async def dismiss(self, provider: str, *, iin: str, by: str) -> None:
        await self._append(staff.dismiss(await self.directory(), provider=provider, iin=iin), by)

    async def members(self, provider: str | None = None) -> Sequence[Listed]:
        events = await self._store.read_stream(staff.STAFF_STREAM)
        names = staff.names(events)
        directory = staff.fold(self._base, events)
        if provider is not None:
            directory.provider(provider)  # UNKNOWN_PROVIDER
        return [
            Listed(m, names.get(m.iin, ""))
            for m in sorted(directory.staff, key=lambda m: (m.provider, m.iin))
            if provider is None or m.provider == provider
        ]

    async def _append(self, event: NewEvent, by: str) -> None:
        # Appended after the stream as it is (no expected version): appointments and
        # dismissals are each complete facts, and the last one about an IIN wins.
        await self._store.append(
            staff.STAFF_STREAM,
            [NewEvent(event.type, event.data, event.event_id, {"kind": "admin", "subject": by})],
        )
