"""A run of many scenarios on one topology: which may run side by side, in what order, and the
clock between them.

Scenarios run in groups by their simulated start (no start first, then the earliest start):
the clock is moved forward to a group's start before the group runs, never back. In a group,
the independent scenarios run in parallel (at most ``jobs`` at once), then those that move the
clock or stop a service, one at a time, since they change the topology for everyone.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Sequence
from datetime import date, datetime
from itertools import groupby

from egov.client import OperatorKeys, StaffPost, TopologyClient
from egov.client.client import CLOCKED
from egov.scenario.identities import staff_posts
from egov.scenario.loader import LoadedScenario
from egov.scenario.report import ScenarioReport
from egov.scenario.runner import run_scenario
from egov.scenario.targets import DEFAULT_DATE, Target


def new_salt() -> str:
    """What makes this run's made-up IINs its own (several runs may share a topology)."""
    return secrets.token_hex(8)


def first_date(scenarios: Sequence[LoadedScenario]) -> date:
    """The simulated date a topology started for these scenarios begins on: the earliest
    start, or the default day when none sets one."""
    starts = [s.scenario.start_instant() for s in scenarios]
    dated = [s for s in starts if s is not None]
    return min(dated).date() if dated else DEFAULT_DATE


def posts_of(
    scenarios: Sequence[LoadedScenario], salt: str
) -> tuple[list[StaffPost], list[StaffPost]]:
    """(provider roster, E-licensing directory) posts of every staff actor of the run."""
    return staff_posts([s.scenario for s in scenarios], salt)


async def _align_clocks(client: TopologyClient, start: datetime | None) -> None:
    """Every clocked service on one instant: the group's start, or the latest of their clocks
    when that is later. Separate processes (``egov up``) each started their simulated day at
    their own start-up, seconds apart; statuses from several senders are ordered by their
    times, so the clocks must agree."""
    nows = await asyncio.gather(*(client.clock(s) for s in CLOCKED))
    target = max([*nows, *([start] if start is not None else [])])
    if any(now != target for now in nows):
        await client.set_clock(target)


def _order(item: LoadedScenario) -> tuple[int, datetime | None]:
    start = item.scenario.start_instant()
    return (0, None) if start is None else (1, start)


async def run_all(
    scenarios: Sequence[LoadedScenario],
    target: Target,
    *,
    salt: str,
    jobs: int = 4,
    on_done: Callable[[ScenarioReport], None] | None = None,
    on_step: Callable[[], None] | None = None,
) -> list[ScenarioReport]:
    """Every scenario on ``target``; the reports in the order of ``scenarios``."""
    reports: dict[str, ScenarioReport] = {}
    limit = asyncio.Semaphore(max(1, jobs))
    async with TopologyClient(target.urls, operators=OperatorKeys.load(target.data_dir)) as client:

        async def one(item: LoadedScenario) -> None:
            async with limit:
                report = await run_scenario(
                    item.scenario,
                    client,
                    file=str(item.path),
                    salt=salt,
                    control=target.control,
                    appoint=target.appoint,
                    on_step=on_step,
                )
            reports[item.scenario.scenario] = report
            if on_done is not None:
                on_done(report)

        ordered = sorted(scenarios, key=_order)
        for (_, start), group in groupby(ordered, key=_order):
            members = list(group)
            await _align_clocks(client, start)
            await asyncio.gather(*(one(i) for i in members if not i.scenario.exclusive))
            for item in members:
                if item.scenario.exclusive:
                    await one(item)
    return [reports[s.scenario.scenario] for s in scenarios]
