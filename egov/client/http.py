"""One service's HTTP edge as the client sees it: JSON calls, optionally signed with a
certificate (``shared.pki.http_signing.sign_request``: ``X-Egov-Signature`` over the method, the
exact path and query sent, the SHA-256 of the exact body bytes, and the ``X-Egov-Timestamp`` and
``X-Egov-Nonce`` sent with it, new for every call)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import httpx

from egov.client.errors import ClientError, error_of
from shared.pki.http_signing import sign_request
from shared.signing import Signer


class ServiceHttp:
    """Calls to one service through a shared ``httpx.AsyncClient`` (the caller owns it)."""

    def __init__(self, service: str, http: httpx.AsyncClient) -> None:
        self.service = service
        self.http = http

    async def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, Any] | None = None,
        signer: Signer | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
    ) -> Any:
        """The decoded JSON answer (``None`` for an empty one); :class:`ClientError` for a
        non-2xx answer or no answer at all."""
        query = {k: v for k, v in (params or {}).items() if v is not None}
        target = f"{path}?{urlencode(query)}" if query else path
        sent_headers = dict(headers or {})
        body = content
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False).encode()
            sent_headers["Content-Type"] = "application/json"
        if signer is not None:
            sent_headers.update(sign_request(signer, method, target, body or b""))
        try:
            response = await self.http.request(method, target, content=body, headers=sent_headers)
        except httpx.HTTPError as exc:
            raise ClientError(
                self.service, 0, "unreachable", f"{method} {target}: {exc!r}"
            ) from None
        return decoded(self.service, response)


def decoded(service: str, response: httpx.Response) -> Any:
    if not response.content:
        parsed: Any = None
    else:
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
    if response.status_code >= 400:
        raise error_of(service, response.status_code, parsed, response.text)
    if parsed is None and response.content:
        raise ClientError(service, response.status_code, "not_json", response.text[:200])
    return parsed
