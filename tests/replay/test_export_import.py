"""``egov eventlog export|import``: the file format, byte-equal round trips (SQLite and
PostgreSQL), every refusal naming its line with nothing stored, and an E-licensing log with
permits rebuilt from its export."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import pytest
import rfc8785
from typer.testing import CliRunner

from egov.cli import build_cli
from egov.commands.replay import replay_log
from shared.clock import SimulatedClock
from shared.eventlog.export import FORMAT, ImportRefused, export_log, import_log
from shared.eventlog.factory import open_event_store
from shared.eventlog.port import EventStore, LogNotEmpty, NewEvent, RecordedEvent
from shared.eventlog.postgres import PostgresEventStore
from shared.eventlog.sqlite import SqliteEventStore
from tests.replay.fill_logs import fill_elicense

START = datetime(2019, 11, 4, 3, 0, 0, 123456, tzinfo=UTC)
EXPORTED_AT = datetime(2019, 11, 5, 12, tzinfo=UTC)

Lines = list[bytes]
ACTOR = {"actor": "portal", "correlation_id": "c-1"}


async def _fill(store: EventStore, clock: SimulatedClock) -> None:
    """Three streams, interleaved, with what JSON can hold: Kazakh text, floats, nulls, nesting,
    metadata; times a few seconds apart."""
    await store.append(
        "request-1",
        [
            NewEvent(
                "DraftCreated.v1", {"owner": "880612400411", "note": "Қазақстан"}, metadata=ACTOR
            ),
            NewEvent("FormFilled.v1", {"fields": {"weight": 1.25, "items": [1, None, True]}}),
        ],
    )
    await clock.advance(timedelta(seconds=3))
    await store.append("account-1", [NewEvent("Registered.v1", {"iin": "880612400411"})])
    await store.append("request-1", [NewEvent("Submitted.v1", {"at": "2019-11-04T09:00:00"})])
    await clock.advance(timedelta(seconds=2))
    await store.append("request-2", [NewEvent("DraftCreated.v1", {"owner": "x", "n": 2**53 - 1})])
    await store.append("account-1", [NewEvent("SessionOpened.v1", {"token_sha256": "ab" * 32})])


@pytest.fixture
async def source(tmp_path: Path) -> AsyncIterator[SqliteEventStore]:
    clock = SimulatedClock(START)
    store = SqliteEventStore(tmp_path / "source.sqlite3", clock=clock)
    await store.open()
    try:
        await _fill(store, clock)
        yield store
    finally:
        await store.close()


async def _export(store: EventStore, service: str = "portal") -> bytes:
    out = io.BytesIO()
    await export_log(store, out, service=service, clock=SimulatedClock(EXPORTED_AT))
    return out.getvalue()


@pytest.fixture
async def exported(source: SqliteEventStore) -> bytes:
    return await _export(source)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.infra)])
def target_kind(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str | None]:
    """Where to import: a PostgreSQL schema of this test, or a SQLite file."""
    if request.param == "postgres":
        return request.getfixturevalue("pg_dsn"), request.getfixturevalue("pg_schema")
    return str(tmp_path / "target.sqlite3"), None


@pytest.fixture
async def target(target_kind: tuple[str, str | None]) -> AsyncIterator[EventStore]:
    """An empty store to import into."""
    where, schema = target_kind
    store: EventStore = (
        SqliteEventStore(where)
        if schema is None
        else PostgresEventStore(where, schema=schema, max_pool=2)
    )
    await store.open()
    try:
        yield store
    finally:
        await store.close()


async def test_the_file_is_a_header_then_one_canonical_line_per_event(
    exported: bytes, source: SqliteEventStore
) -> None:
    header_line, *lines = exported.splitlines()
    header = json.loads(header_line)
    events = await source.read_all()
    assert header["format"] == FORMAT
    assert header["format_version"] == 1
    assert header["service"] == "portal"
    assert header["exported_at"] == "2019-11-05T12:00:00.000000+00:00"
    assert (header["events"], header["last_position"]) == (6, events[-1].position)
    assert header["streams"] == {
        stream: {"version": last.version, "hash": last.hash}
        for stream in ("account-1", "request-1", "request-2")
        for last in [(await source.read_stream(stream))[-1]]
    }
    assert len(lines) == len(events)
    for line, event in zip(lines, events, strict=True):
        assert rfc8785.dumps(json.loads(line)) == line  # canonical: one spelling per log
        row = json.loads(line)
        assert (row["position"], row["stream_id"], row["version"]) == (
            event.position,
            event.stream_id,
            event.version,
        )
        assert (row["hash"], row["prev_hash"]) == (event.hash, event.prev_hash)
        assert row["recorded_at"].endswith("+00:00")
    assert exported.endswith(b"\n")


async def test_import_then_export_gives_the_same_bytes(
    exported: bytes, target: EventStore, source: SqliteEventStore
) -> None:
    header = await import_log(target, io.BytesIO(exported), service="portal")
    assert header.events == 6
    assert await target.read_all() == await source.read_all()
    assert (await target.verify_chain()).ok
    assert await _export(target) == exported
    # The imported log goes on: the next append chains to the imported head.
    await target.append("request-2", [NewEvent("Submitted.v1", {})], expected_version=1)
    assert (await target.verify_chain()).events_checked == 7


def _replace(index: int, edit: Callable[[dict[str, object]], None]) -> Callable[[Lines], None]:
    def apply(lines: Lines) -> None:
        row = json.loads(lines[index])
        edit(row)
        lines[index] = json.dumps(row, ensure_ascii=False).encode()

    return apply


def _set(key: str, value: object) -> Callable[[dict[str, object]], None]:
    def apply(row: dict[str, object]) -> None:
        if value is _DELETE:
            del row[key]
        else:
            row[key] = value

    return apply


_DELETE = object()


def _swap(lines: Lines) -> None:
    lines[2], lines[3] = lines[3], lines[2]


def _cut_last(lines: Lines) -> None:
    del lines[-1]


def _bad_json(lines: Lines) -> None:
    lines[2] = lines[2][:40]


def _header_head(lines: Lines) -> None:
    header = json.loads(lines[0])
    header["streams"]["request-2"]["hash"] = "0" * 64
    lines[0] = json.dumps(header).encode()


def _data(row: dict[str, object]) -> None:
    data = row["data"]
    assert isinstance(data, dict)
    data["note"] = "edited"


TAMPERING = {
    # name: (edit of the file's lines (0 = header), line named, what the reason says)
    "bad JSON": (_bad_json, 3, "bad JSON"),
    "missing field": (_replace(3, _set("hash", _DELETE)), 4, "missing field 'hash'"),
    "unknown field": (_replace(1, _set("extra", 1)), 2, "unknown field 'extra'"),
    "wrong type": (_replace(2, _set("version", "2")), 3, "field 'version' of the event must be"),
    "edited data": (_replace(1, _data), 2, "chain break: content changed"),
    "forged prev_hash": (_replace(3, _set("prev_hash", "f" * 64)), 4, "prev_hash mismatch"),
    "out of order": (_swap, 4, "does not follow position"),
    "last event cut": (_cut_last, 7, "count mismatch"),  # the line that is missing
    "header head": (_header_head, 1, "head of stream 'request-2'"),
    "wrong format version": (
        _replace(0, _set("format_version", 2)),
        1,
        "format version 2 is not supported",
    ),
}


@pytest.mark.parametrize("case", list(TAMPERING))
async def test_a_tampered_file_is_refused_at_its_line_and_nothing_is_stored(
    case: str, exported: bytes, tmp_path: Path
) -> None:
    edit, line, reason = TAMPERING[case]
    lines = exported.splitlines()
    edit(lines)
    target = SqliteEventStore(tmp_path / "target.sqlite3")
    await target.open()
    try:
        with pytest.raises(ImportRefused) as refused:
            await import_log(target, io.BytesIO(b"\n".join(lines) + b"\n"), service="portal")
        assert refused.value.line == line, refused.value
        assert reason in refused.value.reason
        assert str(refused.value).startswith(f"line {line}: ")
        assert await target.read_all() == []
    finally:
        await target.close()


async def test_a_refused_file_leaves_postgres_empty_too(
    exported: bytes, pg_dsn: str, pg_schema: str
) -> None:
    lines = exported.splitlines()
    _replace(5, _data)(lines)  # the last event: every earlier batch was already inserted
    store = PostgresEventStore(pg_dsn, schema=pg_schema, max_pool=2)
    await store.open()
    try:
        with pytest.raises(ImportRefused, match="line 6: chain break"):
            await import_log(store, io.BytesIO(b"\n".join(lines)), service="portal")
        assert await store.read_all() == []
    finally:
        await store.close()


async def test_an_empty_file_and_another_services_file_are_refused(
    exported: bytes, target: EventStore
) -> None:
    with pytest.raises(ImportRefused, match="line 1: the file is empty"):
        await import_log(target, io.BytesIO(b""), service="portal")
    with pytest.raises(ImportRefused, match="export of 'portal', not of 'gateway'"):
        await import_log(target, io.BytesIO(exported), service="gateway")
    assert await target.read_all() == []


async def test_a_log_that_holds_events_is_refused(exported: bytes, target: EventStore) -> None:
    await target.append("mine", [NewEvent("Kept.v1", {})])
    with pytest.raises(LogNotEmpty, match="already holds 1 events"):
        await import_log(target, io.BytesIO(exported), service="portal")
    assert [e.stream_id for e in await target.read_all()] == ["mine"]


async def _invoke(*args: str) -> tuple[int, str]:
    result = await asyncio.to_thread(CliRunner().invoke, build_cli(), list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


async def test_the_commands_export_import_and_replay_from_a_file(
    source: SqliteEventStore, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    file = tmp_path / "registry.jsonl"
    code, output = await _invoke("eventlog", "export", "registry", "--url", url, "--to", str(file))
    assert code == 0, output
    assert "6 events of 3 streams exported" in output
    assert not (tmp_path / "registry.jsonl.partial").exists()

    copy = f"sqlite:///{tmp_path / 'new' / 'registry.sqlite3'}"  # the directory is created
    code, output = await _invoke(
        "eventlog", "import", "registry", "--from", str(file), "--url", copy
    )
    assert code == 0, output
    code, output = await _invoke(
        "eventlog", "import", "registry", "--from", str(file), "--url", copy
    )
    assert code == 1
    assert "already holds 6 events" in output
    assert "nothing stored" in output

    lines = file.read_bytes().splitlines()
    _replace(2, _data)(lines)
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_bytes(b"\n".join(lines))
    other = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    code, output = await _invoke(
        "eventlog", "import", "registry", "--from", str(tampered), "--url", other
    )
    assert code == 1
    assert "line 3: chain break: content changed" in output
    assert "nothing stored" in output

    code, output = await _invoke("replay", "registry", "--from", str(file), "--json")
    assert code == 0, output
    from_file = json.loads(output)
    code, output = await _invoke("replay", "registry", "--url", url, "--json")
    live = json.loads(output)
    assert (from_file["events"], from_file["sha256"]) == (live["events"], live["sha256"])
    assert from_file["events"] == 6
    assert from_file["persons"] == 0  # none of these events is the registry's own
    code, output = await _invoke("replay", "registry", "--from", str(tampered))
    assert code == 1
    assert "line 3: chain break" in output
    code, output = await _invoke("replay", "nowhere", "--url", url)
    assert code == 2
    assert "unknown service 'nowhere'" in output


async def test_an_elicense_log_with_permits_rebuilds_the_same_registry(tmp_path: Path) -> None:
    """The embedded topology's day (2019-11-04) has no E-licensing service in force (all were
    repealed in 2015), so the stack test's elicense log is empty; this one holds permits."""
    await fill_elicense(3, tmp_path / "live")
    live_url = f"sqlite:///{tmp_path / 'live' / 'elicense.sqlite3'}"
    now = datetime(2019, 11, 6, tzinfo=UTC)
    live = await replay_log("elicense", url=live_url, now=now)
    assert (live["permits"], live["permits_by_state"]) == (3, {"valid": 3})
    store = await open_event_store(live_url)
    try:
        exported = await _export(store, "elicense")
    finally:
        await store.close()
    file = tmp_path / "elicense.jsonl"
    await asyncio.to_thread(file.write_bytes, exported)
    from_file = await replay_log("elicense", source=file, now=now)
    assert (from_file["events"], from_file["sha256"]) == (live["events"], live["sha256"])
    copy = SqliteEventStore(tmp_path / "copy.sqlite3")
    await copy.open()
    try:
        await import_log(copy, io.BytesIO(exported), service="elicense")
        assert await _export(copy, "elicense") == exported
    finally:
        await copy.close()


class _SlowWriterAhead:
    """A log whose ``read_all`` first answers ``[]`` past position 2, as PostgreSQL's does when
    a hole's writer is still running after the wait, although later events are committed."""

    def __init__(self, store: EventStore) -> None:
        self._store = store
        self.empty_answers = 0

    async def read_all(self, *, after: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        if after == 2 and self.empty_answers < 2:
            self.empty_answers += 1
            return []
        return await self._store.read_all(after=after, limit=min(limit, 2))

    async def head_position(self) -> int:
        return await self._store.head_position()


async def test_an_empty_answer_with_events_ahead_does_not_end_the_export(
    source: SqliteEventStore, exported: bytes
) -> None:
    slow = _SlowWriterAhead(source)
    out = io.BytesIO()
    await export_log(
        cast(EventStore, slow), out, service="portal", clock=SimulatedClock(EXPORTED_AT)
    )
    assert slow.empty_answers == 2
    assert out.getvalue() == exported
