"""The portal's errors. Each carries a machine-readable ``code`` (the edge answers
``{"code", "message"}``) and a ``status``; the message people read is looked up by code in
:mod:`portal_svc.domain.texts` in their language."""

from __future__ import annotations

from typing import Any

from shared.web import ServiceError


class PortalError(ServiceError):
    status = 400

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message, code=code)
        self.details = details


class InvalidInput(PortalError):
    status = 422


class Unauthorized(PortalError):
    status = 401


class Forbidden(PortalError):
    status = 403


class NotFound(PortalError):
    status = 404


class Conflict(PortalError):
    status = 409


class TooLarge(PortalError):
    status = 413


class UnsupportedMedia(PortalError):
    status = 415


class Locked(PortalError):
    status = 423


class Throttled(PortalError):
    status = 429


class SignatureRefused(PortalError):
    """Condition 2 failed: ``code`` is the definition's refusal ground (SUBJECT_MISMATCH...)."""

    status = 422


class Unavailable(PortalError):
    status = 503
