"""Readable numbers: request numbers per provider and year (process 7), central permit numbers
per year (003 p.5.3). Sequences come from :mod:`elicense_svc.counters`; this only spells them."""

from __future__ import annotations

from datetime import datetime

from shared.regulation.catalog import local_date


def year_of(instant: datetime) -> int:
    # The number's year is the local (Kazakhstan) year of submission, not the UTC one.
    return local_date(instant).year


def request_number(provider_code: str, year: int, seq: int) -> str:
    """e.g. ``ALA-CUL-2014-000042``."""
    return f"{provider_code}-{year}-{seq:06d}"


def permit_number(letter: str, year: int, seq: int) -> str:
    """e.g. ``KZ-2014-A-000007``: one sequence for the whole country per year and service."""
    return f"KZ-{year}-{letter}-{seq:06d}"
