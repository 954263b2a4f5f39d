"""003 (Akmola 2013 e-service): the provider path with the definition's own registry step and
E-licensing's automatic registration step, and the portal path."""

from __future__ import annotations

import pytest

from elicense_svc.domain import events as ev
from elicense_svc.domain.errors import ElicenseError
from elicense_svc.domain.permit import signing_bytes
from elicense_svc.handlers import ElicenseService
from shared.clock import SimulatedClock
from shared.eventlog.sqlite import SqliteEventStore
from tests.elicense.conftest import (
    AKMOLA_CULTURE_BIN,
    AKMOLA_EMPLOYEE_IIN,
    AKMOLA_START,
    APPLICANT_IIN,
    UNKNOWN_IIN,
    Pki,
    staff_actor,
)
from tests.elicense.test_paths import portal_submit, sent, statuses


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(AKMOLA_START)


async def test_003_provider_path_registry_step_then_certificate(
    service: ElicenseService, pki: Pki, store: SqliteEventStore
) -> None:
    signer = pki.staff(AKMOLA_EMPLOYEE_IIN, AKMOLA_CULTURE_BIN)
    employee = staff_actor(service.directory, AKMOLA_EMPLOYEE_IIN, signer)
    await service.receive_staff(
        employee,
        request_id="akm-1",
        service="cultural_values_export",
        iin=APPLICANT_IIN,
        bin=None,
        form={},
        documents=[],
    )
    await service.idle()
    state = await service.load("akm-1")
    assert state.number == "AKM-CUL-2013-000001"
    assert state.registry == "pending"  # the definition asks the registry after process 3
    await service.act(employee, "akm-1", step="enter_applicant_data", outcome="entered")
    await service.idle()
    state = await service.load("akm-1")
    assert state.registry == "found"
    assert state.steps(service.engine_of(state)).current.step == "attach_documents"  # type: ignore[union-attr]
    await service.act(employee, "akm-1", step="attach_documents", outcome="attached")
    state = await service.load("akm-1")
    # register_in_elicensing is E-licensing's own step: done by itself, by "elicense".
    runs = {r.step: r for r in state.steps(service.engine_of(state)).runs}
    assert runs["register_in_elicensing"].outcome == "registered"
    assert runs["decide"].completed_at is None
    draft = await service.permit_draft(employee, "akm-1")
    assert draft["permit_number"] == "KZ-2013-A-000001"
    assert draft["holder"]["name"] == "Айгерім Сейтқалиева"
    with pytest.raises(ElicenseError) as unsigned:
        await service.act(employee, "akm-1", step="decide", outcome="certificate_issued")
    assert unsigned.value.code == "SIGNATURE_REQUIRED"
    # A signature by someone else than the acting employee is not theirs.
    other = pki.staff(UNKNOWN_IIN, AKMOLA_CULTURE_BIN)
    with pytest.raises(ElicenseError) as foreign:
        await service.act(
            employee,
            "akm-1",
            step="decide",
            outcome="certificate_issued",
            document_signature=other.sign(signing_bytes(draft)),
        )
    assert foreign.value.code == "SIGNATURE_SUBJECT_MISMATCH"
    state = await service.act(
        employee,
        "akm-1",
        step="decide",
        outcome="certificate_issued",
        document_signature=signer.sign(signing_bytes(draft)),
    )
    assert state.steps(service.engine_of(state)).finished == "completed"
    permit = await service.verify_permit("KZ-2013-A-000001")
    assert permit["state"] == "valid"
    assert permit["signature"]["valid"] is True
    events = await store.read_stream(ev.request_stream("akm-1"))
    actors = {e.metadata["actor"]["subject"] for e in events}
    assert "elicense" in actors
    assert signer.identity.subject in actors


async def test_003_provider_path_registry_not_found(
    service: ElicenseService, pki: Pki, store: SqliteEventStore
) -> None:
    signer = pki.staff(AKMOLA_EMPLOYEE_IIN, AKMOLA_CULTURE_BIN)
    employee = staff_actor(service.directory, AKMOLA_EMPLOYEE_IIN, signer)
    await service.receive_staff(
        employee,
        request_id="akm-2",
        service="A",
        iin=UNKNOWN_IIN,
        bin=None,
        form={},
        documents=[],
    )
    await service.act(employee, "akm-2", step="enter_applicant_data", outcome="entered")
    await service.idle()
    state = await service.load("akm-2")
    steps = state.steps(service.engine_of(state))
    assert steps.finished == "refused"
    assert steps.refusal == "REGISTRY_DATA_NOT_FOUND"
    assert statuses(await sent(store), "akm-2")[-1] == "registry_not_found"


async def test_003_portal_path_checks_the_registry_before_the_decision(
    service: ElicenseService, pki: Pki, store: SqliteEventStore
) -> None:
    await portal_submit(service, pki, request_id="akm-3")
    state = await service.load("akm-3")
    assert state.registry == "found"
    current = state.steps(service.engine_of(state)).current
    assert current is not None
    assert current.step == "decide"
    signer = pki.staff(AKMOLA_EMPLOYEE_IIN, AKMOLA_CULTURE_BIN)
    employee = staff_actor(service.directory, AKMOLA_EMPLOYEE_IIN, signer)
    state = await service.act(employee, "akm-3", step="decide", outcome="applicant_non_compliant")
    assert state.steps(service.engine_of(state)).refusal == "APPLICANT_NON_COMPLIANT"
    assert statuses(await sent(store), "akm-3")[0] == "registered"
