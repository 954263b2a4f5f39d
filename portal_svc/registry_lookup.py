"""The persons registry through the gateway's synchronous channel (``POST /sync/registry.person``,
gateway_svc/rules.yaml), for the PSC desk (004: the operator checks the applicant's IIN).

Signed with the portal's system certificate (``shared.pki.http_signing``): rules.yaml lets
``portal`` call the registry, not the ``psc.*`` desks, and the desks are served by this
service. 200 → the record; 404 from the registry → not found; anything else → unavailable
(503 to the operator: the applicant is not refused for a fault of ours)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

import httpx

from portal_svc.errors import Unavailable
from portal_svc.identifiers import check_identifiers
from shared.pki.http_signing import signed_request_headers
from shared.signing import Signer

_TARGET: Final = "/sync/registry.person"


class GatewayPersonLookup:
    def __init__(self, client: httpx.AsyncClient, signer: Signer, *, sender: str = "portal"):
        """``client`` carries the gateway's base URL and a timeout; its owner closes it."""
        self._client = client
        self._signer = signer
        self._sender = sender

    async def person(self, iin: str) -> Mapping[str, Any] | None:
        # The gateway fills the registry's path with it: only an IIN's shape goes out.
        check_identifiers(iin, None)
        body = json.dumps({"iin": iin}, separators=(",", ":")).encode()
        try:
            response = await self._client.post(
                _TARGET,
                content=body,
                headers={
                    **signed_request_headers(self._signer, self._sender, "POST", _TARGET, body),
                    "Content-Type": "application/json",
                },
            )
        except httpx.HTTPError as exc:
            raise Unavailable("registry_unavailable", f"gateway not reachable: {exc}") from None
        code = _code(response)
        if response.status_code == 404 and code != "UNKNOWN_SERVICE":
            return None
        if response.status_code != 200:
            raise Unavailable(
                "registry_unavailable", f"HTTP {response.status_code} from the gateway: {code}"
            )
        record = response.json()
        if not isinstance(record, dict):
            raise Unavailable("registry_unavailable", "the registry's answer is not an object")
        return record


def _code(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200]
    return str(data.get("code", "")) if isinstance(data, dict) else ""
