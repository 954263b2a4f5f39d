"""``egov gateway ...``: the gateway's admin commands (message-log check, parked messages and
their re-drive, trace, rules reload).

The HTTP commands are the gateway operator's calls (shared.authz): each is signed with the
gateway operator's key that ``egov provision`` / ``egov run`` / ``egov up`` wrote under
``<data dir>/keys/operators/`` (``--data-dir``, default the ``EGOV_DATA_DIR`` setting)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import httpx
import typer

from egov.client.keys import GATEWAY_OPERATOR_KEY, KeyMaterialError, operator_signer
from shared.config import SettingsError, load_settings
from shared.eventlog.port import EventLogError
from shared.pki.http_signing import sign_request

DEFAULT_URL = "http://127.0.0.1:8082"
UrlOption = Annotated[str, typer.Option("--url", help="the running gateway")]
DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="the topology's data directory, holding the gateway operator's key "
        "(default: EGOV_DATA_DIR)",
    ),
]


def verify_log(
    store_url: Annotated[
        str | None,
        typer.Option("--store-url", help="event store URL (default: the gateway's settings)"),
    ] = None,
) -> None:
    """Check the message log's hash chain; exit 1 naming the first broken row and its message
    (``egov audit verify gateway`` checks the same chain without reading the row)."""
    from gateway_svc.audit import audit_message_log
    from gateway_svc.settings import GatewaySettings

    try:
        url = store_url or load_settings(GatewaySettings).resolved_event_store_url()
        result = asyncio.run(audit_message_log(url))
    except (SettingsError, EventLogError, OSError, ValueError) as exc:
        typer.echo(f"egov gateway verify-log: cannot open the message log: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(result.describe(), err=not result.report.ok)
    if not result.report.ok:
        raise typer.Exit(1)


def _call(method: str, url: str, path: str, data_dir: Path | None) -> object:
    from gateway_svc.settings import GatewaySettings

    try:
        directory = data_dir or load_settings(GatewaySettings).data_dir
        signer = operator_signer(directory, GATEWAY_OPERATOR_KEY)
    except (SettingsError, KeyMaterialError) as exc:
        typer.echo(f"egov gateway: {exc}", err=True)
        raise typer.Exit(2) from None
    headers = sign_request(signer, method, path)
    try:
        response = httpx.request(method, f"{url.rstrip('/')}{path}", headers=headers, timeout=30)
    except httpx.HTTPError as exc:
        typer.echo(f"egov gateway: {url}: {exc}", err=True)
        raise typer.Exit(2) from None
    if response.status_code >= 400:
        typer.echo(f"egov gateway: HTTP {response.status_code}: {response.text}", err=True)
        raise typer.Exit(1)
    return response.json()


def parked(url: UrlOption = DEFAULT_URL, data_dir: DataDirOption = None) -> None:
    """List the messages that could not be delivered."""
    answer = _call("GET", url, "/parked", data_dir)
    typer.echo(json.dumps(answer, ensure_ascii=False, indent=2))


def redrive(
    message_id: Annotated[str, typer.Argument()],
    recipient: Annotated[str, typer.Argument()],
    url: UrlOption = DEFAULT_URL,
    data_dir: DataDirOption = None,
) -> None:
    """Deliver a parked message again."""
    answer = _call("POST", url, f"/parked/{message_id}/{recipient}/redrive", data_dir)
    typer.echo(json.dumps(answer, ensure_ascii=False))


def trace(
    correlation_id: Annotated[str, typer.Argument()],
    url: UrlOption = DEFAULT_URL,
    data_dir: DataDirOption = None,
) -> None:
    """A request's whole journey through the gateway, in order."""
    answer = _call("GET", url, f"/trace/{correlation_id}", data_dir)
    typer.echo(json.dumps(answer, ensure_ascii=False, indent=2))


def reload_rules(url: UrlOption = DEFAULT_URL, data_dir: DataDirOption = None) -> None:
    """Make the running gateway re-read its access rules."""
    typer.echo(json.dumps(_call("POST", url, "/admin/rules/reload", data_dir)))


def build() -> typer.Typer:
    """The ``gateway`` sub-app."""
    app = typer.Typer(help="The e-government gateway (ЭҮШ / ЭҮАШ).", no_args_is_help=True)
    app.command("verify-log")(verify_log)
    app.command("parked")(parked)
    app.command("redrive")(redrive)
    app.command("trace")(trace)
    app.command("reload-rules")(reload_rules)
    return app
