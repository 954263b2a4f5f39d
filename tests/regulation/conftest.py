from __future__ import annotations

from pathlib import Path

import pytest

from regulations import definitions_dir
from shared.regulation.catalog import Catalog


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return Catalog.from_directory(definitions_dir())


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    # The seeds live beside the repository (../shared/seeds), here and in CI.
    path = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
    assert path.is_dir(), f"seed texts not found at {path}"
    return path
