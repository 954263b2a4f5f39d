"""Where a running topology's five services answer: ``egov run`` (one process), ``egov up``
(one process each, its ``stack.json`` manifest) or any host with the default ports; and
:func:`find_topology`, how the ``egov`` commands find the one running on their data directory."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

SERVICES = ("portal", "gateway", "elicense", "registry", "provider")
# Each service's default port (its settings.py): what ``egov run`` serves without overrides.
DEFAULT_PORTS: Mapping[str, int] = {
    "portal": 8081,
    "gateway": 8082,
    "elicense": 8083,
    "registry": 8084,
    "provider": 8085,
}


class ManifestError(ValueError):
    """A stack manifest that cannot be read or lacks a service's URL."""


@dataclass(frozen=True)
class TopologyUrls:
    """Base URLs (``http://host:port``, no trailing slash) of the five services."""

    portal: str
    gateway: str
    elicense: str
    registry: str
    provider: str

    @classmethod
    def defaults(cls, host: str = "127.0.0.1") -> TopologyUrls:
        """``host`` with every service on its default port."""
        host = host.removeprefix("http://").rstrip("/")
        return cls(**{s: f"http://{host}:{port}" for s, port in DEFAULT_PORTS.items()})

    @classmethod
    def from_mapping(cls, urls: Mapping[str, Any], *, source: str = "urls") -> TopologyUrls:
        missing = [s for s in SERVICES if not isinstance(urls.get(s), str) or not urls[s]]
        if missing:
            raise ManifestError(f"{source}: no URL for {', '.join(missing)}")
        return cls(**{s: str(urls[s]).rstrip("/") for s in SERVICES})

    @classmethod
    def from_manifest(cls, path: Path) -> TopologyUrls:
        """The URLs in a running ``egov up``'s ``stack.json`` (its ``urls`` object)."""
        return cls.from_mapping(read_manifest(path).get("urls") or {}, source=str(path))

    def of(self, service: str) -> str:
        if service not in SERVICES:
            raise ValueError(f"unknown service {service!r}; services: {', '.join(SERVICES)}")
        return str(getattr(self, service))

    def as_dict(self) -> dict[str, str]:
        return {f.name: str(getattr(self, f.name)) for f in fields(self)}


def read_manifest(path: Path) -> dict[str, Any]:
    """A stack manifest as JSON; a clear :class:`ManifestError` for a missing or bad file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read the stack manifest: {exc.strerror}") from None
    except ValueError as exc:
        raise ManifestError(f"{path}: the stack manifest is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: a stack manifest is a JSON object")
    return data


# --- finding the running topology -----------------------------------------------------------

MANIFEST = "stack.json"  # written by egov up into its data directory (egov/stack.py)
_ANY_INTERFACE = {"", "0.0.0.0", "::", "[::]"}  # noqa: S104 - a listening address, not bound here


@dataclass(frozen=True)
class FoundTopology:
    """Where the running topology is, and how that was found (``source``, for messages)."""

    urls: TopologyUrls
    data_dir: Path
    source: str  # e.g. "var/stack.json (egov up, namespace run1)"
    manifest: Path | None = None  # the stack.json read, if any
    namespace: str = ""  # egov up's namespace ("" = none)

    @property
    def trust_anchors(self) -> Path:
        """The НУЦ root every service trusts (``egov run`` / ``egov provision`` write it)."""
        return self.data_dir / "keys" / "trust-anchors.pem"

    def with_url(self, service: str, url: str) -> FoundTopology:
        """The same topology with ``service`` at ``url`` (a command's ``--url``)."""
        urls = self.urls.as_dict() | {service: url.rstrip("/")}
        return FoundTopology(
            TopologyUrls.from_mapping(urls),
            self.data_dir,
            f"--url (data directory {self.data_dir})",
            self.manifest,
            self.namespace,
        )


def data_dir_of(environ: Mapping[str, str]) -> Path:
    """The data directory as every ``egov`` process reads it: ``EGOV_DATA_DIR``, else ./var."""
    return Path(environ.get("EGOV_DATA_DIR") or "./var")


def find_topology(
    data_dir: Path | None = None, *, environ: Mapping[str, str] | None = None
) -> FoundTopology:
    """The running topology: ``<data dir>/stack.json`` when ``egov up`` runs on that directory
    (its URLs and namespace), else ``egov run``'s addresses: ``EGOV_HOST`` (default 127.0.0.1)
    and each service's ``EGOV_<SERVICE>_PORT`` (default 8081-8085). ``data_dir`` defaults to
    ``EGOV_DATA_DIR``, else ./var. :class:`ManifestError` for a manifest that cannot be read or
    a port that is not a number."""
    env = os.environ if environ is None else environ
    directory = data_dir if data_dir is not None else data_dir_of(env)
    manifest = directory / MANIFEST
    if manifest.is_file():
        data = read_manifest(manifest)
        urls = TopologyUrls.from_mapping(data.get("urls") or {}, source=str(manifest))
        namespace = str(data.get("namespace") or "")
        written = data.get("data_dir")
        where = f"egov up, namespace {namespace}" if namespace else "egov up"
        pid = data.get("supervisor_pid")
        if isinstance(pid, int):
            where += f", pid {pid}"
        return FoundTopology(
            urls,
            Path(written) if isinstance(written, str) and written else directory,
            f"{manifest} ({where})",
            manifest,
            namespace,
        )
    host = env.get("EGOV_HOST", "127.0.0.1").strip()
    if host in _ANY_INTERFACE:
        host = "127.0.0.1"
    addresses: dict[str, str] = {}
    for service, default in DEFAULT_PORTS.items():
        variable = f"EGOV_{service.upper()}_PORT"
        text = env.get(variable, str(default))
        if not text.isdigit():
            raise ManifestError(f"{variable}={text!r} is not a port number")
        addresses[service] = f"http://{host}:{int(text)}"
    changed = sorted(
        f"EGOV_{s.upper()}_PORT" for s in DEFAULT_PORTS if f"EGOV_{s.upper()}_PORT" in env
    )
    ports = "ports from " + ", ".join(changed) if changed else "default ports 8081-8085"
    return FoundTopology(
        TopologyUrls.from_mapping(addresses),
        directory,
        f"egov run's addresses ({ports}; no {manifest})",
    )
