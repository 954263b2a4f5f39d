"""The person registry through the gateway's synchronous channel (``POST /sync/registry.person``,
gateway_svc/rules.yaml ``sync_services``), signed by the workstation's system certificate the
same way as every synchronous call (``shared.pki.http_signing``)."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx

from provider_svc.ports import ApplicantRecord
from shared.pki.http_signing import SIGNATURE_HEADER, request_signing_bytes
from shared.signing import Signer


class GatewayPersonLookup:
    def __init__(
        self, client: httpx.AsyncClient, gateway_url: str, signer_for: Callable[[str], Signer]
    ) -> None:
        self._client = client
        self._base = gateway_url.rstrip("/")
        self._signer_for = signer_for

    async def person(self, iin: str, *, workstation: str) -> ApplicantRecord:
        path = "/sync/registry.person"
        body = json.dumps({"iin": iin}).encode()
        signature = self._signer_for(workstation).sign(request_signing_bytes("POST", path, body))
        try:
            answer = await self._client.post(
                self._base + path,
                content=body,
                headers={"content-type": "application/json", SIGNATURE_HEADER: signature},
            )
        except httpx.HTTPError as exc:
            raise OSError(f"gateway {self._base} unreachable: {exc}") from exc
        if answer.status_code == 404:
            return ApplicantRecord(iin, False)
        if answer.status_code != 200:
            raise RuntimeError(f"gateway answered {answer.status_code}: {answer.text[:200]}")
        data = answer.json()
        name = data.get("full_name") or data.get("name") if isinstance(data, dict) else None
        return ApplicantRecord(iin, True, None if name is None else str(name))
