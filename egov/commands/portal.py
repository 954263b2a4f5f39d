"""``egov portal submit SERVICE --p12 FILE``: file a request on a running portal as an
applicant, signing it with the key in the PKCS#12 file on this side (the portal never sees
the private key). ``egov replay portal`` (egov/commands/replay.py) rebuilds the cabinet."""

from __future__ import annotations

import asyncio
import json
import mimetypes
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer


def build() -> typer.Typer:
    """Mounted as ``portal``."""
    app = typer.Typer(help="The e-gov portal (ЭҮП) from the command line.", no_args_is_help=True)
    app.command("submit")(submit)
    return app


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
