"""``egov replay elicense`` rebuilds E-licensing's read models (the permit registry, the
request index) from its event log and prints what it found and how fast; ``egov elicense
verify-permit NUMBER`` asks a running elicense for a permit's public verification."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from typing import Annotated, Any

import httpx
import typer

from shared.config import SettingsError, load_settings
from shared.eventlog.factory import open_event_store
from shared.eventlog.port import EventLogError

_URL_HELP = (
    "the event log (sqlite:///path or postgresql://...?schema=...); default: elicense's "
    "configured log"
)


def build() -> typer.Typer:
    """Mounted as ``elicense``: ``egov elicense verify-permit NUMBER``."""
    app = typer.Typer(help="E-licensing («Е-лицензиялау» МДБ) commands.", no_args_is_help=True)  # noqa: RUF001
    app.command("verify-permit")(verify_permit)
    app.command("replay")(replay)
    return app


async def _replay(url: str) -> dict[str, Any]:
    from elicense_svc.projections import default_engines, rebuild

    store = await open_event_store(url)
    try:
        began = time.perf_counter()
        projections = await rebuild(store, default_engines())
        seconds = time.perf_counter() - began
    finally:
        await store.close()
    return {
        "events": projections.events,
        "seconds": round(seconds, 3),
        "events_per_s": round(projections.events / seconds) if seconds > 0 else None,
        "requests": len(projections.requests),
        "permits": len(projections.permits),
        "permits_by_state": dict(
            sorted(Counter(p.state.value for p in projections.permits.values()).items())
        ),
        "registry_sha256": projections.registry_digest(),
    }


def replay(
    url: Annotated[str | None, typer.Option("--url", help=_URL_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Rebuild the permit registry and request index from the log; print counts, events/s and
    the registry's SHA-256 (equal digests, equal registries)."""
    try:
        if url is None:
            from elicense_svc.settings import ElicenseSettings

            url = load_settings(ElicenseSettings).resolved_event_store_url()
        report = asyncio.run(_replay(url))
    except (SettingsError, EventLogError, OSError, ValueError) as exc:
        typer.echo(f"egov replay elicense: cannot open the event log: {exc}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
        return
    typer.echo(
        f"elicense: {report['events']} events in {report['seconds']} s "
        f"({report['events_per_s']} events/s); {report['requests']} requests, "
        f"{report['permits']} permits {report['permits_by_state']}"
    )
    typer.echo(f"permit registry sha256: {report['registry_sha256']}")


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
