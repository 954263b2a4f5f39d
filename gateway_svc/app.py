"""The gateway service's HTTP app: the shared operational endpoints plus the gateway's own
routes (sync channel, message log, parked messages) and its operator's console pages; its
/health replaces the shared one because it also checks the signing key and revocation
freshness and gates traffic."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from fastapi.routing import APIRoute

from gateway_svc.gateway import Gateway
from gateway_svc.pages.router import mount_pages
from gateway_svc.routes import gateway_router
from gateway_svc.settings import GatewaySettings
from gateway_svc.sync import SyncChannel
from shared.pages.signin import mount_sign_in
from shared.runtime import service_app
from shared.web import Hook, Pingable

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
    return service_app(
        settings,
        title=TITLE,
        description=DESCRIPTION,
        store=store,
        bus=bus,
        startup=startup,
        shutdown=shutdown,
    )


def mount_gateway(app: FastAPI, gateway: Gateway, sync: SyncChannel, *, service: str) -> None:
    """Add the gateway's routes; its /health (which gates traffic) replaces the shared one."""
    app.router.routes[:] = [
        route
        for route in app.router.routes
        if not (isinstance(route, APIRoute) and route.path == "/health")
    ]
    app.include_router(gateway_router(gateway, sync, service=service))
    # The gateway operator's pages sign in with the operator's certificate (shared.pages),
    # signed in the browser (a CMS) or by an API client (a JWS).
    sessions = mount_sign_in(app, service, gateway.admission.verify_person)
    mount_pages(app, gateway, sessions)
