"""Where a running topology's five services answer: ``egov run`` (one process), ``egov up``
(one process each, its ``stack.json`` manifest) or any host with the default ports."""

from __future__ import annotations

import json
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
