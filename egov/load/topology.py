"""Where the running topology is, and the few things the load generator asks of it beyond the
shared topology client (:mod:`egov.client`, which makes every call to the services).

:class:`Topology` holds what a run needs to know: the services' URLs, the data directory (its
provisioned portal key signs the НУЦ calls that issue the population's certificates), where the
provider keeps its log (the bots are put on the workstations' rosters there) and, when known,
each service's process id (CPU seconds per application).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil

from egov.client import ClientError, OperatorKeys, TopologyClient, TopologyUrls
from egov.client.keys import KeyMaterialError
from egov.client.topology import ManifestError, read_manifest


class TopologyError(Exception):
    """The topology cannot be used for a run (no manifest, no key); the message says why."""


@dataclass(frozen=True)
class Topology:
    """Where a running topology is."""

    urls: TopologyUrls
    data_dir: Path
    provider_store_url: str
    pids: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_manifest(cls, data: Mapping[str, Any], *, source: str = "manifest") -> Topology:
        """From ``egov up``'s manifest (its ``stack.json``, or ``Stack.manifest()``)."""
        urls = data.get("urls")
        if not isinstance(urls, Mapping):
            raise TopologyError(f"{source}: no service URLs (an 'urls' object) in the manifest")
        if not data.get("data_dir"):
            raise TopologyError(f"{source}: no 'data_dir' in the manifest")
        services = data.get("services") or {}
        provider = services.get("provider") if isinstance(services, Mapping) else None
        store = provider.get("event_store_url") if isinstance(provider, Mapping) else None
        if not store:
            raise TopologyError(f"{source}: no provider event store URL in the manifest")
        pids = {str(k): int(v) for k, v in (data.get("pids") or {}).items() if v}
        try:
            parsed = TopologyUrls.from_mapping(urls, source=source)
        except ValueError as exc:
            raise TopologyError(str(exc)) from None
        return cls(parsed, Path(str(data["data_dir"])), str(store), pids)

    @classmethod
    def from_manifest_file(cls, path: Path) -> Topology:
        try:
            data = read_manifest(path)
        except ManifestError as exc:
            raise TopologyError(str(exc)) from None
        return cls.from_manifest(data, source=str(path))

    def client(self, *, max_connections: int = 100) -> TopologyClient:
        """The shared client on this topology, signing the operators' calls (НУЦ, registries,
        the gateway's log, the clock) with the operators' provisioned keys."""
        try:
            operators = OperatorKeys.load(self.data_dir)
        except KeyMaterialError as exc:
            raise TopologyError(str(exc)) from None
        return TopologyClient(self.urls, operators=operators, max_connections=max_connections)


async def clock_offset(client: TopologyClient, service: str) -> float | None:
    """How far ``service``'s clock is ahead of this machine's, in seconds (from its
    ``GET /simulation/clock``), or None when it serves no clock."""
    before = time.time()
    try:
        now = await client.clock(service)
    except (ClientError, ValueError, KeyError):
        return None
    after = time.time()
    return now.timestamp() - (before + after) / 2


def listening_pids(urls: TopologyUrls) -> dict[str, int]:
    """The processes listening on this machine at the services' ports (for a topology given
    by URL: ``egov run`` is one process for all five, ``egov up`` one each); empty when the
    services are elsewhere or the system does not tell."""
    wanted: dict[int, str] = {}
    for service, url in urls.as_dict().items():
        parsed = urlsplit(url)
        if parsed.hostname in ("127.0.0.1", "localhost", "::1") and parsed.port:
            wanted[parsed.port] = service
    if not wanted:
        return {}
    try:
        connections = psutil.net_connections(kind="tcp")
    except (psutil.Error, OSError):
        return {}
    return {
        wanted[c.laddr.port]: c.pid
        for c in connections
        if c.status == psutil.CONN_LISTEN and c.pid and c.laddr and c.laddr.port in wanted
    }
