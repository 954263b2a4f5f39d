# ruff: noqa: RUF001 - Kazakh names are Cyrillic on purpose
"""Every branch of the 000 (A and B, Almaty 2014) and 003 (A, Akmola 2013) paths through the
real gateway and registry (the world of test_through_gateway): the condition-3 refusal on the
portal and provider paths, service B to its result on both paths, a legal-entity applicant
found and not found in ГБД ЮЛ, the registry down then back (completed once), a channel the
version does not offer, staff authorization refused (condition 1 / process 2) and the permit
lifecycle with its notifications and public verification.

The branches are data (an Era names the regulation version's staff and the steps it takes);
the tests walk them the way a workstation does: wait until the step is offered, then act."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import httpx
import pytest
from cryptography import x509

from elicense_svc import messages as msg
from elicense_svc.domain import events as ev
from elicense_svc.domain.permit import signing_bytes
from registry_svc.domain.registry import LegalEntity, LocalizedText
from shared.bus.port import Message
from shared.clock import SimulatedClock
from shared.envelope import Envelope
from shared.ids import Gender, make_bin, make_iin
from shared.pki.jws import JwsSigner
from tests.elicense.conftest import (
    AKMOLA_CULTURE_BIN,
    AKMOLA_EMPLOYEE_IIN,
    AKMOLA_START,
    ALMATY_CULTURE_BIN,
    APPLICANT_IIN,
    CLERK_IIN,
    COMPANY_BIN,
    EXECUTOR_IIN,
    HEAD_IIN,
    START,
    applicant_holder,
    portal_body,
)
from tests.elicense.test_app import signed_call
from tests.elicense.test_through_gateway import (
    World,
    _signer,
    portal_statuses,
    until,
    world_fixture,  # noqa: F401 - the "world" fixture, requested by name
)

OUTSIDER_IIN = make_iin(date(1975, 8, 9), Gender.MALE, 105)  # in no provider's directory
UNKNOWN_BIN = make_bin(date(2010, 10, 10), serial=999)  # no such entity in ГБД ЮЛ


@dataclass(frozen=True)
class Act:
    """One finished step: who (a role of the era's staff), which step, which outcome; ``signs``
    marks the step where the authorized person signs the permit (process 9)."""

    role: str
    step: str
    outcome: str
    signs: bool = False


@dataclass(frozen=True)
class Era:
    """A regulation version in force: its provider's staff and the steps of each branch."""

    name: str
    start: datetime
    service: str
    code: str  # the service's code in the catalog (the envelope's service_code)
    provider: str
    bin: str
    staff: dict[str, str]  # role -> the IIN of the staff member holding it
    office_intake: tuple[Act, ...]  # steps only the provider path has before the common ones
    portal_intake: tuple[Act, ...]  # steps only the portal paths have before the common ones
    to_permit: tuple[Act, ...]
    refusals: dict[str, tuple[Act, ...]]  # refusal ground -> the steps leading to it
    # Office intake steps done before the registry is asked: 003 asks at its own step, after
    # the applicant is entered; 000 asks as a gate right after registration (none).
    before_registry: int = 0

    @property
    def signer_role(self) -> str:
        return next(a.role for a in self.to_permit if a.signs)


_ALMATY_STAFF = {"office_clerk": CLERK_IIN, "executor": EXECUTOR_IIN, "head": HEAD_IIN}
# 000 p.5.1, p.7: the executor registers what came through the portal, the office clerk what
# was handed in on paper; then the head assigns the executor.
_ALMATY_OPENING = (Act("head", "assign_executor", "assigned"),)


def _almaty(service: str) -> Era:
    return Era(
        name=f"000-{service}-almaty-2014",
        start=START,
        service=service,
        code={"A": "cultural_values_export", "B": "restoration_approval"}[service],
        provider="provider.almaty.culture",
        bin=ALMATY_CULTURE_BIN,
        staff=_ALMATY_STAFF,
        office_intake=(Act("office_clerk", "register", "registered"),),
        portal_intake=(Act("executor", "register_portal", "registered"),),
        to_permit=(
            *_ALMATY_OPENING,
            Act("executor", "check_documents", "complete"),
            Act("executor", "prepare_result", "result_drafted"),
            Act("head", "sign", "signed", signs=True),
            Act("office_clerk", "hand_out", "issued"),
        ),
        refusals={
            "DOCUMENTS_NON_COMPLIANT": (
                *_ALMATY_OPENING,
                Act("executor", "check_documents", "documents_non_compliant"),
            ),
            "APPLICANT_NON_COMPLIANT": (
                *_ALMATY_OPENING,
                Act("executor", "check_documents", "complete"),
                Act("executor", "prepare_result", "applicant_non_compliant"),
            ),
        },
    )


A_2014 = _almaty("A")
B_2014 = _almaty("B")
A_2013 = Era(
    name="003-A-akmola-2013",
    start=AKMOLA_START,
    service="A",
    code="cultural_values_export",
    provider="provider.akmola.culture",
    bin=AKMOLA_CULTURE_BIN,
    staff={"provider_employee": AKMOLA_EMPLOYEE_IIN},
    # The registry check and register_in_elicensing run by themselves between these.
    office_intake=(
        Act("provider_employee", "enter_applicant_data", "entered"),
        Act("provider_employee", "attach_documents", "attached"),
    ),
    portal_intake=(),
    to_permit=(Act("provider_employee", "decide", "certificate_issued", signs=True),),
    refusals={
        "APPLICANT_NON_COMPLIANT": (Act("provider_employee", "decide", "applicant_non_compliant"),),
    },
    before_registry=1,
)
ERAS = [A_2014, B_2014, A_2013]
OFFICE = "office"
# A portal path is named by its channel (egov.kz "portal", elicense.kz "elicense_portal").
PATHS = ["portal", OFFICE]


@pytest.fixture
def era() -> Era:
    return A_2014


@pytest.fixture
def clock(era: Era) -> SimulatedClock:
    # The world is built at the era's instant, so its version is the one in force.
    return SimulatedClock(era.start)


# --- driving the world -------------------------------------------------------------------------


async def file_at_portal(
    world: World,
    request_id: str,
    era: Era,
    *,
    iin: str | None = None,
    bin: str | None = None,
    channel: str = "portal",
) -> None:
    """What the portal does for any applicant (test_through_gateway.submit files an individual
    for service A only): publish the signed request to the gateway's inbound exchange."""
    body: dict[str, Any] = {"request_id": request_id, "service": era.service, "channel": channel}
    body.update({"applicant_iin": iin} if iin is not None else {"applicant_bin": bin})
    # The applicant signs the request (a legal entity: its head), as at the portal.
    applicant = await _signer(world.ca, applicant_holder(iin, bin))
    body = portal_body(applicant, at=world.clock.now(), **body)
    envelope = Envelope(
        message_id=uuid.uuid4(),
        correlation_id=request_id,
        type=msg.SUBMIT_TYPE,
        sender="portal",
        recipient="elicense",
        service_code=era.code,
        sent_at=world.clock.now(),
        body=body,
    ).signed(world.portal)
    await world.bus.publish(
        Message("egov.gateway.in", "portal", envelope.model_dump_json().encode(), request_id)
    )


class Desk:
    """A provider's workstation: the era's staff, each signing their calls with their own
    certificate issued by the registry's CA."""

    def __init__(self, world: World, era: Era, signers: dict[str, JwsSigner]) -> None:
        self.world = world
        self.era = era
        self.signers = signers
        self.call = signed_call(world.client)

    @classmethod
    async def open(cls, world: World, era: Era) -> Desk:
        signers = {role: await world.staff(iin, era.bin) for role, iin in era.staff.items()}
        return cls(world, era, signers)

    @property
    def inbox(self) -> list[Envelope]:
        return self.world.inboxes[self.era.provider]

    async def file(
        self, request_id: str, *, iin: str | None = None, bin: str | None = None
    ) -> None:
        """Processes 3-7 at the office: the front desk enters the applicant."""
        body: dict[str, Any] = {"request_id": request_id, "service": self.era.service}
        body.update({"applicant_iin": iin} if iin is not None else {"applicant_bin": bin})
        created = await self.call(self.front, "POST", "/staff/requests", body)
        assert created.status_code == 201, created.text

    @property
    def front(self) -> JwsSigner:
        """Who receives applicants: the clerk (2014) or the one employee (003)."""
        return next(iter(self.signers.values()))

    async def view(self, request_id: str) -> dict[str, Any]:
        answer = await self.call(self.front, "GET", f"/staff/requests/{request_id}")
        assert answer.status_code == 200, answer.text
        view: dict[str, Any] = answer.json()
        return view

    async def offered(self, request_id: str, step: str) -> None:
        """Wait until ``step`` is offered: a portal request reaches elicense through the gateway
        (absent, 404, at first), and no staff step is offered before the registry answered."""

        async def check() -> bool:
            answer = await self.call(self.front, "GET", f"/staff/requests/{request_id}")
            allowed = answer.json()["allowed"] if answer.status_code == 200 else []
            return any(a["step"] == step for a in allowed)

        await until(check, f"{step} offered for {request_id}")

    async def take(self, request_id: str, act: Act) -> dict[str, Any]:
        """Wait until the step is offered (the registry check runs in the background), then
        finish it; the signing step first fetches the draft and signs it with the EDS."""

        await self.offered(request_id, act.step)
        signer = self.signers[act.role]
        base = f"/staff/requests/{request_id}"
        action: dict[str, Any] = {"step": act.step, "outcome": act.outcome}
        if act.signs:
            draft = await self.call(signer, "POST", f"{base}/permit-draft")
            assert draft.status_code == 200, draft.text
            action["document_signature"] = signer.sign(signing_bytes(draft.json()["document"]))
        answer = await self.call(signer, "POST", f"{base}/actions", action)
        assert answer.status_code == 200, answer.text
        view: dict[str, Any] = answer.json()
        return view

    async def walk(self, request_id: str, acts: tuple[Act, ...]) -> dict[str, Any]:
        view: dict[str, Any] = {}
        for act in acts:
            view = await self.take(request_id, act)
        return view

    def statuses(self, request_id: str) -> list[str]:
        return [
            str(e.body["status"])
            for e in self.inbox
            if e.type == msg.STATUS_TYPE and e.correlation_id == request_id
        ]


async def start(
    world: World, desk: Desk, path: str, request_id: str, **applicant: str
) -> tuple[Act, ...]:
    """File the request on ``path``; returns the steps the path adds before the common ones."""
    if path != OFFICE:
        await file_at_portal(world, request_id, desk.era, channel=path, **applicant)
        return desk.era.portal_intake
    await desk.file(request_id, **applicant)
    return desk.era.office_intake


def received(world: World, desk: Desk, path: str, request_id: str) -> list[str]:
    """The statuses of the request where they go: the portal cabinet or the office."""
    if path != OFFICE:
        return portal_statuses(world, request_id)
    return desk.statuses(request_id)


def results(world: World, request_id: str) -> list[Envelope]:
    return [
        e
        for e in world.portal_inbox
        if e.type.startswith("result.") and e.correlation_id == request_id
    ]


async def issue(world: World, desk: Desk, path: str, request_id: str) -> dict[str, Any]:
    """The request to its signed permit; returns the request's last view."""
    intake = await start(world, desk, path, request_id, iin=APPLICANT_IIN)
    return await desk.walk(request_id, intake + desk.era.to_permit)


# --- condition 3: a reasoned refusal -----------------------------------------------------------

REFUSALS = [
    pytest.param(era, ground, path, id=f"{era.name}-{ground}-{path}")
    for era in ERAS
    for ground in era.refusals
    for path in PATHS
]


@pytest.mark.parametrize(("era", "ground", "path"), REFUSALS)
async def test_condition_3_refusal_reaches_the_applicant(
    world: World, era: Era, ground: str, path: str
) -> None:
    desk = await Desk.open(world, era)
    request_id = f"ref-{path}"
    intake = await start(world, desk, path, request_id, iin=APPLICANT_IIN)
    view = await desk.walk(request_id, intake + era.refusals[ground])
    assert (view["finished"], view["refusal"], view["permit_number"]) == ("refused", ground, None)
    await until(lambda: "refused" in received(world, desk, path, request_id), "refused status")
    if path != OFFICE:
        await until(lambda: bool(results(world, request_id)), "the refusal in the cabinet")
        [refusal] = results(world, request_id)
        assert refusal.type == msg.RESULT_REFUSED_TYPE
        assert refusal.verify(world.verifier).ok
        assert refusal.body["refusal"] == ground
        # Reasoned: the grounds as the definition words them, in Kazakh and Russian.
        grounds = refusal.body["grounds"]
        assert isinstance(grounds, dict)
        assert grounds["kk"]
        assert grounds["ru"]
    else:
        assert all(e.verify(world.verifier).ok for e in desk.inbox)
        assert results(world, request_id) == []  # filed at the office: nothing to the cabinet
    events = await world.elicense_store.read_stream(ev.request_stream(request_id))
    assert not any(e.type == ev.PERMIT_NUMBER_RESERVED for e in events)


# --- to the result -----------------------------------------------------------------------------


TO_PERMIT = [
    *(pytest.param(era, path, id=f"{era.name}-{path}") for era in ERAS for path in PATHS),
    # 003 also takes requests at elicense.kz; the result goes to the same cabinet.
    pytest.param(A_2013, "elicense_portal", id=f"{A_2013.name}-elicense_portal"),
]


@pytest.mark.parametrize(("era", "path"), TO_PERMIT)
async def test_to_the_permit(world: World, era: Era, path: str) -> None:
    desk = await Desk.open(world, era)
    request_id = f"ok-{path}"
    view = await issue(world, desk, path, request_id)
    assert view["finished"] == "completed"
    number = view["permit_number"]
    assert number.startswith(f"KZ-{era.start.year}-{era.service}-")
    await until(lambda: "completed" in received(world, desk, path, request_id), "completed")
    public = (await world.client.get(f"/permits/{number}")).json()
    assert public["state"] == "valid"
    assert public["signature"]["valid"] is True
    assert "holder" not in public  # the public check lists no holders
    full = (await desk.call(desk.front, "GET", f"/permits/{number}")).json()
    assert full["signature"]["signer"]["iin"] == era.staff[era.signer_role]
    if path != OFFICE:
        await until(lambda: bool(results(world, request_id)), "the permit in the cabinet")
        [result] = results(world, request_id)
        assert result.type == msg.RESULT_ISSUED_TYPE
        assert result.body["permit_number"] == number
        assert result.verify(world.verifier).ok
    else:
        assert results(world, request_id) == []


# --- the registry down, then back ------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("era", [B_2014, A_2013], ids=lambda e: e.name)
async def test_registry_down_then_back_completes_once(world: World, era: Era, path: str) -> None:
    """Neither refused nor lost while ГБД ФЛ is unreachable, asked again with backoff, and
    after it comes back the request completes with one number, one permit, one result."""
    desk = await Desk.open(world, era)
    request_id = f"down-{path}"
    stream = ev.request_stream(request_id)
    world.network.down = True
    intake = await start(world, desk, path, request_id, iin=APPLICANT_IIN)
    if path != OFFICE:
        # The portal sends the same request again (a retry after a lost acknowledgement).
        await file_at_portal(world, request_id, era, iin=APPLICANT_IIN)
    # 003's office path asks the registry at its own step, after the applicant is entered.
    split = era.before_registry if path == OFFICE else 0
    before_registry, after_registry = intake[:split], intake[split:]
    await desk.walk(request_id, before_registry)

    async def deferred(n: int) -> list[dict[str, Any]]:
        events = await world.elicense_store.read_stream(stream)
        found = [dict(e.data) for e in events if e.type == ev.REGISTRY_CHECK_DEFERRED]
        return found if len(found) >= n else []

    async def wait_deferred(n: int) -> dict[str, Any]:
        async def enough() -> bool:
            return bool(await deferred(n))

        await until(enough, f"deferral {n}")
        return (await deferred(n))[-1]

    first = await wait_deferred(1)
    await world.clock.advance(datetime.fromisoformat(first["retry_at"]) - world.clock.now())
    second = await wait_deferred(2)
    assert second["attempt"] == 2
    # Exponential backoff: the second wait is twice the first.
    assert datetime.fromisoformat(second["retry_at"]) - datetime.fromisoformat(
        second["at"]
    ) == 2 * (datetime.fromisoformat(first["retry_at"]) - datetime.fromisoformat(first["at"]))
    view = await desk.view(request_id)
    assert (view["status"], view["finished"], view["allowed"]) == ("awaiting_registry", None, [])
    world.network.down = False
    await world.clock.advance(datetime.fromisoformat(second["retry_at"]) - world.clock.now())
    done = await desk.walk(request_id, after_registry + era.to_permit)
    assert done["finished"] == "completed"
    await until(lambda: "completed" in received(world, desk, path, request_id), "completed")
    events = await world.elicense_store.read_stream(stream)
    counts = {t: sum(e.type == t for e in events) for t in {e.type for e in events}}
    assert counts[ev.REQUEST_REGISTERED] == 1
    assert counts[ev.REGISTRY_RECORD_FOUND] == 1
    assert counts[ev.REGISTRY_CHECK_DEFERRED] == 2
    assert ev.PERMIT_NUMBER_RESERVED in counts
    statuses = received(world, desk, path, request_id)
    # The gateway may forward notifications in any order, so counts, not sequences: one
    # "awaiting_registry" for two deferrals (the second changes no status), one end.
    assert statuses.count("awaiting_registry") == 1
    assert statuses.count("completed") == 1
    assert "refused" not in statuses
    inbox = world.portal_inbox if path != OFFICE else desk.inbox
    ids = [e.message_id for e in inbox if e.correlation_id == request_id]
    assert len(ids) == len(set(ids))
    if path != OFFICE:
        # The result and the final status travel as separate messages, in either order.
        await until(lambda: bool(results(world, request_id)), "the permit in the cabinet")
        assert [r.type for r in results(world, request_id)] == [msg.RESULT_ISSUED_TYPE]
    permits = [
        e
        for e in await world.elicense_store.read_all(after=0, limit=10_000)
        if e.stream_id.startswith(ev.PERMIT_STREAM_PREFIX)
    ]
    assert len(permits) == 1


# --- a channel the version does not offer ---------------------------------------------------


async def test_channel_not_offered_is_parked_at_once_with_its_reason(world: World) -> None:
    """000 (Almaty 2014) is offered at egov.kz and the office, not at elicense.kz: a request
    that can never be taken is parked on the first delivery with its reason, not retried as if
    the failure were passing, and nothing is registered (no request number used up)."""
    await file_at_portal(world, "chan-1", A_2014, iin=APPLICANT_IIN, channel="elicense_portal")

    async def parked() -> bool:
        return bool(await world.bus.dead_letters(msg.INBOX_QUEUE))

    await until(parked, "the request parked on elicense's queue")
    [dead] = await world.bus.dead_letters(msg.INBOX_QUEUE)
    assert dead.reason.startswith("CHANNEL_NOT_OFFERED:")
    assert "elicense_portal" in dead.reason
    assert dead.attempts == 1
    assert await world.elicense_store.read_stream(ev.request_stream("chan-1")) == []
    # The next request offered through egov.kz takes the provider's first number of the year.
    await file_at_portal(world, "chan-2", A_2014, iin=APPLICANT_IIN)
    desk = await Desk.open(world, A_2014)
    await desk.offered("chan-2", "register_portal")
    assert (await desk.view("chan-2"))["number"].endswith("000001")


# --- a legal-entity applicant (BIN, ГБД ЮЛ) ------------------------------------------------------


async def _register_company(world: World) -> None:
    await world.ca.registry.register_entity(
        LegalEntity(
            bin=COMPANY_BIN,
            name=LocalizedText(kk="«Мұра» ЖШС", ru="ТОО «Мура»"),
            registration_date=date(2005, 5, 1),
            head_iin=APPLICANT_IIN,
            address="Almaty, Dostyk ave. 5",
        )
    )


# 2014 asks the registry as a gate after registration, 003 at its own step: both look-ups.
BIN_ERAS = [A_2014, A_2013]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("era", BIN_ERAS, ids=lambda e: e.name)
async def test_legal_entity_found_in_the_legal_entity_registry(
    world: World, era: Era, path: str
) -> None:
    await _register_company(world)
    desk = await Desk.open(world, era)
    request_id = f"bin-{path}"
    intake = await start(world, desk, path, request_id, bin=COMPANY_BIN)
    view = await desk.walk(request_id, intake + era.to_permit)
    assert view["applicant"] == {"kind": "legal_entity", "id": COMPANY_BIN}
    assert view["registry"]["state"] == "found"
    assert view["registry"]["record"]["bin"] == COMPANY_BIN
    full = (await desk.call(desk.front, "GET", f"/permits/{view['permit_number']}")).json()
    assert full["holder"]["kind"] == "legal_entity"
    assert full["holder"]["name"]["ru"] == "ТОО «Мура»"


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("era", BIN_ERAS, ids=lambda e: e.name)
async def test_legal_entity_not_found_data_cannot_be_obtained(
    world: World, era: Era, path: str
) -> None:
    desk = await Desk.open(world, era)
    request_id = f"nobin-{path}"
    intake = await start(world, desk, path, request_id, bin=UNKNOWN_BIN)
    # 003's office path: up to its registry step; 000 asks the registry before any step.
    await desk.walk(request_id, intake[: era.before_registry if path == OFFICE else 0])
    await until(
        lambda: "registry_not_found" in received(world, desk, path, request_id), "process 5"
    )
    view = await desk.view(request_id)
    assert (view["finished"], view["refusal"]) == ("refused", "REGISTRY_DATA_NOT_FOUND")
    assert view["applicant"] == {"kind": "legal_entity", "id": UNKNOWN_BIN}
    if path != OFFICE:
        await until(lambda: bool(results(world, request_id)), "the refusal in the cabinet")
        [refusal] = results(world, request_id)
        assert refusal.body["refusal"] == "REGISTRY_DATA_NOT_FOUND"
        assert refusal.body["reason"]  # why, as ГБД ЮЛ answered through the gateway


# --- condition 1 / process 2: staff authorization refused --------------------------------------


async def _outsider(world: World) -> JwsSigner:
    return await world.staff(OUTSIDER_IIN)


async def _revoked_clerk(world: World) -> JwsSigner:
    signer = await world.staff(CLERK_IIN)
    assert signer.identity.serial is not None
    await world.ca.ca.revoke(int(signer.identity.serial, 16), x509.ReasonFlags.key_compromise)
    return signer


async def _clerk_of_another_entity(world: World) -> JwsSigner:
    return await world.staff(CLERK_IIN, COMPANY_BIN)


@pytest.mark.parametrize(
    ("holder", "reason"),
    [
        pytest.param(_outsider, "is not E-licensing staff", id="not-in-directory"),
        pytest.param(_revoked_clerk, "REVOKED", id="revoked-certificate"),
        pytest.param(_clerk_of_another_entity, COMPANY_BIN, id="another-entity"),
    ],
)
async def test_staff_authorization_refused_records_nothing(
    world: World, holder: Any, reason: str
) -> None:
    desk = await Desk.open(world, A_2014)
    await file_at_portal(world, "auth-1", A_2014, iin=APPLICANT_IIN)

    await desk.offered("auth-1", "register_portal")  # the registry check done: nothing moves
    stranger: JwsSigner = await holder(world)
    before = await world.elicense_store.read_all(after=0, limit=10_000)
    answers: list[httpx.Response] = [
        await desk.call(
            stranger,
            "POST",
            "/staff/requests",
            {"request_id": "auth-2", "service": "A", "applicant_iin": APPLICANT_IIN},
        ),
        await desk.call(
            stranger,
            "POST",
            "/staff/requests/auth-1/actions",
            {"step": "register_portal", "outcome": "registered"},
        ),
        await desk.call(stranger, "GET", "/staff/requests/auth-1"),
    ]
    for answer in answers:
        assert answer.status_code == 401, answer.text
        assert answer.json()["code"] == "AUTHORIZATION_REFUSED"
        assert reason in answer.text
    after = await world.elicense_store.read_all(after=0, limit=10_000)
    assert [e.event_id for e in after] == [e.event_id for e in before]
    # The rightful executor is still served: the refusal was the stranger's, not the request's.
    taken = await desk.take("auth-1", A_2014.portal_intake[0])
    assert taken["steps"][0]["actor"] == EXECUTOR_IIN


async def test_staff_without_the_steps_role_is_refused(world: World) -> None:
    desk = await Desk.open(world, A_2014)
    await file_at_portal(world, "role-1", A_2014, iin=APPLICANT_IIN)

    # 000 p.7.1: the office clerk registers paper applications only; a portal one is the
    # executor's (p.5.1), so the clerk is refused it.
    await desk.offered("role-1", "register_portal")
    before = await world.elicense_store.stream_version(ev.request_stream("role-1"))
    answer = await desk.call(
        desk.signers["office_clerk"],
        "POST",
        "/staff/requests/role-1/actions",
        {"step": "register_portal", "outcome": "registered"},
    )
    assert answer.status_code == 403, answer.text
    assert answer.json()["code"] == "ROLE_REQUIRED"
    assert await world.elicense_store.stream_version(ev.request_stream("role-1")) == before


# --- the permit lifecycle (003 p.5.3) ----------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("era", ERAS, ids=lambda e: e.name)
async def test_permit_lifecycle_notifies_and_verifies(world: World, era: Era, path: str) -> None:
    desk = await Desk.open(world, era)
    request_id = f"life-{path}"
    number = (await issue(world, desk, path, request_id))["permit_number"]
    authorized = desk.signers[era.signer_role]
    base = f"/staff/permits/{number}"

    def notifications() -> list[Envelope]:
        inbox = world.portal_inbox if path != OFFICE else desk.inbox
        return [e for e in inbox if e.correlation_id == request_id and "permit" in e.body]

    async def command(name: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = await desk.call(authorized, "POST", f"{base}/{name}", body)
        assert answer.status_code == 200, answer.text
        full: dict[str, Any] = (await desk.call(authorized, "GET", f"/permits/{number}")).json()
        assert full == answer.json()
        public = (await world.client.get(f"/permits/{number}")).json()
        assert public["state"] == full["state"]
        return full

    expected = [
        ("suspend", "permit_suspended", "suspended"),
        ("resume", "permit_resumed", "valid"),
        ("reissue", "permit_reissued", "valid"),
        ("terminate", "permit_terminated", "terminated"),
    ]
    for count, (name, status, state) in enumerate(expected, start=1):
        body: dict[str, Any] = {"reason": f"{name}: order 7 of the department"}
        if name == "reissue":
            draft = await desk.call(authorized, "POST", f"{base}/reissue-draft", body)
            assert draft.status_code == 200, draft.text
            body["document_signature"] = authorized.sign(signing_bytes(draft.json()["document"]))
        public = await command(name, body)
        assert public["state"] == state
        assert public["signature"]["valid"] is True
        await until(lambda n=count: len(notifications()) == n, f"the {status} notification")
        last = notifications()[-1]
        permit = last.body["permit"]
        assert isinstance(permit, dict)
        assert (last.body["status"], permit["state"], permit["number"]) == (status, state, number)
        assert permit["reason"] == body["reason"]
        assert last.sender == "elicense"
        assert last.verify(world.verifier).ok
        if name == "reissue":
            assert public["edition"] == 2
            assert public["signature"]["signer"]["iin"] == era.staff[era.signer_role]
    # Terminated is final: nothing moves it again, and nothing more is announced.
    refused = await desk.call(authorized, "POST", f"{base}/resume", {"reason": "again"})
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "PERMIT_STATE"
    assert (await world.client.get(f"/permits/{number}")).json()["state"] == "terminated"
    assert len(notifications()) == len(expected)
