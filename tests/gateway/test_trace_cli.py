"""``egov gateway trace``: the gateway's ``/trace`` answer as a table (hop, from, to, type,
state, time), one row per message-log record, with the reason of a refusal under its row;
``--json`` prints the answer as it is. The records come from the in-process gateway of
tests/gateway/test_http.py: a portal request through the central and the Almaty regional
gateway, its replay refused, and a sync call to the registry."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from typing import Any

import pytest
from typer.testing import CliRunner

from egov.cli import build_cli
from egov.commands import gateway as gateway_commands
from gateway_svc.messagelog import Query
from gateway_svc.topology import INBOUND_EXCHANGE
from shared.bus.port import Message
from tests.gateway import test_http
from tests.gateway.conftest import SystemCert, envelope
from tests.gateway.test_http import Served, request_from

served = test_http.served  # the in-process gateway, as test_http serves it

CULTURE = "provider.almaty.culture"
TIME = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}"


async def _journey(served: Served, systems: dict[str, SystemCert]) -> str:
    """A portal request to the Almaty culture workstation, delivered through ЭҮШ and ЭҮАШ
    almaty, then the same message again (refused as a replay, under the same request)."""
    assert served.bus is not None
    env = envelope("portal", CULTURE).signed(systems["portal"].signer)
    raw = env.model_dump_json().encode()

    async def logged(record: str, count: int) -> None:
        async def enough() -> bool:
            found = await served.gateway.log.query(Query(correlation_id=env.correlation_id))
            return [r.record for r in found].count(record) >= count

        async with asyncio.timeout(10):
            while not await enough():  # noqa: ASYNC110 - the in-memory bus signals nothing
                await asyncio.sleep(0.02)

    await served.bus.publish(Message(INBOUND_EXCHANGE, "portal", raw, uuid.uuid4().hex))
    await logged("DeliveryStateChanged.v1", 2)
    await served.bus.publish(Message(INBOUND_EXCHANGE, "portal", raw, uuid.uuid4().hex))
    await logged("MessageRejected.v1", 1)
    return env.correlation_id


async def _trace(served: Served, correlation_id: str) -> list[dict[str, Any]]:
    response = await served.client.get(f"/trace/{correlation_id}")
    assert response.status_code == 200, response.text
    answer: list[dict[str, Any]] = response.json()
    return answer


def _run_trace(monkeypatch: pytest.MonkeyPatch, answer: object, *args: str) -> tuple[int, str]:
    """``egov gateway trace`` with the gateway's answer given (the signed HTTP call itself is
    the other commands', tested against a running gateway in tests/test_embedded_e2e.py)."""
    calls: list[tuple[str, str]] = []

    def call(method: str, url: str, path: str, data_dir: object) -> object:
        calls.append((method, path))
        return answer

    monkeypatch.setattr(gateway_commands, "_call", call)
    result = CliRunner().invoke(build_cli(), ["gateway", "trace", "c-1", *args])
    assert calls == [("GET", "/trace/c-1")]
    return result.exit_code, result.output


def _cells(line: str) -> list[str]:
    return re.split(r"\s{2,}", line.strip())


async def test_a_journey_through_the_regional_gateway_is_one_row_per_record(
    served: Served, systems: dict[str, SystemCert], monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = await _trace(served, await _journey(served, systems))
    code, output = _run_trace(monkeypatch, answer)
    assert code == 0, output
    lines = output.splitlines()
    assert _cells(lines[0]) == ["hop", "from", "to", "type", "state", "time (UTC)"]
    rows = [_cells(line) for line in lines[1:] if re.search(TIME, line)]
    assert [row[:5] for row in rows] == [
        ["central", "portal", CULTURE, "request.submitted.v1", "accepted"],
        ["central", "portal", CULTURE, "request.submitted.v1", "ON_DELIVERY"],
        ["regional.almaty", "portal", CULTURE, "request.submitted.v1", "relayed"],
        ["regional.almaty", "portal", CULTURE, "request.submitted.v1", "DELIVERED"],
        ["central", "portal", CULTURE, "request.submitted.v1", "REPLAYED_MESSAGE"],
    ]
    assert all(re.fullmatch(TIME, row[5]) for row in rows), rows
    # In log order, and the times are the records' own.
    times = [row[5] for row in rows]
    assert times == sorted(times)
    assert times[0] == answer[0]["recorded_at"].replace("T", " ")[:23]
    # The refusal's reason under its row; no envelope, body or signature anywhere.
    refused = lines.index(next(line for line in lines if "REPLAYED_MESSAGE" in line))
    assert lines[refused + 1].startswith(" ")
    assert "already" in lines[refused + 1].lower() or "replay" in lines[refused + 1].lower()
    for raw in ("signature", "body_sha256", "envelope_raw", "applicant_iin", "{"):
        assert raw not in output


async def test_a_sync_call_names_the_provider_as_the_answers_sender(
    served: Served, systems: dict[str, SystemCert], monkeypatch: pytest.MonkeyPatch
) -> None:
    request = request_from(systems)
    sent = await served.client.post("/sync/registry.person", content=request.model_dump_json())
    assert sent.status_code == 200, sent.text
    code, output = _run_trace(monkeypatch, await _trace(served, request.correlation_id))
    assert code == 0, output
    rows = [_cells(line)[:5] for line in output.splitlines()[1:]]
    assert rows == [
        ["sync", "elicense", "registry", "registry.person", "requested"],
        ["sync", "registry", "elicense", "registry.person", "200"],
    ]


async def test_json_prints_the_gateways_answer_unchanged(
    served: Served, systems: dict[str, SystemCert], monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = await _trace(served, await _journey(served, systems))
    code, output = _run_trace(monkeypatch, answer, "--json")
    assert code == 0, output
    assert json.loads(output) == answer
    assert answer[0]["record"] == "MessageAccepted.v1"
    assert answer[0]["signer_serial"]  # the fields the table leaves out are all there


def test_an_answer_that_is_not_a_trace_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = _run_trace(monkeypatch, {"code": "surprise"})
    assert code == 1
    assert "not a trace" in output
