"""Open an event store from a URL (the service runtime and the CLI use this)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from shared.clock import Clock
from shared.eventlog.port import EventStore
from shared.eventlog.postgres import PostgresEventStore
from shared.eventlog.sqlite import SqliteEventStore


class UnsupportedEventStoreUrl(ValueError):
    """The URL names no event-store adapter this library has."""


def _postgres(
    url: str, clock: Clock | None, pool: tuple[int, int], application_name: str | None
) -> PostgresEventStore:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schemas = [value for key, value in query if key == "schema"]
    if len(schemas) > 1:
        raise UnsupportedEventStoreUrl(f"the URL names the schema {len(schemas)} times")
    # asyncpg would pass an unknown ``schema`` parameter to the server as a setting: strip it.
    rest = urlencode([(key, value) for key, value in query if key != "schema"])
    dsn = urlunsplit((parts.scheme, parts.netloc, parts.path, rest, parts.fragment))
    return PostgresEventStore(
        dsn,
        schema=schemas[0] if schemas else "public",
        clock=clock,
        min_pool=min(pool),
        max_pool=pool[1],
        application_name=application_name,
    )


def create_event_store(
    url: str,
    *,
    clock: Clock | None = None,
    pool: tuple[int, int] = (1, 10),
    application_name: str | None = None,
) -> EventStore:
    """An unopened store for ``url``:

    * ``postgresql://user@host:port/db[?schema=name]`` (also ``postgres://``): PostgreSQL, in the
      given schema (default ``public``; created at open if missing), through a pool of
      ``pool`` = (min, max) connections, each named ``application_name`` in pg_stat_activity;
    * ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db``, ``sqlite:///:memory:``.
    """
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme in ("postgresql", "postgres"):
        return _postgres(url, clock, pool, application_name)
    if scheme == "sqlite":
        if not url.startswith("sqlite:///"):
            raise UnsupportedEventStoreUrl(
                f"SQLite URLs have three slashes and a path (sqlite:///file.db), got {url!r}"
            )
        path = url.removeprefix("sqlite:///")
        if not path:
            raise UnsupportedEventStoreUrl(f"the SQLite URL {url!r} names no file")
        return SqliteEventStore(path, clock=clock)
    raise UnsupportedEventStoreUrl(
        f"unsupported event store URL scheme {scheme!r} in {url!r}: "
        "use postgresql://... or sqlite:///..."
    )


async def open_event_store(url: str, *, clock: Clock | None = None) -> EventStore:
    """Create the store for ``url`` and open it (connect, apply migrations)."""
    store = create_event_store(url, clock=clock)
    await store.open()
    return store
