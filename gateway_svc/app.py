"""The gateway service's HTTP app. For now it serves the shared operational endpoints
(``/health``, ``/metrics``, ``/docs``); the service's own routes are added here."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from gateway_svc.settings import GatewaySettings
from shared.runtime import package_version
from shared.web import Hook, Pingable, create_service_app

TITLE = "gateway: ЭҮШ / ЭҮАШ, the e-government gateway and its regional tier"
DESCRIPTION = (
    "The e-government gateway (ЭҮШ, ШЭП in Russian) that routes every message between "
    "information systems, checks signatures and keeps the message log, with its regional tier "
    "(ЭҮАШ / ЭҮӨШ, РШЭП) serving local executive bodies."
)


def create_app(
    settings: GatewaySettings,
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
