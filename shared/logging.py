"""JSON logs, one object per line, through structlog (or readable lines: ``fmt="console"``),
on stderr or appended to a file.

Every line carries ``timestamp`` (from the Clock given to :func:`configure_logging`), ``level``,
``service``, ``event``, ``correlation_id`` and the call's own fields. Records of libraries that
use the standard :mod:`logging` module (uvicorn, the bus adapters) go through the same
processors, so the output is one format whoever logs.

Secrets never reach the output: :func:`redact_secrets` replaces the value of any key that names
a secret (password, token, secret, private key, authorization, ...) at any depth, and in any
string (messages, tracebacks) masks the password of a URL and the value of ``password=...``-like
pairs.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal, TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from shared import correlation
from shared.clock import Clock

REDACTED = "[REDACTED]"

# Substrings of a key (lower-cased, '-' read as '_') that mark its value as a secret.
SECRET_KEY_PARTS = (
    "password",
    "passwd",
    "token",
    "secret",
    "private_key",
    "authorization",
    "api_key",
    "cookie",
    "pkcs12",
)

# scheme://user:password@host -> scheme://user:[REDACTED]@host
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:)[^@\s/]+(?=@)")

# key=value / key: value in free text (messages, tracebacks) where the key names a secret.
_INLINE_SECRET = re.compile(
    r"(?i)(?P<head>\b[\w-]*(?:password|passwd|secret|token|api_key|private_key|authorization)"
    r"[\w-]*\s*[=:]\s*)"
    r"(?P<value>(?:bearer|basic|digest)\s+[^\s,;&\"']+|\"[^\"]*\"|'[^']*'|[^\s,;&\"']+)"
)

_SELF_CONFIGURING_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")

_service: ContextVar[str | None] = ContextVar("egov_log_service", default=None)


def is_secret_key(key: str) -> bool:
    normalized = key.lower().replace("-", "_")
    return any(part in normalized for part in SECRET_KEY_PARTS)


def redact(value: Any) -> Any:
    """``value`` with every secret replaced by :data:`REDACTED` (containers are copied)."""
    if isinstance(value, Mapping):
        return {
            k: REDACTED if isinstance(k, str) and is_secret_key(k) else redact(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        # A (name, value) pair, as headers are often logged, hides the value of a secret name.
        if len(value) == 2 and isinstance(value[0], str) and is_secret_key(value[0]):
            items = [value[0], REDACTED]
        else:
            items = [redact(v) for v in value]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, str):
        value = _URL_PASSWORD.sub(rf"\g<head>{REDACTED}", value)
        return _INLINE_SECRET.sub(rf"\g<head>{REDACTED}", value)
    return value


def redact_secrets(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """structlog processor applying :func:`redact` to every field of the line."""
    return {
        key: REDACTED if is_secret_key(key) else redact(value) for key, value in event_dict.items()
    }


def _add_context(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    service = _service.get()
    if service is not None:
        event_dict.setdefault("service", service)
    event_dict.setdefault("correlation_id", correlation.current())
    return event_dict


def _timestamper(clock: Clock) -> Processor:
    def add_timestamp(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("timestamp", clock.now().isoformat())
        return event_dict

    return add_timestamp


def _drop_console_fields(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    # uvicorn attaches an ANSI-coloured copy of its message for terminals: noise in JSON.
    event_dict.pop("color_message", None)
    return event_dict


def _default_service(name: str) -> Processor:
    def add_service(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("service", name)
        return event_dict

    return add_service


class _JsonLinesHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler this module installed, so a second configure replaces it (closing
    the log file it opened, if it opened one)."""

    owns_stream = False


LogFormat = Literal["json", "console"]


def configure_logging(
    *,
    service: str,
    level: str,
    clock: Clock,
    stream: TextIO | None = None,
    fmt: LogFormat = "json",
    file: Path | None = None,
) -> None:
    """Send every log record of the process, structlog's and the standard library's, to
    ``file`` (appended to, its folder made), else ``stream`` (default stderr), as JSON lines or,
    with ``fmt="console"``, as readable lines. ``service`` names the process; code running for
    one service of an embedded process overrides it with :func:`service_scope`."""
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        target: TextIO = file.open("a", encoding="utf-8", buffering=1)  # a line at a time
    else:
        target = stream if stream is not None else sys.stderr
    chain: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        _timestamper(clock),
        _add_context,
        _default_service(service),
    ]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*chain, structlog.stdlib.ExtraAdder(), _drop_console_fields],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact_secrets,
            structlog.dev.ConsoleRenderer(colors=_colours(target))
            if fmt == "console"
            else structlog.processors.JSONRenderer(default=str, ensure_ascii=False),
        ],
    )
    handler = _JsonLinesHandler(target)
    handler.owns_stream = file is not None
    handler.setFormatter(formatter)

    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _JsonLinesHandler)]:
        root.removeHandler(old)
        if old.owns_stream:
            old.close()
            old.stream.close()
    root.addHandler(handler)
    root.setLevel(level)
    for name in _SELF_CONFIGURING_LOGGERS:
        # A uvicorn started elsewhere in the process with its default dictConfig gives these
        # loggers their own plain-text handlers and stops propagation; one format means the
        # records reach the root handler like every other.
        own = logging.getLogger(name)
        own.handlers.clear()
        own.propagate = True

    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *chain,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,  # a later configure (tests, CLI) must take effect
    )


def _colours(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger


@contextmanager
def service_scope(name: str) -> Iterator[None]:
    """Log as service ``name`` inside the block (several services share an embedded process)."""
    token = _service.set(name)
    try:
        yield
    finally:
        _service.reset(token)
