"""The seed regulations as data: one YAML definition per service version.

The mechanism that reads them lives in :mod:`shared.regulation`; this package only ships the files.
"""

from __future__ import annotations

from pathlib import Path


def definitions_dir() -> Path:
    """Directory holding ``<code>@<version>.yaml`` files (installed as package data)."""
    return Path(__file__).resolve().parent / "definitions"


def seeds_path() -> Path:
    """Directory holding the five seed regulations (Kazakh texts) the definitions cite."""
    return Path(__file__).resolve().parent / "seeds"
