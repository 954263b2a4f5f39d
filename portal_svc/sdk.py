"""A small client of the portal's API for scripts and tests: log in, fill a request, attach
files, and sign the canonical request with the applicant's own key (process 4 happens on the
applicant's side: the portal never holds their private key). ``egov portal submit`` uses it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from portal_svc.handlers import challenge_bytes, registration_bytes
from shared.signing import Signer


class PortalRefused(Exception):
    """The portal answered 4xx/5xx; ``code`` is its machine-readable reason."""

    def __init__(self, status: int, body: Mapping[str, Any]) -> None:
        self.status = status
        self.code = str(body.get("code", "unknown"))
        self.body = dict(body)
        super().__init__(f"HTTP {status} {self.code}: {body.get('message', '')}")


@dataclass(frozen=True)
class Attachment:
    code: str
    name: str
    media_type: str
    content: bytes


def _checked(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = {"code": "not_json", "message": response.text[:200]}
    if response.status_code >= 400:
        raise PortalRefused(response.status_code, body if isinstance(body, dict) else {})
    return body if isinstance(body, dict) else {"value": body}


class PortalClient:
    """Wraps an ``httpx.AsyncClient`` whose base URL is the portal; the caller owns it."""

    def __init__(self, client: httpx.AsyncClient, *, language: str = "en") -> None:
        self._client = client
        self._headers: dict[str, str] = {"Accept-Language": language}

    async def register(self, signer: Signer, password: str, *, bin_: str | None = None) -> None:
        iin = signer.identity.iin
        if iin is None:
            raise ValueError("the certificate carries no IIN")
        signature = signer.sign(registration_bytes(iin, bin_))
        body = {"iin": iin, "bin": bin_, "password": password, "signature": signature}
        _checked(await self._client.post("/auth/register", json=body, headers=self._headers))

    async def login(self, iin: str, password: str, *, bin_: str | None = None) -> None:
        body = {"iin": iin, "bin": bin_, "password": password}
        found = _checked(await self._client.post("/auth/login", json=body, headers=self._headers))
        self._headers["Authorization"] = f"Bearer {found['token']}"

    async def login_with_key(self, auth: Signer, *, bin_: str | None = None) -> None:
        challenge = _checked(await self._client.get("/auth/challenge"))["challenge"]
        body = {
            "iin": auth.identity.iin,
            "bin": bin_,
            "challenge": challenge,
            "signature": auth.sign(challenge_bytes(challenge)),
        }
        found = _checked(
            await self._client.post("/auth/login/signed", json=body, headers=self._headers)
        )
        self._headers["Authorization"] = f"Bearer {found['token']}"

    async def submit(
        self,
        signer: Signer,
        service: str,
        form: Mapping[str, Any],
        attachments: list[Attachment],
    ) -> dict[str, Any]:
        """Draft, fill, attach, fetch the canonical request, sign it, send it. Returns the
        portal's answer (``request_id``, ``status``); raises :class:`PortalRefused`."""
        post = self._client.post
        draft = _checked(await post("/requests", json={"service": service}, headers=self._headers))
        request_id = draft["request_id"]
        base = f"/requests/{request_id}"
        _checked(
            await self._client.put(f"{base}/form", json={"form": dict(form)}, headers=self._headers)
        )
        for item in attachments:
            _checked(
                await self._client.put(
                    f"{base}/documents/{item.code}",
                    params={"name": item.name},
                    content=item.content,
                    headers={**self._headers, "Content-Type": item.media_type},
                )
            )
        payload = _checked(await self._client.get(f"{base}/signing-payload", headers=self._headers))
        signature = signer.sign(str(payload["payload"]).encode())
        return _checked(
            await post(f"{base}/sign", json={"signature": signature}, headers=self._headers)
        )

    async def request(self, request_id: str) -> dict[str, Any]:
        return _checked(
            await self._client.get(f"/cabinet/requests/{request_id}", headers=self._headers)
        )
