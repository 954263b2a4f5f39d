"""``egov elicense verify-permit NUMBER`` asks a running elicense for a permit's public
verification. ``egov replay elicense`` (egov/commands/replay.py) rebuilds its read models."""

from __future__ import annotations

from typing import Annotated

import httpx
import typer

from shared.config import load_settings


def build() -> typer.Typer:
    """Mounted as ``elicense``: ``egov elicense verify-permit NUMBER``."""
    app = typer.Typer(help="E-licensing («Е-лицензиялау» МДБ) commands.", no_args_is_help=True)  # noqa: RUF001
    app.command("verify-permit")(verify_permit)
    return app


def verify_permit(
    number: Annotated[str, typer.Argument(help="the central permit number, e.g. KZ-2014-A-000001")],
    url: Annotated[
        str | None, typer.Option("--url", help="elicense's base URL; default from settings")
    ] = None,
) -> None:
    """Public verification: the permit's state (valid, suspended, terminated) and the check of
    its signature. Exit 0 valid with a good signature, 1 otherwise, 2 no answer."""
    if url is None:
        from elicense_svc.settings import ElicenseSettings

        settings = load_settings(ElicenseSettings)
        url = f"http://{settings.host}:{settings.port}"
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            response = client.get(f"/permits/{number}")
    except httpx.HTTPError as exc:
        typer.echo(f"egov elicense verify-permit: {url}: {exc}", err=True)
        raise typer.Exit(2) from None
    body = response.json()
    if response.status_code != 200:
        typer.echo(f"{number}: {body.get('code')}: {body.get('message')}", err=True)
        raise typer.Exit(1)
    signature = body["signature"]
    typer.echo(
        f"{number}: {body['state']}; signature {signature['code']} "
        f"(signer {signature['signer'].get('subject')}); edition {body['edition']}"
    )
    if body["state"] != "valid" or not signature["valid"]:
        raise typer.Exit(1)
