"""The 000 and 003 paths through elicense's handlers: portal and provider intake, the registry
check (found, not found, unavailable then back), staff steps with roles, the signed permit and
the messages for the portal."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest

from elicense_svc import messages as msg
from elicense_svc.domain import events as ev
from elicense_svc.domain.errors import ElicenseError, Forbidden
from elicense_svc.domain.permit import signing_bytes
from elicense_svc.domain.request import Document
from elicense_svc.handlers import ElicenseService
from shared.clock import SimulatedClock
from shared.envelope import Envelope
from shared.eventlog.sqlite import SqliteEventStore
from shared.pki.profiles import InformationSystem
from tests.elicense.conftest import (
    AKMOLA_CULTURE_BIN,
    AKMOLA_EMPLOYEE_IIN,
    ALMATY_CULTURE_BIN,
    APPLICANT_IIN,
    CLERK_IIN,
    COMPANY_BIN,
    EXECUTOR_IIN,
    HEAD_IIN,
    UNKNOWN_IIN,
    FakeRegistry,
    Pki,
    portal_body,
    staff_actor,
)


async def portal_submit(
    service: ElicenseService,
    pki: Pki,
    *,
    request_id: str,
    service_code: str = "cultural_values_export",
    iin: str | None = APPLICANT_IIN,
    bin: str | None = None,
) -> None:
    portal = pki.signer(InformationSystem("portal"))
    envelope = Envelope(
        message_id=uuid.uuid4(),
        correlation_id=request_id,
        type=msg.SUBMIT_TYPE,
        sender="portal",
        recipient="elicense",
        service_code=service_code,
        sent_at=service.clock.now(),
        body=portal_body(
            pki.applicant(iin, bin),
            at=service.clock.now(),
            request_id=request_id,
            service=service_code,
            applicant_iin=iin,
            applicant_bin=bin,
            form={"applicant_iin_bin": iin or bin},
        ),
    ).signed(portal)
    submission = msg.PortalSubmission.model_validate(envelope.body)
    effects = await service.receive_portal(envelope, submission)
    await service.store.append(
        effects.stream_id,
        effects.events,
        expected_version=effects.expected_version,
        outbox=effects.outbox,
    )
    service.kick(request_id)
    await service.idle()


async def sent(store: SqliteEventStore) -> list[Envelope]:
    rows = await store.pending_outbox(limit=1000)
    return [Envelope.model_validate_json(r.message.body) for r in rows]


def statuses(envelopes: list[Envelope], request_id: str) -> list[str]:
    return [
        str(e.body["status"])
        for e in envelopes
        if e.type == msg.STATUS_TYPE and e.correlation_id == request_id
    ]


def sent_in_order(envelopes: list[Envelope]) -> list[str]:
    """What went out, in the outbox's order: a status by its name, anything else by its type."""
    return [str(e.body["status"]) if e.type == msg.STATUS_TYPE else e.type for e in envelopes]


async def sign_permit(
    service: ElicenseService, pki: Pki, request_id: str, signer_iin: str, bin: str
) -> tuple[Any, str]:
    head = pki.staff(signer_iin, bin)
    actor = staff_actor(service.directory, signer_iin, head)
    draft = await service.permit_draft(actor, request_id)
    return actor, head.sign(signing_bytes(draft))


@pytest.mark.parametrize("service_code", ["cultural_values_export", "restoration_approval"])
async def test_000_portal_path_issues_a_signed_permit(
    service: ElicenseService, pki: Pki, store: SqliteEventStore, service_code: str
) -> None:
    await portal_submit(service, pki, request_id="r-1", service_code=service_code)
    state = await service.load("r-1")
    assert state.number == "ALA-CUL-2014-000001"
    assert state.registry == "found"
    directory = service.directory
    clerk = staff_actor(directory, CLERK_IIN, pki.staff(CLERK_IIN, ALMATY_CULTURE_BIN))
    executor = staff_actor(directory, EXECUTOR_IIN, pki.staff(EXECUTOR_IIN, ALMATY_CULTURE_BIN))
    # 000 p.5.1: the executor registers a request that came through the portal; the office
    # clerk registers only paper ones (p.7.1).
    with pytest.raises(Forbidden) as clerk_refused:
        await service.act(clerk, "r-1", step="register_portal", outcome="registered")
    assert clerk_refused.value.code == "ROLE_REQUIRED"
    await service.act(executor, "r-1", step="register_portal", outcome="registered")
    head = staff_actor(directory, HEAD_IIN, pki.staff(HEAD_IIN, ALMATY_CULTURE_BIN))
    with pytest.raises(Forbidden) as wrong_role:
        await service.act(clerk, "r-1", step="assign_executor", outcome="assigned")
    assert wrong_role.value.code == "ROLE_REQUIRED"
    await service.act(head, "r-1", step="assign_executor", outcome="assigned")
    await service.act(executor, "r-1", step="check_documents", outcome="complete")
    await service.act(executor, "r-1", step="prepare_result", outcome="result_drafted")
    head, signature = await sign_permit(service, pki, "r-1", HEAD_IIN, ALMATY_CULTURE_BIN)
    await service.act(head, "r-1", step="sign", outcome="signed", document_signature=signature)
    state = await service.act(clerk, "r-1", step="hand_out", outcome="issued")
    assert state.permit_number is not None
    letter = "A" if service_code == "cultural_values_export" else "B"
    assert state.permit_number == f"KZ-2014-{letter}-000001"

    verification = await service.verify_permit(state.permit_number)
    assert verification["state"] == "valid"
    assert verification["signature"]["valid"] is True
    assert verification["signature"]["signer"]["iin"] == HEAD_IIN
    assert verification["kind"] == ("certificate" if letter == "A" else "approval")

    envelopes = await sent(store)
    seen = statuses(envelopes, "r-1")
    assert seen[0] == "registered"
    assert seen[-1] == "completed"
    results = [e for e in envelopes if e.type == msg.RESULT_ISSUED_TYPE]
    assert len(results) == 1
    assert results[0].recipient == "portal"
    # The result goes out before the status it ends with: the cabinet shows them together.
    order = sent_in_order(envelopes)
    assert order.index(msg.RESULT_ISSUED_TYPE) < order.index("completed")
    assert results[0].body["permit_number"] == state.permit_number
    # The delivered document verifies with the head's signature.
    delivered = results[0].body
    check = service.verifier.verify(
        signing_bytes(delivered["document"]),  # type: ignore[arg-type]
        str(delivered["document_signature"]),
        expected_iin=HEAD_IIN,
    )
    assert check.ok
    # Every outgoing envelope is signed by elicense.
    assert all(e.verify(service.verifier).identity.subject == "elicense" for e in envelopes)  # type: ignore[union-attr]


async def test_000_condition_3_refusal_with_grounds(
    service: ElicenseService, pki: Pki, store: SqliteEventStore
) -> None:
    await portal_submit(service, pki, request_id="r-2")
    d = service.directory
    head = staff_actor(d, HEAD_IIN, pki.staff(HEAD_IIN, ALMATY_CULTURE_BIN))
    executor = staff_actor(d, EXECUTOR_IIN, pki.staff(EXECUTOR_IIN, ALMATY_CULTURE_BIN))
    await service.act(executor, "r-2", step="register_portal", outcome="registered")
    await service.act(head, "r-2", step="assign_executor", outcome="assigned")
    state = await service.act(
        executor, "r-2", step="check_documents", outcome="documents_non_compliant"
    )
    assert state.steps(service.engine_of(state)).refusal == "DOCUMENTS_NON_COMPLIANT"
    envelopes = await sent(store)
    refused = [e for e in envelopes if e.type == msg.RESULT_REFUSED_TYPE]
    assert [e.body["refusal"] for e in refused] == ["DOCUMENTS_NON_COMPLIANT"]
    # The refusal's result (its grounds) goes out before the status "refused".
    order = sent_in_order(envelopes)
    assert order.index(msg.RESULT_REFUSED_TYPE) < order.index("refused")
    assert refused[0].body["grounds"]["ru"] == "Нарушения в документах услугополучателя"  # type: ignore[index]
    with pytest.raises(ElicenseError) as late:
        await service.act(executor, "r-2", step="prepare_result", outcome="result_drafted")
    assert late.value.code == "REQUEST_FINISHED"


async def test_registry_not_found_refuses_with_data_cannot_be_obtained(
    service: ElicenseService, pki: Pki, store: SqliteEventStore
) -> None:
    await portal_submit(service, pki, request_id="r-3", iin=UNKNOWN_IIN)
    state = await service.load("r-3")
    assert state.registry == "not_found"
    engine = service.engine_of(state)
    assert state.steps(engine).refusal == "REGISTRY_DATA_NOT_FOUND"
    envelopes = await sent(store)
    assert statuses(envelopes, "r-3") == ["registered", "registry_not_found"]
    last = [e for e in envelopes if e.type == msg.STATUS_TYPE][-1]
    assert last.body["message"]["ru"] == "Невозможно получить данные"  # type: ignore[index]
    assert UNKNOWN_IIN in str(last.body["reason"])
    refused = [e for e in envelopes if e.type == msg.RESULT_REFUSED_TYPE]
    assert refused[0].body["refusal"] == "REGISTRY_DATA_NOT_FOUND"


async def test_registry_down_waits_and_completes_when_it_returns(
    service: ElicenseService,
    pki: Pki,
    store: SqliteEventStore,
    registry: FakeRegistry,
    clock: SimulatedClock,
) -> None:
    registry.down = True
    await portal_submit(service, pki, request_id="r-4", bin=COMPANY_BIN, iin=None)
    state = await service.load("r-4")
    assert state.registry == "deferred"
    assert state.registry_attempts == 1
    assert state.retry_at == clock.now() + timedelta(seconds=30)
    clerk = staff_actor(service.directory, CLERK_IIN, pki.staff(CLERK_IIN, ALMATY_CULTURE_BIN))
    with pytest.raises(ElicenseError) as waiting:
        await service.act(clerk, "r-4", step="register_portal", outcome="registered")
    assert waiting.value.code == "REGISTRY_CHECK_PENDING"
    await clock.advance(timedelta(seconds=30))  # second attempt, still down: backoff doubles
    state = await service.load("r-4")
    assert state.registry_attempts == 2
    assert state.retry_at == clock.now() + timedelta(seconds=60)
    registry.down = False
    await clock.advance(timedelta(seconds=60))
    await service.idle()
    state = await service.load("r-4")
    assert state.registry == "found"
    assert registry.calls == [("registry.legal_entity", COMPANY_BIN)] * 3
    # The status said so while waiting, once, and the request moved on afterwards.
    assert statuses(await sent(store), "r-4") == ["registered", "awaiting_registry", "registered"]
    executor = staff_actor(
        service.directory, EXECUTOR_IIN, pki.staff(EXECUTOR_IIN, ALMATY_CULTURE_BIN)
    )
    await service.act(executor, "r-4", step="register_portal", outcome="registered")
    events = await store.read_stream(ev.request_stream("r-4"))
    assert sum(e.type == ev.REGISTRY_RECORD_FOUND for e in events) == 1


async def test_restart_resumes_waiting_requests(
    service: ElicenseService,
    pki: Pki,
    registry: FakeRegistry,
    clock: SimulatedClock,
) -> None:
    registry.down = True
    await portal_submit(service, pki, request_id="r-5")
    service.stop_timers()  # the process dies: its timers are gone, the log is not
    registry.down = False
    assert await service.resume_pending() == 1
    await clock.advance(timedelta(seconds=30))
    assert (await service.load("r-5")).registry == "found"


async def test_000_provider_path_staff_intake_documents_and_numbers(
    service: ElicenseService, pki: Pki, store: SqliteEventStore
) -> None:
    clerk = staff_actor(service.directory, CLERK_IIN, pki.staff(CLERK_IIN, ALMATY_CULTURE_BIN))
    scan = Document(code="standard_p9_documents", name="scan.pdf", sha256="a" * 64, size=10)
    for n in (1, 2):
        await service.receive_staff(
            clerk,
            request_id=f"office-{n}",
            service="A",
            iin=APPLICANT_IIN,
            bin=None,
            form={},
            documents=[],
        )
    await service.idle()
    state = await service.attach_documents(clerk, "office-2", [scan])
    assert state.number == "ALA-CUL-2014-000002"
    assert state.documents[0]["sha256"] == "a" * 64
    assert state.channel.value == "provider_office"
    # Status notifications of office requests go to the provider's workstation.
    assert {e.recipient for e in await sent(store)} == {"provider.almaty.culture"}
    events = await store.read_stream(ev.request_stream("office-2"))
    assert all(e.metadata["actor"]["subject"] for e in events)
    attached = next(e for e in events if e.type == ev.DOCUMENTS_ATTACHED)
    assert attached.metadata["actor"]["iin"] == CLERK_IIN
    # 000 p.7.1: «кеңсе қызметкері (өтінішті жазбаша түрде берген жағдайда)» registers a paper
    # application; the executor (who registers portal ones, p.5.1) and the head are refused it.
    directory = service.directory
    for other in (EXECUTOR_IIN, HEAD_IIN):
        someone = staff_actor(directory, other, pki.staff(other, ALMATY_CULTURE_BIN))
        with pytest.raises(Forbidden) as refused:
            await service.act(someone, "office-2", step="register", outcome="registered")
        assert refused.value.code == "ROLE_REQUIRED"
    state = await service.act(clerk, "office-2", step="register", outcome="registered")
    runs = state.steps(service.engine_of(state)).runs
    assert (runs[0].step, runs[0].actor) == ("register", CLERK_IIN)


async def test_other_providers_staff_see_nothing(service: ElicenseService, pki: Pki) -> None:
    await portal_submit(service, pki, request_id="r-6")
    akmola = staff_actor(
        service.directory, AKMOLA_EMPLOYEE_IIN, pki.staff(AKMOLA_EMPLOYEE_IIN, AKMOLA_CULTURE_BIN)
    )
    with pytest.raises(ElicenseError) as hidden:
        await service.get_for(akmola, "r-6")
    assert hidden.value.code == "REQUEST_NOT_FOUND"


def test_submission_body_is_strict() -> None:
    with pytest.raises(ValueError, match="extra"):
        msg.PortalSubmission.model_validate(
            json.loads('{"request_id": "x", "service": "A", "surprise": 1}')
        )


async def test_only_the_authorized_person_drafts_the_permit(
    service: ElicenseService, pki: Pki
) -> None:
    await portal_submit(service, pki, request_id="r-7")
    d = service.directory
    clerk = staff_actor(d, CLERK_IIN, pki.staff(CLERK_IIN, ALMATY_CULTURE_BIN))
    with pytest.raises(Forbidden) as refused:
        await service.permit_draft(clerk, "r-7")
    assert refused.value.code == "ROLE_REQUIRED"
    head = staff_actor(d, HEAD_IIN, pki.staff(HEAD_IIN, ALMATY_CULTURE_BIN))
    with pytest.raises(ElicenseError) as early:
        await service.permit_draft(head, "r-7")
    assert early.value.code == "NOT_AT_SIGNING"


def test_portal_channel_is_one_of_the_portals() -> None:
    with pytest.raises(ValueError, match="channel"):
        msg.PortalSubmission.model_validate(
            {"request_id": "x", "service": "A", "channel": "provider_office"}
        )


async def test_two_staff_acting_at_once_record_the_step_once(
    service: ElicenseService, pki: Pki, store: SqliteEventStore
) -> None:
    await portal_submit(service, pki, request_id="r-8")
    executor = staff_actor(
        service.directory, EXECUTOR_IIN, pki.staff(EXECUTOR_IIN, ALMATY_CULTURE_BIN)
    )
    outcomes = await asyncio.gather(
        service.act(executor, "r-8", step="register_portal", outcome="registered"),
        service.act(executor, "r-8", step="register_portal", outcome="registered"),
        return_exceptions=True,
    )
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(failures) == 1
    assert isinstance(failures[0], ElicenseError)
    assert failures[0].code in {"CONCURRENT_CHANGE", "WRONG_ORDER"}
    events = await store.read_stream(ev.request_stream("r-8"))
    steps = [e.data["step"] for e in events if e.type == "StepCompleted.v1"]
    assert steps.count("register_portal") == 1


async def test_status_names_the_step_and_the_deadline_for_the_cabinet(
    service: ElicenseService, pki: Pki, store: SqliteEventStore
) -> None:
    await portal_submit(service, pki, request_id="r-9")
    first = next(e for e in await sent(store) if e.type == msg.STATUS_TYPE)
    state = await service.load("r-9")
    assert first.body["step"] == "register_portal"
    assert (
        first.body["request_deadline"] == state.steps(service.engine_of(state)).deadline.isoformat()
    )
