"""registry_svc on PostgreSQL: the CA and the registries rebuilt from the log by a second
instance, as after a restart."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509

from registry_svc.components import RegistryComponents
from registry_svc.errors import NotFound
from registry_svc.seed import generate_population, load_population
from shared.clock import SimulatedClock
from shared.eventlog.factory import open_event_store
from shared.pki.profiles import InformationSystem, KeyPurpose
from shared.pki.revocation import CertState

pytestmark = pytest.mark.infra


async def test_state_survives_a_restart_on_postgres(
    pg_dsn: str, pg_schema: str, tmp_path: Path
) -> None:
    url = f"{pg_dsn}{'&' if '?' in pg_dsn else '?'}schema={pg_schema}"
    clock = SimulatedClock(datetime.now(UTC))
    store = await open_event_store(url, clock=clock)
    try:
        first = RegistryComponents(store, clock, data_dir=tmp_path, public_url="http://r.test")
        await first.start()
        population = generate_population(50, 5, seed=3)
        await load_population(store, population, first.registry.view)
        issued = await first.ca.issue(
            InformationSystem("elicense"), KeyPurpose.SIGNING, password="p"
        )
        await first.ca.revoke(issued.serial, x509.ReasonFlags.cessation_of_operation)

        second = RegistryComponents(store, clock, data_dir=tmp_path, public_url="http://r.test")
        await second.start()
        assert second.ca.state.status(issued.serial).state is CertState.REVOKED
        person = population.persons[0]
        assert await second.registry.person(person.iin) == person
        entity = population.entities[0]
        assert entity in await second.registry.entities_headed_by(entity.head_iin)
        with pytest.raises(NotFound):
            await second.registry.person("851231400011")
    finally:
        await store.close()
