"""``egov provider staff ...``: the staff roster of a workstation; ``egov provider
inbox|show|act``: a staff member at the workstation, signing with their key
(egov/commands/_staff.py). ``egov replay provider`` (egov/commands/replay.py) rebuilds the role
inboxes, overdue view and SLA report."""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from shared.clock import Clock, SystemClock
from shared.config import SettingsError, load_settings
from shared.eventlog.port import EventStore
from shared.simclock import business_clock

if TYPE_CHECKING:
    from provider_svc.settings import ProviderSettings


def build() -> typer.Typer:
    """Mounted as ``provider``."""
    app = typer.Typer(help="The provider workstations (ЭҮӨШ АЖО / ЖАО АЖ).", no_args_is_help=True)
    staff = typer.Typer(help="The staff roster of a workstation.", no_args_is_help=True)
    staff.command("appoint")(appoint)
    staff.command("dismiss")(dismiss)
    staff.command("list")(list_staff)
    app.add_typer(staff, name="staff")
    from egov.commands import _staff

    app.command("inbox")(_staff.provider_inbox)
    app.command("show")(_staff.provider_show)
    app.command("act")(_staff.provider_act)
    return app


def _settings() -> ProviderSettings:
    from provider_svc.settings import ProviderSettings

    try:
        return load_settings(ProviderSettings)
    except SettingsError as exc:
        typer.echo(f"egov: {exc}", err=True)
        raise typer.Exit(2) from None


def _clock() -> Clock:
    """The workstations' business clock, as the service builds it (its simulated day, shared
    through EGOV_SIMULATION_CLOCK_FILE under ``egov up``): what this command writes into the
    provider's log is stamped on the same day as what the service writes."""
    settings = _settings()
    return business_clock(
        SystemClock(),
        settings.simulated_date,
        control=False,
        state_file=settings.simulation_clock_file,
    )


@asynccontextmanager
async def _store() -> AsyncIterator[EventStore]:
    from shared.eventlog.factory import open_event_store
    from shared.runtime import sqlite_dir

    url = _settings().resolved_event_store_url()
    directory = sqlite_dir(url)
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
    store = await open_event_store(url, clock=_clock())
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
    """Put a staff member on a workstation's roster in the given roles, and say which
    certificate they sign with: the department's employee certificate (its BIN)."""

    async def run() -> None:
        async with _store() as store:
            service = _service(store)
            try:
                await service.appoint(workstation, iin=iin, name=name, roles=role, by=by)
            except Exception as exc:
                _fail(exc)
            department = service.workstation(workstation)
        typer.echo(f"{iin} appointed at {workstation} as {', '.join(sorted(set(role)))}")
        typer.echo(
            f"they sign with an employee certificate of {department.name} "
            f"(BIN {department.bin}), e.g.:\n"
            f"  egov pki issue entity --bin {department.bin} --iin {iin} --role employee "
            f"--name {shlex.quote(name)} --organization {shlex.quote(department.name)}"
        )

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
