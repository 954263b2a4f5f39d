# ruff: noqa: RUF001  -- the pages' Kazakh and Russian texts are Cyrillic on purpose
"""The gateway console (gateway_svc/pages) in-process: the operator signs in with a certificate,
reads the message log and a request's journey drawn as a sequence diagram, re-drives or stops
a parked message, reads and reloads the rules, and sees the traffic per route; the simulation
operator reads the log and traces with IINs masked and nothing else; anybody else is refused
as a page, in their language."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from gateway_svc.messagelog import DeliveryState, Query, Record
from gateway_svc.rules import DEFAULT_RULES
from gateway_svc.topology import DELIVER_EXCHANGE, INBOUND_EXCHANGE
from shared.bus.port import Binding, Delivery, Message, QueueSpec
from shared.pages.sessions import COOKIE
from shared.pki.cms import CmsSigner, cms_pem
from shared.signing import Signer
from tests.gateway import test_http
from tests.gateway.conftest import SystemCert, envelope
from tests.gateway.test_http import Served, request_from
from tests.pki.conftest import CaPair

served = test_http.served  # the in-process gateway (SQLite log, in-memory bus)

IIN = "880612450411"
CULTURE = "provider.almaty.culture"


class Browser:
    """A person's browser at the console: the session cookie of their certificate."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.http = client

    async def sign_in(self, signer: Signer) -> httpx.Response:
        given = (await self.http.post("/sign-in/challenge")).json()
        return await self.http.post(
            "/sign-in",
            json={
                "challenge": given["challenge"],
                "signature": signer.sign(given["text"].encode()),
            },
        )

    async def get(self, path: str, **params: str) -> httpx.Response:
        return await self.http.get(path, params=params)

    async def post(
        self, path: str, form: dict[str, str] | None = None, **kw: str
    ) -> httpx.Response:
        return await self.http.post(path, data=form or {}, headers=kw or None)


def _client(served: Served, lang: str = "en") -> httpx.AsyncClient:
    assert served.app is not None
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=served.app),
        base_url="http://gw",
        cookies={"egov_lang": lang},
    )


async def signed_in(served: Served, who: SystemCert, lang: str = "en") -> Browser:
    client = _client(served, lang)
    browser = Browser(client)
    answer = await browser.sign_in(who.signer)
    assert answer.status_code == 200, answer.text
    assert COOKIE in client.cookies
    return browser


@pytest.fixture
async def operator(served: Served, operators: dict[str, SystemCert]) -> AsyncIterator[Browser]:
    browser = await signed_in(served, operators["gateway"])
    yield browser
    await browser.http.aclose()


@pytest.fixture
async def simulation(served: Served, operators: dict[str, SystemCert]) -> AsyncIterator[Browser]:
    browser = await signed_in(served, operators["simulation"])
    yield browser
    await browser.http.aclose()


async def _sync_call(served: Served, systems: dict[str, SystemCert]) -> str:
    request = request_from(systems)
    response = await served.client.post(
        "/sync/registry.person", content=request.model_dump_json().encode()
    )
    assert response.status_code == 200, response.text
    return request.correlation_id


async def _through_the_regional_gateway(served: Served, systems: dict[str, SystemCert]) -> str:
    """A portal request to the Almaty culture workstation, through ЭҮШ and ЭҮАШ almaty."""
    assert served.bus is not None
    env = envelope("portal", CULTURE, body={"applicant_iin": IIN}).signed(systems["portal"].signer)
    await served.bus.publish(
        Message(INBOUND_EXCHANGE, "portal", env.model_dump_json().encode(), str(env.message_id))
    )

    async def delivered() -> bool:
        found = await served.gateway.log.deliveries(str(env.message_id))
        return any(d.state is DeliveryState.DELIVERED for d in found)

    async with asyncio.timeout(10):
        while not await delivered():  # noqa: ASYNC110 - the in-memory bus signals nothing
            await asyncio.sleep(0.02)
    return env.correlation_id


# --- who may open the console ------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/console/messages",
        "/console/trace",
        "/console/parked",
        "/console/rules",
        "/console/traffic",
    ],
)
async def test_a_page_without_a_session_goes_to_sign_in(served: Served, path: str) -> None:
    async with _client(served) as anonymous:
        answer = await anonymous.get(path)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/sign-in?next={path}"


async def test_the_operator_signs_in_with_the_cms_a_browsers_signer_makes(
    served: Served, operators: dict[str, SystemCert], gw_ca: CaPair
) -> None:
    """NCALayer (or egov signer) answers the page a CMS SignedData, not a JWS."""
    who = operators["gateway"]
    signer = CmsSigner(who.key, who.certificate, [gw_ca.issuing.certificate])
    async with _client(served) as browser:
        given = (await browser.post("/sign-in/challenge")).json()
        signature = cms_pem(signer.sign(given["text"].encode()))
        answer = await browser.post(
            "/sign-in", json={"challenge": given["challenge"], "signature": signature}
        )
        assert answer.status_code == 200, answer.text
        assert "gateway_operator" in answer.json()["kinds"]
        assert (await browser.get("/console/messages")).status_code == 200
        given = (await browser.post("/sign-in/challenge")).json()
        other = cms_pem(signer.sign(b"some other text"))
        wrong = await browser.post(
            "/sign-in", json={"challenge": given["challenge"], "signature": other}
        )
        assert wrong.status_code == 401


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_a_citizen_is_refused_as_a_page_in_their_language(
    served: Served, operators: dict[str, SystemCert], lang: str
) -> None:
    citizen = await signed_in(served, operators["citizen"], lang)
    words = {
        "kk": "Бұл бет сіздің рөліңізге арналмаған.",
        "ru": "Эта страница не для вашей роли.",
        "en": "This page is not for your role.",
    }
    for path in ("/console/messages", "/console/parked", "/console/rules"):
        answer = await citizen.get(path)
        assert answer.status_code == 403
        assert answer.headers["content-type"].startswith("text/html")
        assert 'data-code="ROLE_REQUIRED"' in answer.text
        assert words[lang] in answer.text
    await citizen.http.aclose()


async def test_a_system_certificate_opens_no_console_page(
    served: Served, systems: dict[str, SystemCert]
) -> None:
    portal = await signed_in(served, systems["portal"])
    answer = await portal.get("/console/messages")
    assert (answer.status_code, 'data-code="ROLE_REQUIRED"' in answer.text) == (403, True)
    await portal.http.aclose()


async def test_the_simulation_operator_reads_the_log_and_traces_but_operates_nothing(
    served: Served, simulation: Browser, systems: dict[str, SystemCert]
) -> None:
    correlation_id = await _sync_call(served, systems)
    assert (await simulation.get("/console/messages")).status_code == 200
    assert (await simulation.get(f"/console/trace/{correlation_id}")).status_code == 200
    for path in ("/console/parked", "/console/rules", "/console/traffic"):
        answer = await simulation.get(path)
        assert answer.status_code == 403, path
    reload = await simulation.post("/console/rules/reload")
    assert reload.status_code == 403


# --- the message list ------------------------------------------------------------------------


async def test_the_message_list_shows_the_log_newest_first_with_filters(
    served: Served, operator: Browser, systems: dict[str, SystemCert]
) -> None:
    first = await _sync_call(served, systems)
    second = await _sync_call(served, systems)
    page = await operator.get("/console/messages")
    assert page.status_code == 200
    positions = [int(p) for p in re.findall(r'data-position="(\d+)"', page.text)]
    assert len(positions) == 4
    assert positions == sorted(positions, reverse=True)
    assert page.text.index(second) < page.text.index(first)
    assert "Sync request" in page.text
    assert "elicense → registry" in page.text
    only = await operator.get("/console/messages", correlation_id=first)
    assert first in only.text
    assert second not in only.text
    assert len(re.findall(r"data-position=", only.text)) == 2
    none = await operator.get("/console/messages", sender="portal")
    assert "No entry matches these filters." in none.text
    later = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    assert "data-position" not in (await operator.get("/console/messages", since=later)).text


async def test_the_message_list_is_paginated_by_position(
    served: Served, operator: Browser, systems: dict[str, SystemCert]
) -> None:
    for _ in range(27):  # 54 records: a page of 50 and 4 older
        await _sync_call(served, systems)
    page = await operator.get("/console/messages")
    shown = re.findall(r'data-position="(\d+)"', page.text)
    assert len(shown) == 50
    older = re.search(r'id="page-older" href="([^"]+)"', page.text)
    assert older is not None
    rest = await operator.http.get(older.group(1).replace("&amp;", "&"))
    more = re.findall(r'data-position="(\d+)"', rest.text)
    assert len(more) == 4
    assert max(int(p) for p in more) < min(int(p) for p in shown)
    assert 'id="page-older"' not in rest.text
    assert 'id="page-newest"' in rest.text


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("kk", "Күн мен уақытты ЖЖЖЖ-АА-КК СС:ММ түрінде енгізіңіз."),
        ("ru", "Введите дату и время в виде ГГГГ-ММ-ДД ЧЧ:ММ."),
        ("en", "Enter a date and time as YYYY-MM-DD HH:MM."),
    ],
)
async def test_a_bad_filter_is_named_in_the_readers_language(
    served: Served, operators: dict[str, SystemCert], lang: str, message: str
) -> None:
    browser = await signed_in(served, operators["gateway"], lang)
    answer = await browser.get("/console/messages", since="yesterday", sender="Not A System")
    assert answer.status_code == 422
    assert message in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert "Traceback" not in answer.text
    await browser.http.aclose()


async def test_the_simulation_operator_sees_identifiers_masked(
    served: Served,
    operator: Browser,
    simulation: Browser,
    systems: dict[str, SystemCert],
) -> None:
    # A message claiming a sender that is no system id: refused, and its record keeps what it
    # claimed (an IIN among it) and why.
    assert served.bus is not None
    forged = envelope("portal", CULTURE).model_dump(mode="json")
    forged["sender"] = f"IIN{IIN}"
    raw = httpx.Request("POST", "/", json=forged).content
    await served.bus.publish(Message(INBOUND_EXCHANGE, "portal", raw, uuid.uuid4().hex))
    async with asyncio.timeout(10):
        while not await served.gateway.log.query(Query(limit=1)):  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    full = await operator.get("/console/messages")
    assert IIN in full.text
    shown = await simulation.get("/console/messages")
    assert shown.status_code == 200
    assert IIN not in shown.text
    assert "88******0411" in shown.text
    assert "IINs and BINs are shown to you masked" in shown.text
    assert "Refused" in shown.text


# --- the trace -------------------------------------------------------------------------------


async def test_the_trace_is_a_sequence_diagram_with_each_hop(
    served: Served, operator: Browser, simulation: Browser, systems: dict[str, SystemCert]
) -> None:
    correlation_id = await _through_the_regional_gateway(served, systems)
    page = await operator.get(f"/console/trace/{correlation_id}")
    assert page.status_code == 200
    svg = page.text[page.text.index("<svg") : page.text.index("</svg>")]
    lanes = re.findall(r'data-lane="([^"]+)"', svg)
    assert lanes == ["portal", "@central", "@regional.almaty", CULTURE]
    hops = re.findall(
        r'data-record="([^"]+)" data-from="([^"]+)" data-to="([^"]+)" data-state="([^"]+)"', svg
    )
    assert hops == [
        (Record.ACCEPTED, "portal", "@central", "accepted"),
        (Record.DELIVERY, "@central", CULTURE, "ON_DELIVERY"),
        (Record.RELAYED, "@central", "@regional.almaty", "relayed"),
        (Record.DELIVERY, "@regional.almaty", CULTURE, "DELIVERED"),
    ]
    for text in ("Gateway", "Regional gateway Almaty", "request.submitted.v1", "delivered"):
        assert text in svg
    # The signer by subject and serial, never the certificate chain of the signature.
    serial = format(systems["portal"].certificate.serial_number, "x")
    assert f"portal / {serial}" in page.text
    assert "x5c" not in page.text
    assert "signature" not in page.text.lower().replace("signatures", "")
    assert IIN not in page.text  # no body is shown to anyone
    masked = await simulation.get(f"/console/trace/{correlation_id}")
    assert masked.status_code == 200
    assert len(re.findall(r'data-test="hop"', masked.text)) == 4
    assert "IINs and BINs are shown to you masked" in masked.text


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("kk", ("Реттілік диаграммасы", "ЭҮШ", "<td>ЭҮАШ Алматы</td>", "жеткізілді")),
        ("ru", ("Диаграмма последовательности", "ШЭП", "<td>РШЭП Алматы</td>", "доставлено")),
        ("en", ("Sequence diagram", "Gateway", "<td>Regional gateway Almaty</td>", "delivered")),
    ],
)
async def test_the_trace_speaks_each_language(
    served: Served,
    operators: dict[str, SystemCert],
    systems: dict[str, SystemCert],
    lang: str,
    words: tuple[str, ...],
) -> None:
    correlation_id = await _through_the_regional_gateway(served, systems)
    browser = await signed_in(served, operators["gateway"], lang)
    page = await browser.get(f"/console/trace/{correlation_id}")
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.text
    for word in words:
        assert word in page.text
    await browser.http.aclose()


async def test_a_sync_call_is_drawn_caller_gateway_provider_and_back(
    served: Served, operator: Browser, systems: dict[str, SystemCert]
) -> None:
    correlation_id = await _sync_call(served, systems)
    page = await operator.get(f"/console/trace/{correlation_id}")
    hops = re.findall(r'data-from="([^"]+)" data-to="([^"]+)" data-state="([^"]+)"', page.text)
    assert hops == [
        ("elicense", "@central", "requested"),
        ("@central", "registry", "forwarded"),
        ("registry", "@central", "200"),
        ("@central", "elicense", "200"),
    ]


async def test_the_trace_form_goes_to_the_journey_and_an_unknown_one_is_named(
    served: Served, operator: Browser, systems: dict[str, SystemCert]
) -> None:
    correlation_id = await _sync_call(served, systems)
    found = await operator.get("/console/trace", correlation_id=correlation_id)
    assert found.status_code == 303
    assert found.headers["location"] == f"/console/trace/{correlation_id}"
    missing = await operator.get("/console/trace/nothing-here")
    assert missing.status_code == 404
    assert "The log holds no message with this correlation id." in missing.text
    bad = await operator.get("/console/trace", correlation_id="no spaces allowed")
    assert bad.status_code == 422


# --- parked messages -------------------------------------------------------------------------


async def _parked(served: Served, systems: dict[str, SystemCert], recipient: str) -> str:
    """A message the gateway could not deliver: its recipient has no queue yet."""
    env = envelope("portal", recipient).signed(systems["portal"].signer)
    state = await served.gateway.deliver(env.model_dump_json().encode(), env, recipient)
    assert state is DeliveryState.NOT_DELIVERED
    return str(env.message_id)


async def test_a_redrive_through_the_page_redelivers_the_parked_message(
    served: Served, operator: Browser, systems: dict[str, SystemCert]
) -> None:
    recipient = "provider.almaty.newdesk"
    message_id = await _parked(served, systems, recipient)
    page = await operator.get("/console/parked")
    assert page.status_code == 200
    assert f'data-message-id="{message_id}"' in page.text
    assert f"no queue for {recipient}" in page.text
    # The recipient's queue exists now: the re-drive delivers.
    assert served.bus is not None
    received: list[Message] = []

    async def collect(delivery: Delivery) -> None:
        received.append(delivery.message)

    await served.bus.declare_queue(
        QueueSpec("to.newdesk", bindings=[Binding(DELIVER_EXCHANGE, recipient)])
    )
    await served.bus.consume("to.newdesk", collect)
    answer = await operator.post(f"/console/parked/{message_id}/{recipient}/redrive")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/parked?done=redriven")
    shown = await operator.http.get(answer.headers["location"])
    assert f"Message {message_id} was re-driven to {recipient}: DELIVERED." in shown.text
    assert f'data-message-id="{message_id}"' not in shown.text
    async with asyncio.timeout(5):
        while not received:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    assert received[0].message_id == message_id
    states = {d.recipient: d.state for d in await served.gateway.log.deliveries(message_id)}
    assert states[recipient] is DeliveryState.DELIVERED
    again = await operator.post(f"/console/parked/{message_id}/{recipient}/redrive")
    assert again.status_code == 404
    assert "No such message is parked" in again.text


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("kk", "Себебін 3-тен 500 таңбаға дейін жазыңыз."),
        ("ru", "Укажите причину: от 3 до 500 символов."),
        ("en", "Give a reason of 3 to 500 characters."),
    ],
)
async def test_stopping_needs_a_reason_and_an_invalid_form_stores_nothing(
    served: Served,
    operators: dict[str, SystemCert],
    systems: dict[str, SystemCert],
    lang: str,
    message: str,
) -> None:
    recipient = "provider.almaty.closed"
    message_id = await _parked(served, systems, recipient)
    browser = await signed_in(served, operators["gateway"], lang)
    path = f"/console/parked/{message_id}/{recipient}/stop"
    refused = await browser.post(path, {"reason": " x "})
    assert refused.status_code == 422
    assert message in refused.text
    assert "Traceback" not in refused.text
    records = await served.gateway.log.query_message(message_id)
    assert [e.data.get("state") for e in records] == ["NOT_DELIVERED"]
    stopped = await browser.post(path, {"reason": "the department was closed"})
    assert stopped.status_code == 303
    states = {d.recipient: d for d in await served.gateway.log.deliveries(message_id)}
    assert states[recipient].state is DeliveryState.DELIVERY_STOPPED
    assert states[recipient].reason == "the department was closed"
    await browser.http.aclose()


async def test_a_post_from_another_site_is_refused(
    served: Served, operator: Browser, systems: dict[str, SystemCert]
) -> None:
    recipient = "provider.almaty.elsewhere"
    message_id = await _parked(served, systems, recipient)
    answer = await operator.post(
        f"/console/parked/{message_id}/{recipient}/stop",
        {"reason": "a forged form"},
        origin="https://attacker.example",
    )
    assert answer.status_code == 403
    assert 'data-code="foreign_origin"' in answer.text
    [parked] = [d for d in await served.gateway.log.parked() if d.message_id == message_id]
    assert parked.state is DeliveryState.NOT_DELIVERED
    same = await operator.post(
        f"/console/parked/{message_id}/{recipient}/stop", {"reason": "gone"}, origin="http://gw"
    )
    assert same.status_code == 303


# --- rules and traffic -----------------------------------------------------------------------


async def test_the_rules_in_force_and_a_reload(served: Served, operator: Browser) -> None:
    page = await operator.get("/console/rules")
    assert page.status_code == 200
    version = served.gateway.rules.current.version
    assert f'data-version="{version}"' in page.text
    for text in ("provider.almaty.culture", "registry.person", "REQUEST", "NOTIFICATION"):
        assert text in page.text
    path = served.gateway.rules.path
    original = path.read_text("utf-8")
    path.write_text(original.replace(f"version: {version}", f"version: {version + 1}", 1))
    reloaded = await operator.post("/console/rules/reload")
    assert reloaded.status_code == 303
    assert reloaded.headers["location"] == f"/console/rules?reloaded={version + 1}"
    shown = await operator.http.get(reloaded.headers["location"])
    assert f"The rules were reloaded: version {version + 1} is in force." in shown.text
    path.write_text("version: not a number\n")
    broken = await operator.post("/console/rules/reload")
    assert broken.status_code == 422
    assert "The rules file does not validate; the previous rules stay in force." in broken.text
    assert served.gateway.rules.current.version == version + 1
    path.write_text(original)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "kk",
            (
                "Алматы қаласы Мәдениет және архивтер басқармасы",
                "Ақмола облысы (<code>akmola</code>)",
                "шығарушысы қол қойған құжат (<code>application/ocsp-response</code>)",
                "тізілім жазбасы (JSON)",
            ),
        ),
        (
            "ru",
            (
                "Управление культуры и архивов города Алматы",
                "Акмолинская область (<code>akmola</code>)",
                "документ, подписанный выпустившим его (<code>application/ocsp-response</code>)",
                "запись регистра (JSON)",
            ),
        ),
        (
            "en",
            (
                "Almaty Department of Culture and Archives",
                "Akmola Region (<code>akmola</code>)",
                "document signed by its issuer (<code>application/ocsp-response</code>)",
                "registry record (JSON)",
            ),
        ),
    ],
)
async def test_the_rules_describe_systems_regions_and_answers_in_the_readers_language(
    served: Served, operators: dict[str, SystemCert], lang: str, words: tuple[str, ...]
) -> None:
    path = served.gateway.rules.path
    original = path.read_text("utf-8")
    # The served rules' own sync services, and the shipped revocation services (binary answers).
    shipped = DEFAULT_RULES.read_text("utf-8")
    path.write_text(original + "  pki.ocsp:" + shipped.split("  pki.ocsp:")[1], "utf-8")
    await served.gateway.rules.reload()
    browser = await signed_in(served, operators["gateway"], lang)
    page = await browser.get("/console/rules")
    assert page.status_code == 200
    for word in words:
        assert word in page.text
    assert ">binary<" not in page.text
    assert 'data-answer="binary"' in page.text
    await browser.http.aclose()
    path.write_text(original, "utf-8")


async def test_the_traffic_chart_counts_each_route(
    served: Served, operator: Browser, systems: dict[str, SystemCert]
) -> None:
    for _ in range(3):
        await _sync_call(served, systems)
    await _through_the_regional_gateway(served, systems)
    page = await operator.get("/console/traffic", window="1h")
    assert page.status_code == 200
    bars = re.findall(r'data-route="([^"]+)" data-count="(\d+)"', page.text)
    counts: dict[str, int] = {}
    for route, n in bars:
        counts[route] = counts.get(route, 0) + int(n)
    assert counts == {
        "elicense→registry/registry.person": 3,
        f"portal→{CULTURE}/request.submitted.v1": 1,
    }
    assert 'id="traffic-chart"' in page.text
    wrong = await operator.get("/console/traffic", window="forever")
    assert wrong.status_code == 422
    assert "Choose a period from the list." in wrong.text
