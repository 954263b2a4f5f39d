"""Event log: port and adapters (PostgreSQL, SQLite).

``open_event_store(url)`` picks the adapter; see :mod:`shared.eventlog.factory`.
"""

from shared.eventlog.factory import create_event_store, open_event_store

__all__ = ["create_event_store", "open_event_store"]
