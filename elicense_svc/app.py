"""The elicense service's HTTP app: the shared operational endpoints (``/health``,
``/metrics``, ``/docs``); bootstrap mounts the staff and verification routes
(``entrypoints/api.py``) on it."""

# ruff: noqa: RUF001 - the Kazakh and Russian names are Cyrillic on purpose

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from elicense_svc.settings import ElicenseSettings
from shared.runtime import package_version
from shared.web import Hook, Pingable, create_service_app

TITLE = "elicense: «Е-лицензиялау» МДБ, the E-licensing state database"
DESCRIPTION = (
    "The state database of permits and licences («Е-лицензиялау» МДБ АЖ, ГБД "
    "«Е-лицензирование», elicense.kz): issued, re-issued, suspended, resumed and terminated "
    "permits with their central numbers."
)


def create_app(
    settings: ElicenseSettings,
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
