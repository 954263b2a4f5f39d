"""The simulation clock: real speed from a simulated start, moved only forward.

``egov run`` and ``egov up`` run the business of portal, provider and elicense on a day of the
seeds' years (their regulations were repealed by 2020). A scenario that waits 15 working days
cannot wait them for real, so it moves this clock forward: :meth:`SimulationClock.set` shifts
"now", fires at once every timer that is now due (deadline warnings, overdue escalations, the
registry retries) and reschedules the rest on the real clock at the new offset. Time never
moves backwards: a deadline that has fired stays fired.

Certificates are still checked in real time (the services keep the real clock for that), so a
certificate issued today is valid whatever day the business believes it is.

:func:`clock_router` exposes the clock over HTTP (``GET``/``PUT /simulation/clock``) for the
scenario runner; services mount it only when ``EGOV_SIMULATION_CONTROL`` is on. ``GET`` is open;
``PUT`` answers only the simulation operator's signed call (``shared.authz``).
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import json
import os
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, Field

from shared.authz import Caller, Identify, guard
from shared.clock import Clock, TimerCallback, TimerHandle, as_utc
from shared.logging import get_logger
from shared.web import ServiceError, error_body

# 03:00 UTC is 09:00 in Almaty in the seeds' years (UTC+6): a working morning.
WORKING_MORNING_UTC = time(3, 0)
# A timer's callback may re-arm a timer that is already due (a deadline passed by a long jump);
# those fire in the same move. The bound only stops a callback that re-arms itself forever.
_MAX_ROUNDS = 1000


class ClockBackwards(ValueError):
    """A move to an instant before one the clock was already set to."""


class ClockOutOfRange(ValueError):
    """A move beyond :data:`LATEST`: "now" plus any deadline must stay a representable date."""


# Far beyond any regulation's term, and far enough from datetime.max that a deadline computed
# from "now" (years of working days) cannot overflow.
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def morning_of(day: date) -> datetime:
    """``day`` at 09:00 in Almaty, where the simulated days start."""
    return datetime.combine(day, WORKING_MORNING_UTC, tzinfo=UTC)


@dataclass(eq=False)
class _Timer:
    when: datetime
    callback: TimerCallback
    seq: int
    done: bool = False  # fired or cancelled
    inner: TimerHandle | None = field(default=None, repr=False)

    def cancel(self) -> None:
        self.done = True
        if self.inner is not None:
            self.inner.cancel()
            self.inner = None


class SimulationClock:
    """A :class:`~shared.clock.Clock` that reads ``inner`` (real time) plus an offset.

    The offset starts at ``start - inner.now()`` (zero without ``start``) and only grows.
    Timers are kept here and scheduled on ``inner`` at their real-time equivalent; moving the
    clock fires the due ones (in time order, each awaited, so that when :meth:`set` returns
    their events are recorded) and reschedules the others.
    """

    def __init__(
        self, inner: Clock, start: datetime | None = None, *, state_file: Path | None = None
    ) -> None:
        self._inner = inner
        self._offset = as_utc(start, "start") - inner.now() if start is not None else timedelta(0)
        self._simulated = start is not None
        # The latest instant the clock was set to: a move before it is backwards; a move to
        # an instant between it and now has already happened (idempotent).
        self._floor = self.now()
        self._timers: set[_Timer] = set()
        self._seq = itertools.count()
        self._lock = asyncio.Lock()
        self._log = get_logger("shared.simclock")
        self._state_file = state_file
        if state_file is not None:
            self._share(state_file)

    @classmethod
    def starting_on(
        cls, inner: Clock, day: date | None, *, state_file: Path | None = None
    ) -> SimulationClock:
        """A clock whose "now" is ``day`` at 09:00 Almaty (``None``: the real time); with a
        ``state_file``, the time recorded there instead, when there is one."""
        return cls(inner, morning_of(day) if day is not None else None, state_file=state_file)

    def _share(self, path: Path) -> None:
        """Take the time from ``path`` (another process of the topology, or an earlier start
        of this service, started or moved it), or record this clock's there first.

        The services of ``egov up`` are separate processes, each with its own clock: without
        one record of "simulated instant S was real instant R", a service started later (or
        restarted after a crash) would begin its day again and disagree with the others,
        stamping its events before theirs."""
        state = _read_state(path)
        if state is None:
            state = _State(real=self._inner.now(), simulated=self.now(), moved=self._simulated)
            if not _create_state(path, state):  # another process was first: use its record
                state = _read_state(path)
        if state is not None:
            self._offset = state.simulated - state.real
            self._floor = state.simulated
            self._simulated = state.moved

    @property
    def simulated(self) -> bool:
        """True once "now" differs from the real time (a simulated start, or a move)."""
        return self._simulated

    @property
    def pending_timers(self) -> int:
        return sum(1 for timer in self._timers if not timer.done)

    def now(self) -> datetime:
        return self._inner.now() + self._offset

    def call_at(self, when: datetime, callback: TimerCallback) -> _Timer:
        timer = _Timer(as_utc(when, "when"), callback, next(self._seq))
        self._timers.add(timer)
        self._schedule(timer)
        return timer

    async def sleep_until(self, when: datetime) -> None:
        target = as_utc(when, "when")
        if target <= self.now():
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def wake() -> None:
            if not future.done():
                future.set_result(None)

        timer = self.call_at(target, wake)
        try:
            await future
        finally:
            timer.cancel()

    async def set(self, when: datetime) -> datetime:
        """Move "now" forward to ``when`` and fire every timer due by then; returns the new
        now. ``when`` already passed (but not before the last instant set) is a no-op, so the
        same absolute time may be set on every service. Raises :class:`ClockBackwards` for an
        instant before the last one set (or the start)."""
        target = as_utc(when, "when")
        if target >= LATEST:
            raise ClockOutOfRange(
                f"the simulated time may not pass {LATEST.isoformat()} (asked {target.isoformat()})"
            )
        async with self._lock:
            if target < self._floor:
                raise ClockBackwards(
                    f"the simulated time may only move forward: {target.isoformat()} is before "
                    f"{self._floor.isoformat()}, where it was already set"
                )
            now = self.now()
            if target > now:
                self._offset += target - now
                self._simulated = True
                self._floor = target
                if self._state_file is not None:
                    state = _State(real=target - self._offset, simulated=target, moved=True)
                    await asyncio.to_thread(_write_state, self._state_file, state)
                self._log.info(
                    "simclock.moved", now=target.isoformat(), by_s=(target - now).total_seconds()
                )
            else:
                self._floor = max(self._floor, target)
            await self._fire_due()
            for timer in list(self._timers):
                if not timer.done:
                    self._schedule(timer)  # the same instant is now nearer in real time
            return self.now()

    async def advance(self, duration: timedelta) -> datetime:
        if duration < timedelta(0):
            raise ClockBackwards(f"cannot advance by a negative duration ({duration})")
        return await self.set(self.now() + duration)

    # --- internals ---------------------------------------------------------------------------

    def _schedule(self, timer: _Timer) -> None:
        if timer.inner is not None:
            timer.inner.cancel()
        timer.inner = self._inner.call_at(timer.when - self._offset, lambda: self._on_time(timer))

    def _on_time(self, timer: _Timer) -> Awaitable[None] | None:
        # The real clock reached the timer (no move needed): fire it as that clock fires.
        timer.inner = None
        if timer.done:
            return None
        return self._fire(timer)

    async def _fire_due(self) -> None:
        for _ in range(_MAX_ROUNDS):
            now = self.now()
            due = sorted(
                (t for t in self._timers if not t.done and t.when <= now),
                key=lambda t: (t.when, t.seq),
            )
            if not due:
                return
            for timer in due:
                if timer.inner is not None:
                    timer.inner.cancel()
                    timer.inner = None
                if not timer.done:
                    await self._fire(timer)
        raise RuntimeError(f"timers kept re-arming in the past after {_MAX_ROUNDS} rounds")

    async def _fire(self, timer: _Timer) -> None:
        timer.done = True
        self._timers.discard(timer)
        try:
            result: Any = timer.callback()
            if inspect.isawaitable(result):
                await result
        except Exception:
            # One failing timer must not keep the others from firing; the loop's handler
            # is where the real clock would have sent it too.
            self._log.exception("simclock.timer_failed", when=timer.when.isoformat())


# --- the shared record of a topology's simulated time ---------------------------------------


@dataclass(frozen=True)
class _State:
    real: datetime  # at this real instant...
    simulated: datetime  # ...the simulated time was this (it runs at real speed from there)
    moved: bool  # not the real time

    def dumps(self) -> str:
        return json.dumps(
            {
                "real": self.real.isoformat(),
                "simulated": self.simulated.isoformat(),
                "moved": self.moved,
            }
        )


def _read_state(path: Path) -> _State | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return _State(
            real=as_utc(datetime.fromisoformat(raw["real"]), "real"),
            simulated=as_utc(datetime.fromisoformat(raw["simulated"]), "simulated"),
            moved=bool(raw["moved"]),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"the simulation clock file {path} cannot be read: {exc}") from exc


def _temporary(path: Path) -> Path:
    # Not the PID alone: in containers sharing the data volume every service is PID 1, and
    # one's rename would take the other's temporary file away.
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp")


def _create_state(path: Path, state: _State) -> bool:
    """Write ``state`` to ``path`` unless it exists; False when another process was first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = _temporary(path)
    temporary.write_text(state.dumps(), encoding="utf-8")
    try:
        os.link(temporary, path)  # atomic and exclusive: the file appears whole or not at all
    except FileExistsError:
        return False
    finally:
        temporary.unlink(missing_ok=True)
    return True


def _write_state(path: Path, state: _State) -> None:
    temporary = _temporary(path)
    temporary.write_text(state.dumps(), encoding="utf-8")
    temporary.replace(path)


# --- HTTP control ----------------------------------------------------------------------------


class ClockState(BaseModel):
    now: datetime = Field(description="the clock's current instant (ISO 8601, UTC)")
    simulated: bool = Field(description="true when the clock is not the real time")


class SetClock(BaseModel):
    now: AwareDatetime = Field(
        description="the instant to move to (ISO 8601 with a zone); only forward"
    )


def _nobody(service: str) -> Identify:
    async def identify(request: Request) -> None:
        raise ServiceError(
            f"{service} checks no signed call here, so nobody may move its clock",
            code="SIGNATURE_MISSING",
            status=401,
        )

    return identify


def clock_router(clock: Clock, *, service: str, identify: Identify | None = None) -> APIRouter:
    """``GET /simulation/clock`` and ``PUT /simulation/clock`` for ``clock``. A clock that
    cannot be moved (not a :class:`SimulationClock`: the gateway and the registry run on real
    time) answers PUT with 409 ``clock_not_simulated``; a movable one only the simulation
    operator, whose signed call ``identify`` (the service's signed-caller check) verifies:
    without ``identify`` nobody moves it."""
    router = APIRouter(prefix="/simulation", tags=["simulation"])
    # Real-time clocks refuse every move anyway (409 below), whoever asks.
    movable = isinstance(clock, SimulationClock)
    caller_check: Callable[..., Any] = guard(
        "*", "PUT", "/simulation/clock", identify or _nobody(service), enforced=lambda: movable
    )

    def state() -> ClockState:
        simulated = isinstance(clock, SimulationClock) and clock.simulated
        return ClockState(now=clock.now(), simulated=simulated)

    @router.get("/clock", summary="The business clock's current time")
    async def get_clock() -> ClockState:
        return state()

    @router.put(
        "/clock",
        summary="Move the business clock forward (fires every timer then due)",
        responses={
            409: {"description": "backwards (clock_backwards) or not movable"},
            422: {"description": "not an instant with a zone, or past 2200 (clock_out_of_range)"},
        },
    )
    async def put_clock(request: SetClock, _caller: Caller = Depends(caller_check)) -> Any:  # noqa: B008
        if not isinstance(clock, SimulationClock):
            return JSONResponse(
                error_body(
                    "clock_not_simulated",
                    f"{service} runs on real time; move the clocks of portal, provider and "
                    "elicense",
                ),
                status_code=409,
            )
        try:
            await clock.set(request.now)
        except ClockBackwards as exc:
            return JSONResponse(
                error_body("clock_backwards", str(exc), now=clock.now().isoformat()),
                status_code=409,
            )
        except ClockOutOfRange as exc:
            return JSONResponse(error_body("clock_out_of_range", str(exc)), status_code=422)
        return state()

    return router


def business_clock(
    real: Clock, simulated_date: date | None, *, control: bool, state_file: Path | None = None
) -> Clock:
    """The clock a service's business runs on: ``real`` itself, or a :class:`SimulationClock`
    over it when a simulated day is set or the clock may be moved (``EGOV_SIMULATION_CONTROL``),
    shared with the topology's other processes through ``state_file`` when given."""
    if simulated_date is None and not control:
        return real
    return SimulationClock.starting_on(real, simulated_date, state_file=state_file)
