"""What E-licensing takes off ``to.elicense``, whatever the gateway did (a queue is not a trust
boundary): the envelope must be the portal's, signed with the portal's own system certificate
and addressed to E-licensing, and the request in it must carry the applicant's own signature
over exactly what they signed at the portal. Anything else is parked with its reason, claims
nothing in the inbox and takes no request number (the numbers are gap-free)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from elicense_svc import messages as msg
from elicense_svc.domain import events as ev
from elicense_svc.entrypoints.consumer import CONSUMER, intake_inbox
from elicense_svc.handlers import ElicenseService
from shared.bus.port import Delivery, Message, Reject
from shared.clock import SimulatedClock
from shared.envelope import Envelope
from shared.eventlog.sqlite import SqliteEventStore
from shared.ids import Gender, make_bin, make_iin
from shared.pki.profiles import EntityRole, Individual, InformationSystem, LegalEntitySigner
from shared.signing import Signer
from tests.elicense.conftest import ALMATY_CULTURE_BIN, APPLICANT_IIN, Pki, portal_body

ATTACKER_IIN = make_iin(date(1990, 1, 1), Gender.MALE, 66)


def _body(pki: Pki, clock: SimulatedClock, request_id: str, **changes: Any) -> dict[str, Any]:
    """A portal submission, signed by the applicant (APPLICANT_IIN) over what they filed."""
    fields: dict[str, Any] = {
        "request_id": request_id,
        "service": "cultural_values_export",
        "applicant_iin": APPLICANT_IIN,
        "form": {"applicant_iin_bin": APPLICANT_IIN},
    }
    return {**portal_body(pki.applicant(APPLICANT_IIN), at=clock.now(), **fields), **changes}


def _envelope(clock: SimulatedClock, body: dict[str, Any], **changes: Any) -> Envelope:
    fields: dict[str, Any] = {
        "message_id": uuid.uuid4(),
        "correlation_id": str(body.get("request_id", "x")),
        "type": msg.SUBMIT_TYPE,
        "sender": "portal",
        "recipient": "elicense",
        "service_code": "cultural_values_export",
        "sent_at": clock.now(),
        "body": body,
    }
    fields.update(changes)
    return Envelope(**fields)


async def _refused(
    service: ElicenseService, store: SqliteEventStore, envelope: Envelope, signer: Signer | None
) -> str:
    """Parked with the reason: nothing appended, the message id not claimed."""
    signed = envelope.signed(signer) if signer is not None else envelope
    raw = signed.model_dump_json().encode()
    head = await store.head_position()
    with pytest.raises(Reject) as refused:
        await intake_inbox(service)(
            Delivery(Message("egov.deliver", "elicense", raw, "t-1"), "to.elicense", 1, False)
        )
    assert await store.head_position() == head  # no event, no number, no claim
    assert not await store.is_processed(CONSUMER, str(envelope.message_id))
    return refused.value.reason


async def _first_number_is_still_free(
    service: ElicenseService, pki: Pki, clock: SimulatedClock
) -> None:
    portal = pki.signer(InformationSystem("portal"))
    envelope = _envelope(clock, _body(pki, clock, "honest-1")).signed(portal)
    raw = envelope.model_dump_json().encode()
    await intake_inbox(service)(
        Delivery(Message("egov.deliver", "elicense", raw, "t-2"), "to.elicense", 1, False)
    )
    assert (await service.load("honest-1")).number == "ALA-CUL-2014-000001"


async def test_the_forged_applicant_signature_of_the_finding_is_refused(
    service: ElicenseService, store: SqliteEventStore, pki: Pki, clock: SimulatedClock
) -> None:
    # The finding: an envelope properly signed by the portal system, naming another person's
    # IIN, with the attacker's own (valid) signature over the request. It registered
    # ALA-CUL-2014-000003; now it is parked and takes no number.
    victim = {"applicant_iin": APPLICANT_IIN, "form": {"applicant_iin_bin": APPLICANT_IIN}}
    body = portal_body(
        pki.applicant(ATTACKER_IIN),
        at=clock.now(),
        request_id="forged-1",
        service="cultural_values_export",
        **victim,
    )
    portal = pki.signer(InformationSystem("portal"))
    reason = await _refused(service, store, _envelope(clock, body), portal)
    assert reason.startswith("APPLICANT_SIGNATURE_INVALID: SUBJECT_MISMATCH: ")
    assert APPLICANT_IIN in reason
    assert ATTACKER_IIN in reason
    assert await store.read_stream(ev.request_stream("forged-1")) == []
    await _first_number_is_still_free(service, pki, clock)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("unsigned", "APPLICANT_SIGNATURE_INVALID: the submission carries no applicant signature"),
        ("other_form", "APPLICANT_SIGNATURE_INVALID: BAD_SIGNATURE: "),
        ("other_documents", "APPLICANT_SIGNATURE_INVALID: BAD_SIGNATURE: "),
        ("no_version", "APPLICANT_SIGNATURE_INVALID: the submission names no regulation version"),
        ("system_signed", "APPLICANT_SIGNATURE_INVALID: SUBJECT_MISMATCH: "),
    ],
)
async def test_a_submission_without_the_applicants_own_signature_is_refused(
    service: ElicenseService,
    store: SqliteEventStore,
    pki: Pki,
    clock: SimulatedClock,
    case: str,
    expected: str,
) -> None:
    body = _body(pki, clock, f"bad-{case}")
    if case == "unsigned":
        del body["applicant_signature"]
    elif case == "other_form":  # signed, then changed on the way
        body["form"] = {"applicant_iin_bin": APPLICANT_IIN, "item": "another painting"}
    elif case == "other_documents":
        body["documents"] = [{"code": "scan", "name": "x.pdf", "sha256": "ab" * 32, "size": 1}]
    elif case == "no_version":
        del body["version"]
    elif case == "system_signed":  # the portal's own key cannot sign for the applicant
        signed = msg.PortalSubmission.model_validate(body).signed_bytes()
        assert signed is not None
        body["applicant_signature"] = pki.signer(InformationSystem("portal")).sign(signed)
    portal = pki.signer(InformationSystem("portal"))
    reason = await _refused(service, store, _envelope(clock, body), portal)
    assert reason.startswith(expected), reason
    await _first_number_is_still_free(service, pki, clock)


@pytest.mark.parametrize(
    ("changes", "signed_by", "expected"),
    [
        # Unsigned.
        ({}, None, "BAD_SIGNATURE: envelope is unsigned"),
        # A workstation's own, valid system certificate on an envelope that says "portal".
        (
            {},
            "provider.almaty.culture",
            "SENDER_MISMATCH: signed by the system 'provider.almaty.culture', not by the "
            "sender 'portal'",
        ),
        # The same workstation saying who it is: no workstation files a request here.
        (
            {"sender": "provider.almaty.culture"},
            "provider.almaty.culture",
            f"ROUTE_NOT_TAKEN: E-licensing takes no {msg.SUBMIT_TYPE} from "
            "'provider.almaty.culture' to 'elicense'",
        ),
        # The portal's, but of a type E-licensing does not take.
        (
            {"type": "status.changed.v2"},
            "portal",
            "ROUTE_NOT_TAKEN: E-licensing takes no status.changed.v2 from 'portal' to 'elicense'",
        ),
        # The portal's, but addressed to somebody else.
        (
            {"recipient": "provider.almaty.culture"},
            "portal",
            "WRONG_RECIPIENT: addressed to 'provider.almaty.culture'; E-licensing receives for "
            "elicense",
        ),
    ],
)
async def test_an_envelope_that_is_not_the_portals_request_to_elicense_is_parked(
    service: ElicenseService,
    store: SqliteEventStore,
    pki: Pki,
    clock: SimulatedClock,
    changes: dict[str, Any],
    signed_by: str | None,
    expected: str,
) -> None:
    envelope = _envelope(clock, _body(pki, clock, "env-1"), **changes)
    signer = pki.signer(InformationSystem(signed_by)) if signed_by else None
    assert await _refused(service, store, envelope, signer) == expected
    await _first_number_is_still_free(service, pki, clock)


async def test_an_envelope_signed_with_a_persons_certificate_is_parked(
    service: ElicenseService, store: SqliteEventStore, pki: Pki, clock: SimulatedClock
) -> None:
    employee = LegalEntitySigner(
        Individual(iin=ATTACKER_IIN, surname="Portalov", given_name="Test"),
        ALMATY_CULTURE_BIN,
        "Department of Culture",
        EntityRole.EMPLOYEE,
    )
    envelope = _envelope(clock, _body(pki, clock, "env-2"))
    reason = await _refused(service, store, envelope, pki.signer(employee))
    assert reason.startswith("NOT_A_SYSTEM_CERTIFICATE: ")


@pytest.mark.parametrize(
    ("role", "taken"),
    [
        (EntityRole.FIRST_HEAD, True),
        (EntityRole.SIGNER, True),
        (EntityRole.EMPLOYEE, False),
        (EntityRole.FINANCE, False),
        (EntityRole.HR, False),
    ],
)
async def test_a_legal_entitys_request_is_signed_by_someone_who_may_sign_for_it(
    service: ElicenseService,
    store: SqliteEventStore,
    pki: Pki,
    clock: SimulatedClock,
    role: EntityRole,
    taken: bool,
) -> None:
    """As the portal requires: the first head or a person with the right to sign, never an
    employee, an accountant or an HR officer, even with their own valid certificate of the
    entity's BIN."""
    company = make_bin(date(2015, 4, 1), serial=321)
    holder = LegalEntitySigner(
        Individual(iin=APPLICANT_IIN, surname="Seitkali", given_name="Aigerim"),
        company,
        "Mura LLP",
        role,
    )
    body = portal_body(
        pki.signer(holder),
        at=clock.now(),
        request_id=f"entity-{role.value}",
        service="cultural_values_export",
        applicant_iin=APPLICANT_IIN,
        applicant_bin=company,
        form={"applicant_iin_bin": company},
    )
    portal = pki.signer(InformationSystem("portal"))
    envelope = _envelope(clock, body)
    if taken:
        raw = envelope.signed(portal).model_dump_json().encode()
        await intake_inbox(service)(
            Delivery(Message("egov.deliver", "elicense", raw, "t-3"), "to.elicense", 1, False)
        )
        assert (await service.load(f"entity-{role.value}")).number == "ALA-CUL-2014-000001"
        return
    reason = await _refused(service, store, envelope, portal)
    assert reason.startswith("APPLICANT_SIGNATURE_INVALID: NO_RIGHT_TO_SIGN: "), reason
    assert company in reason
    await _first_number_is_still_free(service, pki, clock)
