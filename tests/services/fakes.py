"""Small fakes of the two things the HTTP edge asks of a service's resources."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import structlog
from fastapi import FastAPI

from shared.clock import SimulatedClock
from shared.logging import configure_logging


class FakeResource:
    """Records open/close calls; ``ping`` fails or hangs on demand."""

    def __init__(self, name: str, journal: list[str] | None = None) -> None:
        self.name = name
        self.journal = journal if journal is not None else []
        self.failure: Exception | None = None
        self.hang = False

    async def ping(self) -> None:
        if self.hang:
            await asyncio.Event().wait()
        if self.failure is not None:
            raise self.failure

    async def open(self) -> None:
        self.journal.append(f"open {self.name}")

    async def connect(self) -> None:
        self.journal.append(f"connect {self.name}")

    async def close(self) -> None:
        self.journal.append(f"close {self.name}")


LOG_TIME = datetime(2024, 3, 1, 10, 30, tzinfo=UTC)


class LogCapture:
    def __init__(self) -> None:
        self.buffer = io.StringIO()

    def lines(self) -> list[dict[str, Any]]:
        """Every line written so far, each parsed as JSON (a line that is not fails here)."""
        return [json.loads(line) for line in self.buffer.getvalue().splitlines()]

    def events(self, event: str) -> list[dict[str, Any]]:
        return [line for line in self.lines() if line.get("event") == event]


@contextmanager
def captured_logs(level: str = "DEBUG", service: str = "test") -> Iterator[LogCapture]:
    """The process's JSON logs, written into a buffer for the duration of the block."""
    capture = LogCapture()
    configure_logging(
        service=service, level=level, clock=SimulatedClock(LOG_TIME), stream=capture.buffer
    )
    try:
        yield capture
    finally:
        root = logging.getLogger()
        for handler in list(root.handlers):
            if type(handler).__name__ == "_JsonLinesHandler":
                root.removeHandler(handler)
        root.setLevel(logging.WARNING)
        structlog.reset_defaults()


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan running, and a client that calls it in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
