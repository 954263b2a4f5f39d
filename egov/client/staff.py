"""Putting staff where a topology looks for them. Neither roster has an HTTP door: the provider
workstations read theirs from the provider's event log (``egov provider staff appoint`` writes
it), and E-licensing reads its directory file (``EGOV_ELICENSE_DIRECTORY_FILE``) with the
appointments of its own log applied (``egov elicense staff appoint`` writes those). So a tool
that brings its own staff appoints them in the provider's log (before or while the provider
runs: the roster is read on every call) and writes a directory file for E-licensing before it
starts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from elicense_svc.settings import DEFAULT_DIRECTORY


@dataclass(frozen=True)
class StaffPost:
    """One staff member's place: a provider system id, the member's IIN, name and roles."""

    provider: str
    iin: str
    name: str
    roles: tuple[str, ...]


async def appoint_provider_staff(event_store_url: str, posts: Iterable[StaffPost]) -> int:
    """Appoint every post not yet on its workstation's roster with those roles, in the
    provider's event log at ``event_store_url``; the number appointed."""
    # The command side without keys or network, stamping with the workstations' business
    # clock (their simulated day, from the same settings), as the service stamps its records.
    from egov.commands.provider import _clock, _service
    from shared.eventlog.factory import open_event_store
    from shared.runtime import sqlite_dir

    directory = sqlite_dir(event_store_url)
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
    store = await open_event_store(event_store_url, clock=_clock())
    appointed = 0
    try:
        service = _service(store)
        rosters: dict[str, dict[str, object]] = {}
        for post in posts:
            if post.provider not in rosters:
                rosters[post.provider] = dict(await service.roster(post.provider))
            member = rosters[post.provider].get(post.iin)
            if member is not None and set(post.roles) <= set(getattr(member, "roles", ())):
                continue
            await service.appoint(
                post.provider, iin=post.iin, name=post.name, roles=list(post.roles), by="egov"
            )
            appointed += 1
    finally:
        await store.close()
    return appointed


def write_elicense_directory(
    path: Path, posts: Sequence[StaffPost], *, base: Path = DEFAULT_DIRECTORY
) -> Path:
    """E-licensing's directory: the providers of ``base`` (the shipped file by default) and its
    staff, with ``posts`` added (a post's IIN replaces the same IIN's entry)."""
    data = yaml.safe_load(base.read_text(encoding="utf-8")) or {}
    staff = {str(m["iin"]): m for m in data.get("staff") or []}
    for post in posts:
        staff[post.iin] = {"iin": post.iin, "provider": post.provider, "roles": list(post.roles)}
    data["staff"] = list(staff.values())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
