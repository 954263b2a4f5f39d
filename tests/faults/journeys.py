"""The applications of the fault campaign, each followed to its end by a driver that outlives the
faults: every call goes through the topology client (:mod:`egov.client`), and an answer lost to a
dying service is never taken as the end of anything: the driver reads the state again and goes
on from there.

Why not the load generator's bots (``egov.load``): a bot learns that a request finished from the
answer to its last action; when the workstation dies after committing that action and before
answering, no later inbox poll lists the request again (it is finished), and the run waits for
it until its drain ends (seen in this campaign's first runs). Here each application has its own
loop that re-reads the request at the workstation until it says ``finished``. What an
application is made of (population, forms, scans, the outcome taken at each step) is the load
generator's, reused, not copied.

A journey: submit at the portal (a refusal while a service it needs is down — 503 or no answer
— is retried with a new draft: nothing was committed; any other refusal fails the journey), then
work the request at its workstation step by step as the step engine allows (the outcome chosen
by :func:`egov.load.bots.choose` for the journey's intent), then poll the cabinet until the final
status and its result are there.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from egov.client import (
    Applicant,
    ClientError,
    ProviderStaff,
    StaffPost,
    TopologyClient,
    appoint_provider_staff,
)
from egov.load.bots import GROUNDS, Intent, choose
from egov.load.population import (
    Person,
    attachments_for,
    form_for,
    people,
    person_holder,
    staff_holder,
)
from egov.load.runner import Plan, plan, staff_roles
from provider_svc.domain.documents import needs_grounds
from regulations import definitions_dir
from shared.regulation.catalog import Catalog
from shared.regulation.model import Definition

FINAL = frozenset({"completed", "refused"})
RETRY_SUBMIT = frozenset({0, 502, 503, 504})  # no answer, or fail-closed: nothing committed
POLL_S = 0.25


@dataclass
class Journey:
    number: int
    service: str
    intent: Intent
    applicant: int
    request_id: str | None = None
    status: str | None = None  # the final status seen in the cabinet
    failure: str | None = None  # why the submission was given up
    submits: int = 0
    actions: int = 0
    errors: Counter[str] = field(default_factory=Counter)  # tolerated on the way

    @property
    def done(self) -> bool:
        return self.status is not None


@dataclass(frozen=True)
class Progress:
    scheduled: int
    sent: int
    done: int
    failed: int

    @property
    def in_flight(self) -> int:
        return self.sent - self.done


class Fleet:
    """N journeys at a steady rate, with their applicants and one staff member (every human
    role) per workstation."""

    def __init__(
        self, client: TopologyClient, provider_store_url: str, *, count: int, mix: str, seed: int
    ) -> None:
        self.client = client
        self.provider_store_url = provider_store_url
        self.count = count
        self.mix_text = mix
        self.rng = random.Random(seed)
        self.catalog = Catalog.from_directory(definitions_dir())
        self.definitions: Mapping[str, Definition] = {d.key: d for d in self.catalog.definitions}
        self.journeys: list[Journey] = []
        self.applicants: list[tuple[Person, Applicant]] = []
        self.staff: dict[str, tuple[ProviderStaff, frozenset[str]]] = {}
        self.plan: Plan | None = None

    def progress(self) -> Progress:
        return Progress(
            scheduled=len(self.journeys),
            sent=sum(1 for j in self.journeys if j.request_id is not None),
            done=sum(1 for j in self.journeys if j.done),
            failed=sum(1 for j in self.journeys if j.failure is not None),
        )

    async def prepare(self, refuse_share: float, applicants: int = 6) -> None:
        from egov.load.mix import parse_mix

        mix = parse_mix(self.mix_text, self.catalog)
        offered = await self.client.http("portal").call(
            "GET", "/catalog", params={"channel": "portal"}
        )
        self.plan = plan(offered, mix, self.catalog)
        for person in people(self.rng, applicants):
            key = await self.client.issue(person_holder(person))  # one at a time: see egov.load
            applicant = self.client.applicant(key)
            await applicant.register(person.password)
            await applicant.login(person.password)
            self.applicants.append((person, applicant))
        for ws in sorted(set(self.plan.workstation.values())):
            person = people(self.rng, 1)[0]
            roles = staff_roles(ws, self.catalog)
            key = await self.client.issue(staff_holder(person, ws))
            post = StaffPost(ws, person.iin, person.name, tuple(roles))
            await appoint_provider_staff(self.provider_store_url, [post])
            self.staff[ws] = (self.client.provider_staff(key, ws), frozenset(roles))
        self.journeys = [
            Journey(
                number=i,
                service=mix.pick(self.rng),
                intent=Intent.REFUSE if self.rng.random() < refuse_share else Intent.COMPLETE,
                applicant=i % len(self.applicants),
            )
            for i in range(self.count)
        ]

    async def run(self, rate: float) -> None:
        """Start a journey every ``1/rate`` seconds; return when all have ended."""
        tasks = []
        for journey in self.journeys:
            tasks.append(asyncio.create_task(self._journey(journey)))
            await asyncio.sleep(1 / rate)
        await asyncio.gather(*tasks)

    async def _journey(self, journey: Journey) -> None:
        assert self.plan is not None
        person, applicant = self.applicants[journey.applicant]
        definition = self.plan.definitions[journey.service]
        request_id = await self._submit(journey, person, applicant, definition)
        if request_id is None:
            return
        staff, roles = self.staff[self.plan.workstation[journey.service]]
        await self._work(journey, staff, roles, request_id)
        await self._cabinet(journey, applicant, request_id)

    async def _submit(
        self, journey: Journey, person: Person, applicant: Applicant, definition: Definition
    ) -> str | None:
        deadline = time.monotonic() + 120
        while True:
            journey.submits += 1
            try:
                request_id = await applicant.submit(
                    journey.service,
                    form_for(definition, person, journey.number),
                    attachments_for(definition),
                )
            except ClientError as exc:
                journey.errors[f"submit:{exc.status}:{exc.code}"] += 1
                if exc.status not in RETRY_SUBMIT or time.monotonic() > deadline:
                    journey.failure = f"{exc.status} {exc.code}: {exc}"
                    return None
                await asyncio.sleep(0.5)
                continue
            journey.request_id = request_id
            return request_id

    async def _work(
        self, journey: Journey, staff: ProviderStaff, roles: frozenset[str], request_id: str
    ) -> None:
        while True:
            try:
                view = await staff.request(request_id)
            except ClientError as exc:  # not arrived yet (404), or the workstation is down
                journey.errors[f"show:{exc.status}:{exc.code}"] += 1
                await asyncio.sleep(POLL_S)
                continue
            if view.get("finished"):
                return
            allowed = view.get("allowed") or []
            if not allowed or allowed[0]["role"] not in roles:
                await asyncio.sleep(POLL_S)  # an information system's step, or a timer's
                continue
            await self._act(journey, staff, request_id, view, allowed[0])

    async def _act(
        self,
        journey: Journey,
        staff: ProviderStaff,
        request_id: str,
        view: Mapping[str, Any],
        action: Mapping[str, Any],
    ) -> None:
        definition = self.definitions[f"{view['service']}@{view['version']}"]
        step = str(action["step"])
        outcome = choose(definition, step, list(action["outcomes"]), journey.intent)
        grounds = GROUNDS if needs_grounds(definition, step, outcome) else None
        try:
            await staff.act(request_id, step, outcome, grounds=grounds)
            journey.actions += 1
        except ClientError as exc:
            # Lost answer, lost race, service down: the next read says where the request is.
            journey.errors[f"act:{exc.status}:{exc.code}"] += 1
            await asyncio.sleep(POLL_S)

    async def _cabinet(self, journey: Journey, applicant: Applicant, request_id: str) -> None:
        while True:
            try:
                view = await applicant.request(request_id)
            except ClientError as exc:
                journey.errors[f"cabinet:{exc.status}:{exc.code}"] += 1
                await asyncio.sleep(POLL_S)
                continue
            if view.get("status") in FINAL and view.get("result_number") is not None:
                journey.status = str(view["status"])
                return
            await asyncio.sleep(POLL_S)
