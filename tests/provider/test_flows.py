"""Each regional-gateway service (A 2018, C, D, E) from each channel of its seed, to the result
and to each refusal, driven through the workstation's command handlers with signed envelopes
and staff signatures."""

from __future__ import annotations

from typing import Any

import pytest

from provider_svc.domain.errors import Conflict, InvalidInput
from provider_svc.domain.staff import StaffMember
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
    assert done.result is not None and done.result.document["kind"] == "certificate"
    head_iin = h.staff[(CULTURE, "head")][0]
    assert done.result.signer_iin == head_iin
    statuses = await h.statuses(rid)
    assert statuses[-1] == "completed"
    assert statuses[:3] == ["registered", "under_review", "in_progress"]
    results = [e for e in await h.outbox() if e.type == "result.issued.v1"]
    assert len(results) == 1 and results[0].recipient == "portal"
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
        assert verified.ok and verified.identity is not None
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
    assert len(await h.stream(rid)) == len(await h.stream(rid))  # nothing appended below
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
    document = [e for e in await h.outbox() if e.type == "result.issued.v1"][0].body["document"]
    assert document["kind"] == "reasoned_refusal" and document["grounds"] == GROUNDS


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
    assert done.result is not None and done.result.document["grounds"] == GROUNDS
