from __future__ import annotations

from pathlib import Path

import pytest

from regulations import definitions_dir, seeds_path
from shared.regulation.catalog import Catalog


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return Catalog.from_directory(definitions_dir())


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return seeds_path()
