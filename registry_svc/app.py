"""The registry service's HTTP app. For now it serves the shared operational endpoints
(``/health``, ``/metrics``, ``/docs``); the service's own routes are added here."""

# ruff: noqa: RUF001 - the Kazakh and Russian names are Cyrillic on purpose

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from registry_svc.settings import RegistrySettings
from shared.runtime import service_app
from shared.web import Hook, Pingable

TITLE = "registry: ЖТ/ЗТ МДБ registries and the ҰКО certification authority"
DESCRIPTION = (
    "The state databases of individuals (ЖТ МДБ, ГБД ФЛ, by IIN) and legal entities (ЗТ МДБ, "
    "ГБД ЮЛ, by BIN), and the simulated National Certification Authority (ҰКО, НУЦ РК) that "
    "issues signing certificates and publishes their revocation."
)


def create_app(
    settings: RegistrySettings,
    *,
    store: Pingable,
    bus: Pingable,
    startup: Sequence[Hook] = (),
    shutdown: Sequence[Hook] = (),
) -> FastAPI:
    return service_app(
        settings,
        title=TITLE,
        description=DESCRIPTION,
        store=store,
        bus=bus,
        startup=startup,
        shutdown=shutdown,
    )
