"""E-licensing numbers each request's status notifications 1, 2, ... without a gap, as the
provider workstation does: the number is recorded (``StatusNotified.v1``) in the same commit as
its cause, so the next command numbers on from it, and a registry miss, a deferral and a
permit's life all continue one sequence. Every status the applicant sees travels as one of
these numbered notifications (the result adds its document, not a status)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from elicense_svc import messages as msg
from elicense_svc.domain import events as ev
from elicense_svc.handlers import ElicenseService
from shared.clock import SimulatedClock
from shared.contract.status import StatusChanged
from shared.eventlog.sqlite import SqliteEventStore
from tests.elicense.conftest import COMPANY_BIN, UNKNOWN_IIN, FakeRegistry, Pki
from tests.elicense.test_paths import portal_submit, sent
from tests.elicense.test_permits import issued_permit

SEEDS = Path(__file__).resolve().parents[2] / "regulations" / "seeds"
# 000 appendix 1, process 5: the message that the applicant's data cannot be obtained.
PROCESS_5 = "деректерді алу мүмкін еместігі туралы хабарламаны құрастыру"


def test_the_quoted_clause_is_in_the_seed() -> None:
    # The seeds were extracted from PDFs: compare without whitespace.
    [seed] = SEEDS.glob("000_*.txt")
    assert re.sub(r"\s+", "", PROCESS_5) in re.sub(r"\s+", "", seed.read_text(encoding="utf-8"))


async def _numbered(store: SqliteEventStore, request_id: str) -> list[tuple[int, str]]:
    notes = [
        StatusChanged.model_validate(e.body)
        for e in await sent(store)
        if e.type == msg.STATUS_TYPE and e.correlation_id == request_id
    ]
    return [(n.seq, n.status) for n in notes]


async def _recorded(store: SqliteEventStore, request_id: str) -> list[int]:
    events = await store.read_stream(ev.request_stream(request_id))
    return [int(e.data["seq"]) for e in events if e.type == ev.STATUS_NOTIFIED]


async def test_a_registry_miss_is_numbered_after_registered(
    service: ElicenseService, pki: Pki, store: SqliteEventStore
) -> None:
    # PROCESS_5 ends the request in the command that registered it: two statuses, numbered.
    await portal_submit(service, pki, request_id="n-1", iin=UNKNOWN_IIN)
    numbered = await _numbered(store, "n-1")
    assert [seq for seq, _ in numbered] == [1, 2]
    assert numbered[-1][1] == "registry_not_found"
    assert await _recorded(store, "n-1") == [1, 2]


async def test_commands_after_a_deferral_number_on_without_a_gap(
    service: ElicenseService,
    pki: Pki,
    store: SqliteEventStore,
    registry: FakeRegistry,
    clock: SimulatedClock,
) -> None:
    registry.down = True
    await portal_submit(service, pki, request_id="n-2", bin=COMPANY_BIN, iin=None)
    registry.down = False
    await clock.advance(timedelta(seconds=30))
    await service.idle()
    numbered = await _numbered(store, "n-2")
    assert [seq for seq, _ in numbered] == list(range(1, len(numbered) + 1))
    assert [status for _, status in numbered][1] == "awaiting_registry"
    assert await _recorded(store, "n-2") == [seq for seq, _ in numbered]


async def test_a_permits_statuses_continue_its_requests_numbers(
    service: ElicenseService, pki: Pki, store: SqliteEventStore
) -> None:
    number, head, _ = await issued_permit(service, pki)
    request_id = (await service.load_permit(number)).request_id
    before = await _numbered(store, request_id)
    await service.permit_command(head, number, "suspend", reason="inspection")
    await service.permit_command(head, number, "resume", reason="inspection passed")
    after = await _numbered(store, request_id)
    assert after[: len(before)] == before
    assert after[len(before) :] == [
        (len(before) + 1, "permit_suspended"),
        (len(before) + 2, "permit_resumed"),
    ]
