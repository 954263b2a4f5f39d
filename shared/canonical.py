"""Canonical JSON (RFC 8785, JSON Canonicalization Scheme): the exact bytes a signature covers.

Two parties that hold the same JSON value produce the same bytes, whatever key order, whitespace
or number spelling their encoders use, so a signature made by one verifies at the other. The
``rfc8785`` package implements the scheme (including its ECMAScript number formatting); this
module only narrows its errors to one type that says what was wrong.
"""

from __future__ import annotations

import math
from typing import Any

import rfc8785

MAX_SAFE_INTEGER = 2**53 - 1  # RFC 8785 writes numbers as IEEE 754 doubles (I-JSON)


class NotCanonicalizable(ValueError):
    """The value has no RFC 8785 form: NaN or infinity, an integer beyond ±(2**53 - 1), a
    non-string object key, or a type JSON does not have."""


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value (dict, list, str, int, float, bool,
    None)."""
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as exc:
        raise NotCanonicalizable(f"no RFC 8785 canonical form: {exc}") from exc


def unfit_number(value: Any, where: str) -> str | None:
    """Where ``value`` holds a number RFC 8785 cannot write, and why, or None. Python's JSON
    parser turns ``1e999``, ``NaN`` and ``-Infinity`` into floats; nothing can sign or store
    them, so an intake asks this before it numbers anything (a refusal after a number was
    drawn would leave a gap in a gap-free sequence)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    if isinstance(value, float):
        if math.isfinite(value):
            return None
        return f"{where} is {value!r}: JSON numbers are finite (NaN and Infinity are not JSON)"
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            return f"{where} is beyond ±(2**53 - 1), the largest integer JSON carries exactly"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = unfit_number(item, f"{where}.{key}")
            if found is not None:
                return found
        return None
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = unfit_number(item, f"{where}[{index}]")
            if found is not None:
                return found
    return None
