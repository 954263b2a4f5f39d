"""Errors of elicense's domain: a stable code, a message for people, and the HTTP status the
edge answers with."""

from __future__ import annotations


class ElicenseError(Exception):
    def __init__(self, code: str, message: str, *, status: int = 409) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


class NotFound(ElicenseError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message, status=404)


class Forbidden(ElicenseError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message, status=403)


class Invalid(ElicenseError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message, status=422)
