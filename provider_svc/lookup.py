"""The person registry through the gateway's synchronous channel (``POST /sync/registry.person``,
gateway_svc/rules.yaml ``sync_services``), signed by the workstation's system certificate the
same way as every synchronous call (``shared.pki.http_signing``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from provider_svc.ports import ApplicantRecord
from shared.ids import path_key
from shared.pki.http_signing import signed_request_headers
from shared.signing import Signer


class GatewayPersonLookup:
    def __init__(
        self, client: httpx.AsyncClient, gateway_url: str, signer_for: Callable[[str], Signer]
    ) -> None:
        self._client = client
        self._base = gateway_url.rstrip("/")
        self._signer_for = signer_for

    async def person(self, iin: str, *, workstation: str) -> ApplicantRecord:
        path_key(iin)  # the gateway puts it in the registry's path: an IIN's shape only
        path = "/sync/registry.person"
        body = json.dumps({"iin": iin}).encode()
        try:
            answer = await self._client.post(
                self._base + path,
                content=body,
                headers={
                    "content-type": "application/json",
                    **signed_request_headers(
                        self._signer_for(workstation), workstation, "POST", path, body
                    ),
                },
            )
        except httpx.HTTPError as exc:
            raise OSError(f"gateway {self._base} unreachable: {exc}") from exc
        if answer.status_code == 404 and not _is_fault(answer):
            return ApplicantRecord(iin, False)
        if answer.status_code != 200:
            raise RuntimeError(f"gateway answered {answer.status_code}: {answer.text[:200]}")
        return _record(iin, answer.json())


def _is_fault(answer: httpx.Response) -> bool:
    """The gateway's own faults carry ``origin`` (gateway_svc/sync.py); a 404 without it is the
    registry's answer that the person is not there. An unknown service is a fault, not a
    missing person."""
    try:
        body = answer.json()
    except ValueError:
        return True
    return isinstance(body, dict) and "origin" in body


def _record(iin: str, data: Any) -> ApplicantRecord:
    """registry_svc's person row: only a living resident is served (a deceased or departed
    person's record exists but cannot apply)."""
    if not isinstance(data, dict):
        raise RuntimeError("the registry's answer is not a person record")
    status = data.get("status", "active")
    surname, name = data.get("surname"), data.get("name")
    full = (
        f"{surname.get('ru', '')} {name.get('ru', '')}".strip()
        if isinstance(surname, dict) and isinstance(name, dict)
        else None
    )
    return ApplicantRecord(iin, status == "active", full or None)
