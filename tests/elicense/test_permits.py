"""The permit registry's lifecycle (003 p.5.3): re-issue, suspend, resume, terminate, each an
event with a status notification; public verification by number with the signature check."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography import x509

from elicense_svc import messages as msg
from elicense_svc.domain import events as ev
from elicense_svc.domain.actors import Actor
from elicense_svc.domain.errors import ElicenseError
from elicense_svc.domain.permit import signing_bytes
from elicense_svc.handlers import ElicenseService
from shared.clock import SimulatedClock
from shared.eventlog.sqlite import SqliteEventStore
from shared.pki.jws import JwsSigner
from tests.elicense.conftest import (
    AKMOLA_CULTURE_BIN,
    AKMOLA_EMPLOYEE_IIN,
    ALMATY_CULTURE_BIN,
    CLERK_IIN,
    EXECUTOR_IIN,
    HEAD_IIN,
    Pki,
    staff_actor,
)
from tests.elicense.test_paths import portal_submit, sent


async def issued_permit(service: ElicenseService, pki: Pki) -> tuple[str, Actor, JwsSigner]:
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
    draft = await service.permit_draft(head, "p-1")
    signature = head_signer.sign(signing_bytes(draft))
    await service.act(head, "p-1", step="sign", outcome="signed", document_signature=signature)
    state = await service.act(clerk, "p-1", step="hand_out", outcome="issued")
    assert state.permit_number is not None
    return state.permit_number, head, head_signer


async def test_lifecycle_states_and_notifications(
    service: ElicenseService, pki: Pki, store: SqliteEventStore
) -> None:
    number, head, _ = await issued_permit(service, pki)
    await service.permit_command(head, number, "suspend", reason="inspection")
    assert (await service.verify_permit(number))["state"] == "suspended"
    with pytest.raises(ElicenseError) as twice:
        await service.permit_command(head, number, "suspend", reason="again")
    assert twice.value.code == "PERMIT_STATE"
    await service.permit_command(head, number, "resume", reason="inspection passed")
    assert (await service.verify_permit(number))["state"] == "valid"
    await service.permit_command(head, number, "terminate", reason="holder asked")
    verification = await service.verify_permit(number)
    assert verification["state"] == "terminated"
    assert verification["reason"] == "holder asked"
    with pytest.raises(ElicenseError) as after_end:
        await service.permit_command(head, number, "resume", reason="no")
    assert after_end.value.code == "PERMIT_STATE"
    notes = [e.body for e in await sent(store) if e.type == msg.STATUS_TYPE]
    notified = [b["status"] for b in notes if "permit" in b]
    assert notified == ["permit_suspended", "permit_resumed", "permit_terminated"]
    assert [b["permit"]["state"] for b in notes if "permit" in b] == [
        "suspended",
        "valid",
        "terminated",
    ]
    # One request's statuses, its permit's included, are numbered 1, 2, ... without a gap.
    assert [b["seq"] for b in notes] == list(range(1, len(notes) + 1))
    events = await store.read_stream(ev.permit_stream(number))
    assert [e.metadata["actor"]["iin"] for e in events] == [HEAD_IIN] * 4


async def test_reissue_signs_a_new_edition(service: ElicenseService, pki: Pki) -> None:
    number, head, head_signer = await issued_permit(service, pki)
    draft = await service.reissue_draft(head, number, "holder renamed")
    assert draft["edition"] == 2
    with pytest.raises(ElicenseError) as bad:
        await service.permit_command(
            head,
            number,
            "reissue",
            reason="holder renamed",
            document_signature=head_signer.sign(b"something else"),
        )
    assert bad.value.code == "SIGNATURE_BAD_SIGNATURE"
    await service.permit_command(
        head,
        number,
        "reissue",
        reason="holder renamed",
        document_signature=head_signer.sign(signing_bytes(draft)),
    )
    verification = await service.verify_permit(number)
    assert verification["edition"] == 2
    assert verification["state"] == "valid"
    assert verification["signature"]["valid"] is True


async def test_verification_reports_a_revoked_signer(
    service: ElicenseService, pki: Pki, clock: SimulatedClock
) -> None:
    number, _, head_signer = await issued_permit(service, pki)
    assert head_signer.identity.serial is not None
    leaf = pki.issued[head_signer.identity.serial]
    pki.endpoint.revoke(leaf, x509.ReasonFlags.key_compromise)
    await clock.advance(timedelta(days=2))  # past the cached OCSP answer's next update
    verification = await service.verify_permit(number)
    assert verification["signature"]["valid"] is False
    assert verification["signature"]["code"] == "CERT_REVOKED"


async def test_only_the_providers_authorized_role_runs_commands(
    service: ElicenseService, pki: Pki
) -> None:
    number, _, _ = await issued_permit(service, pki)
    clerk = staff_actor(service.directory, CLERK_IIN, pki.staff(CLERK_IIN, ALMATY_CULTURE_BIN))
    with pytest.raises(ElicenseError) as role:
        await service.permit_command(clerk, number, "suspend", reason="x")
    assert role.value.code == "ROLE_REQUIRED"
    akmola = staff_actor(
        service.directory,
        AKMOLA_EMPLOYEE_IIN,
        pki.staff(AKMOLA_EMPLOYEE_IIN, AKMOLA_CULTURE_BIN),
    )
    with pytest.raises(ElicenseError) as other:
        await service.permit_command(akmola, number, "suspend", reason="x")
    assert other.value.code == "PERMIT_NOT_FOUND"
    with pytest.raises(ElicenseError) as unknown:
        await service.verify_permit("KZ-2014-A-999999")
    assert unknown.value.code == "PERMIT_NOT_FOUND"
