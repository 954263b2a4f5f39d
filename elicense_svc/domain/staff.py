"""E-licensing's staff roster: who may act for which provider, in which roles (000 appendix 1
process 1, condition 1: the provider's staff authenticate with their EDS; condition 3 and
process 8: they work the request in the roles of the regulation).

The roster is event-sourced in E-licensing's own log (stream ``elicense.staff``:
``StaffAppointed.v1``, ``StaffDismissed.v1``), written by ``egov elicense staff appoint`` /
``dismiss`` and by provisioning, and read on every staff call, so a dismissal takes effect at
once. The directory file (``directory.yaml``) still names the providers and may list staff as
well; an event about the same IIN overrides its entry (a dismissal removes it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from elicense_svc.domain.directory import Directory, StaffMember
from elicense_svc.domain.errors import Invalid, NotFound
from shared.eventlog.port import NewEvent
from shared.ids import IdError, parse_iin

STAFF_STREAM: Final = "elicense.staff"
STAFF_APPOINTED: Final = "StaffAppointed.v1"
STAFF_DISMISSED: Final = "StaffDismissed.v1"


def fold(directory: Directory, events: Iterable[Any]) -> Directory:
    """``directory`` with its staff as the roster's events leave them (in log order)."""
    staff: dict[str, StaffMember] = {m.iin: m for m in directory.staff}
    for event in events:
        data = event.data
        if event.type == STAFF_APPOINTED:
            staff[str(data["iin"])] = StaffMember(
                iin=str(data["iin"]),
                provider=str(data["provider"]),
                roles=tuple(str(r) for r in data["roles"]),
            )
        elif event.type == STAFF_DISMISSED:
            staff.pop(str(data["iin"]), None)
    return directory.model_copy(update={"staff": tuple(staff.values())})


def names(events: Iterable[Any]) -> dict[str, str]:
    """IIN -> the name given at the latest appointment (the directory file has no names)."""
    found: dict[str, str] = {}
    for event in events:
        if event.type == STAFF_APPOINTED:
            found[str(event.data["iin"])] = str(event.data["name"])
    return found


def appoint(
    directory: Directory,
    allowed_roles: Mapping[str, Iterable[str]],
    *,
    provider: str,
    iin: str,
    name: str,
    roles: Iterable[str],
) -> NewEvent:
    """The appointment of ``iin`` at ``provider`` in ``roles``; ``allowed_roles`` maps each
    provider to the human roles of the definitions it provides through E-licensing."""
    directory.provider(provider)  # UNKNOWN_PROVIDER
    try:
        parse_iin(iin)
    except IdError as exc:
        raise Invalid("INVALID_IIN", f"staff IIN {iin!r} is not valid: {exc}") from None
    if not name.strip():
        raise Invalid("INVALID_NAME", "a staff member needs a name")
    wanted = sorted(set(roles))
    allowed = set(allowed_roles.get(provider, ()))
    unknown = [r for r in wanted if r not in allowed]
    if not wanted or unknown:
        raise Invalid(
            "UNKNOWN_ROLE",
            f"roles {unknown or wanted} are not staff roles of {provider} at E-licensing; "
            f"choose from {', '.join(sorted(allowed))}",
        )
    return NewEvent(
        STAFF_APPOINTED, {"provider": provider, "iin": iin, "name": name.strip(), "roles": wanted}
    )


def dismiss(directory: Directory, *, provider: str, iin: str) -> NewEvent:
    """The dismissal of ``iin`` from ``provider`` (on the roster or in the directory file)."""
    directory.provider(provider)  # UNKNOWN_PROVIDER
    member = next((m for m in directory.staff if m.iin == iin), None)
    if member is None or member.provider != provider:
        raise NotFound("UNKNOWN_STAFF", f"{iin} is not on the E-licensing staff of {provider}")
    return NewEvent(STAFF_DISMISSED, {"provider": provider, "iin": iin})
