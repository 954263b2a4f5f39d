"""Canonical JSON (RFC 8785, JSON Canonicalization Scheme): the exact bytes a signature covers.

Two parties that hold the same JSON value produce the same bytes, whatever key order, whitespace
or number spelling their encoders use, so a signature made by one verifies at the other. The
``rfc8785`` package implements the scheme (including its ECMAScript number formatting); this
module only narrows its errors to one type that says what was wrong.
"""

from __future__ import annotations

from typing import Any

import rfc8785


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
