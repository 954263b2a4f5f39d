"""``egov gateway ...``: the gateway's admin commands (message-log check, parked messages and
their re-drive, trace, rules reload).

The HTTP commands are the gateway operator's calls (shared.authz): each is signed with the
gateway operator's key that ``egov provision`` / ``egov run`` / ``egov up`` wrote under
``<data dir>/keys/operators/`` (``--data-dir``, default the ``EGOV_DATA_DIR`` setting)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from egov.client.keys import GATEWAY_OPERATOR_KEY, KeyMaterialError, operator_signer
from egov.client.topology import ManifestError, find_topology
from shared.config import SettingsError, load_settings
from shared.eventlog.port import EventLogError
from shared.pki.http_signing import sign_request

UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="the running gateway (default: found from the data directory: its stack.json "
        "when egov up runs there, else egov run's EGOV_GATEWAY_PORT)",
        show_default=False,
    ),
]
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


def _call(method: str, url: str | None, path: str, data_dir: Path | None) -> object:
    from gateway_svc.settings import GatewaySettings

    try:
        directory = data_dir or load_settings(GatewaySettings).data_dir
        signer = operator_signer(directory, GATEWAY_OPERATOR_KEY)
        found = find_topology(data_dir)
    except (SettingsError, KeyMaterialError, ManifestError) as exc:
        typer.echo(f"egov gateway: {exc}", err=True)
        raise typer.Exit(2) from None
    base, source = (url, "--url") if url else (found.urls.gateway, found.source)
    headers = sign_request(signer, method, path)
    try:
        response = httpx.request(method, f"{base.rstrip('/')}{path}", headers=headers, timeout=30)
    except httpx.HTTPError as exc:
        typer.echo(
            f"egov gateway: no gateway answers at {base} (found from {source}): {exc}", err=True
        )
        raise typer.Exit(2) from None
    if response.status_code >= 400:
        typer.echo(f"egov gateway: HTTP {response.status_code}: {response.text}", err=True)
        raise typer.Exit(1)
    return response.json()


def parked(url: UrlOption = None, data_dir: DataDirOption = None) -> None:
    """List the messages that could not be delivered."""
    answer = _call("GET", url, "/parked", data_dir)
    typer.echo(json.dumps(answer, ensure_ascii=False, indent=2))


def redrive(
    message_id: Annotated[str, typer.Argument()],
    recipient: Annotated[str, typer.Argument()],
    url: UrlOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Deliver a parked message again."""
    answer = _call("POST", url, f"/parked/{message_id}/{recipient}/redrive", data_dir)
    typer.echo(json.dumps(answer, ensure_ascii=False))


TRACE_COLUMNS = ("hop", "from", "to", "type", "state", "time (UTC)")


def trace_table(records: list[dict[str, Any]]) -> list[str]:
    """The lines of ``egov gateway trace``: one row per record of the ``/trace`` answer, in log
    order, read as the operator's console reads them (``gateway_svc.pages.views.row_of``): the
    hop (``central``, ``regional.<region>``, ``redrive``, ``sync``), who sent it to whom, the
    message type (or sync service), the state it reached (``accepted``, ``relayed``,
    ``DELIVERED``, an error code, a sync answer's HTTP status) and when. A refusal's or a failed
    delivery's reason follows its row, indented."""
    from gateway_svc.messagelog import LogEntry, Record
    from gateway_svc.pages.views import row_of

    # A sync answer's record names only its caller: the provider is its request's.
    providers = {
        str(r.get("service_id")): str(r["provider"])
        for r in records
        if r.get("record") == Record.SYNC_REQUEST and r.get("provider")
    }
    # A delivery record names no type: its message's acceptance in the same trace does.
    types = {
        str(r["message_id"]): str(r["type"])
        for r in records
        if r.get("message_id") and r.get("type")
    }
    rows: list[tuple[list[str], str | None]] = []
    for record in records:
        data = {k: v for k, v in record.items() if k not in ("position", "recorded_at", "record")}
        at = datetime.fromisoformat(str(record["recorded_at"])).astimezone(UTC)
        entry = LogEntry(int(record["position"]), at, str(record["record"]), data)
        row = row_of(entry, data, providers)
        hop = data.get("hop")
        state = row.state or ("requested" if entry.record == Record.SYNC_REQUEST else "-")
        cells = [
            str(hop) if hop else "-",
            row.sender or "-",
            row.recipient or "-",
            row.what or types.get(row.message_id or "", "-"),
            state,
            at.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
        ]
        rows.append((cells, row.detail))
    widths = [
        max(len(c), *(len(cells[i]) for cells, _ in rows)) for i, c in enumerate(TRACE_COLUMNS)
    ]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    lines = [line(TRACE_COLUMNS)]
    for cells, detail in rows:
        lines.append(line(cells))
        if detail:
            lines.append(f"{' ' * widths[0]}  {detail}")
    return lines


def trace(
    correlation_id: Annotated[str, typer.Argument()],
    url: UrlOption = None,
    data_dir: DataDirOption = None,
    raw_json: Annotated[
        bool,
        typer.Option("--json", help="print the gateway's answer as it is (every record's fields)"),
    ] = False,
) -> None:
    """A request's whole journey through the gateway, in order: one row per record of the
    message log (hop, from, to, type, state, time); --json for the records themselves."""
    answer = _call("GET", url, f"/trace/{correlation_id}", data_dir)
    if raw_json:
        typer.echo(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    if not isinstance(answer, list):
        typer.echo(f"egov gateway trace: not a trace: {json.dumps(answer)[:300]}", err=True)
        raise typer.Exit(1)
    for text in trace_table(answer):
        typer.echo(text)


def reload_rules(url: UrlOption = None, data_dir: DataDirOption = None) -> None:
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
