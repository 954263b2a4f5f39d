"""``egov elicense verify-permit NUMBER`` asks a running elicense for a permit's public
verification; ``egov elicense staff appoint|dismiss|list`` keeps E-licensing's staff roster (in
its event log, as ``egov provider staff`` keeps the workstations'). ``egov replay elicense``
(egov/commands/replay.py) rebuilds its read models."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Annotated, TypeVar

import httpx
import typer

from egov.commands._common import DataDirOption, segment, topology
from shared.clock import SystemClock
from shared.config import SettingsError, load_settings
from shared.simclock import business_clock

if TYPE_CHECKING:
    from elicense_svc.staff import StaffRoster

T = TypeVar("T")


def build() -> typer.Typer:
    """Mounted as ``elicense``: ``egov elicense verify-permit NUMBER``."""
    app = typer.Typer(help="E-licensing («Е-лицензиялау» МДБ) commands.", no_args_is_help=True)  # noqa: RUF001
    app.command("verify-permit")(verify_permit)
    staff = typer.Typer(help="E-licensing's staff roster.", no_args_is_help=True)
    staff.command("appoint")(appoint)
    staff.command("dismiss")(dismiss)
    staff.command("list")(list_staff)
    app.add_typer(staff, name="staff")
    from egov.commands import _staff

    app.command("inbox")(_staff.elicense_inbox)
    app.command("show")(_staff.elicense_show)
    app.command("act")(_staff.elicense_act)
    return app


@asynccontextmanager
async def staff_roster(event_store_url: str | None = None) -> AsyncIterator[StaffRoster]:
    """E-licensing's roster over its event log (``event_store_url``, default from its
    settings), its directory file and the definitions; what it writes is stamped with
    E-licensing's business clock, as the service stamps its own records."""
    from elicense_svc.components import load_directory
    from elicense_svc.settings import ElicenseSettings
    from elicense_svc.staff import StaffRoster
    from regulations import definitions_dir
    from shared.eventlog.factory import open_event_store
    from shared.regulation.catalog import Catalog
    from shared.runtime import sqlite_dir

    settings = load_settings(ElicenseSettings)
    url = event_store_url or settings.resolved_event_store_url()
    directory = sqlite_dir(url)
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
    clock = business_clock(
        SystemClock(),
        settings.simulated_date,
        control=False,
        state_file=settings.simulation_clock_file,
    )
    store = await open_event_store(url, clock=clock)
    try:
        catalog = Catalog.from_directory(definitions_dir())
        yield StaffRoster(store, load_directory(settings), catalog)
    finally:
        await store.close()


def _with_roster(action: Callable[[StaffRoster], Awaitable[T]]) -> T:
    from elicense_svc.domain.errors import ElicenseError

    async def run() -> T:
        async with staff_roster() as roster:
            return await action(roster)

    try:
        return asyncio.run(run())
    except SettingsError as exc:
        typer.echo(f"egov: {exc}", err=True)
        raise typer.Exit(2) from None
    except ElicenseError as exc:
        typer.echo(f"egov elicense: {exc.message} ({exc.code})", err=True)
        raise typer.Exit(1) from None


def appoint(
    provider: Annotated[str, typer.Argument(help="e.g. provider.almaty.culture")],
    iin: Annotated[str, typer.Argument(help="the staff member's IIN (as in their certificate)")],
    name: Annotated[str, typer.Argument(help="full name")],
    role: Annotated[list[str], typer.Option("--role", help="a role of the regulations; repeat")],
    by: Annotated[str, typer.Option(help="who appoints (recorded as the actor)")] = "egov-cli",
) -> None:
    """Put a staff member on E-licensing's roster for a provider, in the given roles."""
    _with_roster(lambda r: r.appoint(provider, iin=iin, name=name, roles=role, by=by))
    typer.echo(f"{iin} appointed at E-licensing for {provider} as {', '.join(sorted(set(role)))}")


def dismiss(
    provider: Annotated[str, typer.Argument()],
    iin: Annotated[str, typer.Argument()],
    by: Annotated[str, typer.Option(help="who dismisses (recorded as the actor)")] = "egov-cli",
) -> None:
    """Take a staff member off E-licensing's roster; their next call is refused (NOT_STAFF)."""
    _with_roster(lambda r: r.dismiss(provider, iin=iin, by=by))
    typer.echo(f"{iin} dismissed from E-licensing for {provider}")


def list_staff(
    provider: Annotated[str | None, typer.Argument(help="one provider; default all")] = None,
) -> None:
    """E-licensing's staff: IIN, provider, roles, name."""
    for listed in _with_roster(lambda r: r.members(provider)):
        member = listed.member
        typer.echo(
            f"{member.iin}  {member.provider:<26}  {', '.join(member.roles):<32}  {listed.name}"
        )


def verify_permit(
    number: Annotated[str, typer.Argument(help="the central permit number, e.g. KZ-2014-A-000001")],
    url: Annotated[
        str | None,
        typer.Option("--url", help="elicense's base URL (default: found from the data directory)"),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Public verification: the permit's state (valid, suspended, terminated) and the check of
    its signature. Exit 0 valid with a good signature, 1 otherwise, 2 no answer."""
    command = "egov elicense verify-permit"
    found = topology(command, "elicense", url, data_dir)
    number = segment(command, number, "permit number")
    try:
        with httpx.Client(base_url=found.urls.elicense, timeout=10) as client:
            response = client.get(f"/permits/{number}")
    except httpx.HTTPError as exc:
        typer.echo(
            f"{command}: no topology answers at {found.urls.elicense} (found from "
            f"{found.source}): {exc}",
            err=True,
        )
        raise typer.Exit(2) from None
    body = response.json()
    if response.status_code != 200:
        typer.echo(f"{number}: {body.get('code')}: {body.get('message')}", err=True)
        raise typer.Exit(1)
    signature = body["signature"]
    typer.echo(
        f"{number}: {body['state']}; signature {signature['code']} "
        f"(issuer {body['issuer'].get('id')}); edition {body['edition']}"
    )
    if body["state"] != "valid" or not signature["valid"]:
        raise typer.Exit(1)
