"""The registry service's HTTP app. For now it serves the shared operational endpoints
(``/health``, ``/metrics``, ``/docs``); the service's own routes are added here."""

# ruff: noqa: RUF001 - the Kazakh and Russian names are Cyrillic on purpose

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from registry_svc.settings import RegistrySettings
from shared.runtime import package_version
from shared.web import Hook, Pingable, create_service_app

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
    return create_service_app(
        settings.service,
        store=store,
        bus=bus,
        version=package_version(),
        title=TITLE,
        description=DESCRIPTION,
        startup=startup,
        shutdown=shutdown,
        health_timeout_s=settings.health_timeout_s,
    )
