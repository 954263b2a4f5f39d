"""Event log: port and adapters (PostgreSQL, SQLite)."""
