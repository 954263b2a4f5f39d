"""One clock for every record a service writes: portal, E-licensing and the provider
workstations run their business on a simulated day (shared.simclock), and their event logs
stamp every record (recorded_at, which the workstation's request history shows as ``at``) with
that same clock, not the wall clock; the gateway and the registry run on real time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from elicense_svc.bootstrap import bootstrap as bootstrap_elicense
from elicense_svc.settings import ElicenseSettings
from portal_svc.bootstrap import bootstrap as bootstrap_portal
from portal_svc.settings import PortalSettings
from provider_svc.bootstrap import bootstrap as bootstrap_provider
from provider_svc.settings import ProviderSettings
from shared.clock import SystemClock
from shared.config import load_settings
from shared.eventlog.factory import open_event_store
from shared.eventlog.port import NewEvent
from shared.simclock import SimulationClock

# Years before the real date: a record stamped with the wall clock cannot land on it.
SIMULATED_DAY = date(2013, 3, 4)


@pytest.mark.parametrize(
    ("settings_class", "bootstrap"),
    [
        (ProviderSettings, bootstrap_provider),
        (ElicenseSettings, bootstrap_elicense),
        (PortalSettings, bootstrap_portal),
    ],
    ids=["provider", "elicense", "portal"],
)
async def test_the_event_log_stamps_records_with_the_business_clock(
    tmp_path: Path, settings_class: type[Any], bootstrap: Callable[..., Any]
) -> None:
    real = SystemClock()
    today = SimulationClock.starting_on(real, SIMULATED_DAY)
    settings = load_settings(
        settings_class, event_store_url=f"sqlite:///{tmp_path / 'log.sqlite3'}"
    )
    service = bootstrap(settings, clock=real, today=today)
    await service.store.open()
    try:
        await service.store.append("one-clock", [NewEvent("Stamped.v1", {"n": 1})])
        [event] = await service.store.read_stream("one-clock")
    finally:
        await service.store.close()
    assert event.recorded_at.date() == SIMULATED_DAY
    assert event.recorded_at <= today.now()


async def test_staff_appointed_by_the_tools_are_stamped_on_the_workstations_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The scenario runner and the load generator put staff on a workstation's roster by
    # writing to the provider's log: those records carry the workstations' simulated day too.
    from egov.client import StaffPost, appoint_provider_staff

    monkeypatch.setenv("EGOV_PROVIDER_SIMULATED_DATE", SIMULATED_DAY.isoformat())
    url = f"sqlite:///{tmp_path / 'provider.sqlite3'}"
    post = StaffPost("provider.almaty.culture", "880612400411", "Seitkalieva Aigerim", ("head",))
    assert await appoint_provider_staff(url, [post]) == 1
    store = await open_event_store(url)
    try:
        records = await store.read_all()
    finally:
        await store.close()
    assert records
    assert {r.recorded_at.date() for r in records} == {SIMULATED_DAY}
