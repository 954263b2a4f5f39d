"""Staff bots: the workstation's people, with no think time.

One bot per workstation holds every human role of the services it renders (from the
definitions). While a request of this run is on its way to it (:meth:`StaffBot.expect`), it
polls its inbox every ``poll_s``; for each request of this run it reads the request, takes
the action the step engine allows now (``allowed`` in the workstation's answer), and goes on
with the answer of that action until no step is left for it: nothing about a service is
written here, the definitions and the engine decide which step comes and which outcomes it has.

Which outcome: each application carries an *intent* (``complete`` or ``refuse``, drawn by the
runner from the outcome mix). Of the allowed outcomes the bot takes the first (in the
definition's order) that leads where the intent points, and the first of the others when none
does. A refusal, or drafting what will end as one, carries grounds (provider_svc's own rule,
:func:`provider_svc.domain.documents.needs_grounds`). An action that issues a document is
answered ``signature_required``: the bot fetches the draft, signs its canonical JSON with its
own certificate, and acts again (:meth:`egov.client.ProviderStaff.act` with ``sign=True``);
the bot remembers which (version, step, outcome) sign, so the next time it drafts first.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from egov.client import ClientError, ProviderStaff
from provider_svc.domain.documents import needs_grounds
from shared.regulation.model import Definition, Outcome

# The workstation's answer to an action that issues a document sent without its signature.
SIGNATURE_REQUIRED = "signature_required"
GROUNDS = {
    "kk": "Құжаттар Стандартқа сәйкес емес (жүктеме сынағы)",
    "ru": "Документы не соответствуют Стандарту (нагрузочный тест)",
}


class Intent(StrEnum):
    COMPLETE = "complete"
    REFUSE = "refuse"


def refusing(definition: Definition, step: str, outcome: Outcome) -> bool:
    """The outcome refuses, or drafts what will end as a refusal."""
    return outcome.refusal is not None or needs_grounds(definition, step, outcome.name)


def choose(definition: Definition, step: str, allowed: list[str], intent: Intent) -> str:
    """The outcome the bot takes among ``allowed`` (the engine's, for the current step)."""
    if not allowed:
        raise ValueError(f"{definition.key}: no outcome allowed at {step!r}")
    outcomes = [o for o in definition.step(step).outcomes if o.name in allowed]
    wanted = [o for o in outcomes if refusing(definition, step, o) == (intent is Intent.REFUSE)]
    chosen = (wanted or outcomes)[0] if outcomes else None
    return chosen.name if chosen is not None else allowed[0]


@dataclass
class BotStats:
    actions: int = 0
    signed: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, code: str) -> None:
        self.errors[code] = self.errors.get(code, 0) + 1


class StaffBot:
    """The staff of one workstation. ``intents`` maps this run's request ids to their intent
    (requests not in it are someone else's and left alone); ``definitions`` maps
    ``code@version`` to the definition."""

    def __init__(
        self,
        staff: ProviderStaff,
        *,
        roles: frozenset[str],
        definitions: Mapping[str, Definition],
        intents: Mapping[str, Intent],
        on_finished: Callable[[str, dict[str, Any]], None],
        poll_s: float = 0.05,
    ) -> None:
        self.staff = staff
        self.workstation = staff.workstation
        self.roles = roles
        self.definitions = definitions
        self.intents = intents
        self.on_finished = on_finished
        self.poll_s = poll_s
        self.stats = BotStats()
        self._busy: set[str] = set()
        self._expected: set[str] = set()
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._signs: MutableMapping[tuple[str, str, str], bool] = {}

    def expect(self, request_id: str) -> None:
        """A request of this run is on its way to the workstation: poll until it is taken.
        Polling only then keeps an idle bot from loading the workstation (every inbox call is
        a signed request it verifies), which would count in the CPU per application."""
        self._expected.add(request_id)
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Work the inbox until ``stop`` is set; then wait for the requests in hand."""
        stopping = asyncio.create_task(stop.wait())
        try:
            while not stop.is_set():
                if not self._expected:
                    self._wake.clear()
                    waking = asyncio.create_task(self._wake.wait())
                    await asyncio.wait({waking, stopping}, return_when=asyncio.FIRST_COMPLETED)
                    waking.cancel()
                    continue
                taken = 0
                try:
                    rows = await self.staff.inbox()
                except ClientError as exc:
                    self.stats.error(f"inbox:{exc.code}")
                    rows = []
                for row in rows:
                    request_id = str(row["request_id"])
                    if request_id in self._busy or request_id not in self.intents:
                        continue
                    self._busy.add(request_id)
                    self._expected.discard(request_id)
                    task = asyncio.create_task(self._work(request_id))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                    taken += 1
                if not taken:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), self.poll_s)
        finally:
            stopping.cancel()
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _work(self, request_id: str) -> None:
        try:
            view = await self.staff.request(request_id)
            while not view.get("finished") and self._mine(view):
                view = await self._act(request_id, view)
            if view.get("finished"):
                self.on_finished(request_id, view)
        except ClientError as exc:
            # Left in the inbox: the next poll takes it again (a lost race, a restart).
            self.stats.error(exc.code)
            self._expected.add(request_id)
        finally:
            self._busy.discard(request_id)

    def _mine(self, view: Mapping[str, Any]) -> bool:
        """A step is pending and it is one of this bot's roles (an information system's or a
        desk's step is not)."""
        allowed = view.get("allowed") or []
        return bool(allowed) and allowed[0]["role"] in self.roles

    async def _act(self, request_id: str, view: Mapping[str, Any]) -> dict[str, Any]:
        definition = self.definitions[f"{view['service']}@{view['version']}"]
        action = view["allowed"][0]
        step = str(action["step"])
        intent = self.intents.get(request_id, Intent.COMPLETE)
        outcome = choose(definition, step, list(action["outcomes"]), intent)
        grounds = GROUNDS if needs_grounds(definition, step, outcome) else None
        key = (definition.key, step, outcome)
        if self._signs.get(key):
            answer = await self.staff.act(request_id, step, outcome, grounds=grounds, sign=True)
        else:
            try:
                answer = await self.staff.act(
                    request_id, step, outcome, grounds=grounds, sign=False
                )
            except ClientError as exc:
                if exc.code != SIGNATURE_REQUIRED:
                    raise
                self._signs[key] = True
                answer = await self.staff.act(request_id, step, outcome, grounds=grounds, sign=True)
        self.stats.actions += 1
        return answer
