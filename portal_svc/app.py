"""The portal service's HTTP app. For now it serves the shared operational endpoints
(``/health``, ``/metrics``, ``/docs``); the service's own routes are added here."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from portal_svc.settings import PortalSettings
from shared.runtime import package_version
from shared.web import Hook, Pingable, create_service_app

TITLE = "portal: ЭҮП, the e-government portal, and the ХҚКО desk"
DESCRIPTION = (
    "The «электрондық үкімет» web portal (ЭҮП, ПЭП in Russian, egov.kz) where applicants file "
    "requests and follow them, and the desk of the Public Service Center (ХҚКО / ЦОН) where an "
    "operator files them on paper."
)


def create_app(
    settings: PortalSettings,
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
