"""E-licensing counts the term and picks the version from the portal's submission instant
(002 p.3: «порталға құжаттар берілген сәттен бастап»); the first step starts at the receipt."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

from elicense_svc import messages as msg
from elicense_svc.handlers import ElicenseService
from regulations import seeds_path
from shared.clock import SimulatedClock
from shared.envelope import Envelope
from shared.pki.profiles import InformationSystem
from tests.elicense.conftest import APPLICANT_IIN, Pki, portal_body

TERM_FROM_PORTAL = "порталға құжаттар берілген сәттен бастап"
SEED_002 = next(Path(seeds_path()).glob("002_*.txt")).read_text(encoding="utf-8")
# Wednesday 3 September 2014: submitted at 18:20 Almaty time, delivered at 18:40.
SUBMITTED = datetime(2014, 9, 3, 12, 20, tzinfo=UTC)
RECEIVED = datetime(2014, 9, 3, 12, 40, tzinfo=UTC)


async def _submit(
    service: ElicenseService, pki: Pki, request_id: str, submitted_at: datetime | None
) -> None:
    body = {
        "request_id": request_id,
        "service": "cultural_values_export",
        "applicant_iin": APPLICANT_IIN,
        "applicant_bin": None,
        "form": {"applicant_iin_bin": APPLICANT_IIN},
    }
    if submitted_at is not None:
        body["submitted_at"] = submitted_at.isoformat()
    body = portal_body(pki.applicant(APPLICANT_IIN), at=submitted_at or service.clock.now(), **body)
    envelope = Envelope(
        message_id=uuid.uuid4(),
        correlation_id=request_id,
        type=msg.SUBMIT_TYPE,
        sender="portal",
        recipient="elicense",
        service_code="cultural_values_export",
        sent_at=service.clock.now(),
        body=body,
    ).signed(pki.signer(InformationSystem("portal")))
    submission = msg.PortalSubmission.model_validate(envelope.body)
    effects = await service.receive_portal(envelope, submission)
    await service.store.append(
        effects.stream_id,
        effects.events,
        expected_version=effects.expected_version,
        outbox=effects.outbox,
    )


async def test_a_delivery_delayed_across_1830_keeps_the_term(
    service: ElicenseService, pki: Pki, clock: SimulatedClock
) -> None:
    assert re.sub(r"\s+", "", TERM_FROM_PORTAL) in re.sub(r"\s+", "", SEED_002)
    await clock.advance_to(RECEIVED)
    await _submit(service, pki, "r-delayed", SUBMITTED)
    await _submit(service, pki, "r-late", None)  # stamped by the envelope: 18:40
    engine = service.engines.get("cultural_values_export", "almaty-2014")
    delayed = (await service.load("r-delayed")).steps(engine)
    late = (await service.load("r-late")).steps(engine)
    # 15 working days from the day after 3 September vs from the day after 4 September.
    assert delayed.deadline == datetime(2014, 9, 24, 12, 30, tzinfo=UTC)
    assert late.deadline == datetime(2014, 9, 25, 12, 30, tzinfo=UTC)
    assert delayed.submitted_at == SUBMITTED
    assert delayed.runs[0].started_at == RECEIVED
