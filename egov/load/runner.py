"""One load run: prepare the population and the bots, send applications on the open-loop
schedule, follow each to its final status in the cabinet, then collect the stage times.

Milestones of an application, all on this machine's clock (epoch seconds):

* ``start``: just before the draft is created at the portal;
* ``submitted``: the portal answered the signed submission;
* ``gateway``: the gateway logged the request's acceptance (its message log, ``/trace``);
* ``provider``: the workstation recorded its receipt (``RequestReceived``);
* ``step <id>``: the workstation recorded the step completed (``StepCompleted``), in order;
* ``cabinet``: the cabinet shows the final status with the result (polled, every
  ``cabinet_poll_s``, from the moment the bots finished the request).

A stage is the time from one milestone to the next; ``total`` is ``start`` to ``cabinet``.
The services' own times are converted to this machine's clock with each one's offset, read from
its ``GET /simulation/clock`` at the start of the run (a simulated day runs at real speed from
a shifted start); a time that lands outside the application's own window under every candidate
offset is left out and counted (``unplaced``), never guessed.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psutil

from egov.client import Applicant, ClientError, StaffPost, TopologyClient, appoint_provider_staff
from egov.load.arrivals import ArrivalError, Process, check, schedule
from egov.load.bots import Intent, StaffBot
from egov.load.mix import Mix
from egov.load.population import (
    Person,
    attachments_for,
    form_for,
    people,
    person_holder,
    staff_holder,
)
from egov.load.stats import Latency, latencies, rate
from egov.load.topology import Topology, TopologyError, clock_offset
from provider_svc.domain.roles import EXTERNAL_ROLES
from provider_svc.domain.workstations import WORKSTATIONS
from regulations import definitions_dir
from shared.regulation.catalog import Catalog
from shared.regulation.model import Definition, RoleKind, Route

FINAL = frozenset({"completed", "refused"})
TOTAL = "total"
SUBMIT_CALL = "submit call"
TERMINAL_EVENTS = ("RequestCompleted.", "RequestRefused.")


class LoadError(Exception):
    """The run cannot start: the mix asks for a service the topology does not offer, the
    topology does not answer, the population cannot be made. The message says which."""


@dataclass(frozen=True)
class LoadOptions:
    rate: float  # applications per second offered
    duration: float  # seconds of arrivals
    mix: Mix
    refuse_share: float = 0.0  # the outcome mix: share of applications the bots refuse
    process: Process = Process.POISSON
    seed: int | None = None
    population: int | None = None  # applicants (default: enough that few file twice at once)
    drain_s: float = 60.0  # after the last arrival, how long to wait for the rest
    bot_poll_s: float = 0.05
    cabinet_poll_s: float = 0.05
    setup_concurrency: int = 8

    def __post_init__(self) -> None:
        check(self.rate, self.duration)
        if not math.isfinite(self.drain_s) or self.drain_s < 0:
            raise ArrivalError(f"--drain must be zero or more seconds: {self.drain_s}")
        if self.population is not None and self.population < 1:
            raise ArrivalError(f"--population must be at least 1: {self.population}")
        if not 0.0 <= self.refuse_share <= 1.0:
            raise ArrivalError(f"--refuse must be between 0 and 1: {self.refuse_share}")


@dataclass
class Application:
    number: int
    service: str
    intent: Intent
    due: float  # offset from the run's start
    applicant: int
    request_id: str | None = None
    marks: dict[str, float] = field(default_factory=dict)
    steps: list[tuple[str, float]] = field(default_factory=list)
    status: str | None = None  # the final status seen in the cabinet
    error: str | None = None
    finished_at_provider: asyncio.Event = field(default_factory=asyncio.Event)
    unplaced: int = 0
    terminal_events: int = 0  # RequestCompleted/RequestRefused in the workstation's log (1)

    @property
    def done(self) -> bool:
        return self.status is not None

    def stages(self) -> dict[str, float]:
        """Stage name -> seconds. The chain runs start -> gateway -> provider -> each step ->
        cabinet, each stage from the previous milestone present (a missing one is skipped);
        ``submit call`` (start -> the portal's answer) and ``total`` (start -> cabinet) stand
        beside it: the portal's answer and the gateway's acceptance race each other."""
        if "start" not in self.marks:
            return {}
        start = self.marks["start"]
        found: dict[str, float] = {}
        if "submitted" in self.marks:
            found[SUBMIT_CALL] = self.marks["submitted"] - start
        chain = [(name, self.marks[mark]) for name, mark in _CHAIN_HEAD if mark in self.marks]
        chain += [(f"step {step}", at) for step, at in self.steps]
        if "cabinet" in self.marks:
            chain.append(("to cabinet", self.marks["cabinet"]))
        last = start
        for name, at in chain:
            found[name] = at - last
            last = at
        if "cabinet" in self.marks:
            found[TOTAL] = self.marks["cabinet"] - start
        return found


_CHAIN_HEAD = (("to gateway", "gateway"), ("to provider", "provider"))


@dataclass(frozen=True)
class Progress:
    """What the live display shows, at one instant."""

    elapsed: float
    scheduled: int
    sent: int
    done: int
    failed: int
    in_flight: int
    done_per_s: float | None
    p50: float | None
    p99: float | None
    errors: Mapping[str, int]


@dataclass
class LoadResult:
    options: LoadOptions
    applications: list[Application]
    errors: Counter[str]
    window_s: float
    cpu_s: dict[str, float]
    generator_cpu_s: float
    offsets: dict[str, float | None]
    bot_actions: int
    setup_s: float

    @property
    def done(self) -> list[Application]:
        return [a for a in self.applications if a.done]

    @property
    def failed(self) -> list[Application]:
        return [a for a in self.applications if a.error is not None]

    @property
    def unfinished(self) -> list[Application]:
        return [a for a in self.applications if not a.done and a.error is None]

    @property
    def ok(self) -> bool:
        """Every application sent reached its final status, exactly once at the workstation."""
        return (
            bool(self.applications)
            and not self.failed
            and not self.unfinished
            and all(a.terminal_events == 1 for a in self.done)
        )

    def latencies(self) -> dict[str, Latency]:
        samples: dict[str, list[float]] = {}
        for app in self.done:
            for stage, seconds in app.stages().items():
                samples.setdefault(stage, []).append(seconds)
        ordered = dict(sorted(samples.items(), key=lambda kv: _stage_rank(kv[0])))
        return latencies(ordered)

    def summary(self) -> dict[str, Any]:
        done = self.done
        cpu_total = math.fsum(self.cpu_s.values())
        by_service = Counter(a.service for a in self.applications)
        outcomes = Counter(f"{a.service}:{a.status}" for a in done)
        return {
            "rate_offered_per_s": self.options.rate,
            "duration_s": self.options.duration,
            "mix": self.options.mix.as_text(),
            "refuse_share": self.options.refuse_share,
            "arrivals": self.options.process.value,
            "seed": self.options.seed,
            "sent": sum(1 for a in self.applications if a.request_id is not None),
            "scheduled": len(self.applications),
            "done": len(done),
            "failed": len(self.failed),
            "unfinished": len(self.unfinished),
            "by_service": dict(sorted(by_service.items())),
            "outcomes": dict(sorted(outcomes.items())),
            "window_s": round(self.window_s, 3),
            "throughput_per_s": _round(rate(len(done), self.window_s)),
            "latency": {stage: lat.as_dict() for stage, lat in self.latencies().items()},
            "errors": dict(sorted(self.errors.items())),
            "cpu_s": {k: round(v, 3) for k, v in sorted(self.cpu_s.items())},
            "cpu_s_per_application": _round(cpu_total / len(done)) if done and self.cpu_s else None,
            "generator_cpu_s": round(self.generator_cpu_s, 3),
            "clock_offsets_s": {k: _round(v) for k, v in self.offsets.items()},
            "unplaced_times": sum(a.unplaced for a in self.applications),
            "terminal_not_once": [a.request_id for a in done if a.terminal_events != 1],
            "bot_actions": self.bot_actions,
            "setup_s": round(self.setup_s, 3),
        }


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _stage_rank(stage: str) -> tuple[int, str]:
    fixed = {SUBMIT_CALL: 0, "to gateway": 1, "to provider": 2, "to cabinet": 8, TOTAL: 9}
    return (fixed.get(stage, 5), "")  # steps keep their first-seen order (sort is stable)


@dataclass(frozen=True)
class Plan:
    """What the run needs from the catalog: the definitions in force at the portal's date
    and the workstation of each service."""

    definitions: Mapping[str, Definition]  # code -> the version in force
    workstation: Mapping[str, str]  # code -> system id


def plan(catalog_answer: Mapping[str, Any], mix: Mix, catalog: Catalog) -> Plan:
    """Check the mix against what the portal offers on its (simulated) date; a service the
    portal does not offer, or one routed through E-licensing (no bots for it yet), is a
    :class:`LoadError` naming it."""
    offered = {str(s["code"]): str(s["version"]) for s in catalog_answer.get("services", [])}
    day = str(catalog_answer.get("date", "?"))[:10]
    definitions: dict[str, Definition] = {}
    workstations: dict[str, str] = {}
    for code in mix.services:
        if code not in offered:
            listed = ", ".join(sorted(offered)) or "nothing"
            raise LoadError(
                f"--mix: the portal does not offer {code} on its date {day} (it offers {listed})"
            )
        definition = catalog.get(code, offered[code])
        if definition.route is not Route.REGIONAL_GATEWAY:
            raise LoadError(
                f"--mix: {code}@{definition.version} goes through E-licensing; the load "
                "generator's bots work the regional workstations only (A 2018, C, D, E)"
            )
        ws = next(
            (
                w.system_id
                for w in WORKSTATIONS
                if code in w.services and w.region == definition.provider.region
            ),
            None,
        )
        if ws is None:
            raise LoadError(f"--mix: no workstation renders {code}@{definition.version}")
        definitions[code] = definition
        workstations[code] = ws
    return Plan(definitions, workstations)


def staff_roles(workstation: str, catalog: Catalog) -> list[str]:
    """Every human role of every version the workstation renders (the bot does all steps)."""
    ws = next(w for w in WORKSTATIONS if w.system_id == workstation)
    roles = {
        role.id
        for d in catalog.definitions
        if d.code in ws.services and d.provider.region == ws.region
        for role in d.roles
        if role.kind is RoleKind.HUMAN and role.id not in EXTERNAL_ROLES
    }
    return sorted(roles)


def _parse_time(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


class LoadRun:
    """One run against ``topology``; :meth:`run` returns the :class:`LoadResult`."""

    def __init__(self, topology: Topology, options: LoadOptions) -> None:
        self.topology = topology
        self.options = options
        self.rng = random.Random(options.seed)
        self.catalog = Catalog.from_directory(definitions_dir())
        self.applications: list[Application] = []
        self.errors: Counter[str] = Counter()
        self.intents: dict[str, Intent] = {}
        self._bot_of: dict[str, StaffBot] = {}
        self._by_request: dict[str, Application] = {}
        self._started = 0.0
        self._tasks: set[asyncio.Task[None]] = set()

    # --- the live view ----------------------------------------------------------------------

    def progress(self) -> Progress:
        now = time.time()
        elapsed = now - self._started if self._started else 0.0
        done = [a for a in self.applications if a.done]
        totals = sorted(a.marks["cabinet"] - a.marks["start"] for a in done)
        sent = sum(1 for a in self.applications if a.request_id is not None)
        failed = sum(1 for a in self.applications if a.error is not None)
        latency = Latency.of(totals)
        return Progress(
            elapsed=elapsed,
            scheduled=len(self.applications),
            sent=sent,
            done=len(done),
            failed=failed,
            in_flight=sum(1 for a in self.applications if "start" in a.marks) - len(done) - failed,
            done_per_s=rate(len(done), elapsed),
            p50=None if latency is None else latency.p50,
            p99=None if latency is None else latency.p99,
            errors=dict(self.errors),
        )

    # --- the run ----------------------------------------------------------------------------

    async def run(self, on_ready: Callable[[], None] | None = None) -> LoadResult:
        options = self.options
        offsets = schedule(options.rate, options.duration, rng=self.rng, process=options.process)
        if not offsets:
            raise LoadError(
                f"--rate {options.rate} for --duration {options.duration} s schedules no "
                "application: raise either"
            )
        setup_began = time.perf_counter()
        try:
            client = self.topology.client()
        except TopologyError as exc:
            raise LoadError(str(exc)) from None
        async with client as calls:
            health = await calls.health()
            down = [name for name, (status, _) in health.items() if status != 200]
            if down:
                raise LoadError(f"not healthy: {', '.join(down)} ({self.topology.urls})")
            the_plan = plan(await self._catalog(calls), options.mix, self.catalog)
            population = options.population or max(
                4, min(len(offsets), math.ceil(options.rate * 5))
            )
            applicants = await self._applicants(calls, population)
            bots = await self._bots(calls, the_plan)
            self._bot_of = {bot.workstation: bot for bot in bots}
            self.applications = [
                Application(
                    number=i,
                    service=options.mix.pick(self.rng),
                    intent=Intent.REFUSE
                    if self.rng.random() < options.refuse_share
                    else Intent.COMPLETE,
                    due=offset,
                    applicant=i % len(applicants),
                )
                for i, offset in enumerate(offsets)
            ]
            service_offsets = {
                name: await clock_offset(calls, name) for name in ("portal", "gateway", "provider")
            }
            setup_s = time.perf_counter() - setup_began
            processes = self._processes()
            cpu_before = _cpu(processes)
            me = psutil.Process()
            mine_before = _cpu({"me": me})["me"]
            stop = asyncio.Event()
            bot_tasks = [asyncio.create_task(bot.run(stop)) for bot in bots]
            if on_ready is not None:
                on_ready()
            self._started = time.time()
            try:
                await self._send_all(calls, the_plan, applicants)
                await self._drain()
            finally:
                stop.set()
                await asyncio.gather(*bot_tasks, return_exceptions=True)
                for task in self._tasks:
                    task.cancel()
                await asyncio.gather(*self._tasks, return_exceptions=True)
            cpu_after = _cpu(processes)
            mine_after = _cpu({"me": me})["me"]
            for bot in bots:
                for code, count in bot.stats.errors.items():
                    self.errors[f"bot:{code}"] += count
            for app in self.applications:
                if not app.done and app.error is None and app.request_id is not None:
                    self.errors["not_finished_within_drain"] += 1
            await self._collect(calls, the_plan, bots, service_offsets)
        done = [a for a in self.applications if a.done]
        window = (
            max(a.marks["cabinet"] for a in done) - min(a.marks["start"] for a in done)
            if done
            else 0.0
        )
        return LoadResult(
            options=options,
            applications=self.applications,
            errors=self.errors,
            window_s=window,
            cpu_s={k: cpu_after[k] - cpu_before[k] for k in cpu_before if k in cpu_after},
            generator_cpu_s=mine_after - mine_before,
            offsets=service_offsets,
            bot_actions=sum(bot.stats.actions for bot in bots),
            setup_s=setup_s,
        )

    async def _catalog(self, calls: TopologyClient) -> dict[str, Any]:
        try:
            found = await calls.http("portal").call("GET", "/catalog", params={"channel": "portal"})
        except ClientError as exc:
            raise LoadError(f"the portal's catalog: {exc}") from None
        return dict(found)

    async def _bounded(self, coroutines: Sequence[Any]) -> list[Any]:
        gate = asyncio.Semaphore(self.options.setup_concurrency)

        async def one(coroutine: Any) -> Any:
            async with gate:
                return await coroutine

        return list(await asyncio.gather(*(one(c) for c in coroutines)))

    async def _applicants(
        self, calls: TopologyClient, count: int
    ) -> list[tuple[Person, Applicant]]:
        persons = people(self.rng, count)

        async def one(person: Person) -> tuple[Person, Applicant]:
            try:
                key = await calls.issue(person_holder(person))
                applicant = calls.applicant(key)
                try:
                    await _paced(lambda: applicant.register(person.password))
                except ClientError as exc:
                    if exc.status != 409:  # drawn in an earlier run: the password is the same
                        raise
                await _paced(lambda: applicant.login(person.password))
            except ClientError as exc:
                raise LoadError(f"applicant {person.iin}: {exc}") from None
            return person, applicant

        return await self._bounded([one(p) for p in persons])

    async def _bots(self, calls: TopologyClient, the_plan: Plan) -> list[StaffBot]:
        definitions = {d.key: d for d in self.catalog.definitions}
        bots = []
        for ws in sorted(set(the_plan.workstation.values())):
            person = people(self.rng, 1)[0]
            roles = staff_roles(ws, self.catalog)
            try:
                key = await calls.issue(staff_holder(person, ws))
                post = StaffPost(ws, person.iin, person.name, tuple(roles))
                await appoint_provider_staff(self.topology.provider_store_url, [post])
            except ClientError as exc:
                raise LoadError(f"the bot of {ws}: {exc}") from None
            bots.append(
                StaffBot(
                    calls.provider_staff(key, ws),
                    roles=frozenset(roles),
                    definitions=definitions,
                    intents=self.intents,
                    on_finished=self._finished_at_provider,
                    poll_s=self.options.bot_poll_s,
                )
            )
        return bots

    def _finished_at_provider(self, request_id: str, view: dict[str, Any]) -> None:
        app = self._by_request.get(request_id)
        if app is not None:
            app.finished_at_provider.set()

    def _processes(self) -> dict[str, psutil.Process]:
        found = {}
        for name, pid in self.topology.pids.items():
            try:
                found[name] = psutil.Process(pid)
            except psutil.Error:
                continue
        return found

    async def _send_all(
        self,
        calls: TopologyClient,
        the_plan: Plan,
        applicants: Sequence[tuple[Person, Applicant]],
    ) -> None:
        for app in self.applications:
            delay = self._started + app.due - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(
                self._journey(calls, the_plan, app, applicants[app.applicant])
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _drain(self) -> None:
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=self.options.drain_s)
            for task in pending:
                task.cancel()

    async def _journey(
        self,
        calls: TopologyClient,
        the_plan: Plan,
        app: Application,
        applicant: tuple[Person, Applicant],
    ) -> None:
        person, portal = applicant
        definition = the_plan.definitions[app.service]
        app.marks["start"] = time.time()
        try:
            request_id = await portal.submit(
                app.service,
                form_for(definition, person, app.number),
                attachments_for(definition),
            )
        except ClientError as exc:
            app.error = f"submit:{exc.code}"
            self.errors[f"submit:{exc.service}:{exc.code}"] += 1
            return
        app.marks["submitted"] = time.time()
        app.request_id = request_id
        self._by_request[request_id] = app
        self.intents[request_id] = app.intent
        self._bot_of[the_plan.workstation[app.service]].expect(request_id)
        await app.finished_at_provider.wait()
        while True:
            try:
                view = await portal.request(request_id)
            except ClientError as exc:
                self.errors[f"cabinet:{exc.code}"] += 1
                await asyncio.sleep(self.options.cabinet_poll_s)
                continue
            if view.get("status") in FINAL and view.get("result_number") is not None:
                app.marks["cabinet"] = time.time()
                app.status = str(view["status"])
                return
            await asyncio.sleep(self.options.cabinet_poll_s)

    # --- after the run: the services' own times -------------------------------------------------

    async def _collect(
        self,
        calls: TopologyClient,
        the_plan: Plan,
        bots: Sequence[StaffBot],
        offsets: Mapping[str, float | None],
    ) -> None:
        bot_of = {bot.workstation: bot for bot in bots}

        async def one(app: Application) -> None:
            if app.request_id is None or not app.done:
                return
            low, high = app.marks["start"] - 1.0, app.marks["cabinet"] + 1.0

            def place(service: str, text: str | None) -> float | None:
                if not text:
                    return None
                raw = _parse_time(text)
                for offset in (offsets.get(service), 0.0):
                    if offset is None:
                        continue
                    if low <= raw - offset <= high:
                        return raw - offset
                app.unplaced += 1
                return None

            try:
                trace = await calls.trace(app.request_id)
            except ClientError as exc:
                self.errors[f"collect:gateway:{exc.code}"] += 1
                trace = []
            first = next((e for e in trace if e.get("recorded_at")), None)
            at = place("gateway", first.get("recorded_at") if first else None)
            if at is not None:
                app.marks["gateway"] = at
            bot = bot_of.get(the_plan.workstation[app.service])
            if bot is None:
                return
            try:
                view = await bot.staff.request(app.request_id)
            except ClientError as exc:
                self.errors[f"collect:provider:{exc.code}"] += 1
                return
            for event in view.get("history", []):
                kind = str(event.get("type", ""))
                if kind.startswith(TERMINAL_EVENTS):
                    app.terminal_events += 1
                if kind.startswith("RequestReceived"):
                    at = place("provider", event.get("at"))
                    if at is not None:
                        app.marks["provider"] = at
                elif kind.startswith("StepCompleted"):
                    at = place("provider", event.get("at"))
                    if at is not None:
                        app.steps.append((str(event.get("step")), at))

        await self._bounded([one(app) for app in self.applications])


def _cpu(processes: Mapping[str, psutil.Process]) -> dict[str, float]:
    """User + system CPU seconds of each process and its children so far."""
    found = {}
    for name, process in processes.items():
        try:
            times = process.cpu_times()
            total = times.user + times.system
            for child in process.children(recursive=True):
                try:
                    child_times = child.cpu_times()
                    total += child_times.user + child_times.system
                except psutil.Error:
                    continue
        except psutil.Error:
            continue
        found[name] = total
    return found


async def _paced(call: Callable[[], Awaitable[Any]], *, patience_s: float = 120.0) -> Any:
    """``call``, waited out and repeated while the portal answers 429: registration and login
    are anonymous routes, limited per client address (EGOV_PORTAL_ANONYMOUS_PER_ADDRESS), and a
    population is set up from one address. Gives up after ``patience_s`` of waiting."""
    waited = 0.0
    pause = 1.0
    while True:
        try:
            return await call()
        except ClientError as exc:
            if exc.status != 429 or waited >= patience_s:
                raise
        await asyncio.sleep(pause)
        waited += pause
        pause = min(pause * 2, 16.0)
