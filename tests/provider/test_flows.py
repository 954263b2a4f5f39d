"""Each regional-gateway service (A 2018, C, D, E) from each channel of its seed, to the result
and to each refusal, driven through the workstation's command handlers with signed envelopes
and staff signatures."""

from __future__ import annotations

from typing import Any

import pytest

from provider_svc.domain.errors import Conflict, InvalidInput
from provider_svc.domain.staff import StaffMember
from provider_svc.handlers import HANDED_OUT_TYPE
from shared.pki.jws import JwsSigner
from tests.provider.conftest import APPLICANT, Harness, applicant_body

CULTURE = "provider.almaty.culture"
GREEN = "provider.almaty.green_economy"
ARCHIVES = "provider.astana.archives"
GROUNDS = {"kk": "Құжаттар Стандартқа сәйкес емес", "ru": "Документы не соответствуют Стандарту"}


async def member(h: Harness, ws: str, role: str) -> tuple[StaffMember, JwsSigner]:
    staff_iin, signer = await h.hire(ws, role)
    roster = await h.service.roster(ws)
    return roster[staff_iin], signer


async def do(
    h: Harness,
    ws: str,
    request_id: str,
    role: str,
    step: str,
    outcome: str,
    *,
    grounds: dict[str, str] | None = None,
    sign: bool = False,
) -> Any:
    who, signer = await member(h, ws, role)
    signature = None
    if sign:
        draft = await h.service.draft(ws, who, request_id, outcome=outcome, grounds=grounds)
        from provider_svc.domain.documents import signing_bytes

        signature = signer.sign(signing_bytes(draft))
    return await h.service.act(
        ws,
        who,
        request_id,
        step=step,
        outcome=outcome,
        grounds=grounds,
        document_signature=signature,
    )


async def test_a_2018_portal_to_certificate(almaty: Harness) -> None:
    h = almaty
    rid = await h.deliver(
        sender="portal",
        recipient=CULTURE,
        service_code="cultural_values_export",
        body=applicant_body(),
    )
    assert await h.statuses(rid) == ["registered"]
    await do(h, CULTURE, rid, "office_clerk", "register", "registered")
    await do(h, CULTURE, rid, "head", "review_and_assign", "executor_assigned")
    await do(h, CULTURE, rid, "executor", "send_to_commission", "sent")
    await do(h, CULTURE, rid, "expert_commission", "expertise", "examined")
    await do(h, CULTURE, rid, "executor", "write_up_conclusion", "conclusion_written")
    await do(h, CULTURE, rid, "executor", "draft_result", "certificate_drafted")
    await do(h, CULTURE, rid, "head", "sign", "signed", sign=True)
    done = await do(h, CULTURE, rid, "office_clerk", "hand_out", "certificate_issued")
    assert done.state.finished == "completed"
    assert done.result is not None
    assert done.result.document["kind"] == "certificate"
    head_iin = h.staff[(CULTURE, "head")][0]
    assert done.result.signer_iin == head_iin
    statuses = await h.statuses(rid)
    assert statuses[-1] == "completed"
    assert statuses[:3] == ["registered", "under_review", "in_progress"]
    results = [e for e in await h.outbox() if e.type == "result.issued.v1"]
    assert len(results) == 1
    assert results[0].recipient == "portal"
    assert results[0].body["document"]["applicant_iin"] == APPLICANT
    # The document's signature verifies as the head's own, over the canonical document.
    from provider_svc.domain.documents import signing_bytes

    check = h.verifier.verify(
        signing_bytes(results[0].body["document"]),
        str(results[0].body["signature"]),
        expected_iin=head_iin,
    )
    assert check.ok
    # Every envelope is signed by the workstation's system certificate.
    for envelope in await h.outbox():
        verified = envelope.verify(h.verifier)
        assert verified.ok
        assert verified.identity is not None
        assert verified.identity.subject == CULTURE


async def test_wrong_role_and_wrong_order_are_refused_with_the_reason(almaty: Harness) -> None:
    h = almaty
    rid = await h.deliver(
        sender="portal",
        recipient=CULTURE,
        service_code="cultural_values_export",
        body=applicant_body(),
    )
    with pytest.raises(Conflict) as wrong_role:
        await do(h, CULTURE, rid, "executor", "register", "registered")
    assert wrong_role.value.code == "WRONG_ROLE"
    assert "office_clerk" in wrong_role.value.message
    with pytest.raises(Conflict) as wrong_order:
        await do(h, CULTURE, rid, "head", "review_and_assign", "executor_assigned")
    assert wrong_order.value.code == "WRONG_ORDER"
    before = len(await h.stream(rid))
    with pytest.raises(Conflict):
        await do(h, CULTURE, rid, "head", "sign", "signed")
    assert len(await h.stream(rid)) == before


async def test_a_2018_documents_refused_at_review_needs_grounds_and_signature(
    almaty: Harness,
) -> None:
    h = almaty
    rid = await h.deliver(
        sender="portal",
        recipient=CULTURE,
        service_code="cultural_values_export",
        body=applicant_body(),
    )
    await do(h, CULTURE, rid, "office_clerk", "register", "registered")
    with pytest.raises(InvalidInput) as no_grounds:
        await do(h, CULTURE, rid, "head", "review_and_assign", "documents_non_compliant")
    assert no_grounds.value.code == "grounds_required"
    with pytest.raises(InvalidInput) as unsigned:
        await do(
            h, CULTURE, rid, "head", "review_and_assign", "documents_non_compliant", grounds=GROUNDS
        )
    assert unsigned.value.code == "signature_required"
    done = await do(
        h,
        CULTURE,
        rid,
        "head",
        "review_and_assign",
        "documents_non_compliant",
        grounds=GROUNDS,
        sign=True,
    )
    assert done.state.finished == "refused"
    assert done.state.refusal == "DOCUMENTS_NON_COMPLIANT"
    refused = [e for e in await h.outbox() if e.body.get("status") == "refused"]
    assert refused[0].body["refusal"] == {"code": "DOCUMENTS_NON_COMPLIANT", "grounds": GROUNDS}
    document = next(e for e in await h.outbox() if e.type == "result.issued.v1").body["document"]
    assert document["kind"] == "reasoned_refusal"
    assert document["grounds"] == GROUNDS


async def test_a_2018_reasoned_refusal_after_expertise(almaty: Harness) -> None:
    h = almaty
    rid = await h.deliver(
        sender="portal",
        recipient=CULTURE,
        service_code="cultural_values_export",
        body=applicant_body(),
    )
    for role, step, outcome in [
        ("office_clerk", "register", "registered"),
        ("head", "review_and_assign", "executor_assigned"),
        ("executor", "send_to_commission", "sent"),
        ("expert_commission", "expertise", "examined"),
        ("executor", "write_up_conclusion", "conclusion_written"),
    ]:
        await do(h, CULTURE, rid, role, step, outcome)
    await do(h, CULTURE, rid, "executor", "draft_result", "refusal_drafted", grounds=GROUNDS)
    await do(h, CULTURE, rid, "head", "sign", "signed", sign=True)
    with pytest.raises(Conflict) as guarded:
        await do(h, CULTURE, rid, "office_clerk", "hand_out", "certificate_issued")
    assert guarded.value.code == "OUTCOME_NOT_ALLOWED"
    done = await do(h, CULTURE, rid, "office_clerk", "hand_out", "refusal_issued")
    assert done.state.finished == "refused"
    assert done.result is not None
    assert done.result.document["grounds"] == GROUNDS


@pytest.mark.parametrize(
    ("service", "drafted", "issued", "kind"),
    [
        ("minerals_absence_conclusion", "conclusion_drafted", "conclusion_issued", "conclusion"),
        (
            "minerals_absence_conclusion",
            "informational_letter_drafted",
            "informational_letter_issued",
            "informational_letter",
        ),
        ("minerals_building_permit", "permit_drafted", "permit_issued", "permit"),
    ],
)
async def test_c_and_d_portal_to_result_with_the_deputys_endorsement(
    almaty: Harness, service: str, drafted: str, issued: str, kind: str
) -> None:
    h = almaty
    rid = await h.deliver(
        sender="portal", recipient=GREEN, service_code=service, body=applicant_body(area="Medeu")
    )
    await do(h, GREEN, rid, "employee", "register", "registered")
    await do(h, GREEN, rid, "head", "head_review", "sent_to_deputy")
    await do(h, GREEN, rid, "deputy", "deputy_review", "accepted")
    await do(h, GREEN, rid, "department_employee", "prepare_result", drafted)
    await do(h, GREEN, rid, "deputy", "endorse", "endorsed")
    done = await do(h, GREEN, rid, "head", "sign", issued, sign=True)
    assert done.state.finished == "completed"
    assert done.result is not None
    assert done.result.document["kind"] == kind
    assert (await h.statuses(rid))[-1] == "completed"


@pytest.mark.parametrize("service", ["minerals_absence_conclusion", "minerals_building_permit"])
async def test_c_and_d_refusals(almaty: Harness, service: str) -> None:
    h = almaty
    # Refused by the deputy at review (condition 3: documents do not comply).
    first = await h.deliver(
        sender="portal", recipient=GREEN, service_code=service, body=applicant_body()
    )
    await do(h, GREEN, first, "employee", "register", "registered")
    await do(h, GREEN, first, "head", "head_review", "sent_to_deputy")
    refused = await do(
        h,
        GREEN,
        first,
        "deputy",
        "deputy_review",
        "documents_non_compliant",
        grounds=GROUNDS,
        sign=True,
    )
    assert refused.state.refusal == "DOCUMENTS_NON_COMPLIANT"
    assert refused.result is not None
    assert refused.result.signer_iin == h.staff[(GREEN, "deputy")][0]
    # A reasoned refusal drafted by the department employee, endorsed, signed by the head.
    second = await h.deliver(
        sender="portal", recipient=GREEN, service_code=service, body=applicant_body()
    )
    await do(h, GREEN, second, "employee", "register", "registered")
    await do(h, GREEN, second, "head", "head_review", "sent_to_deputy")
    await do(h, GREEN, second, "deputy", "deputy_review", "accepted")
    await do(
        h,
        GREEN,
        second,
        "department_employee",
        "prepare_result",
        "reasoned_refusal_drafted",
        grounds=GROUNDS,
    )
    await do(h, GREEN, second, "deputy", "endorse", "endorsed")
    done = await do(h, GREEN, second, "head", "sign", "reasoned_refusal_issued", sign=True)
    assert done.state.refusal == "APPLICANT_NON_COMPLIANT"
    assert done.result is not None
    assert done.result.document["grounds"] == GROUNDS
    assert (await h.statuses(second))[-1] == "refused"


async def test_c_is_not_taken_on_paper(almaty: Harness) -> None:
    h = almaty
    clerk, _ = await member(h, GREEN, "employee")
    with pytest.raises(InvalidInput) as refused:
        await h.service.register_paper(
            GREEN, clerk, service="C", applicant_iin=APPLICANT, form={}, documents_=[]
        )
    assert refused.value.code == "channel_not_offered"


async def test_e_portal_register_runs_automatically_then_reference(astana: Harness) -> None:
    h = astana
    rid = await h.deliver(
        sender="portal", recipient=ARCHIVES, service_code="archive_reference", body=applicant_body()
    )
    # The LEB IS registers within its minute with no one's decision (004 p.8 process 6); the
    # request stays «түскен» while the archive searches: «іске алынған» is sent only after the
    # decision (004 appendix 2 table 3 actions 6-8).
    assert await h.statuses(rid) == ["registered", "registered"]
    registered = [e for e in await h.stream(rid) if e.type == "StepCompleted.v1"]
    assert registered[0].data["actor"] == ARCHIVES
    # 004 p.8: the statuses of a portal request go to the PSC IS as well.
    notes = [e for e in await h.outbox() if e.type == "status.changed.v2"]
    assert {e.body["psc_desk"] for e in notes} == {"psc.astana"}
    assert {e.recipient for e in notes} == {"portal"}
    await do(h, ARCHIVES, rid, "provider_employee", "search_and_decide", "reference_prepared")
    done = await do(
        h, ARCHIVES, rid, "provider_employee", "sign_output", "reference_to_cabinet", sign=True
    )
    assert done.state.finished == "completed"
    assert done.result is not None
    assert done.result.document["kind"] == "archive_reference"


async def test_e_psc_channel_result_to_the_desk_and_hand_out(astana: Harness) -> None:
    h = astana
    desk = "psc.astana"
    rid = await h.deliver(
        sender=desk,
        recipient=ARCHIVES,
        service_code="E",
        body={**applicant_body(), "operator_iin": APPLICANT},
    )
    stream = await h.stream(rid)
    accepted = next(e for e in stream if e.type == "StepCompleted.v1")
    assert accepted.data["step"] == "accept_at_psc"
    assert accepted.data["actor"] == f"{desk}:{APPLICANT}"
    await do(
        h,
        ARCHIVES,
        rid,
        "provider_employee",
        "search_and_decide",
        "refusal_prepared",
        grounds=GROUNDS,
    )
    with pytest.raises(Conflict) as wrong_channel:
        await do(
            h, ARCHIVES, rid, "provider_employee", "sign_output", "to_provider_desk", sign=True
        )
    assert wrong_channel.value.code == "OUTCOME_NOT_ALLOWED"
    await do(h, ARCHIVES, rid, "provider_employee", "sign_output", "to_psc", sign=True)
    # The signed refusal goes to the desk that filed the request, and every status names it.
    out = await h.outbox()
    results = [e for e in out if e.type == "result.issued.v1"]
    assert [e.recipient for e in results] == [desk]
    assert results[0].body["document"]["grounds"] == GROUNDS
    notes = [e for e in out if e.type == "status.changed.v2"]
    assert all(e.body["psc_desk"] == desk for e in notes)
    # The desk reports the hand-out (004 p.7 process 8).
    await h.deliver(
        sender=desk,
        recipient=ARCHIVES,
        service_code="archive_reference",
        body={"request_id": rid, "outcome": "handed_out", "how": "in_person"},
        type_=HANDED_OUT_TYPE,
        correlation_id=rid,
    )
    request, _, _ = await h.service.load(rid)
    assert request.state.finished == "refused"
    assert request.state.runs[-1].actor == desk
    results = [e for e in await h.outbox() if e.type == "result.issued.v1"]
    assert [e.recipient for e in results] == [desk]  # sent once, before the hand-out


async def test_e_paper_at_the_provider_checks_the_registry(astana: Harness) -> None:
    h = astana
    clerk, _ = await member(h, ARCHIVES, "provider_employee")
    docs = [{"code": d, "sha256": "ab" * 32} for d in _required(h, "archive_reference")]
    rid = await h.service.register_paper(
        ARCHIVES,
        clerk,
        service="archive_reference",
        applicant_iin=APPLICANT,
        form={"topic": "land"},
        documents_=docs,
    )
    assert h.registry.asked == [(APPLICANT, ARCHIVES)]
    request, _, _ = await h.service.load(rid)
    assert request.applicant_found is True
    assert request.state.current is not None
    assert request.state.current.step == "search_and_decide"
    await do(h, ARCHIVES, rid, "provider_employee", "search_and_decide", "reference_prepared")
    await do(h, ARCHIVES, rid, "provider_employee", "sign_output", "to_provider_desk", sign=True)
    done = await do(
        h, ARCHIVES, rid, "provider_employee", "hand_out_at_provider", "reference_handed_out"
    )
    assert done.state.finished == "completed"
    # Paper in, paper out: statuses reach the cabinet, the document is handed out at the office.
    assert not [e for e in await h.outbox() if e.type == "result.issued.v1"]
    assert (await h.statuses(rid))[-1] == "completed"


async def test_paper_refused_when_the_registry_does_not_know_the_applicant(almaty: Harness) -> None:
    from tests.provider.conftest import UNKNOWN_PERSON

    h = almaty
    clerk, _ = await member(h, CULTURE, "office_clerk")
    docs = [{"code": "standard_p9_documents", "sha256": "ab" * 32}]
    with pytest.raises(InvalidInput) as unknown:
        await h.service.register_paper(
            CULTURE, clerk, service="A", applicant_iin=UNKNOWN_PERSON, form={}, documents_=docs
        )
    assert unknown.value.code == "registry_not_found"
    with pytest.raises(InvalidInput) as missing:
        await h.service.register_paper(
            CULTURE, clerk, service="A", applicant_iin=APPLICANT, form={}, documents_=[]
        )
    assert missing.value.code == "documents_missing"
    rid = await h.service.register_paper(
        CULTURE, clerk, service="A", applicant_iin=APPLICANT, form={}, documents_=docs
    )
    request, _, _ = await h.service.load(rid)
    assert request.state.current is not None
    assert request.state.current.step == "review_and_assign"
    assert request.state.runs[0].actor == clerk.iin


def _required(h: Harness, code: str) -> list[str]:
    return [d.code for d in h.service.catalog.versions(code)[0].required_documents]


async def test_a_2018_paper_application_to_the_certificate_handed_out_at_the_office(
    almaty: Harness,
) -> None:
    h = almaty
    clerk, _ = await member(h, CULTURE, "office_clerk")
    docs = [{"code": "standard_p9_documents", "sha256": "cd" * 32, "pages": 3}]
    rid = await h.service.register_paper(
        CULTURE, clerk, service="A", applicant_iin=APPLICANT, form={"item": "vase"}, documents_=docs
    )
    for role, step, outcome in [
        ("head", "review_and_assign", "executor_assigned"),
        ("executor", "send_to_commission", "sent"),
        ("expert_commission", "expertise", "examined"),
        ("executor", "write_up_conclusion", "conclusion_written"),
        ("executor", "draft_result", "certificate_drafted"),
    ]:
        await do(h, CULTURE, rid, role, step, outcome)
    await do(h, CULTURE, rid, "head", "sign", "signed", sign=True)
    done = await do(h, CULTURE, rid, "office_clerk", "hand_out", "certificate_issued")
    assert done.state.channel.value == "provider_office"
    assert done.state.finished == "completed"
    assert done.result is not None
    assert done.result.document["form"] == {"item": "vase"}
    statuses = await h.statuses(rid)
    assert statuses[0] == "registered"
    assert statuses[-1] == "completed"
    # Handed out on paper: no electronic result goes anywhere.
    assert not [e for e in await h.outbox() if e.type == "result.issued.v1"]


async def test_a_concurrent_change_refuses_the_stale_decision(
    almaty: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.eventlog.port import NewEvent

    h = almaty
    rid = await h.deliver(
        sender="portal", recipient=CULTURE, service_code="A", body=applicant_body()
    )
    clerk, _ = await member(h, CULTURE, "office_clerk")
    real_append = h.store.append
    raced = False

    async def racing_append(stream_id: str, new: Any, **kwargs: Any) -> Any:
        nonlocal raced
        if not raced and stream_id.endswith(rid):
            raced = True  # another writer commits first
            await real_append(stream_id, [NewEvent("OtherWriter.v1", {"request_id": rid})])
        return await real_append(stream_id, new, **kwargs)

    monkeypatch.setattr(h.store, "append", racing_append)
    before = len(await h.stream(rid))
    with pytest.raises(Conflict) as stale:
        await h.service.act(CULTURE, clerk, rid, step="register", outcome="registered")
    assert stale.value.code == "CONCURRENT_CHANGE"
    assert len(await h.stream(rid)) == before + 1  # only the other writer's event
    done = await h.service.act(CULTURE, clerk, rid, step="register", outcome="registered")
    assert done.state.current is not None
    assert done.state.current.step == "review_and_assign"
