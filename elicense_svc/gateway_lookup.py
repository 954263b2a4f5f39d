"""The registry look-up through the gateway's synchronous channel (``POST /sync/{service}``,
gateway_svc/rules.yaml: ``registry.person``, ``registry.legal_entity``).

The request is signed with elicense's system certificate as shared.pki.http_signing describes
(method, target and body hash), so the gateway can check who asks. Answers: 200 with the record
→ found; 404 → the registry holds no such person or entity; anything else (5xx, a gateway fault
code, a timeout, no connection) → unavailable, and the request waits and retries. A 4xx other
than 404 is elicense's or the gateway's fault, never the applicant's, so it also waits instead
of refusing anyone.
"""

from __future__ import annotations

import json

import httpx

from elicense_svc.registry_port import Found, LookupOutcome, NotFound, Unavailable
from shared.ids import path_key
from shared.logging import get_logger
from shared.pki.http_signing import signed_request_headers
from shared.signing import Signer

# A 404 the gateway itself gives (it does not know the service) says nothing about the applicant.
_GATEWAY_404 = frozenset({"UNKNOWN_SERVICE"})
_KEY_FIELD = {"registry.person": "iin", "registry.legal_entity": "bin"}


class GatewayRegistryLookup:
    def __init__(self, client: httpx.AsyncClient, signer: Signer, *, sender: str = "elicense"):
        """``client`` has the gateway's base URL and a timeout; its owner closes it."""
        self._client = client
        self._signer = signer
        self._sender = sender
        self._log = get_logger("elicense_svc.gateway_lookup")

    async def lookup(self, registry: str, key: str) -> LookupOutcome:
        if registry not in _KEY_FIELD:
            raise ValueError(f"unknown registry {registry!r}; known: {', '.join(_KEY_FIELD)}")
        path_key(key)  # the gateway puts it in the registry's path: an IIN/BIN's shape only
        target = f"/sync/{registry}"
        body = json.dumps({_KEY_FIELD[registry]: key}, separators=(",", ":")).encode()
        try:
            response = await self._client.post(
                target,
                content=body,
                headers={
                    **signed_request_headers(self._signer, self._sender, "POST", target, body),
                    "Content-Type": "application/json",
                },
            )
        except httpx.HTTPError as exc:
            return Unavailable(f"gateway not reachable: {exc.__class__.__name__}: {exc}")
        if response.status_code == 200:
            try:
                record = response.json()
            except ValueError:
                return Unavailable("the gateway answered 200 with a body that is not JSON")
            if not isinstance(record, dict):
                return Unavailable("the gateway answered 200 with a body that is not an object")
            return Found(record)
        detail = _detail(response)
        if response.status_code == 404 and detail not in _GATEWAY_404:
            return NotFound(detail or f"{registry} holds no record for {key}")
        if 400 <= response.status_code < 500:
            self._log.error(
                "elicense.registry_lookup_refused", status=response.status_code, detail=detail
            )
        return Unavailable(f"HTTP {response.status_code} from the gateway: {detail}".strip())


def _detail(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(data, dict):
        for field in ("code", "error", "detail", "message"):
            if field in data:
                return str(data[field])[:200]
    return str(data)[:200]
