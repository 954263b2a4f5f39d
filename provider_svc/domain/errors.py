"""Errors of the provider workstation. Each carries a stable ``code`` and an HTTP status so the
API answers with a specific reason, never a bare 500."""

from __future__ import annotations


class ProviderError(Exception):
    status = 400

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class NotAuthenticated(ProviderError):
    status = 401


class Forbidden(ProviderError):
    status = 403


class NotFound(ProviderError):
    status = 404


class Conflict(ProviderError):
    """The action is not allowed now (wrong role, wrong order, finished request)."""

    status = 409


class InvalidInput(ProviderError):
    status = 422


class RegistryUnavailable(ProviderError):
    status = 503
