"""Where scenarios run (``--target``):

* ``embedded``: ``egov run``'s topology started in this process for the run (SQLite, the
  in-memory bus, a data directory of its own);
* ``up``: ``egov up``'s topology (every service its own process) started for the run on
  ``EGOV_PG_DSN`` / ``EGOV_AMQP_URL`` in a namespace of its own, dropped afterwards;
* a URL (``http://host`` or ``host``): a running topology on the default ports, its data
  directory (keys, the provider's log) given by ``--data-dir`` (default ``EGOV_DATA_DIR``);
* a ``stack.json``: a running ``egov up``, found through its manifest.

A topology started for the run gets the run's staff before its services start (E-licensing
reads its directory once); a running one gets the provider's staff appointed in its log, and
must already know E-licensing's staff.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from egov.client import StaffPost, TopologyUrls, appoint_provider_staff, write_elicense_directory
from egov.client.topology import SERVICES, ManifestError, read_manifest
from egov.scenario.loader import LoadedScenario
from egov.scenario.runner import ServiceControl
from shared.runtime import Listener

if TYPE_CHECKING:
    from egov.stack import Stack

# Registering applicants hashes their passwords with Argon2id; at the portal's production cost
# (64 MiB each) a catalogue run spends its time and memory there. A topology started for a run
# uses a cheap cost unless the environment sets one.
CHEAP_ARGON2 = {"EGOV_PORTAL_ARGON2_MEMORY_KIB": "1024", "EGOV_PORTAL_ARGON2_TIME_COST": "1"}
DEFAULT_DATE = date(2019, 11, 4)


class TargetError(RuntimeError):
    """A target that cannot be opened: the message says what is missing."""


@dataclass
class Target:
    name: str
    urls: TopologyUrls
    data_dir: Path
    control: ServiceControl | None
    appoint: Callable[[list[StaffPost]], Awaitable[None]] | None
    knows_elicense_staff: bool  # False: its E-licensing directory was not written by this run


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """``values`` in ``os.environ`` for the block (the embedded services read their settings
    from it at start-up), the previous values back afterwards."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _appointer(store_url: str) -> Callable[[list[StaffPost]], Awaitable[None]]:
    async def appoint(posts: list[StaffPost]) -> None:
        await appoint_provider_staff(store_url, posts)

    return appoint


def _directory_file(data_dir: Path, posts: Sequence[StaffPost]) -> Path:
    """E-licensing's directory with the run's staff, in the run's data directory."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return write_elicense_directory(data_dir / "scenario-elicense-directory.yaml", posts)


def _cheap_argon2() -> dict[str, str]:
    return {k: v for k, v in CHEAP_ARGON2.items() if k not in os.environ}


@asynccontextmanager
async def embedded_target(
    data_dir: Path,
    *,
    simulated_date: date,
    provider_posts: Sequence[StaffPost],
    elicense_posts: Sequence[StaffPost],
    timeout_s: float = 60.0,
) -> AsyncIterator[Target]:
    from egov import embedded
    from egov.stack import free_ports
    from provider_svc.settings import ProviderSettings
    from shared.clock import SystemClock
    from shared.config import RuntimeSettings, load_settings

    directory = _directory_file(data_dir, elicense_posts)
    ports = dict(zip(SERVICES, free_ports(len(SERVICES)), strict=True))
    env = {
        "EGOV_DATA_DIR": str(data_dir),
        "EGOV_ELICENSE_DIRECTORY_FILE": str(directory),
        **{f"EGOV_{s.upper()}_PORT": str(p) for s, p in ports.items()},
        **_cheap_argon2(),
    }
    ready = asyncio.Event()
    stop = asyncio.Event()
    urls: dict[str, str] = {}
    hook = embedded.EmbeddedControl()

    def on_ready(listeners: Sequence[Listener]) -> None:
        urls.update({x.name: x.url for x in listeners})
        ready.set()

    with _environment(env):
        # As run_embedded loads it: SQLite in the data directory, whatever EGOV_PG_DSN says.
        provider_log = load_settings(
            ProviderSettings, pg_dsn=None, amqp_url=None, data_dir=data_dir
        ).resolved_event_store_url()
        await appoint_provider_staff(provider_log, provider_posts)
        task = asyncio.create_task(
            embedded.run_embedded(
                RuntimeSettings(data_dir=data_dir, shutdown_timeout_s=5),
                clock=SystemClock(),
                on_ready=on_ready,
                stop=stop,
                embedded=embedded.EmbeddedSettings(simulated_date=simulated_date),
                control=hook,
            )
        )
        waiter = asyncio.create_task(ready.wait())
        done, _ = await asyncio.wait(
            {task, waiter}, timeout=timeout_s, return_when="FIRST_COMPLETED"
        )
    if waiter not in done:
        waiter.cancel()
        stop.set()
        if task in done:
            task.result()  # raises what stopped the start-up
        await asyncio.wait_for(task, timeout_s)
        raise TargetError(f"the embedded topology did not start within {timeout_s:g} s")
    try:
        yield Target(
            "embedded",
            TopologyUrls.from_mapping(urls),
            data_dir,
            hook,
            None,  # every staff member of the run was appointed before the start
            knows_elicense_staff=True,
        )
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout_s)


class _StackControl:
    """``stop``/``start`` steps on ``egov up``: the service's process, SIGTERM and respawn."""

    def __init__(self, stack: Stack) -> None:
        self._stack = stack

    async def stop_service(self, service: str) -> None:
        await self._stack.stop_service(service)

    async def start_service(self, service: str) -> None:
        await self._stack.start_service(service)


@asynccontextmanager
async def up_target(
    data_dir: Path,
    *,
    pg_dsn: str,
    amqp_url: str,
    namespace: str,
    simulated_date: date,
    provider_posts: Sequence[StaffPost],
    elicense_posts: Sequence[StaffPost],
    timeout_s: float = 90.0,
) -> AsyncIterator[Target]:
    from egov.stack import StackOptions, running_stack

    directory = _directory_file(data_dir, elicense_posts)
    options = StackOptions(
        data_dir,
        pg_dsn=pg_dsn,
        amqp_url=amqp_url,
        namespace=namespace,
        simulated_date=simulated_date,
        env={"EGOV_ELICENSE_DIRECTORY_FILE": str(directory.resolve()), **_cheap_argon2()},
    )
    async with running_stack(options, timeout_s=timeout_s, drop=True) as stack:
        provider_log = stack.event_store_url("provider")
        await appoint_provider_staff(provider_log, provider_posts)
        yield Target(
            "up",
            TopologyUrls.from_mapping(stack.urls),
            data_dir,
            _StackControl(stack),
            None,  # every staff member of the run was appointed before the start
            knows_elicense_staff=True,
        )


def attached_target(spec: str, data_dir: Path | None) -> Target:
    """A running topology: a ``stack.json`` manifest, or a URL/host with the default ports."""
    if spec.endswith(".json"):
        path = Path(spec)
        manifest = read_manifest(path)
        urls = TopologyUrls.from_mapping(manifest.get("urls") or {}, source=str(path))
        found = data_dir or (Path(manifest["data_dir"]) if manifest.get("data_dir") else None)
        if found is None:
            raise ManifestError(f"{path}: no data_dir; give --data-dir")
        services = manifest.get("services") or {}
        provider_log = (services.get("provider") or {}).get("event_store_url")
        return Target(
            str(path),
            urls,
            found,
            None,
            _appointer(str(provider_log)) if provider_log else None,
            knows_elicense_staff=False,
        )
    from provider_svc.settings import ProviderSettings
    from shared.config import load_settings

    host = spec.removeprefix("http://").removeprefix("https://").split("/")[0].split(":")[0]
    if not host:
        raise TargetError(f"--target {spec!r}: embedded, up, a URL or a stack.json")
    found = data_dir or Path(os.environ.get("EGOV_DATA_DIR", "var"))
    provider_log = load_settings(ProviderSettings, data_dir=found).resolved_event_store_url()
    return Target(spec, TopologyUrls.defaults(host), found, None, _appointer(provider_log), False)


@asynccontextmanager
async def open_target(
    spec: str, data_dir: Path | None, scenarios: Sequence[LoadedScenario], salt: str
) -> AsyncIterator[Target]:
    """``--target``: embedded and up are started for the run (on the earliest simulated start
    of ``scenarios``, with their staff) and stopped after it; anything else is attached to."""
    from egov.scenario.session import first_date, posts_of

    provider_posts, elicense_posts = posts_of(scenarios, salt)
    if spec not in ("embedded", "up"):
        yield attached_target(spec, data_dir)
        return
    with tempfile.TemporaryDirectory(prefix="egov-scenario-") as scratch:
        where = data_dir or Path(scratch) / "var"
        if spec == "embedded":
            async with embedded_target(
                where,
                simulated_date=first_date(scenarios),
                provider_posts=provider_posts,
                elicense_posts=elicense_posts,
            ) as found:
                yield found
            return
        pg_dsn, amqp_url = os.environ.get("EGOV_PG_DSN"), os.environ.get("EGOV_AMQP_URL")
        if not pg_dsn or not amqp_url:
            raise TargetError(
                "--target up needs EGOV_PG_DSN and EGOV_AMQP_URL (the servers egov up runs the "
                "services on)"
            )
        async with up_target(
            where,
            pg_dsn=pg_dsn,
            amqp_url=amqp_url,
            namespace=f"scn{salt[:10]}",
            simulated_date=first_date(scenarios),
            provider_posts=provider_posts,
            elicense_posts=elicense_posts,
        ) as found:
            yield found
