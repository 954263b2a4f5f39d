# ruff: noqa: RUF001  -- Kazakh names are Cyrillic on purpose
"""Point 4: the cabinet (my requests, the status history in order, "update status", the live
stream), the result document, its PDF with a QR code, and public verification by number."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
import segno

from portal_svc.domain import events
from shared.bus.port import Reject
from shared.canonical import canonical_json
from shared.contract.status import StatusChanged
from shared.pki.profiles import Individual
from tests.portal.conftest import World, iin
from tests.portal.test_requests import EXPORT_FORM

PROVIDER = "provider.almaty.culture"


async def _submitted(world: World, serial: int) -> tuple[str, dict[str, str]]:
    keys = world.person(serial)
    headers = await world.signed_in(keys)
    request_id = await world.draft(
        headers, "cultural_values_export", EXPORT_FORM, ("standard_p9_documents",)
    )
    assert (await world.sign(headers, request_id, keys.signing)).status_code == 200
    return request_id, headers


def _document(request_id: str, applicant: str) -> dict[str, Any]:
    return {
        "kind": "certificate",
        "number": f"KZ-CV-{request_id[-6:]}",
        "request_id": request_id,
        "service": "cultural_values_export",
        "applicant_iin": applicant,
        "decision": "issued",
        "name": {"kk": "Куәлік", "ru": "Свидетельство"},
    }


async def test_cabinet_shows_statuses_in_order_and_the_signed_result(world: World) -> None:
    request_id, headers = await _submitted(world, 40)
    for status, step in (("registered", "register"), ("in_progress", "review")):
        await world.deliver(
            PROVIDER, request_id, "status.changed.v1", {"status": status, "step": step}
        )
    head = world.issue(Individual(iin(41), "Ахметов", "Серік"))
    document = _document(request_id, iin(40))
    signature = head.sign(canonical_json(document))
    await world.deliver(
        PROVIDER,
        request_id,
        "result.issued.v1",
        {"request_id": request_id, "document": document, "signature": signature},
    )
    await world.deliver(
        PROVIDER, request_id, "status.changed.v1", {"status": "completed", "step": None}
    )
    mine = (await world.client.get("/cabinet/requests", headers=headers)).json()["requests"]
    assert [r["request_id"] for r in mine] == [request_id]
    one = (await world.client.get(f"/cabinet/requests/{request_id}", headers=headers)).json()
    assert [h["status"] for h in one["history"]] == [
        "draft",
        "submitted",
        "registered",
        "in_progress",
        "completed",
    ]
    assert one["status"] == "completed"
    assert one["term"] == "11 working days"
    assert one["deadline"].startswith("2019-11-19")
    number = document["number"]
    assert one["result_number"] == number
    result = (
        await world.client.get(f"/cabinet/requests/{request_id}/result", headers=headers)
    ).json()
    assert result["document"] == document
    assert result["decision"] == "issued"
    checked = (await world.client.get(f"/verify/{number}")).json()
    assert checked["valid"] is True
    assert checked["signer"] == "АХМЕТОВ СЕРІК"
    pdf = await world.client.get(
        f"/cabinet/requests/{request_id}/result.pdf", headers={**headers, "Accept-Language": "ru"}
    )
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert b"/FontFile2" in pdf.content  # the Cyrillic font travels inside the file
    assert (await world.client.get(f"/verify/{number}x")).json()["code"] == "result_not_found"


async def test_a_result_signed_over_other_content_does_not_verify(world: World) -> None:
    request_id, _ = await _submitted(world, 42)
    head = world.issue(Individual(iin(43), "Ахметов", "Серік"))
    document = _document(request_id, iin(42))
    signature = head.sign(canonical_json({**document, "decision": "refused"}))
    await world.deliver(
        PROVIDER, request_id, "result.issued.v1", {"document": document, "signature": signature}
    )
    checked = (await world.client.get(f"/verify/{document['number']}")).json()
    assert (checked["valid"], checked["code"]) == (False, "BAD_SIGNATURE")


def test_qr_code_carries_the_verification_url() -> None:
    # The PDF draws segno's matrix; the same call must encode the URL losslessly.
    url = "http://127.0.0.1:8081/verify/KZ-CV-123456"
    code = segno.make(url, error="m", micro=False)
    assert code.designator.endswith("-M")
    assert len(code.matrix) == len(code.matrix[0]) >= 21


async def test_inbound_messages_are_checked(world: World) -> None:
    request_id, _ = await _submitted(world, 44)
    # A provider that was not sent the request.
    with pytest.raises(Reject, match="is not where"):
        await world.deliver(
            "provider.astana.archives", request_id, "status.changed.v1", {"status": "registered"}
        )
    with pytest.raises(Reject, match="no request"):
        await world.deliver(PROVIDER, "P-unknown", "status.changed.v1", {"status": "registered"})
    types = [e.type for e in await world.store.read_stream(events.request_stream(request_id))]
    assert events.STATUS_CHANGED not in types


async def test_elicense_refusal_arrives_as_a_refused_result(world: World) -> None:
    request_id, headers = await _submitted(world, 45)
    # The refusal shape E-licensing sends (no document), here from the request's recipient,
    # then the status notification about it: the status is shown once, from the notification.
    await world.deliver(
        PROVIDER,
        request_id,
        "result.refused.v1",
        {
            "request_id": request_id,
            "refusal": "DOCUMENTS_NON_COMPLIANT",
            "grounds": {"kk": "Құжаттар сәйкес емес", "ru": "Документы не соответствуют"},
        },
    )
    one = (await world.client.get(f"/cabinet/requests/{request_id}", headers=headers)).json()
    assert one["status"] == "submitted"  # the result is a document, not a status
    await world.deliver(PROVIDER, request_id, "status.changed.v1", {"status": "refused"})
    one = (await world.client.get(f"/cabinet/requests/{request_id}", headers=headers)).json()
    assert [h["status"] for h in one["history"]] == ["draft", "submitted", "refused"]
    assert one["status"] == "refused"
    result = (
        await world.client.get(f"/cabinet/requests/{request_id}/result", headers=headers)
    ).json()
    assert result["refusal"] == "DOCUMENTS_NON_COMPLIANT"
    assert (await world.client.get(f"/verify/{one['result_number']}")).json()[
        "code"
    ] == "NO_SIGNATURE"


async def test_notifications_delivered_out_of_order_are_shown_as_they_happened(
    world: World,
) -> None:
    request_id, headers = await _submitted(world, 48)
    earlier = world.clock.now() + timedelta(minutes=1)
    later = earlier + timedelta(minutes=1)
    status = "status.changed.v1"
    await world.deliver(PROVIDER, request_id, status, {"status": "in_progress"}, at=later)
    await world.deliver(PROVIDER, request_id, status, {"status": "registered"}, at=earlier)
    one = (await world.client.get(f"/cabinet/requests/{request_id}", headers=headers)).json()
    assert [h["status"] for h in one["history"]] == [
        "draft",
        "submitted",
        "registered",
        "in_progress",
    ]
    assert one["status"] == "in_progress"
    assert (await world.portal.service.load(request_id)).status == "in_progress"


def _sse(text: str) -> list[dict[str, Any]]:
    found = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        found.append(
            {"id": int(fields["id"]), "event": fields["event"], **json.loads(fields["data"])}
        )
    return found


async def test_sse_route_streams_and_resumes_after_last_event_id(world: World) -> None:
    request_id, headers = await _submitted(world, 49)
    position = (await world.portal.cabinet.refresh()).position
    listening = asyncio.ensure_future(
        world.client.get(
            "/cabinet/stream",
            params={"max_events": 2},
            headers={**headers, "Last-Event-ID": str(position)},
        )
    )
    status = "status.changed.v1"
    await world.deliver(PROVIDER, request_id, status, {"status": "registered", "step": "register"})
    await world.deliver(PROVIDER, request_id, status, {"status": "in_progress", "step": "review"})
    response = await asyncio.wait_for(listening, 10)
    assert response.headers["content-type"].startswith("text/event-stream")
    first, second = _sse(response.text)
    assert (first["event"], first["status"], second["status"]) == (
        "status",
        "registered",
        "in_progress",
    )
    assert first["request_id"] == request_id
    # A reconnecting client sends the last id it saw and gets only what came after.
    resumed = await world.client.get(
        "/cabinet/stream",
        params={"max_events": 1},
        headers={**headers, "Last-Event-ID": str(first["id"])},
    )
    [again] = _sse(resumed.text)
    assert (again["id"], again["status"]) == (second["id"], "in_progress")


async def test_a_status_fanned_out_to_the_desk_too_is_recorded_once(world: World) -> None:
    # 004 p.8 process 6: the workstation names the PSC desk in the status, and the gateway
    # delivers the same envelope to to.portal and to.psc.astana; both queues feed one inbox.
    from uuid import uuid4

    from shared.bus.port import Delivery, Message
    from shared.envelope import Envelope

    request_id, headers = await _submitted(world, 52)
    envelope = Envelope(
        message_id=uuid4(),
        correlation_id=request_id,
        type="status.changed.v1",
        sender=PROVIDER,
        recipient="portal",
        service_code="cultural_values_export",
        sent_at=world.clock.now(),
        body={"status": "registered", "psc_desk": "psc.astana"},
    ).signed(world.systems[PROVIDER])
    raw = envelope.model_dump_json().encode()
    for queue in ("to.portal", "to.psc.astana"):
        message = Message("egov.deliver", queue[3:], raw, str(envelope.message_id))
        await world.portal.inbound(Delivery(message, queue, 1, False))
    one = (await world.client.get(f"/cabinet/requests/{request_id}", headers=headers)).json()
    assert [h["status"] for h in one["history"]] == ["draft", "submitted", "registered"]


async def test_a_replayed_status_under_fresh_transport_ids_does_not_grow_the_history(
    world: World,
) -> None:
    from uuid import uuid4

    from shared.bus.port import Delivery, Message
    from shared.envelope import Envelope

    request_id, headers = await _submitted(world, 54)
    envelope = Envelope(
        message_id=uuid4(),
        correlation_id=request_id,
        type="status.changed.v1",
        sender=PROVIDER,
        recipient="portal",
        service_code="cultural_values_export",
        sent_at=world.clock.now(),
        body={"status": "registered", "step": "register"},
    ).signed(world.systems[PROVIDER])
    raw = envelope.model_dump_json().encode()
    own_id = str(envelope.message_id)
    # The same signed bytes, and the same id spelled in capitals (the signature still verifies:
    # the envelope model reads one UUID), each under an AMQP message_id nobody signs.
    copies = [raw, raw, raw.replace(own_id.encode(), own_id.upper().encode())]
    for body in [raw, *copies]:
        message = Message("egov.deliver", "portal", body, str(uuid4()))
        await world.portal.inbound(Delivery(message, "to.portal", 1, False))
    one = (await world.client.get(f"/cabinet/requests/{request_id}", headers=headers)).json()
    assert [h["status"] for h in one["history"]] == ["draft", "submitted", "registered"]


async def test_statuses_of_one_instant_are_ordered_by_the_senders_number(world: World) -> None:
    # One staff action causes several statuses with the same sent_at; the gateway may deliver
    # them in any order. The sender numbers them, and the cabinet shows them in that order.
    request_id, headers = await _submitted(world, 48)
    instant = world.clock.now()
    for seq, status in ((2, "under_review"), (1, "registered")):
        await world.deliver(
            PROVIDER,
            request_id,
            "status.changed.v1",
            {"request_id": request_id, "status": status, "seq": seq},
            at=instant,
        )
    one = (await world.client.get(f"/cabinet/requests/{request_id}", headers=headers)).json()
    assert [h["status"] for h in one["history"]][-2:] == ["registered", "under_review"]
    assert one["status"] == "under_review"


def _v2(request_id: str, seq: int, status: str, at: datetime, **extra: Any) -> dict[str, Any]:
    return StatusChanged(
        request_id=request_id,
        seq=seq,
        status=status,
        step=None,
        step_deadline=None,
        request_deadline=at + timedelta(days=15),
        version="almaty-2018",
        channel="portal",
        applicant="88******0411",
        at=at,
        **extra,
    ).as_body()


async def test_a_late_status_with_a_lower_seq_never_overwrites_a_higher_one(
    world: World,
) -> None:
    request_id, headers = await _submitted(world, 53)
    instant = world.clock.now()
    v2 = "status.changed.v2"
    await world.deliver(PROVIDER, request_id, v2, _v2(request_id, 1, "registered", instant))
    await world.deliver(PROVIDER, request_id, v2, _v2(request_id, 3, "completed", instant))
    # seq 2 arrives last, even stamped later by the gateway's clock: it is history, not news.
    late = instant + timedelta(seconds=5)
    await world.deliver(
        PROVIDER, request_id, v2, _v2(request_id, 2, "result_forming", instant), at=late
    )
    # The same notification again (a resend under a new message id): shown once.
    await world.deliver(PROVIDER, request_id, v2, _v2(request_id, 3, "completed", instant))
    one = (await world.client.get(f"/cabinet/requests/{request_id}", headers=headers)).json()
    assert [h["status"] for h in one["history"]] == [
        "draft",
        "submitted",
        "registered",
        "result_forming",
        "completed",
    ]
    assert one["status"] == "completed"


async def test_a_registry_miss_ends_in_the_status_the_bus_carried_whatever_the_order(
    world: World,
) -> None:
    # 000 appendix 1 process 5: E-licensing refuses with "data cannot be obtained"; the
    # refusal result and the status notification share one instant and may arrive either way.
    for serial, result_first in ((54, True), (55, False)):
        request_id, headers = await _submitted(world, serial)
        instant = world.clock.now()
        refusal = {"request_id": request_id, "refusal": "REGISTRY_DATA_NOT_FOUND"}
        statuses = [
            _v2(request_id, 1, "registered", instant),
            _v2(request_id, 2, "registry_not_found", instant, reason="no record"),
        ]
        if result_first:
            await world.deliver(PROVIDER, request_id, "result.refused.v1", refusal, at=instant)
        for body in reversed(statuses):
            await world.deliver(PROVIDER, request_id, "status.changed.v2", body, at=instant)
        if not result_first:
            await world.deliver(PROVIDER, request_id, "result.refused.v1", refusal, at=instant)
        one = (await world.client.get(f"/cabinet/requests/{request_id}", headers=headers)).json()
        assert [h["status"] for h in one["history"]][2:] == ["registered", "registry_not_found"]
        assert one["status"] == "registry_not_found"


async def test_a_v2_status_off_the_contract_is_rejected(world: World) -> None:
    request_id, _ = await _submitted(world, 56)
    body = _v2(request_id, 1, "registered", world.clock.now())
    with pytest.raises(Reject, match="off the contract at seq"):
        await world.deliver(PROVIDER, request_id, "status.changed.v2", {**body, "seq": 0})
    with pytest.raises(Reject, match="status of other-request"):
        await world.deliver(
            PROVIDER, request_id, "status.changed.v2", {**body, "request_id": "other-request"}
        )
