"""What the workstation refuses from the bus (parked with the reason, nothing written), and
that a redelivered message changes nothing."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from provider_svc.entrypoints.consumer import workstation_inbox
from shared.bus.port import Delivery, Message, Reject
from shared.envelope import Envelope
from shared.pki.jws import JwsSigner
from shared.pki.pkcs12 import load_pkcs12
from shared.pki.profiles import EntityRole, Individual, KeyPurpose, LegalEntitySigner
from tests.provider.conftest import Harness, applicant_body, iin
from tests.provider.test_flows import CULTURE


def _delivery(envelope: Envelope, message_id: str | None = None) -> Delivery:
    raw = envelope.model_dump_json().encode()
    return Delivery(
        Message("egov.deliver", CULTURE, raw, message_id or str(envelope.message_id)),
        f"to.{CULTURE}",
        1,
        False,
    )


async def _envelope(h: Harness, sender: str = "portal", **changes: Any) -> Envelope:
    fields: dict[str, Any] = {
        "message_id": uuid4(),
        "correlation_id": str(uuid4()),
        "type": "request.submitted.v1",
        "sender": sender,
        "recipient": CULTURE,
        "service_code": "cultural_values_export",
        "sent_at": h.clock.now(),
        "body": applicant_body(),
    }
    fields.update(changes)
    return Envelope(**fields)


async def _refused(h: Harness, envelope: Envelope) -> str:
    """Parked with the reason, and nothing appended (no event, no outbox row, no claim)."""
    head = await h.store.head_position()
    with pytest.raises(Reject) as rejected:
        await h.inbox(_delivery(envelope))
    assert await h.store.head_position() == head
    assert not await h.store.is_processed("provider", str(envelope.message_id))
    return rejected.value.reason


async def test_refusals_are_parked_with_the_reason(almaty: Harness) -> None:
    h = almaty
    portal = await h.system_signer("portal")
    elsewhere = await h.system_signer("elicense")

    unsigned = await _envelope(h)
    assert (await _refused(h, unsigned)).startswith("BAD_SIGNATURE: ")
    impostor = (await _envelope(h)).signed(elsewhere)
    assert (await _refused(h, impostor)).startswith("SENDER_MISMATCH: ")
    other_service = (await _envelope(h, service_code="archive_reference")).signed(portal)
    assert "service_not_rendered" in await _refused(h, other_service)
    no_applicant = (await _envelope(h, body={"form": {}})).signed(portal)
    assert "no_applicant" in await _refused(h, no_applicant)
    unknown_type = (await _envelope(h, type="request.cancelled.v1")).signed(portal)
    assert (await _refused(h, unknown_type)).startswith("ROUTE_NOT_TAKEN: ")
    mismatch = (await _envelope(h, body={**applicant_body(), "request_id": "other"})).signed(portal)
    assert "request_id_mismatch" in await _refused(h, mismatch)
    assert await h.store.read_all() == [
        e for e in await h.store.read_all() if e.stream_id.startswith("provider-staff-")
    ]


async def test_redelivery_is_a_no_op_and_a_reused_request_id_is_refused(almaty: Harness) -> None:
    h = almaty
    portal = await h.system_signer("portal")
    first = (await _envelope(h)).signed(portal)
    await h.inbox(_delivery(first))
    after_first = await h.store.head_position()
    await h.inbox(_delivery(first))  # the broker delivers it again
    assert await h.store.head_position() == after_first
    again = (await _envelope(h, correlation_id=first.correlation_id)).signed(portal)
    with pytest.raises(Reject) as duplicate:
        await h.inbox(_delivery(again))
    assert "duplicate_request" in duplicate.value.reason


async def test_an_envelope_signed_by_another_system_claiming_to_be_the_portal_is_parked(
    almaty: Harness,
) -> None:
    # Another workstation's own, valid system certificate, on an envelope that says "portal".
    h = almaty
    forged = (await _envelope(h)).signed(await h.system_signer("provider.almaty.green_economy"))
    reason = await _refused(h, forged)
    assert reason.startswith("SENDER_MISMATCH: ")
    assert "'provider.almaty.green_economy'" in reason


async def test_an_envelope_signed_with_a_persons_certificate_is_parked(almaty: Harness) -> None:
    # A valid certificate of the НУЦ, but a legal entity's employee's, not a system's.
    h = almaty
    person = Individual(iin(90), "Portalova", "Aigul")
    holder = LegalEntitySigner(person, "190340012345", "Portal LLP", EntityRole.EMPLOYEE)
    issued = await h.ca.issue(holder, KeyPurpose.SIGNING, password="pw")
    signer = JwsSigner.from_key_file(load_pkcs12(issued.pkcs12, password="pw"))
    reason = await _refused(h, (await _envelope(h)).signed(signer))
    assert reason.startswith("NOT_A_SYSTEM_CERTIFICATE: ")


async def test_an_envelope_addressed_to_another_workstation_is_parked(almaty: Harness) -> None:
    # Properly signed by the portal for the green economy department, put in culture's queue.
    h = almaty
    portal = await h.system_signer("portal")
    elsewhere = (await _envelope(h, recipient="provider.almaty.green_economy")).signed(portal)
    reason = await _refused(h, elsewhere)
    assert reason.startswith("WRONG_RECIPIENT: addressed to 'provider.almaty.green_economy'")


@pytest.mark.parametrize(
    ("sender", "type_"),
    [
        ("elicense", "request.submitted.v1"),  # E-licensing files no request at a workstation
        ("provider.almaty.green_economy", "request.submitted.v1"),  # nor does a workstation
        ("portal", "request.handed_out.v1"),  # only a PSC desk hands a result out
        ("portal", "status.changed.v2"),  # a workstation takes no statuses
    ],
)
async def test_a_message_the_workstation_does_not_take_from_that_sender_is_parked(
    almaty: Harness, sender: str, type_: str
) -> None:
    h = almaty
    envelope = (await _envelope(h, sender, type=type_)).signed(await h.system_signer(sender))
    reason = await _refused(h, envelope)
    assert reason == (
        f"ROUTE_NOT_TAKEN: the provider workstation takes no {type_} from {sender!r} to {CULTURE!r}"
    )


async def test_each_workstation_inbox_takes_only_envelopes_addressed_to_it(
    almaty: Harness,
) -> None:
    h = almaty
    inbox = workstation_inbox(h.service, "provider.almaty.green_economy")
    envelope = (await _envelope(h)).signed(await h.system_signer("portal"))  # for culture
    with pytest.raises(Reject, match=r"^WRONG_RECIPIENT: "):
        await inbox(_delivery(envelope))
    assert not await h.store.is_processed(inbox.consumer, str(envelope.message_id))
