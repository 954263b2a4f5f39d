"""shared.authz.ROUTES walked against the running topology (``egov run``: five services on
their own ports): every route each service serves has a row, every row names a route that is
served, and every kind of caller (shared.authz.PROFILES: anonymous, two citizens, the head of a
legal entity, the staff of this workstation and of another, a PSC operator, E-licensing's
staff, the RA operator, the gateway and simulation operators, each information system) gets
from every route what the table says: admitted, or the named refusal (status and code).

Each call sends what that caller has: a fresh signed call (X-Egov-Signature, -Timestamp,
-Nonce) with their certificate, and the portal session of an applicant. Bodies are left empty,
so an admitted call changes nothing (it is answered 404 or 422 for what it names or sends),
and a refused one proves the refusal comes before the body is read. The resources a scope is
about are real: the citizen's own draft at the portal, the citizen's own certificate at the
НУЦ, the workstation whose roster the staff are on."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from egov.client.client import TopologyClient
from egov.client.keys import IssuedKey, OperatorKeys
from egov.client.topology import TopologyUrls
from portal_svc.pages.common import SESSION_COOKIE as PORTAL_PAGE_COOKIE
from portal_svc.psc import CENTERS
from portal_svc.sdk import PortalClient
from provider_svc.domain.workstations import workstation
from shared import authz
from shared.ids import Gender, make_bin, make_iin
from shared.pages.sessions import COOKIE as PAGE_COOKIE
from shared.pki.http_signing import SENDER_HEADER, sign_request
from shared.pki.setup import signer_from_key_file
from shared.signing import Signer
from tests.embedded import AKIMAT_BIN, APPLICANT, CLERK, CULTURE, Stack, prepare, running

pytestmark = pytest.mark.slow
# The world (a running topology and its people) is shared by the module's tests.
shared_world = pytest.mark.asyncio(loop_scope="module")

SERVICES = ("portal", "gateway", "elicense", "registry", "provider")
OTHER_WORKSTATION = "provider.astana.archives"
NEIGHBOUR = make_iin(date(1990, 1, 2), Gender.MALE, 51)
HEAD = make_iin(date(1975, 5, 5), Gender.MALE, 52)
ARCHIVIST = make_iin(date(1985, 7, 7), Gender.FEMALE, 53)
OPERATOR = make_iin(date(1992, 9, 9), Gender.FEMALE, 54)
HEAD_BIN = make_bin(date(2015, 4, 1), serial=777)
ARCHIVE_BIN = workstation(OTHER_WORKSTATION).bin
PASSWORD = "Qazaqstan2019"


@dataclass
class Who:
    """What one kind of caller holds: a certificate to sign with, a portal session."""

    profile: authz.Profile
    signer: Signer | None = None
    token: str | None = None


@dataclass
class World:
    stack: Stack
    callers: list[Who]
    params: dict[str, str]


def _key(data_dir: Path, group: str, name: str) -> Signer:
    folder = data_dir / "keys" / group
    return signer_from_key_file(folder / f"{name}.p12", (folder / "password").read_text().strip())


async def _session(portal: httpx.AsyncClient, key: IssuedKey, bin_: str | None = None) -> str:
    client = PortalClient(portal)
    await client.register(key.signer, PASSWORD, bin_=bin_)
    await client.login(str(key.iin), PASSWORD, bin_=bin_)
    return client._headers["Authorization"].removeprefix("Bearer ")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[World]:
    monkeypatch = pytest.MonkeyPatch()
    stack = prepare(tmp_path_factory.mktemp("authz") / "var", monkeypatch)
    for desk, iin, name, role in (
        (CULTURE, CLERK, "Omarov Erlan", "office_clerk"),
        (OTHER_WORKSTATION, ARCHIVIST, "Bekova Dana", "provider_employee"),
    ):
        await stack.egov("provider", "staff", "appoint", desk, iin, name, "--role", role)
    try:
        async with running(stack):
            yield await _people(stack)
    finally:
        monkeypatch.undo()


async def _people(stack: Stack) -> World:
    data = stack.data_dir
    operators = OperatorKeys.load(data)
    urls = TopologyUrls.from_mapping(stack.urls)
    async with TopologyClient(urls, operators=operators) as client:
        citizen = await client.issue_person(APPLICANT, "Seitkalieva", "Aigerim")
        own_certificate = await client.issue_person(APPLICANT, "Seitkalieva", "Aigerim")
        neighbour = await client.issue_person(NEIGHBOUR, "Nurlanov", "Arman")
        await client.register_person(HEAD, "Tulegenov", "Marat")
        await client.register_entity(HEAD_BIN, "Dala LLP", HEAD, registration_date=date(2015, 4, 1))
        head = await client.issue_entity_signer(
            HEAD_BIN, HEAD, "Tulegenov", "Marat", organization="Dala LLP", role="first_head"
        )
        clerk = await client.issue_entity_signer(
            AKIMAT_BIN, CLERK, "Omarov", "Erlan", organization="Almaty Department of Culture"
        )
        archivist = await client.issue_entity_signer(
            ARCHIVE_BIN, ARCHIVIST, "Bekova", "Dana", organization="Astana Archives"
        )
        almaty = next(c for c in CENTERS if c.desk == "psc.almaty")
        operator = await client.issue_entity_signer(
            almaty.bin, OPERATOR, "Sadykova", "Aliya", organization=almaty.name
        )
    async with httpx.AsyncClient(base_url=stack.urls["portal"], timeout=30) as portal:
        citizen_token = await _session(portal, citizen)
        draft = await portal.post(
            "/requests",
            json={"service": "cultural_values_export"},
            headers={"Authorization": f"Bearer {citizen_token}"},
        )
        assert draft.status_code == 201, draft.text
        held: dict[str, tuple[Signer | None, str | None]] = {
            "anonymous": (None, None),
            "citizen": (citizen.signer, citizen_token),
            "another citizen": (neighbour.signer, await _session(portal, neighbour)),
            "head of a legal entity": (head.signer, await _session(portal, head, HEAD_BIN)),
            "staff of this workstation": (clerk.signer, None),
            "staff of another workstation": (archivist.signer, None),
            "PSC operator": (operator.signer, None),
            "E-licensing staff": (
                _key(data, "elicense-staff", f"{CULTURE}.office_clerk"),
                None,
            ),
            "RA operator (registrar)": (operators.ra, None),
            "gateway operator": (operators.gateway, None),
            "simulation operator": (operators.simulation, None),
            "system portal": (_key(data, "portal", "portal"), None),
            "system gateway": (_key(data, "gateway", "gateway"), None),
            "system elicense": (_key(data, "elicense", "elicense"), None),
            "system registry": (_key(data, "registry", "registry"), None),
            f"system {CULTURE}": (_key(data, "provider", CULTURE), None),
        }
    callers = [Who(p, *held[p.name]) for p in authz.PROFILES]
    params = {
        "request_id": str(draft.json()["request_id"]),
        "serial": own_certificate.serial,
        "iin": APPLICANT,
        "bin": HEAD_BIN,
        "workstation": CULTURE,
        "service_id": "registry.person",
        "code": "standard_p9_documents",
        "command": "suspend",
    }
    return World(stack, callers, params)


async def _served(http: httpx.AsyncClient, base: str) -> set[tuple[str, str]]:
    document = (await http.get(f"{base}/openapi.json")).json()
    return {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}


class _Fill(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "X1"  # a name nothing is called: an admitted caller gets its 404 or 422


async def _call(
    http: httpx.AsyncClient,
    base: str,
    method: str,
    target: str,
    who: Who,
    *,
    sync: bool,
    page: str | None = None,
) -> tuple[int, str | None]:
    """One call as ``who``: signed (and, for the portal, with the applicant's session), or
    with ``page``, the cookie of the page session ``who`` opened at that service."""
    body = json.dumps({"iin": APPLICANT}).encode() if sync else b""
    headers = {"Content-Type": "application/json"} if sync else {}
    if who.signer is not None and page is None:
        headers |= sign_request(who.signer, method, target, body)
        if sync:
            headers[SENDER_HEADER] = who.profile.system_id or who.signer.identity.subject
    cookies = []
    if who.token is not None:
        headers["Authorization"] = f"Bearer {who.token}"
        # The portal's applicant pages read the same session token from their cookie.
        cookies.append(f"{PORTAL_PAGE_COOKIE}={who.token}")
    if page is not None:
        cookies.append(f"{PAGE_COOKIE}={page}")
    if cookies:
        headers["Cookie"] = "; ".join(cookies)
    # Streamed, so the cabinet's event stream answers its status without being read to the end.
    async with http.stream(method, base + target, headers=headers, content=body) as response:
        if response.status_code in (302, 303, 307):
            where = response.headers.get("location", "")
            return response.status_code, "sign_in" if "sign-in" in where else where
        if response.status_code < 400:
            return response.status_code, None
        await response.aread()
    try:
        found = response.json()
    except ValueError:
        # A page's refusal names its code in the page (data-code).
        code = re.search(r'data-code="([^"]*)"', response.text)
        return response.status_code, code.group(1) if code else None
    return response.status_code, found.get("code") if isinstance(found, dict) else None


# Where each service's people sign in with a certificate: the portal's /sign-in is the
# applicants' (password or EDS), its PSC operators sign in under /psc.
SIGN_IN = {"portal": "/psc/sign-in"}


async def _page_session(
    http: httpx.AsyncClient, base: str, who: Who, sign_in: str = "/sign-in"
) -> str | None:
    """``who``'s page session at the service at ``base`` (signing in with a JWS over the
    challenge, as an API client may), or None when they hold no certificate or the service
    refuses them (their calls then go without a session, as a browser's would)."""
    if who.signer is None:
        return None
    given = (await http.post(f"{base}{sign_in}/challenge")).json()
    signature = who.signer.sign(given["text"].encode())
    answer = await http.post(
        f"{base}{sign_in}", json={"challenge": given["challenge"], "signature": signature}
    )
    # Each call names its caller's cookies itself: none stays in the client for the next one.
    http.cookies.clear()
    return answer.cookies.get(PAGE_COOKIE) if answer.status_code == 200 else None


def _order(route: tuple[str, str]) -> tuple[bool, str, str]:
    method, path = route
    return (path in ("/auth/logout", "/sign-out"), path, method)  # the sessions end last


@shared_world
async def test_every_route_answers_every_caller_as_the_table_says(world: World) -> None:
    wrong: list[str] = []
    walked = 0
    sessions: dict[tuple[str, str], str | None] = {}
    async with httpx.AsyncClient(timeout=30) as http:
        for service in SERVICES:
            base = world.stack.urls[service]
            served = await _served(http, base)
            unlisted = sorted(f"{m} {p}" for m, p in served if not _in_table(service, m, p))
            assert not unlisted, f"{service} serves routes shared.authz.ROUTES lacks: {unlisted}"
            for method, path in sorted(served, key=_order):
                entry = authz.allowed(service, method, path)
                # A desk acts on its own desk's requests: the citizen's draft is not one.
                params = {} if path.startswith("/psc/") else world.params
                target = path.format_map(_Fill(params))
                for who in world.callers:
                    page = None
                    if entry.auth is authz.Auth.PAGE:
                        key = (service, who.profile.name)
                        if key not in sessions:
                            sessions[key] = await _page_session(
                                http, base, who, SIGN_IN.get(service, "/sign-in")
                            )
                        page = sessions[key]
                    status, code = await _call(
                        http,
                        base,
                        method,
                        target,
                        who,
                        sync=entry.auth is authz.Auth.SYNC,
                        page=page,
                    )
                    walked += 1
                    want = authz.expected(service, method, path, who.profile)
                    if want is None:
                        ok = status not in (401, 403)
                    else:
                        ok = status == want.status and code in want.codes
                    if not ok:
                        wanted = "admitted" if want is None else str(want)
                        wrong.append(
                            f"{service} {method} {path} as {who.profile.name}: "
                            f"{status} {code}, the table says {wanted}"
                        )
    assert not wrong, f"{len(wrong)} of {walked} calls:\n" + "\n".join(wrong)


def _in_table(service: str, method: str, path: str) -> bool:
    try:
        authz.allowed(service, method, path)
    except KeyError:
        return False
    return True


@shared_world
async def test_every_row_of_the_table_is_a_route_some_service_serves(world: World) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        served = {s: await _served(http, world.stack.urls[s]) for s in SERVICES}
    stale = [
        f"{service} {method} {path}"
        for (service, method, path) in authz.ROUTES
        if not any(
            (method, path) in served[s] for s in (SERVICES if service == "*" else (service,))
        )
    ]
    assert not stale, f"rows naming no served route: {stale}"


def test_docs_show_the_table_as_the_code_has_it() -> None:
    page = (Path(__file__).parents[2] / "docs" / "security.md").read_text(encoding="utf-8")
    assert authz.markdown_table(SERVICES) in page


@shared_world
async def test_each_services_openapi_says_how_every_route_is_called(world: World) -> None:
    """The security scheme and who may call, per operation, as /docs shows them: from the
    same table (a signed route lists the three signed-call headers, a session route the
    portal's bearer token, a public one none)."""
    async with httpx.AsyncClient(timeout=30) as http:
        for service in SERVICES:
            document = (await http.get(f"{world.stack.urls[service]}/openapi.json")).json()
            schemes = document["components"]["securitySchemes"]
            assert schemes["egovSignature"]["name"] == "X-Egov-Signature"
            for path, operations in document["paths"].items():
                for method, operation in operations.items():
                    entry = authz.allowed(service, method.upper(), path)
                    shown = operation["x-egov-authorization"]
                    assert shown["auth"] == entry.auth.value, (service, method, path)
                    names = {name for option in operation["security"] for name in option}
                    if entry.auth is authz.Auth.PUBLIC:
                        assert names == set(), (service, method, path)
                    elif entry.auth is authz.Auth.SESSION:
                        assert names == {"portalSession"}, (service, method, path)
                    elif entry.auth is authz.Auth.PAGE:
                        assert names == {"pageSession"}, (service, method, path)
                    else:
                        assert {"egovSignature", "egovNonce"} <= names, (service, method, path)
