"""The pages people use, driven in a real browser: one embedded topology (``egov run``'s five
services, SQLite, the in-memory bus) for the whole session, Debian's Chromium through Playwright,
and for every person their own ``egov signer`` (the local signer a person runs beside their
browser, unattended: it signs with that person's key file only) and their own browser context
(their cookies, their language). The pages find the person's signer through
``document.body.dataset.signer``, which /static/egov.js reads before NCALayer's default address.

The world starts in April 2013, when the archive reference (004) and the Akmola cultural values
export through E-licensing (003) were in force, moves to November 2014 (000: A and B of Almaty
through E-licensing), then to November 2019 (001, 002); the test files are named, and their
tests written, in that order.

Needs Chromium (Debian: apt-get install -y chromium) and the Python playwright package (no
browser download: the system's Chromium is used). Skipped without them, failed under
EGOV_REQUIRE_INFRA=1 (CI).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pytest

try:
    # Re-exported: the journeys import it from here.
    from playwright.sync_api import expect as expect
except ImportError:  # the chromium fixture says why nothing runs
    expect = None  # type: ignore[assignment]

from egov.client import StaffPost, TopologyUrls, appoint_provider_staff
from egov.client.client import TopologyClient
from egov.client.keys import OperatorKeys
from egov.stack import free_ports
from portal_svc.psc import center
from provider_svc.domain.workstations import workstation
from provider_svc.settings import ProviderSettings
from shared.config import load_settings
from shared.ids import Gender, make_iin
from shared.private_files import write_private
from shared.simclock import morning_of
from tests.infra import REQUIRE_INFRA
from tests.signer.conftest import RunningSigner, egov_signer

T = TypeVar("T")

ROOT = Path(__file__).parents[2]
EGOV = Path(sys.executable).with_name("egov")
SERVICES = ("portal", "gateway", "elicense", "registry", "provider")
# Bounds that catch a hang, not speed requirements.
START_BOUND_S = 120
STOP_BOUND_S = 30
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
VENDORED = ROOT / "shared" / "pages" / "static" / "vendor" / "ncalayer-js-client"
# Monday 8 April 2013: 004 (archive reference, the PSC desk) and 003 (cultural values export
# through E-licensing, elicense.kz) are in force.
SPRING_2013 = date(2013, 4, 8)
# The last day 003 (Akmola, 2013) was in force: a journey of 2013 needs the clock before it.
END_OF_003 = date(2013, 6, 2)
# Monday 3 November 2014: A and B of Almaty (000, through E-licensing) are in force.
AUTUMN_2014 = date(2014, 11, 3)
# Monday 4 November 2019: 001 (A, Almaty 2018) and 002 (C, D) are in force.
AUTUMN_2019 = date(2019, 11, 4)
# The password of every key file the tests issue (one password file, as egov provision lays
# out a key group).
KEY_PASSWORD = "Browser-keys-2019"
# What a person waits at most for something a page shows (ms): a status crossing the gateway,
# the signer's answer. A bound that catches a hang, not a speed requirement.
WAIT_MS = 30_000
# Each screenshot: a laptop's window, what a person sees first.
VIEWPORT = {"width": 1280, "height": 860}

CULTURE = workstation("provider.almaty.culture")
GREEN = workstation("provider.almaty.green_economy")
ARCHIVES = workstation("provider.astana.archives")
PSC = center("psc.astana")


def unavailable(reason: str) -> None:
    if REQUIRE_INFRA:
        pytest.fail(f"EGOV_REQUIRE_INFRA=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@dataclass(frozen=True)
class Person:
    """Somebody who uses the pages: who they are, and the key file their signer signs with."""

    key: str  # the key file's name in the keys folder, without .p12
    iin: str
    surname: str
    given_name: str
    language: str = "kk"  # the language their browser asks for (Accept-Language)
    bin: str | None = None  # a legal entity's signer: the entity's BIN
    organization: str | None = None
    workstation: str | None = None  # on this workstation's roster, in ``roles``
    roles: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.surname} {self.given_name}"


def _staff(
    key: str, ws: Any, serial: int, gender: Gender, surname: str, given: str, *roles: str
) -> Person:
    return Person(
        key,
        make_iin(date(1975 + serial % 10, 1 + serial % 12, 10 + serial % 15), gender, serial),
        surname,
        given,
        bin=ws.bin,
        organization=ws.name,
        workstation=ws.system_id,
        roles=roles,
    )


# The citizens: one files A in Kazakh, one files C reading Russian, one is the PSC's visitor
# (no key: the operator signs), one files at elicense.kz (and A of 2014 at the portal), one
# files B of 2014.
CITIZEN = Person(
    "citizen", make_iin(date(1988, 6, 12), Gender.FEMALE, 141), "Сейтқалиева", "Айгерім"
)
CITIZEN_RU = Person(
    "citizen-ru",
    make_iin(date(1979, 9, 23), Gender.MALE, 142),
    "Петров",
    "Сергей",
    language="ru",
)
VISITOR = Person("visitor", make_iin(date(1962, 2, 14), Gender.MALE, 143), "Оспанов", "Бауыржан")
LICENSEE = Person("licensee", make_iin(date(1984, 11, 2), Gender.FEMALE, 144), "Жұмабаева", "Дина")
# A restorer who reads Russian and asks the Almaty culture department to approve works (B, 2014).
RESTORER = Person(
    "restorer", make_iin(date(1969, 5, 19), Gender.MALE, 145), "Смирнов", "Андрей", language="ru"
)
# The Almaty culture department (001): the office, the head, the executor, the commission.
CULTURE_STAFF = {
    "clerk": _staff("culture-clerk", CULTURE, 201, Gender.MALE, "Омаров", "Ерлан", "office_clerk"),
    "head": _staff("culture-head", CULTURE, 202, Gender.FEMALE, "Әбенова", "Гүлнар", "head"),
    "executor": _staff(
        "culture-executor", CULTURE, 203, Gender.MALE, "Нұрланов", "Асқар", "executor"
    ),
    "expert": _staff(
        "culture-expert", CULTURE, 204, Gender.MALE, "Ли", "Виктор", "expert_commission"
    ),
}
# The Almaty green economy department (002).
GREEN_STAFF = {
    "employee": _staff("green-employee", GREEN, 211, Gender.FEMALE, "Исаева", "Мадина", "employee"),
    "head": _staff("green-head", GREEN, 212, Gender.MALE, "Қасымов", "Нұржан", "head"),
    "deputy": _staff("green-deputy", GREEN, 213, Gender.FEMALE, "Ким", "Ольга", "deputy"),
    "specialist": _staff(
        "green-specialist", GREEN, 214, Gender.FEMALE, "Бекова", "Айжан", "department_employee"
    ),
}
# The Astana archives (004) and the Astana PSC's operator.
ARCHIVIST = _staff("archivist", ARCHIVES, 221, Gender.MALE, "Төлеуов", "Марат", "provider_employee")
assert PSC is not None
PSC_OPERATOR = Person(
    "psc-operator",
    make_iin(date(1990, 3, 5), Gender.FEMALE, 231),
    "Серікова",
    "Әсел",
    bin=PSC.bin,
    organization=PSC.name,
)
STAFF = (*CULTURE_STAFF.values(), *GREEN_STAFF.values(), ARCHIVIST)
KEYED = (CITIZEN, CITIZEN_RU, LICENSEE, RESTORER, PSC_OPERATOR, *STAFF)
# Keys egov provision made: E-licensing's staff for Akmola (003) and the operators.
ELICENSE_EMPLOYEE = "elicense-staff/provider.akmola.culture.provider_employee"
# E-licensing's staff of the Almaty culture department (000: A and B of 2014), one a role.
ELICENSE_ALMATY = {
    role: f"elicense-staff/provider.almaty.culture.{role}"
    for role in ("office_clerk", "executor", "head")
}
GATEWAY_OPERATOR = "operators/gateway-operator"
RA_OPERATOR = "operators/ra"


def in_thread(make: Callable[[], Awaitable[T]], timeout_s: float = 60) -> T:
    """``make()`` awaited on a loop of its own thread (Playwright's synchronous API keeps a loop
    on the main one): setting the scene through the API."""
    outcome: list[Any] = []

    def main() -> None:
        async def bounded() -> T:
            return await asyncio.wait_for(make(), timeout_s)

        try:
            outcome.append(asyncio.run(bounded()))
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=main, name="scene")
    thread.start()
    thread.join()
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    result: T = outcome[0]
    return result


@contextlib.contextmanager
def egov_run(data_dir: Path, day: date, log: Path) -> Iterator[TopologyUrls]:
    """``egov run`` as a person starts it (five services in one process, SQLite, the in-memory
    bus) on ``data_dir``, simulated ``day``, fresh ports; stopped with Ctrl-C (SIGINT)."""
    ports = dict(zip(SERVICES, free_ports(len(SERVICES)), strict=True))
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOV_")} | {
        "EGOV_DATA_DIR": str(data_dir),
        "EGOV_SIMULATED_DATE": day.isoformat(),
        # Its log lines on stderr, into the log file a failure names (not the data folder's).
        "EGOV_LOG_FORMAT": "json",
        # Registering applicants hashes passwords with Argon2id: cheaper here.
        "EGOV_PORTAL_ARGON2_MEMORY_KIB": "1024",
        "EGOV_PORTAL_ARGON2_TIME_COST": "1",
        **{f"EGOV_{name.upper()}_PORT": str(port) for name, port in ports.items()},
    }
    with log.open("wb") as err:
        process = subprocess.Popen(
            [str(EGOV), "run"], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=err,
        )  # fmt: skip
        try:
            assert process.stdout is not None
            deadline = time.monotonic() + START_BOUND_S
            urls: dict[str, str] = {}
            for raw in process.stdout:
                line = raw.decode(errors="replace")
                found = re.match(r"(\w+)\s+(http://\S+)/health", line)
                if found:
                    urls[found.group(1)] = found.group(2)
                if "all services are up" in line or time.monotonic() > deadline:
                    break
            if set(urls) != set(SERVICES):
                process.kill()
                process.wait()
                pytest.fail(f"egov run did not start:\n{log.read_text(errors='replace')[-4000:]}")
            # Nobody reads its standard output from now on: it says little after the start.
            drain = threading.Thread(target=process.stdout.read, daemon=True)
            drain.start()
            yield TopologyUrls.from_mapping(urls)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(STOP_BOUND_S)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            if process.stdout is not None:
                process.stdout.close()


@dataclass
class World:
    """The running topology, the people's keys and signers, the browser and what the journeys
    leave for each other (a request's number)."""

    urls: TopologyUrls
    data_dir: Path
    keys: Path  # the folder of the people's key files, with one password file
    browser: Any
    log: Path  # egov run's log (JSON lines)
    signers: dict[str, RunningSigner] = field(default_factory=dict)
    contexts: dict[str, Any] = field(default_factory=dict)
    filed: dict[str, str] = field(default_factory=dict)
    registered: set[str] = field(default_factory=set)  # who has registered at the portal
    _exits: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    def url(self, service: str, path: str = "/") -> str:
        return self.urls.of(service) + path

    def client(self) -> TopologyClient:
        return TopologyClient(self.urls, operators=OperatorKeys.load(self.data_dir))

    def today(self) -> date:
        async def now() -> date:
            async with self.client() as topo:
                return (await topo.clock("portal")).date()

        return in_thread(now)

    def move_to(self, day: date) -> None:
        """The simulated clock moved forward to ``day``'s morning (the simulation operator's
        call: setting the scene)."""

        async def move() -> None:
            async with self.client() as topo:
                await topo.set_clock(morning_of(day))

        in_thread(move)

    def before(self, last_day: date, what: str) -> None:
        """The journey of ``what`` needs the clock still on or before ``last_day``."""
        today = self.today()
        if today > last_day:
            pytest.fail(
                f"{what} needs the simulated day on or before {last_day}; it is {today}: the "
                "journeys of 2013 run before those of 2019 (the files' names give the order)"
            )

    def _signer(self, key: str) -> RunningSigner:
        """The person's own signer, started at their first signature: it signs with the key
        file ``key`` (``group/name`` for a provisioned key) and nothing else."""
        if key not in self.signers:
            group, _, name = key.rpartition("/")
            folder = self.data_dir / "keys" / group if group else self.keys
            origins = [arg for s in self.urls.as_dict().values() for arg in ("--origin", s)]
            chosen = ("--choose", name, "--password-file", folder / "password")
            self.signers[key] = self._exits.enter_context(
                egov_signer("--keys", folder, *chosen, *origins)
            )
        return self.signers[key]

    def page(self, who: str | Person, language: str | None = None) -> Any:
        """The page (tab) of ``who``'s browser: a context of their own (cookies, language),
        whose pages sign through their own signer."""
        key = who.key if isinstance(who, Person) else who
        if key not in self.contexts:
            if isinstance(who, Person):
                language = language or who.language
            signer = self._signer(key)
            context = self.browser.new_context(
                locale={"kk": "kk-KZ", "ru": "ru-RU", "en": "en-US"}[language or "kk"],
                viewport=VIEWPORT,
                accept_downloads=True,
                # Chromium asks the person before a page reaches a local address (Local Network
                # Access), as for NCALayer: this person has allowed it.
                permissions=["local-network-access"],
            )
            context.set_default_timeout(WAIT_MS)
            # The page's signer: /static/egov.js signs through document.body.dataset.signer.
            context.add_init_script(
                "document.addEventListener('DOMContentLoaded', function () {"
                f" document.body.dataset.signer = {json.dumps(signer.url)}; }});"
            )
            self.contexts[key] = context
            context.new_page()
        return self.contexts[key].pages[0]

    def anonymous(self, language: str = "kk") -> Any:
        """A page of somebody who signs nothing (a fresh context each time)."""
        context = self.browser.new_context(
            locale={"kk": "kk-KZ", "ru": "ru-RU", "en": "en-US"}[language], viewport=VIEWPORT
        )
        context.set_default_timeout(WAIT_MS)
        self._exits.callback(context.close)
        return context.new_page()

    def signed(self, key: str) -> int:
        """How many signatures ``key``'s signer has made."""
        logged = self.signers[key].logged() if key in self.signers else ""
        return sum('"signer.signed"' in line for line in logged.splitlines())

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()
        self._exits.close()


def screenshot(page: Any, role: str, at: str | None = None) -> Path:
    """What ``role`` sees now (scrolled to ``at``, a selector, when given), saved as
    docs/screenshots/<role>.png (the README shows them)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if at is not None:
        page.locator(at).first.evaluate(
            "e => { e.scrollIntoView({block: 'start'}); window.scrollBy(0, -40); }"
        )
    path = SCREENSHOTS / f"{role}.png"
    page.screenshot(path=str(path))
    return path


def _vendored_client() -> None:
    script = VENDORED / "ncalayer-client.js"
    manifest = VENDORED / ".manifest.json"
    if not script.exists() or not manifest.exists():
        unavailable(f"{script} is missing: `make install` vendors it from the npm registry")
    recorded = json.loads(manifest.read_text(encoding="utf-8"))
    digest = hashlib.sha256(script.read_bytes()).hexdigest()
    assert digest == recorded["files"]["ncalayer-client.js"], "the vendored client was changed"


@pytest.fixture(scope="package")
def chromium() -> Iterator[Any]:
    """Debian's Chromium through Playwright (nothing downloaded)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed (pip install playwright)")
    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    _vendored_client()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            yield browser
        finally:
            browser.close()


def _posts() -> list[StaffPost]:
    return [StaffPost(p.workstation or "", p.iin, p.name, p.roles) for p in STAFF]


async def _issue(topo: TopologyClient, person: Person, keys: Path) -> None:
    """``person``'s signing key from the running НУЦ, saved in the keys folder."""
    body: dict[str, str] = {
        "kind": "individual" if person.bin is None else "legal_entity",
        "purpose": "signing",
        "iin": person.iin,
        "surname": person.surname,
        "given_name": person.given_name,
    }
    if person.bin is not None:
        body |= {"bin": person.bin, "organization": person.organization or "", "role": "employee"}
    issued = await topo.issue(body, password=KEY_PASSWORD)
    write_private(keys / f"{person.key}.p12", issued.pkcs12)


@pytest.fixture(scope="package")
def world(chromium: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """``egov run`` in 2013 with everybody's keys and the staff on their rosters; the people's
    browsers and signers as they are first needed."""
    base = tmp_path_factory.mktemp("browser")
    data_dir = base / "var"
    provider_log = load_settings(
        ProviderSettings, pg_dsn=None, amqp_url=None, data_dir=data_dir
    ).resolved_event_store_url()
    # The workstations' staff on their rosters before the workstations start.
    in_thread(lambda: appoint_provider_staff(provider_log, _posts()))
    with egov_run(data_dir, SPRING_2013, base / "egov-run.log") as urls:
        keys = base / "keys"
        write_private(keys / "password", KEY_PASSWORD.encode() + b"\n", private_directory=True)

        async def scene() -> None:
            async with TopologyClient(urls, operators=OperatorKeys.load(data_dir)) as topo:
                await asyncio.gather(*(_issue(topo, p, keys) for p in KEYED))
                # In ГБД ФЛ: whom the PSC desk and E-licensing look up.
                for person in (VISITOR, LICENSEE, RESTORER):
                    await topo.register_person(person.iin, person.surname, person.given_name)

        in_thread(scene, timeout_s=120)
        world = World(urls, data_dir, keys, chromium, base / "egov-run.log")
        try:
            yield world
        finally:
            world.close()


def reload_until(page: Any, locator: Any, timeout_ms: int = WAIT_MS) -> None:
    """Reload ``page`` until it shows ``locator``, as a person looks again at a page that does
    not update itself (each look waits up to a second for it)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        try:
            expect(locator).to_be_visible(timeout=1000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            page.reload()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """On a failure, what each person's browser shows (a screenshot and the address) beside
    egov run's log, named in the report."""
    report = yield
    world = item.funcargs.get("world") if hasattr(item, "funcargs") else None
    if report.failed and call.when == "call" and isinstance(world, World):
        lines = [f"egov run's log: {world.log}"]
        for key, context in world.contexts.items():
            for number, page in enumerate(context.pages):
                who = key.replace("/", "-")
                path = world.log.parent / f"failed-{item.name[:40]}-{who}-{number}.png"
                with contextlib.suppress(Exception):
                    page.screenshot(path=str(path), full_page=True)
                    lines.append(f"{key}: {page.url} -> {path}")
        report.sections.append(("browsers", "\n".join(lines)))
    return report


def press_to_sign(page: Any, selector: str) -> None:
    """Press the button that has the person's signer sign (``selector``), once the page's
    script, which asks the signer, is there: before its load event the button would post the
    form without a signature."""
    page.wait_for_load_state("load")
    page.locator(selector).click()


def sign_in_here(page: Any, button: str = "#sign-in button") -> None:
    """On a sign-in page: sign the service's challenge with the person's certificate, and be
    taken back to the page that asked."""
    press_to_sign(page, button)
    page.wait_for_url(lambda url: "/sign-in" not in url)
