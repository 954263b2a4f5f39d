"""Versioned SQL migrations of the event log, one directory per database.

A migration is a file ``NNNN_name.sql``; its version is the number. The adapters apply, in order,
every version not yet recorded in their ``schema_migrations`` table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Literal

Dialect = Literal["postgres", "sqlite"]

_FILE_NAME = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(dialect: Dialect) -> list[Migration]:
    """The migrations of ``dialect`` sorted by version; refuse duplicate version numbers."""
    found: dict[int, Migration] = {}
    for entry in resources.files(f"{__name__}.{dialect}").iterdir():
        match = _FILE_NAME.match(entry.name)
        if match is None:
            continue
        version = int(match["version"])
        if version in found:
            raise ValueError(
                f"two {dialect} migrations share version {version}: "
                f"{found[version].name} and {match['name']}"
            )
        found[version] = Migration(version, match["name"], entry.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]
