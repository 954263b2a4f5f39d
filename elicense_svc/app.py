"""The elicense service's HTTP app: the shared operational endpoints (``/health``,
``/metrics``, ``/docs``); bootstrap mounts the staff and verification routes
(``entrypoints/api.py``) on it."""

# ruff: noqa: RUF001 - the Kazakh and Russian names are Cyrillic on purpose

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from elicense_svc.settings import ElicenseSettings
from shared.runtime import service_app
from shared.web import Hook, Pingable

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
    return service_app(
        settings,
        title=TITLE,
        description=DESCRIPTION,
        store=store,
        bus=bus,
        startup=startup,
        shutdown=shutdown,
    )
