"""The correlation id: one id that follows a request through every service, log line and message.

It lives in a context variable so that whatever runs on behalf of a request (an HTTP handler, a
bus consumer's handler) logs it without passing it around. The HTTP middleware sets it from the
``X-Correlation-ID`` header; a bus consumer sets it from the message it handles.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

HEADER = "X-Correlation-ID"

# Ids arrive from outside (HTTP headers, messages) and end up in logs and headers: a bounded,
# printable alphabet keeps log injection (newlines, control characters) and huge values out.
MAX_LENGTH = 128
PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
_PATTERN = re.compile(PATTERN)

_current: ContextVar[str | None] = ContextVar("egov_correlation_id", default=None)


def new_correlation_id() -> str:
    return str(uuid.uuid4())


def is_valid(value: str) -> bool:
    return bool(_PATTERN.fullmatch(value))


def check(value: str, what: str = "correlation id") -> str:
    """Return ``value`` if it is a well-formed id, else raise ``ValueError`` saying why."""
    if not is_valid(value):
        raise ValueError(
            f"{what} must be 1..{MAX_LENGTH} characters of letters, digits and '._:-', "
            f"starting with a letter or digit; got {value[:40]!r}"
        )
    return value


def current() -> str | None:
    """The correlation id of the work in progress, or None outside any request or message."""
    return _current.get()


@contextmanager
def correlation_scope(value: str) -> Iterator[str]:
    """Run a block with ``value`` as the current correlation id (e.g. a consumer handling one
    message); the previous id is restored afterwards, even on error."""
    token = _current.set(check(value))
    try:
        yield value
    finally:
        _current.reset(token)
