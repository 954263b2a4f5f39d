"""``--target``: which topology a run loads.

* ``up``: start an ``egov up`` stack for the run (``egov.stack``, on ``EGOV_PG_DSN`` and
  ``EGOV_AMQP_URL``, in a namespace of its own), stop it and drop its schemas and bus names
  afterwards;
* a path to a ``stack.json``: the running ``egov up`` that wrote it;
* a URL (``http://127.0.0.1``): a host serving the five services on their default ports (as
  ``egov run`` does), with ``--data-dir`` its data directory;
* nothing: the ``stack.json`` in the data directory, if an ``egov up`` is running there.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

from egov.client import TopologyUrls
from egov.load.topology import Topology, TopologyError, listening_pids
from shared.config import SettingsError, load_settings

UP = "up"
MANIFEST = "stack.json"


def _provider_store(data_dir: Path) -> str:
    from provider_svc.settings import ProviderSettings

    try:
        settings = load_settings(ProviderSettings, data_dir=data_dir)
    except SettingsError as exc:
        raise TopologyError(f"the provider's settings: {exc}") from None
    return settings.resolved_event_store_url()


def resolve(target: str | None, data_dir: Path) -> Topology:
    """The running topology ``target`` names (anything but ``up``)."""
    if target is None:
        manifest = data_dir / MANIFEST
        if not manifest.exists():
            raise TopologyError(
                f"no running egov up found ({manifest} does not exist): give --target up, "
                "a stack.json, or the URL of a running topology"
            )
        return Topology.from_manifest_file(manifest)
    if target.startswith(("http://", "https://")):
        host = urlsplit(target).hostname
        if not host:
            raise TopologyError(f"--target {target!r}: no host in the URL")
        urls = TopologyUrls.defaults(host)
        return Topology(urls, data_dir, _provider_store(data_dir), listening_pids(urls))
    path = Path(target)
    if path.is_dir():
        path = path / MANIFEST
    if not path.exists():
        raise TopologyError(f"--target {target!r}: not 'up', a URL, or an existing stack.json")
    return Topology.from_manifest_file(path)


@asynccontextmanager
async def open_target(
    target: str | None,
    data_dir: Path,
    *,
    pg_dsn: str | None = None,
    amqp_url: str | None = None,
    on_stack: Callable[[str], None] | None = None,
) -> AsyncIterator[Topology]:
    """The topology ``target`` names, for the length of the block."""
    if target == UP:
        async with _up(pg_dsn, amqp_url, on_stack) as topology:
            yield topology
    else:
        yield resolve(target, data_dir)


@asynccontextmanager
async def _up(
    pg_dsn: str | None,
    amqp_url: str | None,
    on_stack: Callable[[str], None] | None,
) -> AsyncIterator[Topology]:
    from egov.stack import StackError, StackOptions, running_stack

    if not pg_dsn or not amqp_url:
        raise TopologyError("--target up needs EGOV_PG_DSN and EGOV_AMQP_URL (the servers)")
    namespace = f"load_{secrets.token_hex(4)}"
    with tempfile.TemporaryDirectory(prefix="egov-load-") as scratch:
        options = StackOptions(
            data_dir=Path(scratch) / "var", pg_dsn=pg_dsn, amqp_url=amqp_url, namespace=namespace
        )
        try:
            async with running_stack(options, drop=True) as stack:
                if on_stack is not None:
                    on_stack(f"egov up: namespace {namespace}, data in {options.data_dir}")
                yield Topology.from_manifest(stack.manifest(), source="egov up")
        except StackError as exc:
            raise TopologyError(f"egov up: {exc}") from None
