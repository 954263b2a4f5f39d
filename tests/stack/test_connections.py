"""Each service's event log holds at most EGOV_PG_POOL_MAX PostgreSQL connections (default 5):
the five services of one stack at most 25, so four stacks fit in PostgreSQL's default
max_connections of 100. Built as the services build their stores (shared.runtime), loaded with
far more concurrent work than the pool, and counted in pg_stat_activity by the name each store
gives its connections (egov:<schema>)."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from elicense_svc.settings import ElicenseSettings
from gateway_svc.settings import GatewaySettings
from portal_svc.settings import PortalSettings
from provider_svc.settings import ProviderSettings
from registry_svc.settings import RegistrySettings
from shared.clock import SystemClock
from shared.config import ServiceSettings
from shared.eventlog.port import EventStore, NewEvent
from shared.runtime import service_resources

pytestmark = [pytest.mark.infra]

CLASSES: tuple[type[ServiceSettings], ...] = (
    PortalSettings,
    GatewaySettings,
    ElicenseSettings,
    RegistrySettings,
    ProviderSettings,
)


async def test_five_services_hold_at_most_25_connections_under_load(pg_dsn: str) -> None:
    namespace = "cx" + uuid.uuid4().hex[:10]
    stores: list[EventStore] = []
    for cls in CLASSES:
        url = f"{pg_dsn}{'&' if '?' in pg_dsn else '?'}schema={namespace}_{cls.service}"
        settings = cls(event_store_url=url)
        assert settings.pg_pool_max == 5
        resources = service_resources(settings, store=None, bus=None, clock=SystemClock())
        await resources.store.open()
        stores.append(resources.store)
    admin = await asyncpg.connect(pg_dsn)
    try:

        async def work(store: EventStore, n: int) -> None:
            await store.append(f"s-{n}", [NewEvent("Done.v1", {"n": n})])
            await store.read_stream(f"s-{n}")

        # Forty concurrent writers per service: eight times the pool.
        await asyncio.gather(*(work(s, n) for s in stores for n in range(40)))
        rows = await admin.fetch(
            "SELECT application_name, count(*) AS n FROM pg_stat_activity "
            "WHERE application_name LIKE $1 GROUP BY application_name",
            f"egov:{namespace}_%",
        )
        per_service = {r["application_name"]: r["n"] for r in rows}
        assert set(per_service) == {f"egov:{namespace}_{c.service}" for c in CLASSES}
        assert all(1 <= n <= 5 for n in per_service.values()), per_service
        assert sum(per_service.values()) <= 25
    finally:
        for store in stores:
            await store.close()
        for cls in CLASSES:
            await admin.execute(f'DROP SCHEMA IF EXISTS "{namespace}_{cls.service}" CASCADE')
        await admin.close()
