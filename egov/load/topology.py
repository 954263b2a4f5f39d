"""The load generator's one door to a running topology: every HTTP call it makes, in one small
adapter, so that switching to the shared topology client (``egov.client``) touches this file
only.

What a run needs to know about the topology (:class:`Topology`): the services' URLs, its data
directory (the provisioned portal key signs the НУЦ calls that issue the population's
certificates), where the provider keeps its log (the bots are appointed to the roster there,
as ``egov provider staff appoint`` does) and, when known, each service's process id (CPU
seconds per application).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from portal_svc.sdk import Attachment, PortalClient, PortalRefused
from shared.pki.http_signing import SIGNATURE_HEADER, request_signing_bytes
from shared.pki.jws import JwsSigner
from shared.pki.pkcs12 import KeyFileError, load_pkcs12
from shared.signing import Signer

SERVICES = ("portal", "gateway", "elicense", "registry", "provider")


class TopologyError(Exception):
    """The topology cannot be used for a run (no manifest, no key, a service not answering)."""


class CallFailed(Exception):
    """A service refused or did not answer; ``code`` is its machine-readable reason (or
    ``unreachable`` / ``http_<status>``), counted in the run's errors."""

    def __init__(self, service: str, status: int, code: str, message: str = "") -> None:
        self.service = service
        self.status = status
        self.code = code
        super().__init__(f"{service}: {status or 'no answer'} {code}: {message}".rstrip(": "))


@dataclass(frozen=True)
class Topology:
    """Where a running topology is."""

    urls: Mapping[str, str]
    data_dir: Path
    provider_store_url: str | None = None
    pids: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_manifest(cls, data: Mapping[str, Any], *, source: str = "manifest") -> Topology:
        """From ``egov up``'s manifest (``stack.json``, or ``Stack.manifest()``)."""
        urls = data.get("urls")
        if not isinstance(urls, Mapping) or "portal" not in urls or "provider" not in urls:
            raise TopologyError(f"{source}: no service URLs (an 'urls' object) in the manifest")
        if not data.get("data_dir"):
            raise TopologyError(f"{source}: no 'data_dir' in the manifest")
        stores = data.get("event_store_urls") or data.get("store_urls") or {}
        pids = {str(k): int(v) for k, v in (data.get("pids") or {}).items() if v}
        return cls(
            urls={str(k): str(v).rstrip("/") for k, v in urls.items()},
            data_dir=Path(str(data["data_dir"])),
            provider_store_url=stores.get("provider") if isinstance(stores, Mapping) else None,
            pids=pids,
        )

    @classmethod
    def from_manifest_file(cls, path: Path) -> Topology:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise TopologyError(f"{path}: cannot read the stack manifest: {exc.strerror}") from None
        except ValueError as exc:
            raise TopologyError(f"{path}: the stack manifest is not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise TopologyError(f"{path}: a stack manifest is a JSON object")
        return cls.from_manifest(data, source=str(path))


def _portal_key(data_dir: Path) -> JwsSigner:
    """The provisioned portal system key (``keys/portal/portal.p12``): any certificate of the
    НУЦ may call its issuing API, and every provisioned topology has this one."""
    directory = data_dir / "keys" / "portal"
    try:
        key = load_pkcs12(
            (directory / "portal.p12").read_bytes(),
            password=(directory / "password").read_text(encoding="utf-8").strip(),
        )
    except (OSError, KeyFileError) as exc:
        raise TopologyError(
            f"no usable provisioned portal key under {directory}: {exc}; point the load "
            "generator at the data directory of the running topology"
        ) from None
    return JwsSigner.from_key_file(key)


def _failed(service: str, response: httpx.Response) -> CallFailed:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    code = str(body.get("code") or f"http_{response.status_code}")
    return CallFailed(service, response.status_code, code, str(body.get("message", ""))[:200])


class Calls:
    """The HTTP calls of a run, on one connection pool per service; ``async with``."""

    def __init__(self, topology: Topology, *, timeout_s: float = 30.0) -> None:
        self.topology = topology
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        self._http = {
            name: httpx.AsyncClient(base_url=url, timeout=timeout_s, limits=limits)
            for name, url in topology.urls.items()
        }
        self._admin: JwsSigner | None = None

    async def __aenter__(self) -> Calls:
        return self

    async def __aexit__(self, *_: object) -> None:
        await asyncio.gather(*(client.aclose() for client in self._http.values()))

    def http(self, service: str) -> httpx.AsyncClient:
        try:
            return self._http[service]
        except KeyError:
            raise TopologyError(f"the topology has no URL for {service}") from None

    async def _signed(
        self, service: str, method: str, path: str, signer: Signer, body: Any = None
    ) -> Any:
        content = b"" if body is None else json.dumps(body).encode()
        headers = {SIGNATURE_HEADER: signer.sign(request_signing_bytes(method, path, content))}
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            response = await self.http(service).request(
                method, path, content=content or None, headers=headers
            )
        except httpx.HTTPError as exc:
            raise CallFailed(service, 0, "unreachable", repr(exc)) from None
        if response.status_code >= 400:
            raise _failed(service, response)
        return response.json()

    # --- the НУЦ ------------------------------------------------------------------------------

    async def issue(self, holder: Mapping[str, Any]) -> Signer:
        """A certificate of the НУЦ for ``holder`` (``POST /ca/certificates``, signed with the
        provisioned portal key), opened as a signer."""
        if self._admin is None:
            self._admin = _portal_key(self.topology.data_dir)
        password = secrets.token_urlsafe(12)
        answer = await self._signed(
            "registry", "POST", "/ca/certificates", self._admin, {**holder, "password": password}
        )
        key = load_pkcs12(base64.b64decode(answer["pkcs12_base64"]), password=password)
        return JwsSigner.from_key_file(key)

    # --- the applicant at the portal -----------------------------------------------------------

    def portal(self) -> PortalClient:
        return PortalClient(self.http("portal"))

    async def register_and_login(self, portal: PortalClient, signer: Signer, password: str) -> None:
        iin = signer.identity.iin
        if iin is None:
            raise TopologyError("an applicant's certificate must carry an IIN")
        try:
            await portal.register(signer, password)
            await portal.login(iin, password)
        except PortalRefused as exc:
            raise CallFailed("portal", exc.status, exc.code, str(exc)) from None
        except httpx.HTTPError as exc:
            raise CallFailed("portal", 0, "unreachable", repr(exc)) from None

    async def submit(
        self,
        portal: PortalClient,
        signer: Signer,
        service: str,
        form: Mapping[str, Any],
        attachments: Sequence[Attachment],
    ) -> str:
        try:
            answer = await portal.submit(signer, service, form, list(attachments))
        except PortalRefused as exc:
            raise CallFailed("portal", exc.status, exc.code, str(exc)) from None
        except httpx.HTTPError as exc:
            raise CallFailed("portal", 0, "unreachable", repr(exc)) from None
        return str(answer["request_id"])

    async def cabinet(self, portal: PortalClient, request_id: str) -> dict[str, Any]:
        try:
            return await portal.request(request_id)
        except PortalRefused as exc:
            raise CallFailed("portal", exc.status, exc.code, str(exc)) from None
        except httpx.HTTPError as exc:
            raise CallFailed("portal", 0, "unreachable", repr(exc)) from None

    # --- the workstation's staff -----------------------------------------------------------------

    async def inbox(self, workstation: str, staff: Signer) -> list[dict[str, Any]]:
        found = await self._signed(
            "provider", "GET", f"/provider/workstations/{workstation}/inbox", staff
        )
        return list(found["requests"])

    async def show(self, workstation: str, request_id: str, staff: Signer) -> dict[str, Any]:
        path = f"/provider/workstations/{workstation}/requests/{request_id}"
        return dict(await self._signed("provider", "GET", path, staff))

    async def draft(
        self, workstation: str, request_id: str, staff: Signer, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        path = f"/provider/workstations/{workstation}/requests/{request_id}/draft"
        return dict(await self._signed("provider", "POST", path, staff, dict(body)))

    async def act(
        self, workstation: str, request_id: str, staff: Signer, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        path = f"/provider/workstations/{workstation}/requests/{request_id}/actions"
        return dict(await self._signed("provider", "POST", path, staff, dict(body)))

    async def appoint(
        self, workstation: str, iin: str, name: str, roles: Sequence[str], *, wait_s: float = 60
    ) -> None:
        """Put a bot on the workstation's roster, as ``egov provider staff appoint`` does,
        on the provider's log (the running service reads the roster from it on every call)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("EGOV_PROVIDER_")}
        env["EGOV_DATA_DIR"] = str(self.topology.data_dir)
        if self.topology.provider_store_url:
            env["EGOV_PROVIDER_EVENT_STORE_URL"] = self.topology.provider_store_url
        role_args = [arg for role in roles for arg in ("--role", role)]
        command = [str(Path(sys.executable).parent / "egov"), "provider", "staff", "appoint"]
        process = await asyncio.create_subprocess_exec(
            *command, workstation, iin, name, *role_args, "--by", "egov-load",
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, err = await asyncio.wait_for(process.communicate(), wait_s)
        if process.returncode != 0:
            raise TopologyError(f"appointing {iin} at {workstation}: {err.decode().strip()}")

    # --- the gateway and the clocks -------------------------------------------------------------

    async def trace(self, correlation_id: str) -> list[dict[str, Any]]:
        try:
            response = await self.http("gateway").get(f"/trace/{correlation_id}")
        except httpx.HTTPError as exc:
            raise CallFailed("gateway", 0, "unreachable", repr(exc)) from None
        if response.status_code >= 400:
            raise _failed("gateway", response)
        return list(response.json())

    async def clock_offset(self, service: str) -> float | None:
        """How far ``service``'s clock is ahead of this machine's, in seconds (its
        ``GET /simulation/clock``), or None when it serves no clock."""
        try:
            before = time.time()
            response = await self.http(service).get("/simulation/clock")
            after = time.time()
        except httpx.HTTPError:
            return None
        if response.status_code != 200:
            return None
        try:
            now = datetime.fromisoformat(str(response.json()["now"]))
        except (ValueError, KeyError, TypeError):
            return None
        return now.timestamp() - (before + after) / 2

    async def healthy(self) -> dict[str, bool]:
        async def one(service: str) -> bool:
            try:
                return (await self.http(service).get("/health")).status_code == 200
            except httpx.HTTPError:
                return False

        names = list(self.topology.urls)
        return dict(zip(names, await asyncio.gather(*(one(n) for n in names)), strict=True))
