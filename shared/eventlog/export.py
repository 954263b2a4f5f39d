"""A service's whole event log as JSON Lines, and back (``egov eventlog export|import``).

The file is a header line and then one line per event in position order, each line the RFC 8785
canonical JSON of an object, so the same log always gives the same bytes (whatever database it
sits in: jsonb's key order and SQLite's text are both re-serialised)::

    {"events":2,"exported_at":"...","format":"egov-eventlog","format_version":1,
     "last_position":2,"service":"portal","streams":{"a":{"hash":"9f..","version":2}}}
    {"data":{..},"event_id":"..","hash":"9f..","metadata":{..},"position":1,"prev_hash":"",
     "recorded_at":"2019-11-04T03:00:00.000000+00:00","stream_id":"a","type":"X.v1","version":1}

An event line holds every column the hash chain covers plus the position, so an import rebuilds
the log exactly and a second export of it is byte-for-byte the first (given the same
``exported_at``). Export reads the log twice (the header needs the count and each stream's head
before the first event line); memory is one (version, hash) per stream, never the events.

Import checks every line while it streams into the store, inside the store's one import
transaction, and stops at the first bad one with :class:`ImportRefused` naming the line: bad
JSON, a missing or unknown field, a position out of order, a broken hash chain, more or fewer
events than the header says, or a stream head other than the header's. The transaction then
rolls back: nothing of the file is stored.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any
from uuid import UUID

from shared.clock import Clock
from shared.eventlog._time import default_clock, now_utc
from shared.eventlog.chain import ChainVerifier
from shared.eventlog.hashing import canonical_json, format_recorded_at
from shared.eventlog.port import EventLogError, EventStore, RecordedEvent
from shared.eventlog.reading import committed_pages

FORMAT = "egov-eventlog"
FORMAT_VERSION = 1
_PAGE = 1000

# Every field of an event line, with the JSON type it must have.
_EVENT_FIELDS: dict[str, type] = {
    "position": int,
    "stream_id": str,
    "version": int,
    "event_id": str,
    "type": str,
    "data": dict,
    "metadata": dict,
    "recorded_at": str,
    "prev_hash": str,
    "hash": str,
}
_HEADER_FIELDS: dict[str, type] = {
    "format": str,
    "format_version": int,
    "service": str,
    "exported_at": str,
    "events": int,
    "last_position": int,
    "streams": dict,
}


class ImportRefused(EventLogError, ValueError):
    """A line of an export file is not what the format promises; nothing was stored."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class StreamHead:
    version: int
    hash: str


@dataclass(frozen=True)
class ExportHeader:
    service: str
    exported_at: str
    events: int
    last_position: int
    streams: dict[str, StreamHead]

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "service": self.service,
            "exported_at": self.exported_at,
            "events": self.events,
            "last_position": self.last_position,
            "streams": {
                stream: {"version": head.version, "hash": head.hash}
                for stream, head in self.streams.items()
            },
        }


def event_json(event: RecordedEvent) -> dict[str, Any]:
    return {
        "position": event.position,
        "stream_id": event.stream_id,
        "version": event.version,
        "event_id": str(event.event_id),
        "type": event.type,
        "data": event.data,
        "metadata": event.metadata,
        "recorded_at": format_recorded_at(event.recorded_at),
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def _line(value: dict[str, Any], what: str) -> bytes:
    return canonical_json(value, what) + b"\n"


# -- export -----------------------------------------------------------------------------------


async def scan(store: EventStore, *, service: str, clock: Clock | None = None) -> ExportHeader:
    """The header of an export of ``store`` as it is now (one pass over the log)."""
    exported_at = format_recorded_at(now_utc(default_clock(clock)))
    heads: dict[str, StreamHead] = {}
    count = last = 0
    async for page in committed_pages(store, page=_PAGE):
        for event in page:
            heads[event.stream_id] = StreamHead(event.version, event.hash)
        count += len(page)
        last = page[-1].position
    return ExportHeader(service, exported_at, count, last, dict(sorted(heads.items())))


async def export_log(
    store: EventStore, out: IO[bytes], *, service: str, clock: Clock | None = None
) -> ExportHeader:
    """Write ``store``'s whole log to ``out``; returns the header written.

    Events appended while this runs are left out: the second pass stops at the header's last
    position (on PostgreSQL ``read_all`` never returns past a position that may still commit, so
    both passes see the same events up to it)."""
    header = await scan(store, service=service, clock=clock)
    await asyncio.to_thread(out.write, _line(header.as_json(), "the header"))
    written = 0
    async for page in committed_pages(store, upto=header.last_position, page=_PAGE):
        lines = b"".join(_line(event_json(e), f"event {e.position}") for e in page)
        await asyncio.to_thread(out.write, lines)
        written += len(page)
    if written != header.events:
        raise EventLogError(
            f"the log changed during the export: {header.events} events counted, {written} "
            "written (events up to the counted position were deleted)"
        )
    await asyncio.to_thread(out.flush)
    return header


# -- import -----------------------------------------------------------------------------------


def _object(raw: bytes, number: int) -> dict[str, Any]:
    def no_constant(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=no_constant)
    except UnicodeDecodeError as exc:
        raise ImportRefused(number, f"bad JSON: not UTF-8 ({exc.reason})") from None
    except ValueError as exc:
        raise ImportRefused(number, f"bad JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ImportRefused(number, f"bad JSON: expected an object, got {type(value).__name__}")
    return value


def _check_fields(value: dict[str, Any], fields: dict[str, type], number: int, what: str) -> None:
    for name, kind in fields.items():
        if name not in value:
            raise ImportRefused(number, f"missing field {name!r} in the {what}")
        item = value[name]
        if isinstance(item, bool) or not isinstance(item, kind):
            expected = (
                kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            )
            raise ImportRefused(
                number, f"field {name!r} of the {what} must be {expected}, got {item!r:.60}"
            )
    unknown = sorted(set(value) - set(fields))
    if unknown:
        raise ImportRefused(number, f"unknown field {unknown[0]!r} in the {what}")


def parse_header(raw: bytes, *, service: str | None = None) -> ExportHeader:
    """Line 1 of an export file; ``service``, when given, must be the one it was exported from."""
    if not raw:
        raise ImportRefused(1, "the file is empty: no header")
    value = _object(raw, 1)
    if value.get("format") != FORMAT:
        raise ImportRefused(1, f"not an {FORMAT} export (format {value.get('format')!r})")
    if value.get("format_version") != FORMAT_VERSION:
        raise ImportRefused(
            1,
            f"format version {value.get('format_version')!r} is not supported "
            f"(this version reads {FORMAT_VERSION})",
        )
    _check_fields(value, _HEADER_FIELDS, 1, "header")
    if service is not None and value["service"] != service:
        raise ImportRefused(1, f"the file is an export of {value['service']!r}, not of {service!r}")
    for name in ("events", "last_position"):
        if value[name] < 0:
            raise ImportRefused(1, f"header field {name!r} is negative")
    streams: dict[str, StreamHead] = {}
    for stream, head in value["streams"].items():
        if (
            not isinstance(head, dict)
            or set(head) != {"version", "hash"}
            or not isinstance(head["version"], int)
            or isinstance(head["version"], bool)
            or not isinstance(head["hash"], str)
        ):
            raise ImportRefused(
                1, f'header stream {stream!r} must be {{"version": int, "hash": str}}'
            )
        streams[stream] = StreamHead(head["version"], head["hash"])
    return ExportHeader(
        value["service"], value["exported_at"], value["events"], value["last_position"], streams
    )


def parse_event(raw: bytes, number: int) -> RecordedEvent:
    value = _object(raw, number)
    _check_fields(value, _EVENT_FIELDS, number, "event")
    for name in ("position", "version"):
        if value[name] <= 0:
            raise ImportRefused(number, f"field {name!r} must be positive, got {value[name]}")
    if not value["stream_id"] or not value["type"]:
        raise ImportRefused(number, "stream_id and type must not be empty")
    try:
        event_id = UUID(value["event_id"])
    except ValueError:
        raise ImportRefused(number, f"event_id {value['event_id']!r} is not a UUID") from None
    try:
        recorded_at = datetime.fromisoformat(value["recorded_at"])
    except ValueError:
        raise ImportRefused(
            number, f"recorded_at {value['recorded_at']!r} is not an ISO 8601 time"
        ) from None
    if recorded_at.tzinfo is None:
        raise ImportRefused(number, f"recorded_at {value['recorded_at']!r} has no time zone")
    return RecordedEvent(
        position=value["position"],
        stream_id=value["stream_id"],
        version=value["version"],
        event_id=event_id,
        type=value["type"],
        data=value["data"],
        metadata=value["metadata"],
        recorded_at=recorded_at,
        prev_hash=value["prev_hash"],
        hash=value["hash"],
    )


def _read_lines(source: IO[bytes], count: int) -> list[bytes]:
    lines: list[bytes] = []
    for _ in range(count):
        line = source.readline()
        if not line:
            break
        lines.append(line)
    return lines


def _strip_newline(line: bytes) -> bytes:
    return line[:-1] if line.endswith(b"\n") else line


@dataclass
class ReadStats:
    """What :func:`read_export` has read so far (the header once line 1 is read)."""

    header: ExportHeader | None = None
    events: int = 0


async def read_export(
    source: IO[bytes], *, service: str | None = None, stats: ReadStats | None = None
) -> AsyncIterator[RecordedEvent]:
    """The events of an export file, each checked before it is yielded; the first bad line
    raises :class:`ImportRefused` (see the module doc for what is checked)."""
    stats = stats if stats is not None else ReadStats()
    first = await asyncio.to_thread(source.readline)
    header = parse_header(_strip_newline(first), service=service)
    stats.header = header
    verifier = ChainVerifier()
    heads: dict[str, StreamHead] = {}
    number = 1
    last_position = 0
    while lines := await asyncio.to_thread(_read_lines, source, _PAGE):
        for raw in lines:
            number += 1
            event = parse_event(_strip_newline(raw), number)
            if event.position <= last_position:
                raise ImportRefused(
                    number, f"position {event.position} does not follow position {last_position}"
                )
            last_position = event.position
            if stats.events >= header.events:
                raise ImportRefused(number, f"more events than the header's {header.events}")
            if event.position > header.last_position:
                raise ImportRefused(
                    number,
                    f"position {event.position} is past the header's last position "
                    f"{header.last_position}",
                )
            if not verifier.feed(event):
                reason = verifier.report().reason or "broken"
                raise ImportRefused(number, f"chain break: {reason}")
            heads[event.stream_id] = StreamHead(event.version, event.hash)
            stats.events += 1
            yield event
    if stats.events != header.events:
        raise ImportRefused(
            number + 1,
            f"the file ends after {stats.events} events; the header announces {header.events} "
            "(count mismatch: the file was cut short)",
        )
    if last_position != header.last_position:
        raise ImportRefused(
            number,
            f"the last position is {last_position}; the header says {header.last_position}",
        )
    for stream in sorted(set(heads) | set(header.streams)):
        found, announced = heads.get(stream), header.streams.get(stream)
        if found != announced:
            raise ImportRefused(
                1,
                f"the header's head of stream {stream!r} is {_head(announced)}, "
                f"the events end at {_head(found)}",
            )


def _head(head: StreamHead | None) -> str:
    return "absent" if head is None else f"version {head.version} hash {head.hash[:12]}…"


async def import_log(
    store: EventStore, source: IO[bytes], *, service: str | None = None
) -> ExportHeader:
    """Store the export in ``source`` into the empty ``store`` (``LogNotEmpty`` otherwise), or
    nothing at all if a line is refused; returns the file's header."""
    stats = ReadStats()
    await store.import_events(read_export(source, service=service, stats=stats))
    if stats.header is None:  # pragma: no cover - read_export sets it or raises
        raise ImportRefused(1, "no header")
    return stats.header
