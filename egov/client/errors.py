"""What the topology client raises: one type, naming the service, the HTTP status and the
service's machine-readable code, so a caller (the scenario runner, the load generator, a test)
can tell an expected refusal from a fault."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ClientError(Exception):
    """A service answered 4xx/5xx (``status``), or could not be reached (``status`` 0)."""

    def __init__(self, service: str, status: int, code: str, message: str, body: Any = None):
        self.service = service
        self.status = status
        self.code = code
        self.message = message
        self.body = body
        where = f"HTTP {status}" if status else "unreachable"
        super().__init__(f"{service}: {where} {code}: {message}".rstrip(": "))


def error_of(service: str, status: int, body: Any, text: str = "") -> ClientError:
    """The error for a non-2xx answer; services answer ``{code, message}`` (the gateway's
    faults and FastAPI's validation errors carry ``detail`` instead)."""
    if isinstance(body, Mapping):
        code = str(body.get("code") or body.get("error") or f"http_{status}")
        message = body.get("message") or body.get("detail") or ""
        return ClientError(service, status, code, str(message)[:500], dict(body))
    return ClientError(service, status, f"http_{status}", text[:500], body)
