"""The provider service's HTTP app. For now it serves the shared operational endpoints
(``/health``, ``/metrics``, ``/docs``); the service's own routes are added here."""

# ruff: noqa: RUF001 - the Kazakh and Russian names are Cyrillic on purpose

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from provider_svc.settings import ProviderSettings
from shared.runtime import service_app
from shared.web import Hook, Pingable

TITLE = "provider: ЭҮӨШ АЖО / ЖАО АЖ, the provider's workstation"
DESCRIPTION = (
    "The automated workstation of the regional gateway (ЭҮӨШ АЖО, АРМ РШЭП) and the information "
    "system of the local executive body (ЖАО АЖ, ИС МИО): where the akimat department's staff "
    "register and process requests."
)


def create_app(
    settings: ProviderSettings,
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
