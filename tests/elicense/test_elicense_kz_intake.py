"""ElicenseService.receive_applicant: a request the applicant files at elicense.kz itself
(003 p.1, channel elicense_portal), the one service-layer way in for the pages and any API. It
is checked and registered as a portal submission is: the applicant's signature over the
request they signed first (nothing numbered when it fails), then the provider's next number."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from elicense_svc import messages as msg
from elicense_svc.domain import events as ev
from elicense_svc.domain.errors import ElicenseError
from elicense_svc.handlers import ElicenseService
from shared.clock import SimulatedClock
from shared.envelope import Envelope
from shared.eventlog.sqlite import SqliteEventStore
from shared.signing import Signer
from tests.elicense.conftest import AKMOLA_START, APPLICANT_IIN, UNKNOWN_IIN, Pki, portal_body


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(AKMOLA_START)


def filed(
    signer: Signer, clock: SimulatedClock, request_id: str, **fields: Any
) -> msg.PortalSubmission:
    body = portal_body(
        signer,
        at=clock.now(),
        request_id=request_id,
        service="A",
        channel=fields.pop("channel", "elicense_portal"),
        applicant_iin=fields.pop("applicant_iin", APPLICANT_IIN),
        **fields,
    )
    return msg.PortalSubmission.model_validate(body)


async def test_a_request_filed_at_elicense_kz_is_registered_as_a_portal_one(
    service: ElicenseService, pki: Pki, clock: SimulatedClock, store: SqliteEventStore
) -> None:
    state = await service.receive_applicant(filed(pki.applicant(APPLICANT_IIN), clock, "kz-1"))
    assert (state.number, state.channel.value) == ("AKM-CUL-2013-000001", "elicense_portal")
    assert state.source["via"] == msg.ELICENSE_KZ
    events = await store.read_stream(ev.request_stream("kz-1"))
    assert events[0].metadata["actor"]["kind"] == "applicant"
    assert events[0].metadata["actor"]["iin"] == APPLICANT_IIN
    # The portal's next submission takes the provider's next number: one sequence for both.
    body = portal_body(
        pki.applicant(APPLICANT_IIN),
        at=clock.now(),
        request_id="portal-1",
        service="A",
        applicant_iin=APPLICANT_IIN,
    )
    envelope = Envelope(
        message_id=uuid.uuid4(),
        correlation_id="portal-1",
        type=msg.SUBMIT_TYPE,
        sender="portal",
        recipient="elicense",
        service_code="cultural_values_export",
        sent_at=clock.now(),
        body=body,
    )
    effects = await service.receive_portal(envelope, msg.PortalSubmission.model_validate(body))
    registered = next(e for e in effects.events if e.type == ev.REQUEST_REGISTERED)
    assert registered.data["number"] == "AKM-CUL-2013-000002"
    with pytest.raises(ElicenseError) as again:
        await service.receive_applicant(filed(pki.applicant(APPLICANT_IIN), clock, "kz-1"))
    assert again.value.code == "DUPLICATE_REQUEST"
    await service.idle()


async def test_another_persons_signature_registers_nothing(
    service: ElicenseService, pki: Pki, clock: SimulatedClock, store: SqliteEventStore
) -> None:
    stranger = pki.applicant(UNKNOWN_IIN)
    with pytest.raises(ElicenseError) as refused:
        await service.receive_applicant(filed(stranger, clock, "kz-2"))
    assert refused.value.code == "APPLICANT_SIGNATURE_INVALID"
    with pytest.raises(ElicenseError) as other_channel:
        await service.receive_applicant(
            filed(pki.applicant(APPLICANT_IIN), clock, "kz-3", channel="portal")
        )
    assert other_channel.value.code == "CHANNEL_NOT_OFFERED"
    assert await store.read_all(after=0, limit=10) == []
    state = await service.receive_applicant(filed(pki.applicant(APPLICANT_IIN), clock, "kz-4"))
    assert state.number == "AKM-CUL-2013-000001"  # no number was drawn for the refused ones
    await service.idle()
