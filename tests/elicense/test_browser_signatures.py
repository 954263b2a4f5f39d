"""Signatures made in a browser (NCALayer or `egov signer`: a detached CMS) at E-licensing: the
applicant's signature it checks again on a portal submission, and the authorized person's
permit signature (issue, re-issue, later verification); refused with the JWS path's codes when
over other bytes or by another person."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from elicense_svc.domain.errors import ElicenseError
from elicense_svc.domain.permit import signing_bytes
from elicense_svc.entrypoints.consumer import intake_inbox
from elicense_svc.handlers import ElicenseService
from shared.bus.port import Delivery, Message
from shared.clock import SimulatedClock
from shared.eventlog.sqlite import SqliteEventStore
from shared.pki.profiles import InformationSystem
from tests.elicense.conftest import (
    ALMATY_CULTURE_BIN,
    APPLICANT_IIN,
    CLERK_IIN,
    EXECUTOR_IIN,
    HEAD_IIN,
    Pki,
    portal_body,
    staff_actor,
)
from tests.elicense.test_intake_checks import ATTACKER_IIN, _envelope, _refused
from tests.elicense.test_paths import portal_submit

FIELDS: dict[str, Any] = {
    "service": "cultural_values_export",
    "applicant_iin": APPLICANT_IIN,
    "form": {"applicant_iin_bin": APPLICANT_IIN},
}


async def test_a_submission_signed_in_a_browser_is_registered(
    service: ElicenseService, pki: Pki, clock: SimulatedClock
) -> None:
    applicant = pki.in_browser(pki.applicant(APPLICANT_IIN))
    body = portal_body(applicant, at=clock.now(), request_id="cms-1", **FIELDS)
    assert body["applicant_signature"].startswith("-----BEGIN CMS-----")
    envelope = _envelope(clock, body).signed(pki.signer(InformationSystem("portal")))
    raw = envelope.model_dump_json().encode()
    await intake_inbox(service)(
        Delivery(
            Message("egov.deliver", "elicense", raw, str(uuid.uuid4())), "to.elicense", 1, False
        )
    )
    assert (await service.load("cms-1")).number == "ALA-CUL-2014-000001"


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("another_person", "APPLICANT_SIGNATURE_INVALID: SUBJECT_MISMATCH: "),
        ("other_form", "APPLICANT_SIGNATURE_INVALID: BAD_SIGNATURE: "),
    ],
)
async def test_a_browser_signature_is_refused_as_a_jws_is(
    service: ElicenseService,
    store: SqliteEventStore,
    pki: Pki,
    clock: SimulatedClock,
    case: str,
    expected: str,
) -> None:
    portal = pki.signer(InformationSystem("portal"))
    jws = pki.applicant(ATTACKER_IIN if case == "another_person" else APPLICANT_IIN)
    reasons = []
    for number, made_by in enumerate((jws, pki.in_browser(jws))):
        body = portal_body(made_by, at=clock.now(), request_id=f"bad-{number}", **FIELDS)
        if case == "other_form":  # signed, then changed on the way
            body["form"] = {"applicant_iin_bin": APPLICANT_IIN, "item": "another painting"}
        reason = await _refused(service, store, _envelope(clock, body), portal)
        assert reason.startswith(expected), reason
        reasons.append(reason.split(": ")[:2])  # the refusal and the verification code
    by_jws, by_cms = reasons
    assert by_cms == by_jws


async def _drafted(service: ElicenseService, pki: Pki) -> tuple[Any, Any, Any, dict[str, Any]]:
    """A request at the head's signing step: the head (actor, JWS signer), the clerk, the
    permit's draft."""
    await portal_submit(service, pki, request_id="p-1")
    d = service.directory
    clerk = staff_actor(d, CLERK_IIN, pki.staff(CLERK_IIN, ALMATY_CULTURE_BIN))
    executor = staff_actor(d, EXECUTOR_IIN, pki.staff(EXECUTOR_IIN, ALMATY_CULTURE_BIN))
    head_signer = pki.staff(HEAD_IIN, ALMATY_CULTURE_BIN)
    head = staff_actor(d, HEAD_IIN, head_signer)
    await service.act(executor, "p-1", step="register_portal", outcome="registered")
    await service.act(head, "p-1", step="assign_executor", outcome="assigned")
    await service.act(executor, "p-1", step="check_documents", outcome="complete")
    await service.act(executor, "p-1", step="prepare_result", outcome="result_drafted")
    return head, head_signer, clerk, await service.permit_draft(head, "p-1")


async def _sign_code(service: ElicenseService, head: Any, signature: str) -> str:
    with pytest.raises(ElicenseError) as refused:
        await service.act(head, "p-1", step="sign", outcome="signed", document_signature=signature)
    return refused.value.code


async def test_the_permit_is_signed_in_a_browser(service: ElicenseService, pki: Pki) -> None:
    head, head_signer, clerk, draft = await _drafted(service, pki)
    head_cms = pki.in_browser(head_signer)
    clerk_jws = pki.staff(CLERK_IIN, ALMATY_CULTURE_BIN)
    # Over other bytes, and by another person: the JWS path's codes.
    assert await _sign_code(service, head, head_signer.sign(b"other")) == "SIGNATURE_BAD_SIGNATURE"
    assert await _sign_code(service, head, head_cms.sign(b"other")) == "SIGNATURE_BAD_SIGNATURE"
    by_clerk = clerk_jws.sign(signing_bytes(draft))
    assert await _sign_code(service, head, by_clerk) == "SIGNATURE_SUBJECT_MISMATCH"
    by_clerk_cms = pki.in_browser(clerk_jws).sign(signing_bytes(draft))
    assert await _sign_code(service, head, by_clerk_cms) == "SIGNATURE_SUBJECT_MISMATCH"
    signature = head_cms.sign(signing_bytes(draft))
    await service.act(head, "p-1", step="sign", outcome="signed", document_signature=signature)
    state = await service.act(clerk, "p-1", step="hand_out", outcome="issued")
    assert state.permit_number is not None
    number = state.permit_number
    # Checked again whenever the permit is looked at: by its holder and staff, by anyone.
    verification = await service.verify_permit(number)
    assert (verification["signature"]["valid"], verification["signature"]["code"]) == (True, "OK")
    assert verification["document_signature"] == signature
    public = await service.public_permit(number)
    assert public["signature"] == {"valid": True, "code": "OK"}
    # A re-issued edition signed in a browser too.
    reissued = await service.reissue_draft(head, number, "holder renamed")
    with pytest.raises(ElicenseError) as bad:
        await service.permit_command(
            head, number, "reissue", reason="holder renamed", document_signature=head_cms.sign(b"x")
        )
    assert bad.value.code == "SIGNATURE_BAD_SIGNATURE"
    await service.permit_command(
        head,
        number,
        "reissue",
        reason="holder renamed",
        document_signature=head_cms.sign(signing_bytes(reissued)),
    )
    again = await service.verify_permit(number)
    assert (again["edition"], again["signature"]["valid"]) == (2, True)
