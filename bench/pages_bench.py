"""Pages: the server time of each page for people with 1,000 requests in its cabinet, inbox,
desk or message log, at p50 and p95, next to the JSON API call that returns the same data, and
the target: 150 ms at p95.

    python -m bench --only pages [--quick | --smoke]

Each state is written by the service's own code (bench/logs.py): the portal's request events
for one applicant, the workstation's ``ProviderService`` with the requests spread over the
8 steps of A 2018, ``ElicenseService`` with the requests spread over registration to hand-out,
the gateway verifying, logging and forwarding 1,000 signed messages (over the in-memory bus).
The service is then built over that log as its tests build it (tests/*/conftest.py) and its
app served in this process: the pages, their API and their middleware. The person signs in as
a browser does, by the service's own routes (the applicant with the password, staff and the
operator with a JWS over the sign-in challenge), and the reference calls are made as an API
client makes them (the portal's bearer token, a signed call).

Server time is what a wrapper around the app measures: from the request reaching the app to
its last body byte handed back (httpx's ASGITransport is the client, in the same process).
After a warm-up, the page and its reference take turns, ``n`` requests each (full 200, quick
50, smoke 5); the request pages and cards go through the requests in turn. Needs no server.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from bench.harness import BenchConfig, Result
from bench.logs import fill_elicense, fill_gateway, fill_portal

#: The requirement: each page within 150 ms of server time at p95.
TARGET_MS = 150.0

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class ServerTime:
    """An ASGI app wrapped: ``last`` is the seconds the latest HTTP request took, from reaching
    the app to its last body byte sent."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.last = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()

        async def timed(message: MutableMapping[str, Any]) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.last = time.perf_counter() - began

        await self.app(scope, receive, timed)


@dataclass(frozen=True)
class Probe:
    """A page, the API call that returns its data, and how to ask for the i-th of each."""

    case: str  # e.g. "portal /my/requests (the cabinet)"
    state: str  # e.g. "1,000 requests in the cabinet"
    reference: str  # e.g. "GET /cabinet/requests"
    timer: ServerTime
    page: Callable[[int], Awaitable[httpx.Response]]
    api: Callable[[int], Awaitable[httpx.Response]]
    marker: str  # what a page that shows its rows holds ...
    rows: int  # ... at least this many times


@dataclass(frozen=True)
class Served:
    """An app served in process, timed: a browser (with its cookies) and an API client."""

    timer: ServerTime
    transport: httpx.ASGITransport
    stack: AsyncExitStack

    async def client(self, cookies: dict[str, str] | None = None) -> httpx.AsyncClient:
        made = httpx.AsyncClient(
            transport=self.transport, base_url="http://bench.test", cookies=cookies
        )
        return await self.stack.enter_async_context(made)

    async def signed_in(self, signer: Any) -> httpx.AsyncClient:
        """A browser with a page session, opened as a browser's signer opens it (here a JWS
        over the sign-in challenge)."""
        browser = await self.client()
        given = (await browser.post("/sign-in/challenge")).json()
        signature = signer.sign(given["text"].encode())
        answer = await browser.post(
            "/sign-in", json={"challenge": given["challenge"], "signature": signature}
        )
        if answer.status_code != 200:
            raise RuntimeError(f"signing in refused: {answer.status_code} {answer.text}")
        return browser


@asynccontextmanager
async def served(app: Any) -> AsyncIterator[Served]:
    """``app`` with its lifespan running, timed; its clients closed at the end."""
    timer = ServerTime(app)
    async with app.router.lifespan_context(app), AsyncExitStack() as stack:
        yield Served(timer, httpx.ASGITransport(app=timer), stack)


def signed_get(
    client: httpx.AsyncClient, signer: Any
) -> Callable[[str], Awaitable[httpx.Response]]:
    """A GET signed as an API client signs it (fresh headers each time, made before the call)."""
    from shared.pki.http_signing import sign_request

    def get(target: str) -> Awaitable[httpx.Response]:
        return client.get(target, headers=sign_request(signer, "GET", target, b""))

    return get


# --- the portal: the applicant's cabinet and a request's page -----------------------------------


@asynccontextmanager
async def portal_probes(workdir: Path, requests: int) -> AsyncIterator[list[Probe]]:
    from portal_svc.app import create_app
    from portal_svc.assembly import build_portal
    from portal_svc.blobs import BlobStore
    from portal_svc.handlers import registration_bytes
    from portal_svc.pages import mount_pages
    from portal_svc.pages.common import SESSION_COOKIE
    from portal_svc.passwords import Passwords
    from portal_svc.settings import PortalSettings
    from portal_svc.verification import AuthKeyVerifier
    from regulations import definitions_dir
    from shared.bus.memory import InMemoryBus
    from shared.calendar import KzCalendar
    from shared.clock import SimulatedClock
    from shared.eventlog.sqlite import SqliteEventStore
    from shared.pki.ca import create_issuing, create_root, issue_certificate
    from shared.pki.jws import JwsSigner, JwsVerifier
    from shared.pki.keys import KeyAlgorithm, generate_private_key
    from shared.pki.profiles import InformationSystem, KeyPurpose
    from shared.pki.revocation_client import RevocationChecker
    from shared.regulation.catalog import Catalog
    from tests.pki.conftest import CaPair
    from tests.pki.fakes import FakeCaEndpoint
    from tests.portal.conftest import ALMATY_2019, PASSWORD, URLS, iin, person_holder

    applicant = iin(41)
    path = await fill_portal(workdir, requests, owner=applicant)
    clock = SimulatedClock(ALMATY_2019)
    store = SqliteEventStore(path, clock=clock)
    bus = InMemoryBus()
    since = datetime(2011, 1, 1, tzinfo=UTC)  # the chain valid on the portal's simulated day
    root = create_root(generate_private_key(KeyAlgorithm.ES256), common_name="НУЦ", now=since)
    issuing = create_issuing(
        root, generate_private_key(KeyAlgorithm.ES256), common_name="НУЦ RSA", now=since
    )
    ca = CaPair(root, issuing)
    serials = itertools.count(10_000)

    def issued(holder: Any) -> JwsSigner:
        key = generate_private_key(KeyAlgorithm.ES256)
        certificate = issue_certificate(
            ca.issuing, holder, KeyPurpose.SIGNING, key.public_key(),
            serial=next(serials), now=clock.now(), urls=URLS,
        )  # fmt: skip
        return JwsSigner(key, certificate, [ca.issuing.certificate])

    checker = RevocationChecker(FakeCaEndpoint(ca, clock), clock, use_cache=False)
    portal = build_portal(
        store=store,
        bus=bus,
        clock=clock,
        catalog=Catalog.from_directory(definitions_dir()),
        calendar=KzCalendar(),
        signer=issued(InformationSystem("portal")),
        verifier=JwsVerifier([root.certificate], clock, checker),
        auth_verifier=AuthKeyVerifier([root.certificate], clock, checker),
        passwords=Passwords(time_cost=1, memory_kib=1024),
        blobs=BlobStore(workdir / "blobs"),
    )
    app = create_app(PortalSettings(), store=store, bus=bus, router=portal.router)
    mount_pages(app, portal, public_url="http://bench.test")
    await store.open()
    await bus.connect()
    try:
        async with served(app) as site:
            signer = issued(person_holder(41))
            await portal.service.register(
                iin=applicant,
                bin_=None,
                password=PASSWORD,
                signature=signer.sign(registration_bytes(applicant, None)),
            )
            # One log-in: the page's cookie holds the token the API takes as a bearer token.
            token = (await portal.service.login(iin=applicant, bin_=None, password=PASSWORD)).token
            browser = await site.client({SESSION_COOKIE: token})
            client = await site.client()
            bearer = {"Authorization": f"Bearer {token}"}
            ids = [f"P{i:06d}" for i in range(requests)]
            state = f"{requests:,} requests in the cabinet"
            yield [
                Probe(
                    "portal /my/requests (the cabinet)",
                    state,
                    "GET /cabinet/requests",
                    site.timer,
                    lambda _i: browser.get("/my/requests"),
                    lambda _i: client.get("/cabinet/requests", headers=bearer),
                    "data-request=",
                    20,
                ),
                Probe(
                    "portal /my/requests/{id} (a request)",
                    state,
                    "GET /cabinet/requests/{id}",
                    site.timer,
                    lambda i: browser.get(f"/my/requests/{ids[i % len(ids)]}"),
                    lambda i: client.get(f"/cabinet/requests/{ids[i % len(ids)]}", headers=bearer),
                    'id="current-status"',
                    1,
                ),
            ]
    finally:
        await bus.close()
        await store.close()


# --- the workstation: the inbox, a request's card, the SLA page -----------------------------------


@asynccontextmanager
async def provider_probes(workdir: Path, requests: int) -> AsyncIterator[list[Probe]]:
    from tests.provider.conftest import ALMATY_2019, make_harness

    async for h in make_harness(workdir, ALMATY_2019):
        async with workstation_probes(h, requests) as probes:
            yield probes


@asynccontextmanager
async def workstation_probes(h: Any, requests: int) -> AsyncIterator[list[Probe]]:
    from provider_svc.entrypoints.api import build_router
    from provider_svc.pages.router import mount_pages
    from provider_svc.projections import ProviderProjection
    from shared.web import create_service_app
    from tests.provider.fill_log import fill_into
    from tests.provider.test_flows import CULTURE

    class _Up:
        async def ping(self) -> None:
            return None

    ids = await fill_into(h, requests, spread=True)
    # The head is given every role of the workstation: one person's inbox holds every open
    # request (all of them), and the SLA page is the head's.
    head_iin, head = await h.hire(CULTURE, "head")
    workstation = h.service.workstation(CULTURE)
    await h.service.appoint(
        CULTURE,
        iin=head_iin,
        name="head clerk",
        roles=sorted(h.service.allowed_roles(workstation)),
        by="bench",
    )
    app = create_service_app(
        "provider", store=h.store, bus=_Up(), version="bench", title="b", description="b"
    )
    projection = ProviderProjection()
    app.include_router(build_router(h.service, projection))
    mount_pages(app, h.service, projection, zone=ZoneInfo("Asia/Almaty"))
    async with served(app) as site:
        browser = await site.signed_in(head)
        api = signed_get(await site.client(), head)
        base = f"/workstations/{CULTURE}"
        state = f"{requests:,} requests open at the workstation"

        def card(i: int) -> str:
            return f"{base}/requests/{ids[i % len(ids)]}"

        yield [
            Probe(
                "provider /workstations/{ws}/inbox",
                state,
                "GET /provider/workstations/{ws}/inbox",
                site.timer,
                lambda _i: browser.get(f"{base}/inbox"),
                lambda _i: api(f"/provider{base}/inbox"),
                'data-test="request-',
                25,
            ),
            Probe(
                "provider /workstations/{ws}/requests/{id} (a card)",
                state,
                "GET /provider/workstations/{ws}/requests/{id}",
                site.timer,
                lambda i: browser.get(card(i)),
                lambda i: api(f"/provider{card(i)}"),
                'id="summary"',
                1,
            ),
            Probe(
                "provider /workstations/{ws}/sla",
                state,
                "GET /provider/workstations/{ws}/sla",
                site.timer,
                lambda _i: browser.get(f"{base}/sla"),
                lambda _i: api(f"/provider{base}/sla"),
                'data-test="sla-',
                1,
            ),
        ]


# --- E-licensing: the staff's desk ------------------------------------------------------------


@asynccontextmanager
async def elicense_probes(workdir: Path, requests: int) -> AsyncIterator[list[Probe]]:
    import yaml

    from elicense_svc.bootstrap import bootstrap
    from elicense_svc.settings import ElicenseSettings
    from shared.bus.memory import InMemoryBus
    from shared.clock import SimulatedClock
    from shared.config import load_settings
    from shared.eventlog.sqlite import SqliteEventStore
    from shared.pki.profiles import InformationSystem
    from tests.elicense import conftest as el
    from tests.pki.fakes import FakeCaEndpoint

    path = await fill_elicense(workdir, requests, spread=True)
    clock = SimulatedClock(el.START)
    ca = el.make_test_ca(datetime(2013, 1, 1, tzinfo=UTC))
    pki = el.Pki(ca, clock, FakeCaEndpoint(ca, clock))
    directory = workdir / "directory.yaml"
    directory.write_text(yaml.safe_dump(el.DIRECTORY, allow_unicode=True), encoding="utf-8")
    settings = load_settings(ElicenseSettings, directory_file=directory, data_dir=workdir)
    store = SqliteEventStore(path, clock=clock)
    bus = InMemoryBus()
    await store.open()
    await bus.connect()
    try:
        service = bootstrap(
            settings,
            store=store,
            bus=bus,
            clock=clock,
            signer=pki.signer(InformationSystem("elicense")),
            verifier=pki.verifier(),
            lookup=el.FakeRegistry(records={el.APPLICANT_IIN: {"iin": el.APPLICANT_IIN}}),
        )
        async with served(service.app) as site:
            clerk = pki.staff(el.CLERK_IIN, el.ALMATY_CULTURE_BIN)
            browser = await site.signed_in(clerk)
            api = signed_get(await site.client(), clerk)
            yield [
                Probe(
                    "elicense /desk (the staff's desk)",
                    f"{requests:,} requests of the clerk's provider",
                    "GET /staff/requests",
                    site.timer,
                    lambda _i: browser.get("/desk"),
                    lambda _i: api("/staff/requests"),
                    "data-request=",
                    min(50, requests),
                ),
            ]
    finally:
        await bus.close()
        await store.close()


# --- the gateway: the console's message log ---------------------------------------------------


@asynccontextmanager
async def gateway_probes(workdir: Path, messages: int) -> AsyncIterator[list[Probe]]:
    from prometheus_client import CollectorRegistry

    from bench.gateway_bench import InProcessOcsp
    from gateway_svc.app import create_app, mount_gateway
    from gateway_svc.assembly import build_gateway
    from gateway_svc.rules import DEFAULT_RULES
    from gateway_svc.settings import GatewaySettings
    from gateway_svc.sync import SyncChannel
    from shared.bus.memory import InMemoryBus
    from shared.clock import SystemClock
    from shared.config import load_settings
    from shared.eventlog.sqlite import SqliteEventStore
    from shared.pki import oids
    from shared.pki.jws import JwsVerifier
    from shared.pki.profiles import Individual, simulator_operator
    from shared.pki.revocation_client import RevocationChecker
    from tests.gateway.conftest import issue_holder, issue_system
    from tests.pki.conftest import make_ca

    path = await fill_gateway(workdir, messages, None)
    clock = SystemClock()
    ca = make_ca()
    verifier = JwsVerifier(
        [ca.root.certificate], clock, RevocationChecker(InProcessOcsp(ca.issuing), clock)
    )
    store = SqliteEventStore(path, clock=clock)
    bus = InMemoryBus()
    gateway = build_gateway(
        store=store,
        bus=bus,
        clock=clock,
        verifier=verifier,
        rules_path=DEFAULT_RULES,
        registry=CollectorRegistry(),
    )
    settings = load_settings(GatewaySettings, data_dir=workdir)
    app = create_app(
        settings, store=store, bus=bus, startup=[gateway.start], shutdown=[gateway.stop]
    )
    async with AsyncExitStack() as stack:
        await store.open()
        stack.push_async_callback(store.close)
        await bus.connect()
        stack.push_async_callback(bus.close)
        providers = await stack.enter_async_context(httpx.AsyncClient())
        own = issue_system(ca, "gateway").signer
        mount_gateway(app, gateway, SyncChannel(gateway, providers, signer=own), service="gateway")
        operator = issue_holder(
            ca,
            "gateway-operator",
            simulator_operator(
                Individual("700101300203", "Shlyuz", "Operator"), (oids.ROLE_GATEWAY_OPERATOR,)
            ),
        ).signer
        site = await stack.enter_async_context(served(app))
        browser = await site.signed_in(operator)
        api = signed_get(await site.client(), operator)
        yield [
            Probe(
                "gateway /console/messages",
                f"{messages:,} messages in the log",
                "GET /messages?limit=50",
                site.timer,
                lambda _i: browser.get("/console/messages"),
                lambda _i: api("/messages?limit=50"),
                "data-position=",
                min(50, messages),
            ),
        ]


# --- measuring ---------------------------------------------------------------------------------


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else 0


async def timed(probe: Probe, call: Callable[[int], Awaitable[httpx.Response]], i: int) -> float:
    answer = await call(i)
    if answer.status_code != 200:
        raise RuntimeError(f"{probe.case}: {answer.status_code} {answer.text[:500]}")
    return probe.timer.last * 1000


async def measure(probe: Probe, n: int, warmup: int) -> list[Result]:
    first = await probe.page(0)
    if first.status_code != 200 or first.text.count(probe.marker) < probe.rows:
        found = first.text.count(probe.marker)
        raise RuntimeError(
            f"{probe.case}: {first.status_code}, {found} of {probe.rows} rows ({probe.marker})"
        )
    for i in range(warmup):
        await timed(probe, probe.page, i)
        await timed(probe, probe.api, i)
    pages: list[float] = []
    api: list[float] = []
    for i in range(n):  # in turns, so that whatever else the machine does touches both
        pages.append(await timed(probe, probe.page, i))
        api.append(await timed(probe, probe.api, i))
    page50, page95 = percentile(pages, 50), percentile(pages, 95)
    api50, api95 = percentile(api, 50), percentile(api, 95)
    met = page95 <= TARGET_MS
    verdict = "met" if met else "MISSED"
    print(
        f"  {probe.case}, {probe.state}\n"
        f"    page p50 {page50:7.1f} ms  p95 {page95:7.1f} ms (target p95 <= {TARGET_MS:.0f} ms: "
        f"{verdict})   {probe.reference}: p50 {api50:6.1f} ms  p95 {api95:6.1f} ms"
    )
    detail = {
        "state": probe.state,
        "requests": n,
        "warmup": warmup,
        "target_ms": TARGET_MS,
        "meets_target": met,
    }
    ours, theirs = "ours: the page", f"the API: {probe.reference}"
    return [
        Result("pages", probe.case, ours, "ms p50", page50, False, detail),
        Result("pages", probe.case, theirs, "ms p50", api50, True, {"requests": n}),
        Result("pages", probe.case, ours, "ms p95", page95, False, detail),
        Result("pages", probe.case, theirs, "ms p95", api95, True, {"requests": n}),
        Result("pages", probe.case, f"target (<= {TARGET_MS:.0f} ms)", "ms p95", TARGET_MS, True,
               {"measured": False}),
    ]  # fmt: skip


Site = Callable[[Path, int], Any]  # an async context manager of probes
SITES: dict[str, Site] = {
    "portal": portal_probes,
    "provider": provider_probes,
    "elicense": elicense_probes,
    "gateway": gateway_probes,
}


async def bench(config: BenchConfig, requests: int, n: int, warmup: int) -> list[Result]:
    from shared.clock import SystemClock
    from shared.logging import configure_logging

    config.workdir.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    # The services log as they do when they run (JSON lines, each request's line included),
    # into a file here instead of their stderr.
    log = (config.workdir / "services.log").open("w", encoding="utf-8")
    configure_logging(service="bench", level="INFO", clock=SystemClock(), stream=log)
    for name, site in SITES.items():
        workdir = config.workdir / name
        workdir.mkdir(parents=True, exist_ok=True)
        began = time.perf_counter()
        async with site(workdir, requests) as probes:
            print(f"  {name}: its state written and served in {time.perf_counter() - began:.1f} s")
            for probe in probes:
                results += await measure(probe, n, warmup)
    log.close()
    return results


class _PagesBench:
    name = "pages"
    title = "pages: server time of each page with 1,000 requests, vs its JSON API call"
    needs: frozenset[str] = frozenset()

    def run(self, config: BenchConfig) -> list[Result]:
        requests = config.pick(full=1000, quick=1000, smoke=60)
        n = config.pick(full=200, quick=50, smoke=5)
        warmup = config.pick(full=20, quick=10, smoke=2)
        return asyncio.run(bench(config, requests, n, warmup))


BENCHMARK = _PagesBench()
