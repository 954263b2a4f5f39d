"""registry_svc's errors; each maps to one HTTP answer at the edge (``shared.web``)."""

from __future__ import annotations

from shared.web import ServiceError


class RegistryError(ServiceError):
    """Base of every error registry_svc raises."""


class InvalidIdentifier(RegistryError):
    status = 422

    def __init__(self, kind: str, value: str, reason_code: str, reason: str) -> None:
        super().__init__(f"invalid {kind} {value!r}: {reason}", code=f"invalid_{kind.lower()}")
        self.reason_code = reason_code


class NotFound(RegistryError):
    """Process 5 of the E-licensing path: "data cannot be obtained"."""

    status = 404


class Conflict(RegistryError):
    status = 409


class CallerRejected(RegistryError):
    status = 401
