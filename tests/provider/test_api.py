"""The staff HTTP API: every call signed with the staff member's certificate, the roster
deciding who may see and do what."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from provider_svc.domain.documents import signing_bytes
from provider_svc.domain.errors import Forbidden
from provider_svc.domain.workstations import WORKSTATIONS, workstation
from provider_svc.entrypoints.api import build_router
from provider_svc.projections import ProviderProjection
from shared.ids import Gender, make_iin
from shared.pki.http_signing import sign_request
from shared.pki.jws import JwsSigner
from shared.pki.pkcs12 import load_pkcs12
from shared.pki.profiles import EntityRole, Individual, KeyPurpose, LegalEntitySigner
from shared.web import create_service_app
from tests.provider.conftest import APPLICANT, Harness, applicant_body
from tests.provider.test_flows import ARCHIVES, CULTURE, GREEN


class _Up:
    async def ping(self) -> None:
        return None


async def _client(h: Harness) -> AsyncIterator[httpx.AsyncClient]:
    app = create_service_app(
        "provider", store=h.store, bus=_Up(), version="test", title="t", description="t"
    )
    app.include_router(build_router(h.service, ProviderProjection()))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://provider.test") as http:
        yield http


@pytest.fixture
async def client(almaty: Harness) -> AsyncIterator[httpx.AsyncClient]:
    async for http in _client(almaty):
        yield http


@pytest.fixture
async def astana_client(astana: Harness) -> AsyncIterator[httpx.AsyncClient]:
    async for http in _client(astana):
        yield http


async def call(
    http: httpx.AsyncClient, signer: JwsSigner | None, method: str, path: str, body: Any = None
) -> httpx.Response:
    content = b"" if body is None else json.dumps(body).encode()
    headers = {"content-type": "application/json"}
    if signer is not None:
        headers.update(sign_request(signer, method, path, content))
    return await http.request(method, path, content=content, headers=headers)


async def test_staff_work_through_the_api(almaty: Harness, client: httpx.AsyncClient) -> None:
    h = almaty
    rid = await h.deliver(
        sender="portal", recipient=CULTURE, service_code="A", body=applicant_body()
    )
    _, clerk = await h.hire(CULTURE, "office_clerk")
    _, head = await h.hire(CULTURE, "head")
    base = f"/provider/workstations/{CULTURE}"

    unsigned = await call(client, None, "GET", f"{base}/inbox")
    assert unsigned.status_code == 401
    assert unsigned.json()["code"] == "signature_missing"
    outsider = await h.system_signer("portal")  # a valid certificate, but not staff
    assert (await call(client, outsider, "GET", f"{base}/inbox")).status_code == 403

    inbox = await call(client, clerk, "GET", f"{base}/inbox")
    assert inbox.status_code == 200
    assert [r["request_id"] for r in inbox.json()["requests"]] == [rid]
    assert inbox.json()["requests"][0]["applicant"] != APPLICANT  # masked
    assert (await call(client, head, "GET", f"{base}/inbox")).json()["requests"] == []

    wrong = await call(
        client,
        head,
        "POST",
        f"{base}/requests/{rid}/actions",
        {"step": "register", "outcome": "registered"},
    )
    assert wrong.status_code == 409
    assert wrong.json()["code"] == "WRONG_ROLE"
    done = await call(
        client,
        clerk,
        "POST",
        f"{base}/requests/{rid}/actions",
        {"step": "register", "outcome": "registered"},
    )
    assert done.status_code == 200
    assert done.json()["step"] == "review_and_assign"
    clerk_iin = h.staff[(CULTURE, "office_clerk")][0]
    registered = [
        e
        for e in done.json()["history"]
        if e["type"] == "StepCompleted.v1" and e["step"] == "register"
    ]
    assert [(e["actor"], e["role"]) for e in registered] == [(clerk_iin, "office_clerk")]
    assert all(e["actor"] for e in done.json()["history"])

    # A refusal at review: fetch the draft, sign it, send the action with the signature.
    grounds = {"kk": "Құжаттар толық емес", "ru": "Документы неполные"}
    draft = await call(
        client,
        head,
        "POST",
        f"{base}/requests/{rid}/draft",
        {"outcome": "documents_non_compliant", "grounds": grounds},
    )
    assert draft.status_code == 200
    signature = head.sign(signing_bytes(draft.json()))
    refused = await call(
        client,
        head,
        "POST",
        f"{base}/requests/{rid}/actions",
        {
            "step": "review_and_assign",
            "outcome": "documents_non_compliant",
            "grounds": grounds,
            "document_signature": signature,
        },
    )
    assert refused.status_code == 200, refused.text
    assert refused.json()["finished"] == "refused"
    assert refused.json()["result"]["document"]["grounds"] == grounds

    assert (await call(client, clerk, "GET", f"{base}/overdue")).status_code == 403
    sla = await call(client, head, "GET", f"{base}/sla")
    assert sla.status_code == 200
    assert {s["step"] for s in sla.json()["steps"]} == {"register", "review_and_assign"}


async def test_a_forged_result_signature_is_refused(
    almaty: Harness, client: httpx.AsyncClient
) -> None:
    h = almaty
    rid = await h.deliver(
        sender="portal", recipient=CULTURE, service_code="A", body=applicant_body()
    )
    _, clerk = await h.hire(CULTURE, "office_clerk")
    _, head = await h.hire(CULTURE, "head")
    base = f"/provider/workstations/{CULTURE}"
    await call(
        client,
        clerk,
        "POST",
        f"{base}/requests/{rid}/actions",
        {"step": "register", "outcome": "registered"},
    )
    grounds = {"kk": "Негіз", "ru": "Основание"}
    draft = await call(
        client,
        head,
        "POST",
        f"{base}/requests/{rid}/draft",
        {"outcome": "documents_non_compliant", "grounds": grounds},
    )
    # The clerk's EDS over the head's decision: not the acting head's certificate.
    forged = clerk.sign(signing_bytes(draft.json()))
    answer = await call(
        client,
        head,
        "POST",
        f"{base}/requests/{rid}/actions",
        {
            "step": "review_and_assign",
            "outcome": "documents_non_compliant",
            "grounds": grounds,
            "document_signature": forged,
        },
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "signature_subject_mismatch"


async def test_staff_extend_the_archive_search_over_http(
    astana: Harness, astana_client: httpx.AsyncClient
) -> None:
    # 004 table 3 action 6: the search takes 15 to 30 calendar days, «жекелеген жағдайларда 6
    # айға дейін»; the step's role extends it with a reason, and a refusal names its reason.
    h = astana
    rid = await h.deliver(
        sender="portal", recipient=ARCHIVES, service_code="archive_reference", body=applicant_body()
    )
    _, employee = await h.hire(ARCHIVES, "provider_employee")
    path = f"/provider/workstations/{ARCHIVES}/requests/{rid}/extensions"
    body = {"step": "search_and_decide", "until": "2013-05-20", "reason": "kept at a branch"}

    before = (
        await call(
            astana_client, employee, "GET", f"/provider/workstations/{ARCHIVES}/requests/{rid}"
        )
    ).json()
    unsigned = await call(astana_client, None, "POST", path, body)
    assert unsigned.status_code == 401
    too_far = await call(astana_client, employee, "POST", path, {**body, "until": "2013-12-20"})
    assert too_far.status_code == 409
    assert too_far.json()["code"] == "BEYOND_MAXIMUM"
    no_reason = await call(astana_client, employee, "POST", path, {**body, "reason": ""})
    assert no_reason.status_code == 422
    assert "StepExtended.v1" not in [e.type for e in await h.stream(rid)]

    done = await call(astana_client, employee, "POST", path, body)
    assert done.status_code == 200, done.text
    after = done.json()
    assert after["step_deadline"] > before["step_deadline"]
    assert after["step_deadline"].startswith("2013-05-20")
    assert after["request_deadline"] > before["request_deadline"]
    extended = [e for e in await h.stream(rid) if e.type == "StepExtended.v1"]
    assert len(extended) == 1
    assert extended[0].data["reason"] == "kept at a branch"


async def test_a_captured_staff_call_is_accepted_once(
    almaty: Harness, client: httpx.AsyncClient
) -> None:
    _, clerk = await almaty.hire(CULTURE, "office_clerk")
    path = f"/provider/workstations/{CULTURE}/inbox"
    captured = sign_request(clerk, "GET", path)
    assert (await client.get(path, headers=captured)).status_code == 200
    replayed = await client.get(path, headers=captured)
    assert (replayed.status_code, replayed.json()["code"]) == (401, "request_replayed")
    stale = sign_request(clerk, "GET", path, now=datetime.now(UTC) - timedelta(minutes=6))
    expired = await client.get(path, headers=stale)
    assert (expired.status_code, expired.json()["code"]) == (401, "request_expired")


async def _issued(h: Harness, holder: Individual | LegalEntitySigner) -> JwsSigner:
    issued = await h.ca.issue(holder, KeyPurpose.SIGNING, password="pw")
    return JwsSigner.from_key_file(load_pkcs12(issued.pkcs12, password="pw"))


async def test_staff_sign_in_with_their_departments_certificate_only(
    almaty: Harness, client: httpx.AsyncClient
) -> None:
    # The roster names the person; the certificate must be the department's for them: a
    # personal certificate, or another entity's, is refused even for a rostered IIN.
    clerk_iin, _ = await almaty.hire(CULTURE, "office_clerk")
    person = Individual(clerk_iin, "Omarov", "Erlan")
    culture, green = workstation(CULTURE), workstation(GREEN)
    inbox = f"/provider/workstations/{CULTURE}/inbox"

    personal = await _issued(almaty, person)
    assert (await call(client, personal, "GET", inbox)).status_code == 403
    # Behind the route's guard (shared.authz: a citizen is no staff kind), the roster's own
    # check says the same, with what it expects.
    with pytest.raises(Forbidden) as refused:
        await almaty.service.staff_member(CULTURE, personal.identity)
    assert refused.value.code == "not_staff"
    assert "a personal certificate" in refused.value.message
    assert f"BIN {culture.bin}" in refused.value.message

    elsewhere = LegalEntitySigner(person, green.bin, green.name, EntityRole.EMPLOYEE)
    wrong = await call(client, await _issued(almaty, elsewhere), "GET", inbox)
    assert (wrong.status_code, wrong.json()["code"]) == (403, "wrong_bin")
    assert f"issued for BIN {green.bin}" in wrong.json()["message"]
    assert f"BIN {culture.bin}" in wrong.json()["message"]

    for role in (EntityRole.EMPLOYEE, EntityRole.FIRST_HEAD):
        own = LegalEntitySigner(person, culture.bin, culture.name, role)
        answer = await call(client, await _issued(almaty, own), "GET", inbox)
        assert answer.status_code == 200, (role, answer.text)
        assert answer.json()["staff"]["iin"] == clerk_iin

    # The department's employee who is not on the roster is not staff here.
    stranger = Individual(make_iin(date(1990, 1, 1), Gender.MALE, 77), "Stranger", "Some")
    outsider = LegalEntitySigner(stranger, culture.bin, culture.name, EntityRole.EMPLOYEE)
    unlisted = await call(client, await _issued(almaty, outsider), "GET", inbox)
    assert (unlisted.status_code, unlisted.json()["code"]) == (403, "not_staff")


async def test_the_workstations_are_listed_with_the_bin_their_staff_sign_with(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/provider/workstations")  # public: no signature
    assert response.status_code == 200, response.text
    listed = {w["system_id"]: w["bin"] for w in response.json()}
    assert listed == {w.system_id: w.bin for w in WORKSTATIONS}
    assert all(len(b) == 12 and b.isdigit() for b in listed.values())
