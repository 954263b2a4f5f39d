"""Running the corpus against one service's HTTP API, and counting what its storage holds.

For every operation of the service's OpenAPI: each hostile path segment in every path
parameter, each hostile body, a 5 MiB body, hostile query values, Accept-Language,
Authorization and signature headers. A finding is an answer that breaks the rules: a 5xx, an
error without a JSON ``{"code", "message"}``, or a huge body not refused with 413."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx

from shared.pki.http_signing import SENDER_HEADER, SIGNATURE_HEADER
from tests.hostile import generators

# The simulated clock's control moves time for everyone; it is an operator's tool, and off in
# the campaign's stack (EGOV_SIMULATION_CONTROL=false).
SKIPPED_PREFIXES = ("/simulation",)
_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


@dataclass(frozen=True)
class Probe:
    label: str
    method: str
    url: str
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    expect_status: int | None = None
    expect_code: str | None = None


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    path_params: tuple[str, ...]
    query_params: tuple[tuple[str, bool], ...]  # (name, required)
    has_body: bool
    takes_json: bool  # its OpenAPI declares a JSON request body (which the route reads)
    page: bool = False  # a page for people (tag "pages"): it answers HTML, refusals included


def operations(spec: dict[str, Any]) -> list[Operation]:
    found = []
    for path, item in spec["paths"].items():
        if path.startswith(SKIPPED_PREFIXES):
            continue
        for method, op in item.items():
            params = op.get("parameters", [])
            found.append(
                Operation(
                    method.upper(),
                    path,
                    tuple(p["name"] for p in params if p["in"] == "path"),
                    tuple(
                        (p["name"], bool(p.get("required"))) for p in params if p["in"] == "query"
                    ),
                    "requestBody" in op or method in ("post", "put", "patch"),
                    "application/json" in op.get("requestBody", {}).get("content", {}),
                    "pages" in op.get("tags", []),
                )
            )
    return found


def _url(op: Operation, segment: str | None = None, query: dict[str, str] | None = None) -> str:
    path = _PARAM.sub(lambda m: segment if segment is not None else f"hx{m.group(1)[:3]}", op.path)
    values = {name: "scan.pdf" for name, required in op.query_params if required}
    values.update(query or {})
    if values:
        path += "?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in values.items())
    return path


def _some(items: list[Any], turn: int, count: int) -> list[Any]:
    """``count`` of ``items``, starting further along at each ``turn``: every item is sent to
    some operations of a service, and every operation gets some of every kind."""
    if len(items) <= count:
        return items
    start = (turn * count) % len(items)
    return [items[(start + i) % len(items)] for i in range(count)]


def probes(op: Operation, turn: int = 0) -> Iterator[Probe]:
    """The probes of ``op``, the ``turn``-th operation of its service: every hostile body and
    the 5 MiB one, and a rotating share of the path segments, query values and headers."""
    json_headers = {"content-type": "application/json"}
    default_body = b"{}" if op.has_body else None
    if op.path_params:
        nul = [s for s in generators.path_segments() if "%00" in s]
        for segment in [*_some(generators.path_segments(), turn, 4), *nul[:1]]:
            expect = (400, "invalid_characters") if "%00" in segment else (None, None)
            yield Probe(
                f"path:{segment[:40]}",
                op.method,
                _url(op, segment),
                default_body,
                json_headers,
                *expect,
            )
    if op.has_body:
        for body in generators.bodies():
            yield Probe(
                f"body:{body.name}",
                op.method,
                _url(op),
                body.content,
                {"content-type": body.content_type},
                expect_status=400 if body.expect_code and op.takes_json else None,
                expect_code=body.expect_code if op.takes_json else None,
            )
    huge = generators.huge_body()
    yield Probe(
        f"body:{huge.name}",
        op.method,
        _url(op),
        huge.content,
        json_headers,
        expect_status=413,
        expect_code="body_too_large",
    )
    strings = [(label, text) for label, text in generators.hostile_strings()]
    # Longer than a URL may be (httpx refuses): path segments carry the 4 KiB one.
    short = [(label, text) for label, text in strings if not label.startswith("long")]
    for name, _ in op.query_params:
        for label, text in [*_some(short, turn, 5), *[s for s in short if "\x00" in s[1]]]:
            url = _url(op, query={name: text})
            if "\x00" in text:
                yield Probe(
                    f"query:{name}={label}", op.method, url, None, {}, 400, "invalid_characters"
                )
            else:
                yield Probe(f"query:{name}={label}", op.method, url)
    if op.path.endswith("/documents/{code}"):
        for name in generators.attachment_names():
            yield Probe(
                f"attachment-name:{name!r}",
                op.method,
                _url(op, query={"name": name}),
                b"%PDF-1.4",
                {"content-type": "application/pdf"},
            )
    for kind, header in (
        ("accept_language", "accept-language"),
        ("authorization", "authorization"),
        ("signature", SIGNATURE_HEADER),
    ):
        for value in _some(generators.header_values(kind), turn, 1):
            headers = {**json_headers, header: value, SENDER_HEADER: "portal"}
            yield Probe(f"{header}:{value[:30]}", op.method, _url(op), default_body, headers)


def _safe_header(value: str) -> bool:
    # httpx refuses to send some header values at all (CR, LF, NUL, non-Latin-1): those never
    # reach a server, so they are not probes of it.
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return value == value.strip() and not any(c in value for c in "\r\n\x00")


async def run(
    http: httpx.AsyncClient, ops: list[Operation], *, concurrency: int = 6
) -> tuple[int, list[str]]:
    """Send every probe of every operation, ``concurrency`` at a time; (probes sent,
    findings)."""
    gate = asyncio.Semaphore(concurrency)
    work = [(op, probe) for turn, op in enumerate(ops) for probe in probes(op, turn)]

    async def one(op: Operation, probe: Probe) -> str | None:
        headers = {k: v for k, v in probe.headers.items() if _safe_header(v)}
        async with gate:
            response = await http.request(
                probe.method, probe.url, content=probe.content, headers=headers
            )
        problem = judge_page(response) if op.page else judge(probe, response)
        return f"{op.method} {op.path} [{probe.label}] -> {problem}" if problem else None

    found = await asyncio.gather(*(one(op, probe) for op, probe in work))
    return len(work), [f for f in found if f is not None]


def judge_page(response: httpx.Response) -> str | None:
    """A page's answer to a hostile probe: never a server error, and a refusal is a page in
    the reader's language (HTML), never a stack trace."""
    status = response.status_code
    if status >= 500:
        return f"{status} {response.text[:200]}"
    if status < 400:
        return None
    kind = response.headers.get("content-type", "")
    if not kind.startswith(("text/html", "application/json")):
        return f"{status} as {kind!r}: {response.text[:200]!r}"
    if "Traceback" in response.text:
        return f"{status} shows a stack trace"
    return None


def judge(probe: Probe, response: httpx.Response) -> str | None:
    status = response.status_code
    if status >= 500:
        return f"{status} {response.text[:200]}"
    if probe.expect_status is not None and status != probe.expect_status:
        return f"expected {probe.expect_status}, got {status} {response.text[:200]}"
    if status < 400:
        return None
    try:
        body = response.json()
    except ValueError:
        return f"{status} without a JSON body: {response.text[:200]!r}"
    if not isinstance(body, dict) or not isinstance(body.get("code"), str) or not body["code"]:
        return f"{status} without a machine-readable code: {response.text[:200]}"
    if not isinstance(body.get("message"), str):
        return f"{status} without a message: {response.text[:200]}"
    if probe.expect_code is not None and body["code"] != probe.expect_code:
        return f"expected code {probe.expect_code}, got {body['code']}"
    return None


@dataclass(frozen=True)
class Counts:
    events: int
    outbox: int
    inbox: int
    event_types_after: tuple[str, ...] = ()


async def counts(pg_dsn: str, schema: str, *, types_after: int | None = None) -> tuple[Counts, int]:
    """What ``schema`` holds (and the types of the events after position ``types_after``),
    with its head position."""
    # The schema comes from the test's own stack; search_path keeps it out of the SQL text.
    conn = await asyncpg.connect(pg_dsn, server_settings={"search_path": schema})
    try:
        row = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM events) AS events,"
            " (SELECT count(*) FROM outbox) AS outbox,"
            " (SELECT count(*) FROM inbox) AS inbox,"
            " (SELECT coalesce(max(position), 0) FROM events) AS head"
        )
        assert row is not None
        types: tuple[str, ...] = ()
        if types_after is not None:
            rows = await conn.fetch(
                "SELECT DISTINCT type FROM events WHERE position > $1", types_after
            )
            types = tuple(sorted(r["type"] for r in rows))
        return Counts(row["events"], row["outbox"], row["inbox"], types), int(row["head"])
    finally:
        await conn.close()
