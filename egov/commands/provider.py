"""``egov provider ...`` (staff roster, SLA report) and ``egov replay provider`` (the role
inboxes, overdue view and SLA report rebuilt from the provider's event log)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

import typer

from shared.clock import SystemClock
from shared.config import SettingsError, load_settings
from shared.eventlog.port import EventStore


def build() -> typer.Typer:
    """Mounted as ``provider``; its ``replay`` is also ``egov replay provider`` (egov/cli.py)."""
    app = typer.Typer(help="The provider workstations (ЭҮӨШ АЖО / ЖАО АЖ).", no_args_is_help=True)
    staff = typer.Typer(help="The staff roster of a workstation.", no_args_is_help=True)
    staff.command("appoint")(appoint)
    staff.command("dismiss")(dismiss)
    staff.command("list")(list_staff)
    app.add_typer(staff, name="staff")
    app.command("replay")(replay)
    return app


def _url() -> str:
    from provider_svc.settings import ProviderSettings

    try:
        return load_settings(ProviderSettings).resolved_event_store_url()
    except SettingsError as exc:
        typer.echo(f"egov: {exc}", err=True)
        raise typer.Exit(2) from None


@asynccontextmanager
async def _store() -> AsyncIterator[EventStore]:
    from shared.eventlog.factory import open_event_store
    from shared.runtime import sqlite_dir

    url = _url()
    directory = sqlite_dir(url)
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
    store = await open_event_store(url, clock=SystemClock())
    try:
        yield store
    finally:
        await store.close()


def _service(store: EventStore) -> Any:
    """The command side without keys or network: enough to appoint and dismiss staff."""
    from provider_svc.components import NoTrustAnchors
    from provider_svc.handlers import ProviderService
    from provider_svc.ports import ApplicantRecord
    from regulations import definitions_dir
    from shared.calendar import KzCalendar
    from shared.regulation.catalog import Catalog

    class _NoLookup:
        async def person(self, iin: str, *, workstation: str) -> ApplicantRecord:
            raise RuntimeError("no registry look-ups from the command line")

    return ProviderService(
        store,
        SystemClock(),
        Catalog.from_directory(definitions_dir()),
        KzCalendar(),
        signers={},
        verifier=NoTrustAnchors(),
        lookup=_NoLookup(),
    )


def _fail(exc: Exception) -> None:
    from provider_svc.domain.errors import ProviderError

    if isinstance(exc, ProviderError):
        typer.echo(f"egov provider: {exc.message} ({exc.code})", err=True)
        raise typer.Exit(1) from None
    raise exc


def appoint(
    workstation: Annotated[str, typer.Argument(help="e.g. provider.almaty.culture")],
    iin: Annotated[str, typer.Argument(help="the staff member's IIN (as in their certificate)")],
    name: Annotated[str, typer.Argument(help="full name")],
    role: Annotated[list[str], typer.Option("--role", help="a role of the regulations; repeat")],
    by: Annotated[str, typer.Option(help="who appoints (recorded as the actor)")] = "egov-cli",
) -> None:
    """Put a staff member on a workstation's roster in the given roles."""

    async def run() -> None:
        async with _store() as store:
            try:
                await _service(store).appoint(workstation, iin=iin, name=name, roles=role, by=by)
            except Exception as exc:
                _fail(exc)
        typer.echo(f"{iin} appointed at {workstation} as {', '.join(sorted(set(role)))}")

    asyncio.run(run())


def dismiss(
    workstation: Annotated[str, typer.Argument()],
    iin: Annotated[str, typer.Argument()],
    by: Annotated[str, typer.Option(help="who dismisses (recorded as the actor)")] = "egov-cli",
) -> None:
    """Take a staff member off a workstation's roster."""

    async def run() -> None:
        async with _store() as store:
            try:
                await _service(store).dismiss(workstation, iin=iin, by=by)
            except Exception as exc:
                _fail(exc)
        typer.echo(f"{iin} dismissed from {workstation}")

    asyncio.run(run())


def list_staff(workstation: Annotated[str, typer.Argument()]) -> None:
    """The roster of a workstation."""

    async def run() -> None:
        async with _store() as store:
            roster = await _service(store).roster(workstation)
        for member in sorted(roster.values(), key=lambda m: m.iin):
            typer.echo(f"{member.iin}  {', '.join(sorted(member.roles)):<40}  {member.name}")

    asyncio.run(run())


async def rebuild(store: EventStore, now: datetime) -> dict[str, Any]:
    """Replay the whole log into fresh read models; what ``egov replay provider`` prints."""
    from provider_svc.projections import ProviderProjection

    service = _service(store)
    projection = ProviderProjection()
    began = time.perf_counter()
    await projection.catch_up(store)
    seconds = time.perf_counter() - began
    return digest(projection, service.engines, now) | {
        "events": projection.events_seen,
        "seconds": round(seconds, 3),
        "events_per_s": round(projection.events_seen / seconds) if seconds > 0 else None,
    }


def digest(projection: Any, engines: Any, now: datetime) -> dict[str, Any]:
    """The read models as printable data, and their SHA-256 for comparing two builds."""
    views = {rid: v.as_dict() for rid, v in sorted(projection.requests.items())}
    overdue = {
        ws: [v.request_id for v in projection.overdue(ws)]
        for ws in sorted({v.workstation for v in projection.requests.values()})
    }
    sla = projection.sla(engines, now).render()
    body = {"inboxes": projection.summary(), "overdue": overdue, "sla": sla, "requests": views}
    sha = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    return {"inboxes": body["inboxes"], "overdue": overdue, "sla": sla, "sha256": sha}


def replay(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Rebuild the role inboxes, the overdue view and the SLA report from the provider's log."""

    async def run() -> dict[str, Any]:
        async with _store() as store:
            return await rebuild(store, SystemClock().now())

    result = asyncio.run(run())
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    typer.echo(
        f"replayed {result['events']} events in {result['seconds']} s "
        f"({result['events_per_s']} events/s)"
    )
    for ws, roles in result["inboxes"].items():
        typer.echo(f"inbox {ws}: " + ", ".join(f"{r}={n}" for r, n in roles.items()))
    for ws, ids in result["overdue"].items():
        typer.echo(f"overdue {ws}: {len(ids)}")
    typer.echo(result["sla"])
    typer.echo(f"sha256 {result['sha256']}")
