"""Point 6 (seed 004): the Public Service Center desk. Operators authenticate each call with
their EDS (a certificate carrying their center's BIN), file for an applicant whose IIN the
registry confirms, sign with their own key, and hand results out in person or by e-mail."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from portal_svc.domain import events
from shared.pki.http_signing import sign_request
from tests.portal.conftest import ASTANA_2013, ORG_BIN, World, iin

pytestmark = pytest.mark.parametrize("start", [ASTANA_2013])

ARCHIVES = "provider.astana.archives"
FORM = {"subject": "Work record 1995-2001, Tselinograd", "delivery": "in_person"}


async def _filed(world: World, operator_serial: int, applicant: str) -> str:
    operator = world.operator(operator_serial)
    created = await world.desk(
        operator,
        "POST",
        "/psc/requests",
        {"service": "archive_reference", "applicant_iin": applicant},
    )
    assert created.status_code == 201, created.text
    request_id = str(created.json()["request_id"])
    filled = await world.desk(operator, "PUT", f"/psc/requests/{request_id}/form", {"form": FORM})
    assert filled.status_code == 200, filled.text
    target = f"/psc/requests/{request_id}/documents/application_and_originals?name=scan.pdf"
    scan = b"%PDF-1.4 scanned application"
    headers = world.desk_headers(operator, "PUT", target, scan)
    headers["Content-Type"] = "application/pdf"
    assert (await world.client.put(target, content=scan, headers=headers)).status_code == 200
    payload = await world.desk(operator, "GET", f"/psc/requests/{request_id}/signing-payload")
    signature = operator.sign(payload.json()["payload"].encode())
    signed = await world.desk(
        operator, "POST", f"/psc/requests/{request_id}/sign", {"signature": signature}
    )
    assert signed.status_code == 200, signed.text
    return request_id


async def test_operator_files_for_an_applicant_and_hands_out_by_email(world: World) -> None:
    request_id = await _filed(world, 70, iin(60))
    assert world.registry.asked == [iin(60)]
    await world.portal.relay.relay_once()
    [envelope] = world.envelopes()
    assert (envelope["sender"], envelope["recipient"]) == ("psc.astana", ARCHIVES)
    assert envelope["type"] == "request.submitted.v1"
    assert envelope["body"]["operator_iin"] == iin(70)
    assert envelope["body"]["applicant_iin"] == iin(60)
    submitted = [
        e
        for e in await world.store.read_stream(events.request_stream(request_id))
        if e.type == events.REQUEST_SUBMITTED
    ]
    assert submitted[0].metadata["actor"] == f"operator:psc.astana:{iin(70)}"
    assert submitted[0].data["signer"]["bin"] == "070240000019"
    # The result comes back to the desk.
    await world.deliver(
        ARCHIVES,
        request_id,
        "status.changed.v1",
        {"status": "registered"},
        recipient="psc.astana",
        service_code="archive_reference",
    )
    document = {"number": "AR-2013-1", "decision": "issued", "applicant_iin": iin(60)}
    await world.deliver(
        ARCHIVES,
        request_id,
        "result.issued.v1",
        {"document": document, "signature": None},
        recipient="psc.astana",
        service_code="archive_reference",
    )
    operator = world.operator(71)  # a colleague at the same center
    handed = await world.desk(
        operator,
        "POST",
        f"/psc/requests/{request_id}/hand-out",
        {"how": "email", "email": "applicant@example.kz"},
    )
    assert handed.status_code == 200, handed.text
    again = await world.desk(
        operator, "POST", f"/psc/requests/{request_id}/hand-out", {"how": "in_person"}
    )
    assert again.json()["code"] == "already_handed_out"
    emails = (await world.desk(operator, "GET", "/psc/emails")).json()["emails"]
    assert [(e["to"], e["result_number"]) for e in emails] == [
        ("applicant@example.kz", "AR-2013-1")
    ]
    await world.portal.relay.relay_once()
    receipt = world.envelopes()[-1]
    assert (receipt["type"], receipt["sender"], receipt["recipient"]) == (
        "request.handed_out.v1",
        "psc.astana",
        ARCHIVES,
    )
    listed = (await world.desk(operator, "GET", "/psc/requests")).json()["requests"]
    # The result is a document, not a status of its own (004 p.7 process 7: it reaches the
    # desk before the hand-out step, whose status the workstation notifies itself).
    assert [h["status"] for h in listed[0]["history"]] == [
        "draft",
        "submitted",
        "registered",
        "handed_out",
    ]


async def test_desk_refusals_name_their_reason(world: World) -> None:
    operator = world.operator(72)

    async def create(applicant: str) -> tuple[int, str]:
        response = await world.desk(
            operator,
            "POST",
            "/psc/requests",
            {"service": "archive_reference", "applicant_iin": applicant},
        )
        return response.status_code, response.json().get("code", "")

    assert await create("123456789012") == (422, "invalid_iin")
    assert await create(iin(99)) == (404, "applicant_not_found")
    # A person's own certificate is no operator's: a citizen is not a kind the desk's routes
    # admit (shared.authz.ROUTES), refused before the center's BIN is looked at.
    person = world.person(73).signing
    response = await world.desk(
        person, "POST", "/psc/requests", {"service": "archive_reference", "applicant_iin": iin(61)}
    )
    assert (response.status_code, response.json()["code"]) == (403, "ROLE_REQUIRED")
    # A signature over another request (different body) does not authenticate.
    body = b'{"service":"archive_reference","applicant_iin":"' + iin(61).encode() + b'"}'
    headers = world.desk_headers(operator, "POST", "/psc/requests", b"{}")
    replayed = await world.client.post("/psc/requests", content=body, headers=headers)
    assert (replayed.status_code, replayed.json()["code"]) == (401, "not_authenticated")
    unsigned = await world.client.get("/psc/requests")
    assert unsigned.status_code == 401


async def test_an_operator_sees_only_their_centers_requests(world: World) -> None:
    request_id = await _filed(world, 74, iin(62))
    elsewhere = world.operator(75, desk="psc.almaty")
    response = await world.desk(elsewhere, "GET", f"/psc/requests/{request_id}/signing-payload")
    assert (response.status_code, response.json()["code"]) == (403, "not_yours")
    listed = await world.desk(elsewhere, "GET", "/psc/requests")
    assert listed.json() == {"requests": []}


async def test_results_not_collected_in_time_are_listed(world: World) -> None:
    waiting = await _filed(world, 76, iin(63))
    collected = await _filed(world, 76, iin(64))
    for request_id in (waiting, collected):
        await world.deliver(
            ARCHIVES,
            request_id,
            "result.issued.v1",
            {"document": {"number": f"AR-{request_id}", "decision": "issued"}},
            recipient="psc.astana",
            service_code="archive_reference",
        )
    operator = world.operator(77)
    await world.desk(operator, "POST", f"/psc/requests/{collected}/hand-out", {"how": "in_person"})
    await world.clock.advance(timedelta(days=31))
    target = "/psc/requests?uncollected_days=30"
    listed = (await world.desk(operator, "GET", target)).json()["requests"]
    assert [r["request_id"] for r in listed] == [waiting]


async def test_a_captured_desk_call_is_accepted_once(world: World) -> None:
    operator = world.operator(71)
    raw = json.dumps({"service": "archive_reference", "applicant_iin": iin(61)}).encode()
    captured = world.desk_headers(operator, "POST", "/psc/requests", raw)
    created = await world.client.post("/psc/requests", content=raw, headers=captured)
    assert created.status_code == 201, created.text
    replayed = await world.client.post("/psc/requests", content=raw, headers=captured)
    assert (replayed.status_code, replayed.json()["code"]) == (401, "request_replayed")
    stale = {
        **world.desk_headers(operator, "GET", "/psc/requests"),
        **sign_request(
            operator, "GET", "/psc/requests", now=datetime.now(UTC) - timedelta(minutes=6)
        ),
    }
    expired = await world.client.get("/psc/requests", headers=stale)
    assert (expired.status_code, expired.json()["code"]) == (401, "request_expired")
    assert world.registry.asked == [iin(61)]  # the replay filed nothing


async def test_the_desk_files_for_individuals_and_its_operator_signs_as_the_centers_employee(
    world: World,
) -> None:
    # A legal entity's request needs its head's or signer's signature (test_requests); the
    # desk files none: a draft names the visitor's IIN only, and the operator, an employee
    # of the center (not of the applicant), signs it with the center's BIN.
    operator = world.operator(72)
    for_entity = await world.desk(
        operator,
        "POST",
        "/psc/requests",
        {"service": "archive_reference", "applicant_iin": iin(61), "applicant_bin": ORG_BIN},
    )
    assert for_entity.status_code == 422, for_entity.text
    request_id = await _filed(world, 72, iin(61))
    [submitted] = [
        e
        for e in await world.store.read_stream(events.request_stream(request_id))
        if e.type == events.REQUEST_SUBMITTED
    ]
    assert (submitted.data["signer"]["iin"], submitted.data["signer"]["bin"]) == (
        iin(72),
        "070240000019",
    )
