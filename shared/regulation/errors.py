"""Errors of the regulation mechanism; each carries what a reader needs to fix or explain it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date


class RegulationError(Exception):
    """Base of every error raised by :mod:`shared.regulation`."""


class DefinitionError(RegulationError):
    """A definition file is invalid: ``file``, the ``path`` inside it, and what is wrong."""

    def __init__(self, file: str, path: str, problem: str) -> None:
        super().__init__(f"{file}: {path or '<root>'}: {problem}")
        self.file = file
        self.path = path
        self.problem = problem


class UnknownService(RegulationError):
    def __init__(self, code: str, known: Sequence[str]) -> None:
        super().__init__(f"unknown service {code!r}; known services: {', '.join(sorted(known))}")
        self.code = code


class ServiceNotProvided(RegulationError):
    """No version of the service was in force on the submission date."""

    def __init__(self, code: str, day: date, periods: Sequence[str]) -> None:
        super().__init__(
            f"service {code!r} is not provided on {day.isoformat()}: no regulation version was "
            f"in force on that date (versions: {'; '.join(periods) or 'none'})"
        )
        self.code = code
        self.day = day


class ActionRefused(RegulationError):
    """The engine refused an action; ``reason`` is a stable code, the message explains it."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message
