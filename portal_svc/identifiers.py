"""IIN/BIN checks at the edge: a malformed number is a 422 naming what is wrong with it."""

from __future__ import annotations

from portal_svc.errors import InvalidInput
from shared.ids import IdError, parse_bin, parse_iin


def check_identifiers(iin: str, bin_: str | None) -> None:
    try:
        parse_iin(iin)
    except IdError as exc:
        raise InvalidInput("invalid_iin", exc.message, reason=exc.code.value) from None
    if bin_ is not None:
        try:
            parse_bin(bin_)
        except IdError as exc:
            raise InvalidInput("invalid_bin", exc.message, reason=exc.code.value) from None
