"""``egov psc``: the Public Service Center's desk operator (ХҚКО, seed 004) from the command
line, at the portal's desk (``/psc``): file a request for a visitor, list the desk's requests
and the results not collected, hand a result out. Every call, and the request itself, is signed
with the operator's key file (``--as``): a certificate carrying the center's BIN
(portal_svc/psc.py: psc.astana 070240000019, psc.almaty 070240000029)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import httpx
import typer

from egov.client.actors import PscOperator
from egov.client.keys import IssuedKey
from egov.client.topology import FoundTopology
from egov.commands._common import (
    DataDirOption,
    KeyOption,
    KeyPasswordFileOption,
    KeyPasswordOption,
    attachments,
    fail,
    open_key,
    pairs,
    run,
    segment,
    table,
    topology,
    url_option,
    when,
)

PortalUrl = Annotated[str | None, url_option("portal")]
JsonOption = Annotated[bool, typer.Option("--json", help="print the portal's answer as JSON")]


def build() -> typer.Typer:
    """Mounted as ``psc``."""
    app = typer.Typer(
        help="The Public Service Center's desk (ХҚКО) as its operator.", no_args_is_help=True
    )
    app.command("file")(file)
    app.command("requests")(requests)
    app.command("uncollected")(uncollected)
    app.command("hand-out")(hand_out)
    return app


def _http(found: FoundTopology) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=found.urls.portal, timeout=30.0, headers={"Accept-Language": "en"}
    )


def file(
    service: Annotated[str, typer.Argument(help="service code, e.g. archive_reference")],
    applicant: Annotated[
        str, typer.Option("--applicant", help="the visitor's IIN (checked in ГБД ФЛ)")
    ],
    key_file: KeyOption,
    field: Annotated[
        list[str] | None, typer.Option("--field", "-f", help="form field NAME=VALUE")
    ] = None,
    attach: Annotated[
        list[str] | None, typer.Option("--attach", "-a", help="scanned document CODE=PATH")
    ] = None,
    password: KeyPasswordOption = None,
    password_file: KeyPasswordFileOption = None,
    url: PortalUrl = None,
    data_dir: DataDirOption = None,
) -> None:
    """File a request for a visitor at the desk: draft for the applicant's IIN, the form, the
    scans, the request signed with the operator's key, sent; prints {"request_id", "status",
    "desk"}. Exit 0 filed, 1 refused by the portal, 2 bad input or no portal."""
    command = "egov psc file"
    found = topology(command, "portal", url, data_dir)
    key = open_key(command, key_file, password, password_file)
    form = pairs(field or [], "--field")
    files = attachments(attach or [])

    async def work() -> dict[str, Any]:
        async with _http(found) as http:
            return await PscOperator(http, key).file(service, applicant, form, files)

    typer.echo(json.dumps(run(command, found, work()), ensure_ascii=False))


def _list(
    command: str, found: FoundTopology, key: IssuedKey, days: int | None
) -> list[dict[str, Any]]:
    async def work() -> list[dict[str, Any]]:
        async with _http(found) as http:
            return await PscOperator(http, key).requests(uncollected_days=days)

    return run(command, found, work())


def _print(rows: list[dict[str, Any]], empty: str, *, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo(empty)
        return
    table(
        ("request", "service", "status", "deadline", "result"),
        [
            (
                r["request_id"],
                r["service"],
                r["status"],
                when(r.get("deadline")),
                r.get("result_number") or "-",
            )
            for r in rows
        ],
    )


def requests(
    key_file: KeyOption,
    password: KeyPasswordOption = None,
    password_file: KeyPasswordFileOption = None,
    url: PortalUrl = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """The desk's requests, the latest change first: id, service, status, deadline, result."""
    command = "egov psc requests"
    found = topology(command, "portal", url, data_dir)
    rows = _list(command, found, open_key(command, key_file, password, password_file), None)
    _print(rows, "no requests at this desk", as_json=as_json)


def uncollected(
    key_file: KeyOption,
    days: Annotated[
        int, typer.Option("--days", min=0, help="waiting at least this many days (004 p.17.4)")
    ] = 0,
    password: KeyPasswordOption = None,
    password_file: KeyPasswordFileOption = None,
    url: PortalUrl = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """The results that reached the desk at least --days days ago and were not handed out."""
    command = "egov psc uncollected"
    found = topology(command, "portal", url, data_dir)
    rows = _list(command, found, open_key(command, key_file, password, password_file), days)
    _print(rows, f"no result has waited {days} days or more uncollected", as_json=as_json)


def hand_out(
    request_id: Annotated[str, typer.Argument(help="the request's id")],
    key_file: KeyOption,
    how: Annotated[
        str, typer.Option("--how", help="in_person, or email (with --email)")
    ] = "in_person",
    email: Annotated[
        str | None, typer.Option("--email", help="the address, for --how email", show_default=False)
    ] = None,
    password: KeyPasswordOption = None,
    password_file: KeyPasswordFileOption = None,
    url: PortalUrl = None,
    data_dir: DataDirOption = None,
) -> None:
    """Hand a result that reached the desk out to the visitor, in person or by e-mail (004 p.7
    process 8). Exit 0 handed out, 1 refused by the portal (e.g. no result yet), 2 bad input."""
    command = "egov psc hand-out"
    if how not in ("in_person", "email"):
        fail(command, f"--how {how!r}: in_person or email")
    if (how == "email") != (email is not None):
        fail(command, "--email ADDRESS goes with --how email, and only with it")
    found = topology(command, "portal", url, data_dir)
    key = open_key(command, key_file, password, password_file)
    request_id = segment(command, request_id)

    async def work() -> dict[str, Any]:
        async with _http(found) as http:
            return await PscOperator(http, key).hand_out(request_id, how, email)

    answer = run(command, found, work())
    typer.echo(f"{answer['request_id']}: handed out ({answer['handed_out']})")
