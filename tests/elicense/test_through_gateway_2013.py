"""003 (Akmola 2013) through the real gateway and registry: the portal path to a certificate
decided and signed by the provider's employee, and the provider path whose own registry step
finds no data."""

from __future__ import annotations

import pytest

from elicense_svc import messages as msg
from elicense_svc.domain.permit import signing_bytes
from shared.clock import SimulatedClock
from tests.elicense.conftest import (
    AKMOLA_CULTURE_BIN,
    AKMOLA_EMPLOYEE_IIN,
    AKMOLA_START,
    APPLICANT_IIN,
    UNKNOWN_IIN,
)
from tests.elicense.test_app import signed_call
from tests.elicense.test_through_gateway import (
    World,
    portal_statuses,
    submit,
    until,
    world_fixture,  # noqa: F401 - the "world" fixture, requested by name
)


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(AKMOLA_START)


async def test_003_portal_path_to_a_certificate(world: World) -> None:
    await submit(world, "akm-gw-1", APPLICANT_IIN)
    call = signed_call(world.client)
    employee = await world.staff(AKMOLA_EMPLOYEE_IIN, AKMOLA_CULTURE_BIN)
    base = "/staff/requests/akm-gw-1"

    async def at_decision() -> bool:
        answer = await call(employee, "GET", base)
        return answer.status_code == 200 and answer.json()["allowed"] != []

    await until(at_decision, "the request waiting for the employee's decision")
    draft = (await call(employee, "POST", f"{base}/permit-draft")).json()["document"]
    assert draft["permit_number"] == "KZ-2013-A-000001"
    action = {
        "step": "decide",
        "outcome": "certificate_issued",
        "document_signature": employee.sign(signing_bytes(draft)),
    }
    decided = await call(employee, "POST", f"{base}/actions", action)
    assert decided.status_code == 200, decided.text

    def delivered() -> bool:
        return any(e.type == msg.RESULT_ISSUED_TYPE for e in world.portal_inbox)

    await until(delivered, "the certificate in the portal's queue")
    await until(lambda: "completed" in portal_statuses(world, "akm-gw-1"), "completed")
    public = await world.client.get("/permits/KZ-2013-A-000001")
    assert public.json()["signature"]["valid"] is True


async def test_003_provider_path_registry_step_finds_no_data(world: World) -> None:
    call = signed_call(world.client)
    employee = await world.staff(AKMOLA_EMPLOYEE_IIN, AKMOLA_CULTURE_BIN)
    created = await call(
        employee,
        "POST",
        "/staff/requests",
        {"request_id": "akm-desk-1", "service": "A", "applicant_iin": UNKNOWN_IIN},
    )
    assert created.status_code == 201, created.text
    entered = {"step": "enter_applicant_data", "outcome": "entered"}
    answer = await call(employee, "POST", "/staff/requests/akm-desk-1/actions", entered)
    assert answer.status_code == 200, answer.text
    desk = world.inboxes["provider.akmola.culture"]

    def not_found() -> bool:
        return any(e.body.get("status") == "registry_not_found" for e in desk)

    await until(not_found, "process 5 at the provider's workstation")
    last = next(e for e in desk if e.body.get("status") == "registry_not_found")
    assert last.body["message"]["kk"] == "Деректерді алу мүмкін емес"  # type: ignore[index]
