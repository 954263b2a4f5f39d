"""shared.simclock: the simulation clock runs at real speed from a simulated start, moves only
forward, fires every timer a move makes due (and only those), and its HTTP control exists only
when EGOV_SIMULATION_CONTROL is on."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from registry_svc.bootstrap import bootstrap as bootstrap_registry
from registry_svc.settings import RegistrySettings
from shared.clock import SystemClock
from shared.pki import oids
from shared.signing import SignerIdentity
from shared.simclock import ClockBackwards, SimulationClock, business_clock, clock_router
from shared.web import ServiceError, error_body

START = datetime(2019, 11, 4, 3, 0, tzinfo=UTC)


def clock() -> SimulationClock:
    return SimulationClock(SystemClock(), START)


async def test_starts_on_the_simulated_day_and_runs_at_real_speed() -> None:
    sim = SimulationClock.starting_on(SystemClock(), date(2019, 11, 4))
    first = sim.now()
    assert first - START < timedelta(seconds=5)
    assert first >= START
    await asyncio.sleep(0.05)
    assert sim.now() > first
    assert sim.simulated


async def test_a_move_fires_the_due_timers_in_time_order_and_keeps_the_rest() -> None:
    sim = clock()
    fired: list[str] = []

    async def later() -> None:
        fired.append("day 10")

    sim.call_at(START + timedelta(days=10), later)
    sim.call_at(START + timedelta(days=3), lambda: fired.append("day 3"))
    sim.call_at(START + timedelta(days=30), lambda: fired.append("day 30"))
    cancelled = sim.call_at(START + timedelta(days=5), lambda: fired.append("cancelled"))
    cancelled.cancel()

    now = await sim.set(START + timedelta(days=15))

    assert fired == ["day 3", "day 10"]  # fired before set() returned, in time order
    assert now >= START + timedelta(days=15)
    assert sim.pending_timers == 1  # day 30: rescheduled, not fired
    await sim.advance(timedelta(days=20))
    assert fired == ["day 3", "day 10", "day 30"]


async def test_a_timer_rearmed_into_the_past_fires_in_the_same_move() -> None:
    sim = clock()
    fired: list[datetime] = []

    def approaching() -> None:
        fired.append(sim.now())
        # As a deadline watch does: the next timer (overdue) is already due after a long jump.
        sim.call_at(START + timedelta(days=2), lambda: fired.append(sim.now()))

    sim.call_at(START + timedelta(days=1), approaching)
    await sim.set(START + timedelta(days=7))
    assert len(fired) == 2


async def test_a_timer_also_fires_in_real_time_without_a_move() -> None:
    sim = clock()
    fired = asyncio.Event()
    sim.call_at(sim.now() + timedelta(milliseconds=50), fired.set)
    await asyncio.wait_for(fired.wait(), 5)
    await sim.sleep_until(sim.now() + timedelta(milliseconds=20))


async def test_backwards_is_refused_and_an_instant_already_passed_is_a_no_op() -> None:
    sim = clock()
    target = START + timedelta(days=1)
    await sim.set(target)
    await asyncio.sleep(0.02)
    again = await sim.set(target)  # the same absolute time, set on another service
    assert again > target  # idempotent: nothing moved back, real time ran on
    with pytest.raises(ClockBackwards, match="only move forward"):
        await sim.set(target - timedelta(seconds=1))
    with pytest.raises(ClockBackwards):
        await sim.advance(timedelta(seconds=-1))


def test_the_business_clock_is_the_real_one_unless_simulated_or_controlled() -> None:
    real = SystemClock()
    assert business_clock(real, None, control=False) is real
    assert isinstance(business_clock(real, None, control=True), SimulationClock)
    assert isinstance(business_clock(real, date(2019, 11, 4), control=False), SimulationClock)


# A signed caller as the service's check would verify it (the crypto is tested where calls are
# signed): the certificate's OIDs, given here in a test header.
OIDS_HEADER = "x-test-oids"
OPERATOR = {
    OIDS_HEADER: f"{oids.HOLDER_LEGAL_ENTITY.dotted_string} "
    f"{oids.ROLE_SIMULATION_OPERATOR.dotted_string}"
}
CITIZEN = {OIDS_HEADER: oids.HOLDER_INDIVIDUAL.dotted_string}


async def service_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    return JSONResponse(error_body(exc.code, exc.message), status_code=exc.status)


async def identify(request: Request) -> SignerIdentity:
    claimed = request.headers.get(OIDS_HEADER)
    if claimed is None:
        raise ServiceError("unsigned", code="SIGNATURE_MISSING", status=401)
    return SignerIdentity("SOMEONE", iin="700101300302", oids=frozenset(claimed.split()))


def app_with(
    router_clock: SimulationClock | SystemClock, *, signed: bool = True
) -> httpx.AsyncClient:
    app = FastAPI()
    app.add_exception_handler(ServiceError, service_error)
    checked = identify if signed else None
    app.include_router(clock_router(router_clock, service="portal", identify=checked))
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=OPERATOR
    )


async def test_the_http_control_reads_moves_and_refuses_backwards() -> None:
    sim = clock()
    fired: list[str] = []
    sim.call_at(START + timedelta(days=2), lambda: fired.append("due"))
    async with app_with(sim) as http:
        state = (await http.get("/simulation/clock")).json()
        assert state["simulated"] is True
        assert state["now"].startswith("2019-11-04T03:0")

        moved = await http.put("/simulation/clock", json={"now": "2019-11-10T05:00:00Z"})
        assert moved.status_code == 200, moved.text
        assert moved.json()["now"].startswith("2019-11-10T05:00:0")
        assert fired == ["due"]

        back = await http.put("/simulation/clock", json={"now": "2019-11-05T00:00:00+06:00"})
        assert back.status_code == 409
        assert back.json()["code"] == "clock_backwards"
        naive = await http.put("/simulation/clock", json={"now": "2019-11-20T05:00:00"})
        assert naive.status_code == 422  # an instant without a zone is ambiguous
        far = await http.put("/simulation/clock", json={"now": "9999-12-31T23:59:59Z"})
        assert far.status_code == 422
        assert far.json()["code"] == "clock_out_of_range"
        assert (await http.get("/simulation/clock")).json()["now"] < "2020"


async def test_only_the_simulation_operator_moves_the_clock() -> None:
    sim = clock()
    before = sim.now()
    target = {"now": "2019-11-10T05:00:00Z"}
    async with app_with(sim) as http:
        citizen = await http.put("/simulation/clock", json=target, headers=CITIZEN)
        assert (citizen.status_code, citizen.json()["code"]) == (403, "ROLE_REQUIRED")
        assert "simulation_operator" in citizen.json()["message"]
        unsigned = await http.put("/simulation/clock", json=target, headers={OIDS_HEADER: ""})
        assert unsigned.status_code == 403  # a signed caller of no known kind
        assert (await http.get("/simulation/clock", headers=CITIZEN)).status_code == 200
    async with app_with(sim, signed=False) as http:
        nobody = await http.put("/simulation/clock", json=target)
        assert (nobody.status_code, nobody.json()["code"]) == (401, "SIGNATURE_MISSING")
    assert sim.now() - before < timedelta(minutes=1)


async def test_a_real_time_clock_cannot_be_moved() -> None:
    async with app_with(SystemClock()) as http:
        assert (await http.get("/simulation/clock")).json()["simulated"] is False
        refused = await http.put("/simulation/clock", json={"now": "2030-01-01T00:00:00Z"})
        assert refused.status_code == 409
        assert refused.json()["code"] == "clock_not_simulated"


@pytest.mark.parametrize(("control", "status"), [(False, 404), (True, 200)])
async def test_a_service_serves_the_clock_only_with_simulation_control(
    tmp_path: Path, control: bool, status: int
) -> None:
    settings = RegistrySettings(data_dir=tmp_path, simulation_control=control)
    app = bootstrap_registry(settings, clock=SystemClock()).app
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        assert (await http.get("/simulation/clock")).status_code == status


async def test_clocks_sharing_a_state_file_agree_and_a_restarted_one_keeps_the_moves(
    tmp_path: Path,
) -> None:
    state = tmp_path / "simclock.json"
    first = SimulationClock(SystemClock(), START, state_file=state)
    await asyncio.sleep(0.05)
    # Started later (another process, a different configured day): takes the recorded time.
    second = SimulationClock(SystemClock(), START + timedelta(days=100), state_file=state)
    assert abs(second.now() - first.now()) < timedelta(seconds=1)
    assert second.now() - START >= timedelta(milliseconds=50)

    target = START + timedelta(days=20)
    await first.set(target)
    restarted = SimulationClock(SystemClock(), START, state_file=state)  # after a crash
    assert target <= restarted.now() < target + timedelta(seconds=5)
    assert restarted.simulated
    with pytest.raises(ClockBackwards):
        await restarted.set(target - timedelta(days=1))  # the floor survived the restart


def test_an_unreadable_state_file_is_named(tmp_path: Path) -> None:
    state = tmp_path / "simclock.json"
    state.write_text("{not json")
    with pytest.raises(ValueError, match=r"simclock\.json cannot be read"):
        SimulationClock(SystemClock(), START, state_file=state)
