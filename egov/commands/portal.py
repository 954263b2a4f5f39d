"""``egov portal submit SERVICE --p12 FILE``: file a request on a running portal as an
applicant, signing it with the key in the PKCS#12 file on this side (the portal never sees
the private key); ``egov replay portal`` rebuilds the cabinet's read models from the log and
prints how fast and their SHA-256 (equal digests, equal cabinets)."""

from __future__ import annotations

import asyncio
import json
import mimetypes
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from shared.config import SettingsError, load_settings
from shared.eventlog.port import EventLogError

_URL_HELP = (
    "the event log (sqlite:///path or postgresql://...?schema=...); default: the portal's "
    "configured log"
)


def build() -> typer.Typer:
    """Mounted as ``portal``; its ``replay`` is also ``egov replay portal`` (egov/cli.py)."""
    app = typer.Typer(help="The e-gov portal (ЭҮП) from the command line.", no_args_is_help=True)
    app.command("submit")(submit)
    app.command("replay")(replay)
    return app


async def _replay(url: str) -> dict[str, Any]:
    from portal_svc.projections import CabinetState, apply
    from shared.eventlog.factory import open_event_store

    store = await open_event_store(url)
    try:
        began = time.perf_counter()
        state = CabinetState()
        count = 0
        while batch := await store.read_all(after=state.position, limit=1000):
            for event in batch:
                apply(state, event)
            count += len(batch)
        seconds = time.perf_counter() - began
    finally:
        await store.close()
    return {
        "events": count,
        "seconds": round(seconds, 3),
        "events_per_s": round(count / seconds) if seconds > 0 else None,
        "requests": len(state.requests),
        "results": len(state.results),
        "sessions": len(state.sessions),
        "surveys": sum(1 for row in state.requests.values() if row["surveyed"]),
        "emails": len(state.emails),
        "cabinet_sha256": state.digest(),
    }


def replay(
    url: Annotated[str | None, typer.Option("--url", help=_URL_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Rebuild the cabinet (requests, status histories, results, survey indicators, desk
    e-mails, sessions) from the log; print counts, events/s and its SHA-256."""
    try:
        if url is None:
            from portal_svc.settings import PortalSettings

            url = load_settings(PortalSettings).resolved_event_store_url()
        report = asyncio.run(_replay(url))
    except (SettingsError, EventLogError, OSError, ValueError) as exc:
        typer.echo(f"egov replay portal: cannot open the event log: {exc}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
        return
    typer.echo(
        f"portal: {report['events']} events in {report['seconds']} s "
        f"({report['events_per_s']} events/s); {report['requests']} requests, "
        f"{report['results']} results, {report['surveys']} surveys, {report['emails']} e-mails"
    )
    typer.echo(f"cabinet sha256: {report['cabinet_sha256']}")


def _parse_pairs(values: list[str], what: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{what} must be KEY=VALUE, got {value!r}")
        pairs[key] = rest
    return pairs


def submit(
    service: Annotated[str, typer.Argument(help="service code, e.g. cultural_values_export")],
    p12: Annotated[Path, typer.Option("--p12", help="the applicant's signing key file")],
    p12_password: Annotated[
        str, typer.Option("--p12-password", envvar="EGOV_P12_PASSWORD", help="key file password")
    ],
    password: Annotated[
        str, typer.Option("--password", envvar="EGOV_PORTAL_PASSWORD", help="portal password")
    ],
    url: Annotated[str, typer.Option("--url", help="the portal's base URL")] = (
        "http://127.0.0.1:8081"
    ),
    bin_: Annotated[str | None, typer.Option("--bin", help="the organisation's BIN")] = None,
    field: Annotated[
        list[str] | None, typer.Option("--field", "-f", help="form field NAME=VALUE")
    ] = None,
    attach: Annotated[
        list[str] | None, typer.Option("--attach", "-a", help="document CODE=PATH")
    ] = None,
    register: Annotated[
        bool, typer.Option("--register", help="register the applicant first")
    ] = False,
) -> None:
    """Log in, fill the form, attach the files, sign the canonical request with the key file
    and send it. Exit 0 submitted, 1 refused (the reason code is printed), 2 bad input."""
    from portal_svc.sdk import Attachment, PortalClient, PortalRefused
    from shared.pki.pkcs12 import KeyFileError
    from shared.pki.setup import signer_from_key_file

    try:
        signer = signer_from_key_file(p12, p12_password)
    except (KeyFileError, OSError) as exc:
        typer.echo(f"egov portal submit: {exc}", err=True)
        raise typer.Exit(2) from None
    iin = signer.identity.iin
    if iin is None:
        typer.echo("egov portal submit: the certificate carries no IIN", err=True)
        raise typer.Exit(2)
    form = _parse_pairs(field or [], "--field")
    files = []
    for code, path_text in _parse_pairs(attach or [], "--attach").items():
        path = Path(path_text)
        if not path.is_file():
            raise typer.BadParameter(f"--attach {code}: no file {path}")
        media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        files.append(Attachment(code, path.name, media, path.read_bytes()))

    async def run() -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=url, timeout=30.0) as http:
            client = PortalClient(http)
            if register:
                await client.register(signer, password, bin_=bin_)
            await client.login(iin, password, bin_=bin_)
            return await client.submit(signer, service, form, files)

    try:
        answer = asyncio.run(run())
    except PortalRefused as exc:
        typer.echo(f"refused: {exc.code}: {exc.body.get('message', '')}", err=True)
        raise typer.Exit(1) from None
    except httpx.HTTPError as exc:
        typer.echo(f"egov portal submit: the portal is not reachable: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(answer, ensure_ascii=False))
