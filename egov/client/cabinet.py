"""The applicant's cabinet at the portal, by its session token alone (no key: reading the
cabinet, the result and its PDF, the quality survey and the live status stream need none):
what ``egov portal requests|show|watch|result|survey`` call. Filing a request is signed, so it
goes through :class:`egov.client.actors.Applicant` instead."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from egov.client.errors import ClientError, error_of
from egov.client.http import ServiceHttp

# A request in one of these has its answer (portal_svc.domain.statuses.FINISHED).
FINISHED = frozenset({"completed", "refused", "handed_out"})


@dataclass(frozen=True)
class Session:
    """A portal session: the bearer token ``POST /auth/login`` gave, for whom, until when."""

    token: str
    iin: str
    bin: str | None
    expires_at: str


@dataclass(frozen=True)
class StreamEvent:
    """One Server-Sent Event of ``GET /cabinet/stream``: its id (a log position), its type
    (``status``) and its JSON data (``request_id``, ``status``, ``step``, ``at``, ``current``)."""

    id: int | None
    event: str
    data: dict[str, Any]


async def login(
    portal: httpx.AsyncClient, iin: str, password: str, *, bin_: str | None = None
) -> Session:
    """``POST /auth/login`` with the IIN (and the organisation's BIN) and the password."""
    body = {"iin": iin, "bin": bin_, "password": password}
    found = await ServiceHttp("portal", portal).call("POST", "/auth/login", json_body=body)
    return Session(str(found["token"]), iin, bin_, str(found["expires_at"]))


class Cabinet:
    """The calls of one session (``Authorization: Bearer``); messages in ``language``."""

    def __init__(self, portal: httpx.AsyncClient, token: str, *, language: str = "en") -> None:
        self._http = ServiceHttp("portal", portal)
        self._headers = {"Authorization": f"Bearer {token}", "Accept-Language": language}

    async def _get(self, path: str, **params: Any) -> Any:
        return await self._http.call("GET", path, headers=self._headers, params=params)

    async def requests(self) -> list[dict[str, Any]]:
        """My requests, the latest change first: id, service, version, status, deadline..."""
        return list((await self._get("/cabinet/requests"))["requests"])

    async def request(self, request_id: str) -> dict[str, Any]:
        """One request with its history (status, step, at), as the cabinet shows it."""
        return dict(await self._get(f"/cabinet/requests/{segment(request_id)}"))

    async def result(self, request_id: str) -> dict[str, Any]:
        """The signed result as it arrived (``404 no_result_yet`` before)."""
        return dict(await self._get(f"/cabinet/requests/{segment(request_id)}/result"))

    async def result_pdf(self, request_id: str) -> bytes:
        path = f"/cabinet/requests/{segment(request_id)}/result.pdf"
        try:
            response = await self._http.http.get(path, headers=self._headers)
        except httpx.HTTPError as exc:
            raise ClientError("portal", 0, "unreachable", f"GET {path}: {exc!r}") from None
        if response.status_code >= 400:
            raise error_of("portal", response.status_code, _json(response), response.text)
        return response.content

    async def verify(self, number: str) -> dict[str, Any]:
        """The public check of a result document by its number: ``valid``, ``code``, ``signer``
        (whether its signature verifies now, checked by the portal against the НУЦ)."""
        return dict(await self._get(f"/verify/{segment(number)}"))

    async def survey_form(self, service: str, version: str | None) -> dict[str, Any]:
        """The survey's questions and answers for a service's version, in the language."""
        return dict(await self._get("/survey", service=service, version=version))

    async def answer_survey(self, request_id: str, answers: Mapping[str, Any]) -> dict[str, Any]:
        path = f"/requests/{segment(request_id)}/survey"
        body = {"answers": dict(answers)}
        return dict(await self._http.call("POST", path, json_body=body, headers=self._headers))

    async def logout(self) -> None:
        await self._http.call("POST", "/auth/logout", headers=self._headers)

    async def stream(
        self, *, after: int | None = None, read_timeout_s: float = 60.0
    ) -> AsyncIterator[StreamEvent]:
        """``GET /cabinet/stream``: my requests' status changes as they are committed; with
        ``after`` (``Last-Event-ID``) every change after that log position first. The portal
        sends a keep-alive at least every 15 s, so ``read_timeout_s`` of silence means the
        connection is gone (``httpx.ReadTimeout``)."""
        headers = dict(self._headers)
        if after is not None:
            headers["Last-Event-ID"] = str(after)
        timeout = httpx.Timeout(10.0, read=read_timeout_s)
        try:
            async with self._http.http.stream(
                "GET", "/cabinet/stream", headers=headers, timeout=timeout
            ) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise error_of("portal", response.status_code, _json(response), response.text)
                async for event in parse_events(response.aiter_lines()):
                    yield event
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise ClientError("portal", 0, "unreachable", f"GET /cabinet/stream: {exc!r}") from None


async def parse_events(lines: AsyncIterator[str]) -> AsyncIterator[StreamEvent]:
    """Server-Sent Events from a stream's lines (the WHATWG rules this portal needs: ``id``,
    ``event``, ``data`` lines joined, a blank line ends an event, ``:`` lines are comments)."""
    event_id: int | None = None
    kind = "message"
    data: list[str] = []
    async for raw in lines:
        line = raw.rstrip("\r")
        if not line:
            if data:
                yield StreamEvent(event_id, kind, _object("\n".join(data)))
            event_id, kind, data = None, "message", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "id" and value.isdigit():
            event_id = int(value)
        elif name == "event":
            kind = value
        elif name == "data":
            data.append(value)


def segment(value: str) -> str:
    """A request id or document number as one URL path segment (quoted; ``.`` and ``..``,
    which a client would read as path steps, refused)."""
    if value in ("", ".", ".."):
        raise ClientError("client", 0, "bad_identifier", f"{value!r} names no request")
    return quote(value, safe="")


def _object(text: str) -> dict[str, Any]:
    try:
        found = json.loads(text)
    except ValueError:
        return {"raw": text}
    return found if isinstance(found, dict) else {"value": found}


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
