"""Through the real gateway (gateway_svc, its shipped rules) on RabbitMQ, with the provider's
log in PostgreSQL: the portal or a PSC desk sends a signed request, the regional gateway
delivers it to the workstation, staff work it on the simulated clock, and the statuses and the
signed result come back through the gateway.

The CA's certificates are valid from 2012 to 2028 so that both the gateway (wall clock) and
the workstation (simulated 2013/2019 clock) accept them; each side asks revocation of an
in-process responder answering at its own clock.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from provider_svc.handlers import HANDED_OUT_TYPE
from shared.clock import SystemClock
from tests.pki.conftest import CaPair
from tests.provider.conftest import ALMATY_2019, ASTANA_2013, applicant_body
from tests.provider.support import Stack, make_long_ca, office_via_gateway
from tests.provider.support import gateway_stack as _stack
from tests.provider.support import verifier as _verifier
from tests.provider.test_flows import ARCHIVES, CULTURE, GROUNDS

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def long_ca() -> CaPair:
    return make_long_ca()


StackOpener = Callable[[datetime], AbstractAsyncContextManager[Stack]]


@pytest.fixture
def open_stack(
    long_ca: CaPair, pg_dsn: str, pg_schema: str, amqp_url: str, unique_name: str, tmp_path: Path
) -> StackOpener:
    """``gateway_stack`` starting at a simulated moment, on this test's schema, bus namespace
    and directory."""

    def open_(start: datetime) -> AbstractAsyncContextManager[Stack]:
        return _stack(
            start=start,
            ca=long_ca,
            pg_dsn=pg_dsn,
            pg_schema=pg_schema,
            amqp_url=amqp_url,
            unique_name=unique_name,
            tmp_path=tmp_path,
        )

    return open_


async def test_a_2018_from_the_portal_to_the_certificate_through_the_gateway(
    open_stack: StackOpener,
    long_ca: CaPair,
) -> None:
    async with open_stack(ALMATY_2019) as s:
        await s.listen("portal")
        rid = await s.send(
            "portal",
            CULTURE,
            type="request.submitted.v1",
            service_code="cultural_values_export",
            body=applicant_body(),
        )
        await s.at_workstation(rid)
        for role, step, outcome, sign in [
            ("office_clerk", "register", "registered", False),
            ("head", "review_and_assign", "executor_assigned", False),
            ("executor", "send_to_commission", "sent", False),
            ("expert_commission", "expertise", "examined", False),
            ("executor", "write_up_conclusion", "conclusion_written", False),
            ("executor", "draft_result", "certificate_drafted", False),
            ("head", "sign", "signed", True),
            ("office_clerk", "hand_out", "certificate_issued", False),
        ]:
            await s.clock.advance(timedelta(minutes=5))
            await s.act(CULTURE, rid, role, step, outcome, sign=sign)

        async def completed() -> bool:
            results = [e for e in s.received.get("portal", []) if e.type == "result.issued.v1"]
            return "completed" in s.statuses("portal", rid) and bool(results)

        await s.wait_for(completed, "the completed status and the result at the portal")
        statuses = s.statuses("portal", rid)
        assert statuses[0] == "registered"
        assert "under_review" in statuses
        result = next(e for e in s.received["portal"] if e.type == "result.issued.v1")
        assert result.sender == CULTURE
        assert result.body["document"]["kind"] == "certificate"
        assert result.verify(_verifier(long_ca, SystemClock())).ok


async def test_e_from_the_psc_desk_to_a_refusal_handed_out_there(
    open_stack: StackOpener,
) -> None:
    desk = "psc.astana"
    async with open_stack(ASTANA_2013) as s:
        await s.listen(desk)
        await s.listen("portal")
        rid = await s.send(
            desk,
            ARCHIVES,
            type="request.submitted.v1",
            service_code="archive_reference",
            body=applicant_body(),
        )

        # 004 appendix 2: the request is «түскен» (registered) while the archive searches; the
        # desk hears of the search step by its notification.
        def at_search() -> list[str]:
            return [
                str(e.body.get("step"))
                for e in s.received.get(desk, [])
                if e.type == "status.changed.v2" and e.correlation_id == rid
            ]

        async def in_work() -> bool:
            return "search_and_decide" in at_search()

        await s.wait_for(in_work, "the archive search offered, reported at the desk")
        assert set(s.statuses(desk, rid)) == {"registered"}
        await s.act(
            ARCHIVES,
            rid,
            "provider_employee",
            "search_and_decide",
            "refusal_prepared",
            grounds=GROUNDS,
        )
        await s.act(ARCHIVES, rid, "provider_employee", "sign_output", "to_psc", sign=True)

        async def result_at_desk() -> bool:
            return any(e.type == "result.issued.v1" for e in s.received.get(desk, []))

        await s.wait_for(result_at_desk, "the signed refusal at the desk")
        await s.send(
            desk,
            ARCHIVES,
            type=HANDED_OUT_TYPE,
            service_code="archive_reference",
            body={"outcome": "refusal_handed_out_psc"},
            correlation_id=rid,
        )

        async def refused() -> bool:
            return "refused" in s.statuses(desk, rid) and "refused" in s.statuses("portal", rid)

        await s.wait_for(refused, "refused at the desk and in the cabinet")
        refusal = next(
            e
            for e in s.received[desk]
            if e.correlation_id == rid and e.body.get("status") == "refused"
        )
        assert refusal.body["refusal"]["grounds"] == GROUNDS


GREEN_WS = "provider.almaty.green_economy"
# (service, workstation, start, [(role, step, outcome, sign, grounds)], final status, result kind)
ROUTES = [
    (
        "minerals_absence_conclusion",
        GREEN_WS,
        ALMATY_2019,
        [
            ("employee", "register", "registered", False, None),
            ("head", "head_review", "sent_to_deputy", False, None),
            ("deputy", "deputy_review", "documents_non_compliant", True, GROUNDS),
        ],
        "refused",
        "reasoned_refusal",
    ),
    (
        "minerals_building_permit",
        GREEN_WS,
        ALMATY_2019,
        [
            ("employee", "register", "registered", False, None),
            ("head", "head_review", "sent_to_deputy", False, None),
            ("deputy", "deputy_review", "accepted", False, None),
            ("department_employee", "prepare_result", "permit_drafted", False, None),
            ("deputy", "endorse", "endorsed", False, None),
            ("head", "sign", "permit_issued", True, None),
        ],
        "completed",
        "permit",
    ),
    (
        "archive_reference",
        ARCHIVES,
        ASTANA_2013,
        [
            ("provider_employee", "search_and_decide", "reference_prepared", False, None),
            ("provider_employee", "sign_output", "reference_to_cabinet", True, None),
        ],
        "completed",
        "archive_reference",
    ),
]


@pytest.mark.parametrize(
    ("service", "ws", "start", "steps", "final", "kind"),
    ROUTES,
    ids=["C-refused-at-review", "D-permit", "E-portal-reference"],
)
async def test_portal_requests_of_c_d_e_through_the_gateway(
    open_stack: StackOpener,
    service: str,
    ws: str,
    start: datetime,
    steps: list[tuple[str, str, str, bool, dict[str, str] | None]],
    final: str,
    kind: str,
) -> None:
    async with open_stack(start) as s:
        await s.listen("portal")
        await s.listen("psc.astana")
        rid = await s.send(
            "portal", ws, type="request.submitted.v1", service_code=service, body=applicant_body()
        )

        async def arrived() -> bool:
            return "registered" in s.statuses("portal", rid)

        await s.wait_for(arrived, "registered in the cabinet")
        for role, step, outcome, sign, grounds in steps:
            await s.clock.advance(timedelta(minutes=5))
            await s.act(ws, rid, role, step, outcome, sign=sign, grounds=grounds)

        async def finished() -> bool:
            got = [e for e in s.received.get("portal", []) if e.type == "result.issued.v1"]
            return final in s.statuses("portal", rid) and bool(got)

        await s.wait_for(finished, f"{final} and the result in the cabinet")
        result = next(e for e in s.received["portal"] if e.type == "result.issued.v1")
        assert result.body["document"]["kind"] == kind
        assert result.sender == ws
        if ws == ARCHIVES:
            # 004 p.8: the PSC IS receives the portal request's statuses too.
            async def at_desk() -> bool:
                return final in s.statuses("psc.astana", rid)

            await s.wait_for(at_desk, "the statuses at the PSC desk")
        else:
            assert s.statuses("psc.astana", rid) == []


async def test_an_overdue_request_shows_overdue_in_the_cabinet(
    open_stack: StackOpener,
) -> None:
    async with open_stack(ALMATY_2019) as s:
        await s.listen("portal")
        rid = await s.send(
            "portal",
            CULTURE,
            type="request.submitted.v1",
            service_code="A",
            body=applicant_body(),
        )

        async def registered() -> bool:
            return "registered" in s.statuses("portal", rid)

        await s.wait_for(registered, "registered in the cabinet")
        await s.service.arm(rid)  # the consumer arms it too; arming twice is harmless
        # The office does not register it: its 10 working minutes end at 09:10 local time.
        await s.clock.advance(timedelta(minutes=11))

        async def overdue() -> bool:
            return "overdue" in s.statuses("portal", rid)

        await s.wait_for(overdue, "overdue in the cabinet")
        note = next(
            e
            for e in s.received["portal"]
            if e.correlation_id == rid and e.body.get("status") == "overdue"
        )
        assert note.body["step"] == "register"
        assert note.body["overdue"] == "step"


async def test_a_paper_application_checks_the_person_registry_through_the_gateway(
    open_stack: StackOpener,
    tmp_path: Path,
) -> None:
    """The clerk's look-up goes through the gateway's sync channel (its rules, its log) to
    registry_svc's person registry; the registry is called in-process (ASGI), not on a port."""
    from provider_svc.domain.errors import InvalidInput
    from tests.provider.conftest import APPLICANT, UNKNOWN_PERSON

    async with (
        open_stack(ALMATY_2019) as s,
        office_via_gateway(s, tmp_path) as service,
    ):
        clerk, _ = await s.staff(CULTURE, "office_clerk")
        docs = [{"code": "standard_p9_documents", "sha256": "ef" * 32}]
        with pytest.raises(InvalidInput) as unknown:
            await service.register_paper(
                CULTURE,
                clerk,
                service="A",
                applicant_iin=UNKNOWN_PERSON,
                form={},
                documents_=docs,
            )
        assert unknown.value.code == "registry_not_found"
        rid = await service.register_paper(
            CULTURE, clerk, service="A", applicant_iin=APPLICANT, form={}, documents_=docs
        )
        request, _, _ = await service.load(rid)
        assert request.applicant_found is True
        assert request.state.current is not None
        assert request.state.current.step == "review_and_assign"
