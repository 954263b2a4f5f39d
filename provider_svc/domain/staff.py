"""The staff roster of one workstation: who may act, in which roles (001 p.7, 002 p.7, 004 p.6).

A staff member is known by the IIN of their certificate; authentication is their signature
(checked by the entry point), authorisation is this roster.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from provider_svc.domain.errors import InvalidInput
from provider_svc.domain.events import STAFF_APPOINTED, STAFF_DISMISSED
from shared.eventlog.port import NewEvent
from shared.ids import IdError, parse_iin


@dataclass(frozen=True)
class StaffMember:
    iin: str
    name: str
    workstation: str
    roles: frozenset[str]


def fold_roster(events: Iterable[Any]) -> dict[str, StaffMember]:
    """IIN -> member, from one workstation's staff stream."""
    roster: dict[str, StaffMember] = {}
    for event in events:
        data = event.data
        if event.type == STAFF_APPOINTED:
            roster[str(data["iin"])] = StaffMember(
                str(data["iin"]),
                str(data["name"]),
                str(data["workstation"]),
                frozenset(str(r) for r in data["roles"]),
            )
        elif event.type == STAFF_DISMISSED:
            roster.pop(str(data["iin"]), None)
    return roster


def appoint(
    *, workstation: str, iin: str, name: str, roles: Iterable[str], allowed_roles: Iterable[str]
) -> NewEvent:
    try:
        parse_iin(iin)
    except IdError as exc:
        raise InvalidInput(f"staff IIN {iin!r} is not valid: {exc}", code="invalid_iin") from None
    wanted = sorted(set(roles))
    allowed = set(allowed_roles)
    unknown = [r for r in wanted if r not in allowed]
    if not wanted or unknown:
        raise InvalidInput(
            f"roles {unknown or wanted} are not staff roles of {workstation}; "
            f"choose from {', '.join(sorted(allowed))}",
            code="unknown_role",
        )
    if not name.strip():
        raise InvalidInput("a staff member needs a name", code="invalid_name")
    return NewEvent(
        STAFF_APPOINTED,
        {"workstation": workstation, "iin": iin, "name": name.strip(), "roles": wanted},
    )


def dismiss(*, workstation: str, iin: str) -> NewEvent:
    return NewEvent(STAFF_DISMISSED, {"workstation": workstation, "iin": iin})
