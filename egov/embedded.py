"""The embedded topology: the five services in one process, for ``egov run`` / ``make run``.

Each service keeps its own SQLite event log under ``EGOV_DATA_DIR`` and serves its own port; all
five share ONE in-memory bus, built here and closed after every server has stopped (the
services do not own it, see ``shared.runtime``). No server software is needed.

Before anything starts, :mod:`egov.provisioning` gives every information system a key file from
the НУЦ that registry_svc serves, and each service's settings get their key file, password,
trust anchors and the other services' addresses on this run's ports. A setting given explicitly
in the environment (``EGOV_PORTAL_KEY_FILE``, ...) wins over what is provisioned.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from pydantic import Field, SecretStr, field_validator

from egov.provisioning import (
    Provisioned,
    ProvisioningError,
    address,
    appoint_elicense_staff,
    elicense_staff,
    embedded_rules,
    provision,
    registry_public_url,
    system_ids,
)
from egov.threaded_server import ThreadedServer
from elicense_svc.bootstrap import bootstrap as bootstrap_elicense
from elicense_svc.components import load_directory
from elicense_svc.domain.errors import ElicenseError
from elicense_svc.settings import ElicenseSettings
from gateway_svc.bootstrap import bootstrap as bootstrap_gateway
from gateway_svc.rules import RulesError, parse_rules
from gateway_svc.settings import GatewaySettings
from portal_svc.bootstrap import bootstrap as bootstrap_portal
from portal_svc.settings import PortalSettings
from provider_svc.bootstrap import bootstrap as bootstrap_provider
from provider_svc.settings import ProviderSettings
from registry_svc.bootstrap import bootstrap as bootstrap_registry
from registry_svc.errors import RegistryError
from registry_svc.keystore import KeyStoreError
from registry_svc.settings import RegistrySettings
from regulations import definitions_dir
from shared.bus.memory import InMemoryBus
from shared.clock import Clock
from shared.config import RuntimeSettings, ServiceSettings, load_settings
from shared.logging import get_logger
from shared.regulation.catalog import Catalog
from shared.runtime import Listener, Service, StartupFailed, serve
from shared.simclock import SimulationClock

# Monday 4 November 2019: A (almaty-2018), C and D are in force, a working day in Almaty.
DEFAULT_SIMULATED_DATE = date(2019, 11, 4)
_REAL_DATE_WORDS = frozenset({"", "today", "real"})


class EmbeddedSettings(RuntimeSettings):
    """Settings of the topology commands (``egov run``, ``egov provision``, ``egov up``); the
    services started on their own have their own."""

    simulated_date: date | None = Field(
        DEFAULT_SIMULATED_DATE,
        description="the day portal, E-licensing and the provider workstations take as today "
        "in egov run, egov provision and egov up (running at real speed from 09:00 Almaty); "
        "the seeds' regulations were all repealed by 2020, so on the real date the catalog is "
        "empty; 'today' = the real date",
    )
    amqp_admin: SecretStr | None = Field(
        None,
        description="RabbitMQ's management API (http://user:password@host:15672/, an "
        "administrator) through which egov provision and egov up give each service its own "
        "broker user (docs/security.md, Broker users); unset = port 15672 on EGOV_AMQP_URL's "
        "host with its user and password; 'none' = no per-service users: every service "
        "connects as EGOV_AMQP_URL's user",
    )

    @field_validator("simulated_date", mode="before")
    @classmethod
    def _today_means_real(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in _REAL_DATE_WORDS:
            return None
        return value


@dataclass(frozen=True)
class EmbeddedService:
    settings: type[ServiceSettings]
    bootstrap: Callable[..., Service]


def services() -> tuple[EmbeddedService, ...]:
    """The topology, in start-up order."""
    return (
        EmbeddedService(PortalSettings, bootstrap_portal),
        EmbeddedService(GatewaySettings, bootstrap_gateway),
        EmbeddedService(ElicenseSettings, bootstrap_elicense),
        EmbeddedService(RegistrySettings, bootstrap_registry),
        EmbeddedService(ProviderSettings, bootstrap_provider),
    )


def settings_classes() -> list[type[RuntimeSettings]]:
    """Every settings model of the project, shared first (for the docs table)."""
    return [RuntimeSettings, EmbeddedSettings, *(entry.settings for entry in services())]


S = TypeVar("S", bound=ServiceSettings)
# The services whose business runs on the simulated day (their bootstraps take ``today``).
_BUSINESS_CLOCKED = frozenset({PortalSettings, ElicenseSettings, ProviderSettings})


def _of(loaded: Mapping[type[ServiceSettings], ServiceSettings], cls: type[S]) -> S:
    settings = loaded[cls]
    if not isinstance(settings, cls):  # the mapping is built keyed by each value's own class
        raise TypeError(f"{cls.__name__} expected, got {type(settings).__name__}")
    return settings


def _with_defaults(settings: ServiceSettings, defaults: Mapping[str, Any]) -> ServiceSettings:
    """``settings`` with ``defaults`` for every field the environment did not set: what an
    operator sets explicitly (their own key file, another gateway) wins."""
    given = settings.model_fields_set
    chosen = {k: v for k, v in defaults.items() if k not in given}
    if "key_password_file" in given:
        chosen.pop("key_password", None)  # the operator's password file goes with their key
    if not chosen:
        return settings
    current = settings.model_dump(include=settings.model_fields_set)
    return load_settings(type(settings), **current, **chosen)


def configure(
    loaded: Mapping[type[ServiceSettings], ServiceSettings],
    keys: Provisioned,
    *,
    rules_file: Path,
    simulated_date: date | None,
) -> dict[type[ServiceSettings], ServiceSettings]:
    """Each service's settings completed with the provisioned keys and this run's addresses."""
    gateway_url = address(loaded[GatewaySettings])
    anchors = keys.trust_anchors
    portal_keys, provider_keys = keys.group("portal"), keys.group("provider")
    gateway_keys, elicense_keys = keys.group("gateway"), keys.group("elicense")
    data_dir = loaded[PortalSettings].data_dir
    registry_keys = keys.groups.get("registry")
    defaults: dict[type[ServiceSettings], dict[str, Any]] = {
        PortalSettings: {
            "trust_anchors": anchors,
            "key_file": portal_keys.key_file("portal"),
            "key_password": portal_keys.password,
            "psc_key_dir": portal_keys.directory,
            "gateway_url": gateway_url,
            "public_url": address(loaded[PortalSettings]),
            "attachments_dir": data_dir / "portal" / "attachments",
            "simulated_date": simulated_date,
        },
        GatewaySettings: {
            "trust_anchors": anchors,
            "key_file": gateway_keys.key_file("gateway"),
            "key_password": gateway_keys.password,
            "rules_file": rules_file,
        },
        ElicenseSettings: {
            "trust_anchors": anchors,
            "key_file": elicense_keys.key_file("elicense"),
            "key_password": elicense_keys.password,
            "gateway_url": gateway_url,
            "simulated_date": simulated_date,
        },
        # The registry's system key signs the pki.revoked events.
        RegistrySettings: (
            {"key_file": registry_keys.key_file("registry"), "key_password": registry_keys.password}
            if registry_keys is not None
            else {}
        ),
        ProviderSettings: {
            "trust_anchors": anchors,
            "keys_dir": provider_keys.directory,
            "key_password": provider_keys.password,
            "gateway_url": gateway_url,
            "simulated_date": simulated_date,
        },
    }
    # The scenario runner moves the simulated time through /simulation/clock.
    return {
        cls: _with_defaults(settings, {"simulation_control": True, **defaults[cls]})
        for cls, settings in loaded.items()
    }


async def _provision(
    data_dir: Path,
    loaded: Mapping[type[ServiceSettings], ServiceSettings],
    clock: Clock,
    today: Clock,
) -> tuple[Provisioned, Path]:
    """Keys for every system the gateway's rules name and for E-licensing's staff (appointed
    on its roster, stamped with the business clock ``today``), and the rules copy on this
    run's ports; what stops it (an incomplete CA directory, a CA other than the log's,
    unreadable rules or directory) is a :class:`StartupFailed` naming the file, before any
    server starts."""
    registry = loaded[RegistrySettings]
    elicense = _of(loaded, ElicenseSettings)
    source_rules = _of(loaded, GatewaySettings).resolved_rules_file()
    addresses = {"registry": address(registry), "elicense": address(elicense)}
    try:
        rules = parse_rules(source_rules.read_text(encoding="utf-8"), source=str(source_rules))
        rules_file = embedded_rules(source_rules, data_dir / "gateway" / "rules.yaml", addresses)
        directory = load_directory(elicense)
        catalog = Catalog.from_directory(definitions_dir())
        staff = elicense_staff(directory, catalog)
        keys = await provision(
            data_dir,
            registry_store_url=registry.resolved_event_store_url(),
            registry_url=registry_public_url(registry),
            systems=system_ids(rules),
            clock=clock,
            staff=staff,
        )
        await appoint_elicense_staff(
            elicense.resolved_event_store_url(), directory, catalog, staff, clock=today
        )
    except (
        OSError,
        RulesError,
        ProvisioningError,
        KeyStoreError,
        RegistryError,
        ElicenseError,
    ) as exc:
        detail = exc.message if isinstance(exc, RegistryError | ElicenseError) else str(exc)
        raise StartupFailed(f"keys for the embedded topology: {detail}") from exc
    return keys, rules_file


class EmbeddedControl:
    """Takes the registry of a running embedded topology down and back, for a program that runs
    it (``egov scenario run``: "the registry is down"). The services share this process, so
    "down" is the registry answering every call with 503 ``service_down`` (its health check
    too) until it is "started" again; the other four share one server and cannot be stopped
    alone."""

    def __init__(self) -> None:
        self.down: set[str] = set()

    def _wrap(self, listener: Listener) -> Listener:
        inner = listener.app

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "http" and listener.name in self.down:
                body = b'{"code": "service_down", "message": "taken down for a scenario"}'
                headers = [(b"content-type", b"application/json")]
                await send({"type": "http.response.start", "status": 503, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await inner(scope, receive, send)

        return dataclasses.replace(listener, app=app)

    def _check(self, service: str) -> None:
        if service != "registry":
            raise ValueError(f"the embedded topology stops and starts the registry, not {service}")

    async def stop_service(self, service: str) -> None:
        self._check(service)
        self.down.add(service)

    async def start_service(self, service: str) -> None:
        self._check(service)
        self.down.discard(service)


async def run_embedded(
    common: RuntimeSettings,
    *,
    clock: Clock,
    on_ready: Callable[[Sequence[Listener]], None],
    stop: asyncio.Event | None = None,
    embedded: EmbeddedSettings | None = None,
    control: EmbeddedControl | None = None,
    on_provisioned: Callable[[Provisioned], None] | None = None,
) -> None:
    """Serve the five services until SIGINT/SIGTERM (or ``stop``, for a caller that runs the
    topology inside its own program); returns once all have stopped cleanly. ``on_provisioned``
    is told what was provisioned (keys, E-licensing's staff) before the servers start.

    Embedded means SQLite and the in-memory bus: ``EGOV_PG_DSN`` and ``EGOV_AMQP_URL`` are
    ignored here (an explicit ``EGOV_<SERVICE>_EVENT_STORE_URL`` still wins). Keys are
    provisioned first (see :mod:`egov.provisioning`)."""
    log = get_logger("egov.embedded")
    if common.pg_dsn or common.amqp_url:
        log.warning(
            "embedded.ignoring_servers",
            detail="egov run uses SQLite and the in-memory bus; EGOV_PG_DSN/EGOV_AMQP_URL "
            "apply to services started on their own",
        )
    embedded = embedded if embedded is not None else load_settings(EmbeddedSettings)
    loaded = {
        entry.settings: load_settings(
            entry.settings, pg_dsn=None, amqp_url=None, data_dir=common.data_dir
        )
        for entry in services()
    }
    # One business clock for portal, E-licensing and the workstations: the simulated day, moved
    # forward through any of their /simulation/clock routes. Certificates, like everyone's, are
    # checked in real time (``clock``).
    today = SimulationClock.starting_on(clock, embedded.simulated_date)
    keys, rules_file = await _provision(common.data_dir, loaded, clock, today)
    if on_provisioned is not None:
        on_provisioned(keys)
    configured = configure(
        loaded, keys, rules_file=rules_file, simulated_date=embedded.simulated_date
    )
    bus = InMemoryBus()
    built: dict[type[ServiceSettings], Service] = {}
    for entry in services():
        cls = entry.settings
        if cls is RegistrySettings:
            # Its own loop, so its own (unshared) bus: it neither sends nor receives messages.
            built[cls] = entry.bootstrap(configured[cls], clock=clock)
            continue
        extra: dict[str, Any] = {"today": today} if cls in _BUSINESS_CLOCKED else {}
        built[cls] = entry.bootstrap(configured[cls], bus=bus, clock=clock, **extra)
    listeners = [service.listener() for service in built.values()]
    # The НУЦ answers OCSP from its own loop: see egov.threaded_server for why.
    control = control if control is not None else EmbeddedControl()
    registry_server = ThreadedServer(
        control._wrap(built[RegistrySettings].listener()),
        shutdown_timeout_s=common.shutdown_timeout_s,
    )
    await registry_server.start()
    try:
        await bus.connect()
        await serve(
            [listener for listener in listeners if listener.name != registry_server.listener.name],
            shutdown_timeout_s=common.shutdown_timeout_s,
            on_ready=lambda: on_ready(listeners),
            stop=stop,
        )
    finally:
        await bus.close()
        await registry_server.stop()
    log.info("embedded.stopped")
