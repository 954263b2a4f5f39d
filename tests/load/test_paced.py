"""The load setup registers and logs in its population from one address: a 429 from the portal's
per-address limit is waited out and the call repeated; any other refusal, or a limit that does
not lift within the patience, is raised."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from egov.client.errors import ClientError
from egov.load.runner import _paced


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", sleep)  # the runner sleeps through asyncio.sleep
    return slept


def _failing(statuses: list[int]) -> Any:
    async def call() -> str:
        if statuses:
            raise ClientError("portal", statuses.pop(0), "x", "refused")
        return "done"

    return call


async def test_a_429_is_waited_out_and_the_call_repeated(pauses: list[float]) -> None:
    assert await _paced(_failing([429, 429])) == "done"
    assert pauses == [1.0, 2.0]


async def test_another_refusal_or_a_limit_that_stays_is_raised(pauses: list[float]) -> None:
    with pytest.raises(ClientError) as refused:
        await _paced(_failing([409]))
    assert refused.value.status == 409
    with pytest.raises(ClientError):
        await _paced(_failing([429] * 100), patience_s=10)
    assert sum(pauses) < 20
