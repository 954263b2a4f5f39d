"""Issue 7's integration matrix, derived from the definitions: for each service version routed
to a regional workstation (A almaty-2018, C, D, E astana-2012), each channel the definition
lists, and each final outcome the step engine can reach from that channel (every result and
every refusal branch), the request is run through the real gateway (RabbitMQ, the gateway's
shipped rules, the provider's log in PostgreSQL) to its final status.

Checked per case: the status notifications arrive at the portal cabinet (or the PSC desk that
filed the request), all of them, numbered in the order the engine reports them (the gateway
may deliver them out of order), for the version in force; the signed
result reaches the cabinet (portal), the desk before its hand-out (PSC), or nobody because the
office hands it out on paper (after checking the applicant in the person registry through the
gateway's sync channel); the result kind and the refusal code and grounds are the definition's.

One gateway world per simulated era (2013 for E, 2019 for A, C and D) is shared by the module;
the simulated clock never moves, so no deadline timer fires between the cases.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from egov.scenario.catalogue import Move, reachable_finals
from provider_svc.domain import documents
from provider_svc.domain.roles import EXTERNAL_ROLES
from provider_svc.domain.workstations import WORKSTATIONS
from provider_svc.handlers import HANDED_OUT_TYPE, ProviderService
from regulations import definitions_dir
from shared.calendar import KzCalendar
from shared.clock import SystemClock
from shared.envelope import Envelope
from shared.regulation.catalog import Catalog
from shared.regulation.engine import (
    REQUEST_COMPLETED,
    REQUEST_REFUSED,
    STEP_STARTED,
    StepEngine,
)
from shared.regulation.model import Channel, Definition, ResultKind, RoleKind, Route
from tests.pki.conftest import CaPair
from tests.provider.conftest import ALMATY_2019, APPLICANT, ASTANA_2013, applicant_body
from tests.provider.support import Stack, gateway_stack, make_long_ca, office_via_gateway, verifier
from tests.provider.test_flows import GROUNDS

pytestmark = [pytest.mark.infra, pytest.mark.slow]  # ~10 s: two gateway worlds, 19 cases

ERAS = (ASTANA_2013, ALMATY_2019)  # the simulated starts of the conftest, one world each
RESULT = "result.issued.v1"
PSC_DESK = "psc.astana"  # the only PSC desk of the seeds' gateway rules (004)
WATCHED = ("portal", PSC_DESK)


@dataclass(frozen=True)
class Case:
    key: str
    letter: str
    code: str
    version: str
    workstation: str
    channel: Channel
    start: datetime
    moves: tuple[Move, ...]
    statuses: tuple[str, ...]  # what the engine reports, in order, from submission to the end
    finished: str  # completed | refused
    kind: ResultKind
    refusal: str | None

    @property
    def id(self) -> str:
        return f"{self.letter}-{self.channel.value}-{self.moves[-1].step}-{self.moves[-1].outcome}"


def _routed(catalog: Catalog) -> list[tuple[Definition, str, datetime]]:
    """The versions a workstation renders through its regional gateway at one of the eras."""
    found = []
    for d in catalog.definitions:
        if d.route is not Route.REGIONAL_GATEWAY:
            continue
        for ws in WORKSTATIONS:
            if d.code not in ws.services or d.provider.region != ws.region:
                continue
            for era in ERAS:
                if d.in_force.covers(era.date()):  # 09:00 local: the same date in UTC
                    found.append((d, ws.system_id, era))
    return found


def _cases() -> list[Case]:
    catalog = Catalog.from_directory(definitions_dir())
    cases = []
    for d, ws, era in _routed(catalog):
        engine = StepEngine(d, KzCalendar())
        for channel in d.channels:
            for events in reachable_finals(engine, channel, era).values():
                state = engine.state(events)
                moves = tuple(Move(r.step, r.role, r.outcome or "") for r in state.runs)
                statuses = tuple(
                    str(e.data["status"])
                    for e in events
                    if e.type in (STEP_STARTED, REQUEST_COMPLETED, REQUEST_REFUSED)
                )
                # A refusal decided at a review step has no result of its own in the definition:
                # it is the reasoned refusal the definition lists among its results.
                kind = ResultKind(state.result or ResultKind.REASONED_REFUSAL)
                assert kind in {r.kind for r in d.results}, (d.key, kind)
                cases.append(
                    Case(
                        d.key,
                        d.letter,
                        d.code,
                        d.version,
                        ws,
                        channel,
                        era,
                        moves,
                        statuses,
                        str(state.finished),
                        kind,
                        state.refusal,
                    )
                )
    return cases


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" in metafunc.fixturenames:
        cases = _cases()
        metafunc.parametrize("case", cases, ids=[c.id for c in cases])


def test_the_matrix_covers_every_routed_version_channel_and_ending() -> None:
    """The derivation is not silently empty: the four versions of issue 7, each channel with
    at least one result and one refusal."""
    cases = _cases()
    assert {c.key for c in cases} == {
        "cultural_values_export@almaty-2018",
        "minerals_absence_conclusion@almaty-2019",
        "minerals_building_permit@almaty-2019",
        "archive_reference@astana-2012",
    }
    catalog = Catalog.from_directory(definitions_dir())
    for key in {c.key for c in cases}:
        d = catalog.get(*key.split("@"))
        channels = {c.channel for c in cases if c.key == key}
        assert channels == set(d.channels), key
        for channel in channels:
            ends = {c.finished for c in cases if c.key == key and c.channel is channel}
            assert ends == {"completed", "refused"}, (key, channel)
    assert len({c.id for c in cases}) == len(cases)


@dataclass
class World:
    stack: Stack
    office: ProviderService


@dataclass
class Worlds:
    """One gateway world per era, opened on first use and closed with the module."""

    ca: CaPair
    pg_dsn: str
    amqp_url: str
    base: Path
    exits: AsyncExitStack
    opened: dict[datetime, World] = field(default_factory=dict)

    async def get(self, start: datetime) -> World:
        if start not in self.opened:
            name = "m" + uuid.uuid4().hex[:12]
            conn = await asyncpg.connect(self.pg_dsn)
            try:
                await conn.execute(f'CREATE SCHEMA "{name}"')
            finally:
                await conn.close()
            self.exits.push_async_callback(self._drop, name)
            tmp = self.base / name
            tmp.mkdir()
            stack = await self.exits.enter_async_context(
                gateway_stack(
                    start=start,
                    ca=self.ca,
                    pg_dsn=self.pg_dsn,
                    pg_schema=name,
                    amqp_url=self.amqp_url,
                    unique_name=name,
                    tmp_path=tmp,
                )
            )
            office = await self.exits.enter_async_context(office_via_gateway(stack, tmp))
            for system in WATCHED:
                await stack.listen(system)
            self.opened[start] = World(stack, office)
        return self.opened[start]

    async def _drop(self, schema: str) -> None:
        conn = await asyncpg.connect(self.pg_dsn)
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await conn.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def worlds(
    pg_dsn: str, amqp_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Worlds]:
    async with AsyncExitStack() as exits:
        yield Worlds(make_long_ca(), pg_dsn, amqp_url, tmp_path_factory.mktemp("matrix"), exits)


def _of(s: Stack, system: str, rid: str, type_: str) -> list[Envelope]:
    return [e for e in s.received.get(system, []) if e.correlation_id == rid and e.type == type_]


async def _submit(w: World, case: Case, definition_docs: list[dict[str, str]]) -> str:
    s = w.stack
    if case.channel is Channel.PROVIDER_OFFICE:
        clerk, _ = await s.staff(case.workstation, case.moves[0].role)
        return await w.office.register_paper(
            case.workstation,
            clerk,
            service=case.code,
            applicant_iin=APPLICANT,
            form={},
            documents_=definition_docs,
        )
    sender = PSC_DESK if case.channel is Channel.PSC else "portal"
    rid = await s.send(
        sender,
        case.workstation,
        type="request.submitted.v1",
        service_code=case.code,
        body=dict(applicant_body(), documents=definition_docs),
    )
    await s.at_workstation(rid, f"{case.id}: the request at the workstation")
    return rid


@pytest.mark.asyncio(loop_scope="module")  # the worlds are shared by the module
async def test_each_case_through_the_gateway_to_its_final_status(
    case: Case, worlds: Worlds
) -> None:
    w = await worlds.get(case.start)
    s = w.stack
    engine = s.service.engine(case.code, case.version)
    definition = engine.definition
    docs = [{"code": d.code, "sha256": "ab" * 32} for d in definition.required_documents]
    desk = PSC_DESK if case.channel is Channel.PSC else "portal"
    rid = await _submit(w, case, docs)

    for index, move in enumerate(case.moves):
        role_kind = definition.role(move.role).kind
        if role_kind is RoleKind.SYSTEM:
            continue  # the workstation's own system runs it (004: the LEB IS registers)
        if index == 0 and (case.channel is Channel.PROVIDER_OFFICE or move.role in EXTERNAL_ROLES):
            continue  # registered at the office above / accepted at the desk before sending
        if move.role in EXTERNAL_ROLES:
            # 004 p.7 processes 7-8: the signed result reaches the desk, which hands it out
            # and reports back through the gateway.
            async def at_desk() -> bool:
                return bool(_of(s, PSC_DESK, rid, RESULT))

            await s.wait_for(at_desk, f"{case.id}: the signed result at the desk")
            await s.send(
                PSC_DESK,
                case.workstation,
                type=HANDED_OUT_TYPE,
                service_code=case.code,
                body={"outcome": move.outcome},
                correlation_id=rid,
            )
            continue
        request, _, _ = await s.service.load(rid)
        sign = documents.result_of(definition, request, move.step, move.outcome) is not None
        grounds = GROUNDS if documents.needs_grounds(definition, move.step, move.outcome) else None
        await s.act(
            case.workstation, rid, move.role, move.step, move.outcome, sign=sign, grounds=grounds
        )

    async def finished() -> bool:
        return case.finished in s.statuses(desk, rid)

    async def all_statuses() -> bool:
        # The result is a separate message: it may arrive after the final status.
        paper = case.channel is Channel.PROVIDER_OFFICE
        return len(s.statuses(desk, rid)) >= len(case.statuses) and (
            paper or bool(_of(s, desk, rid, RESULT))
        )

    await s.wait_for(finished, f"{case.id}: {case.finished} at {desk}")
    await s.wait_for(all_statuses, f"{case.id}: every status and the result at {desk}")
    # The gateway handles its inbound queue concurrently (prefetch 32), so one request's
    # notifications may arrive out of order: their numbers, 1..n with no gap and no
    # repeat, put them back in the order the engine reported them.
    notes = sorted(_of(s, desk, rid, "status.changed.v2"), key=lambda n: int(n.body["seq"]))
    assert [n.body["seq"] for n in notes] == list(range(1, len(case.statuses) + 1))
    assert tuple(n.body["status"] for n in notes) == case.statuses
    assert {n.body["version"] for n in notes} == {case.version}
    assert all(n.sender == case.workstation for n in notes)
    final = notes[-1].body
    assert final["status"] == case.finished
    assert final["result"]["kind"] == case.kind.value
    if case.refusal is None:
        assert "refusal" not in final
    else:
        assert final["refusal"] == {"code": case.refusal, "grounds": GROUNDS}

    results = _of(s, desk, rid, RESULT)
    if case.channel is Channel.PROVIDER_OFFICE:
        # Handed out on paper at the office: nothing is sent to the cabinet but the statuses.
        assert results == []
    else:
        assert len(results) == 1
        result = results[0]
        assert result.sender == case.workstation
        assert result.verify(verifier(worlds.ca, SystemClock())).ok
        document: dict[str, Any] = result.body["document"]
        assert document["kind"] == case.kind.value
        assert document["version"] == case.version
        assert document["refusal_code"] == case.refusal
        assert document["grounds"] == (GROUNDS if case.refusal else None)
    if case.channel is Channel.PROVIDER_OFFICE:
        request, _, _ = await s.service.load(rid)
        assert request.applicant_found is True  # checked through the gateway's sync channel
