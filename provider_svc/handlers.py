"""Commands of the provider workstation: a request arriving through the gateway, a staff action,
a paper application registered at the office, deadline timers firing.

Each command reads the request's stream, asks the step engine (``shared.regulation``: the only
engine) what is allowed, and appends the new events with the status notifications in the
outbox, in one transaction and against the stream version it read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final
from uuid import uuid4

from provider_svc.domain import documents, events
from provider_svc.domain.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RegistryUnavailable,
)
from provider_svc.domain.request import Origin, ProviderRequest, engine_key, fold
from provider_svc.domain.roles import EXTERNAL_ROLES
from provider_svc.domain.staff import StaffMember, appoint, dismiss, fold_roster
from provider_svc.domain.workstations import WORKSTATIONS, Workstation, workstation
from provider_svc.notifications import document_sha256
from provider_svc.ports import ApplicantLookup
from provider_svc.status_changes import notify_changes
from shared.authz import Kind, kinds_of
from shared.bus.port import Delivery, Reject
from shared.canonical import unfit_number
from shared.clock import Clock, as_utc
from shared.envelope import Envelope
from shared.eventlog.port import (
    ConcurrencyConflict,
    EventStore,
    NewEvent,
    OutboxMessage,
    RecordedEvent,
)
from shared.file_names import unfit_file_name
from shared.inbound import Accepts, Takes, open_delivered
from shared.inbox import Effects
from shared.regulation.catalog import Catalog
from shared.regulation.engine import (
    StepEngine,
    WorkingCalendar,
)
from shared.regulation.errors import ActionRefused, RegulationError
from shared.regulation.model import Channel, Definition, Role, RoleKind, Route
from shared.regulation.timers import DeadlineWatch
from shared.signing import Signer, SignerIdentity, VerificationResult, Verifier, verify_off_loop

REQUEST_TYPE: Final = "request.submitted.v1"  # portal or PSC desk -> provider
HANDED_OUT_TYPE: Final = "request.handed_out.v1"  # PSC desk -> provider (004 p.7 process 8)

# What a workstation takes off its queue, and from whom (each a route gateway_svc/rules.yaml
# allows): requests filed at the portal or a PSC desk, and the desk's hand-out receipts.
ACCEPTS: Final = Accepts(
    "the provider workstation",
    frozenset(w.system_id for w in WORKSTATIONS),
    (
        Takes((REQUEST_TYPE,), ("portal", "psc.*"), ("provider.*.*",)),
        Takes((HANDED_OUT_TYPE,), ("psc.*",), ("provider.*.*",)),
    ),
)


@dataclass(frozen=True)
class Actor:
    """Who did something: a staff member (IIN) or a system (system id)."""

    id: str
    role: str | None = None

    def metadata(self) -> dict[str, Any]:
        return {"actor": self.id, "role": self.role}


def staff_roles(definition: Definition) -> list[Role]:
    return [r for r in definition.roles if r.kind is RoleKind.HUMAN and r.id not in EXTERNAL_ROLES]


class ProviderService:
    def __init__(
        self,
        store: EventStore,
        clock: Clock,
        catalog: Catalog,
        calendar: WorkingCalendar,
        *,
        signers: Mapping[str, Signer],
        verifier: Verifier,
        lookup: ApplicantLookup,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.catalog = catalog
        self.verifier = verifier
        self._signers = signers
        self._lookup = lookup
        self._on_commit = on_commit
        self._engines = {
            (d.code, d.version): StepEngine(d, calendar)
            for d in catalog.definitions
            if d.route is Route.REGIONAL_GATEWAY
        }
        self._locks: dict[str, asyncio.Lock] = {}
        self._watches: dict[str, DeadlineWatch] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    # --- lookups -------------------------------------------------------------------------------

    @property
    def engines(self) -> list[StepEngine]:
        return list(self._engines.values())

    def engine(self, code: str, version: str) -> StepEngine:
        try:
            return self._engines[(code, version)]
        except KeyError:
            raise NotFound(
                f"{code}@{version} is not a regional-gateway service", code="unknown_service"
            ) from None

    def signer(self, system_id: str) -> Signer:
        try:
            return self._signers[system_id]
        except KeyError:
            raise Conflict(
                f"workstation {system_id} has no signing key", code="no_system_key"
            ) from None

    def workstation(self, system_id: str) -> Workstation:
        try:
            return workstation(system_id)
        except KeyError as exc:
            raise NotFound(str(exc.args[0]), code="unknown_workstation") from None

    def allowed_roles(self, ws: Workstation) -> set[str]:
        return {
            r.id
            for code in ws.services
            for d in self.catalog.versions(code)
            if d.route is Route.REGIONAL_GATEWAY
            for r in staff_roles(d)
        }

    def definition_for(
        self, ws: Workstation, service: str, at: datetime | None = None
    ) -> Definition:
        """The version in force at ``at`` (the submission; default now), which must be routed
        through this regional gateway."""
        try:
            code = self.catalog.resolve_code(service)
        except RegulationError as exc:
            raise InvalidInput(str(exc), code="unknown_service") from None
        if code not in ws.services:
            raise InvalidInput(
                f"{ws.system_id} does not render {code}; it renders {', '.join(ws.services)}",
                code="service_not_rendered",
            )
        try:
            definition = self.catalog.in_force(code, at or self.clock.now())
        except RegulationError as exc:
            raise InvalidInput(str(exc), code="service_not_provided") from None
        if definition.route is not Route.REGIONAL_GATEWAY:
            raise InvalidInput(
                f"{definition.key} in force on this date is routed through "
                f"{definition.route.value}, not the regional gateway",
                code="not_regional_gateway",
            )
        return definition

    def _lock(self, request_id: str) -> asyncio.Lock:
        return self._locks.setdefault(request_id, asyncio.Lock())

    async def load(
        self, request_id: str
    ) -> tuple[ProviderRequest, StepEngine, list[RecordedEvent]]:
        stream = await self.store.read_stream(events.request_stream(request_id))
        if not stream:
            raise NotFound(f"no request {request_id}", code="unknown_request")
        engine = self.engine(*engine_key(stream))
        return fold(engine, stream, stream[-1].version), engine, stream

    # --- staff -----------------------------------------------------------------------------------

    async def roster(self, system_id: str) -> dict[str, StaffMember]:
        return fold_roster(await self.store.read_stream(events.staff_stream(system_id)))

    async def appoint(
        self, system_id: str, *, iin: str, name: str, roles: Sequence[str], by: str
    ) -> None:
        ws = self.workstation(system_id)
        event = appoint(
            workstation=ws.system_id,
            iin=iin,
            name=name,
            roles=roles,
            allowed_roles=self.allowed_roles(ws),
        )
        await self.store.append(events.staff_stream(ws.system_id), [_with(event, Actor(by))])

    async def dismiss(self, system_id: str, *, iin: str, by: str) -> None:
        ws = self.workstation(system_id)
        if iin not in await self.roster(ws.system_id):
            raise NotFound(f"{iin} is not on the staff of {ws.system_id}", code="unknown_staff")
        await self.store.append(
            events.staff_stream(ws.system_id),
            [_with(dismiss(workstation=ws.system_id, iin=iin), Actor(by))],
        )

    async def staff_member(self, system_id: str, identity: SignerIdentity) -> StaffMember:
        """The caller as a staff member of ``system_id`` (authorisation after authentication).

        Staff act for the department, so they sign with the department's certificate for them
        (a legal entity's employee or head, ``OU=BIN`` the workstation's BIN), as E-licensing's
        staff do; a personal certificate, or another entity's, is refused even when its IIN is
        on the roster. The roster then says who the person is here."""
        ws = self.workstation(system_id)
        expected = f"an employee certificate of {ws.name} (BIN {ws.bin})"
        kinds = kinds_of(identity)
        if identity.iin is None or not kinds & {Kind.STAFF, Kind.ENTITY_HEAD}:
            found = (
                "a personal certificate"
                if Kind.CITIZEN in kinds
                else "an information system's certificate"
                if Kind.SYSTEM in kinds
                else "no legal entity's certificate for a person"
            )
            raise Forbidden(
                f"the certificate of {identity.subject} is {found}: staff of {ws.system_id} "
                f"sign with {expected}",
                code="not_staff",
            )
        if identity.bin != ws.bin:
            raise Forbidden(
                f"the certificate is issued for BIN {identity.bin}: staff of {ws.system_id} "
                f"sign with {expected}",
                code="wrong_bin",
            )
        member = (await self.roster(ws.system_id)).get(identity.iin)
        if member is None:
            raise Forbidden(
                f"IIN {identity.iin} is not on the staff of {ws.system_id}", code="not_staff"
            )
        return member

    # --- arrival through the gateway ---------------------------------------------------------

    async def handle_delivery(self, delivery: Delivery, *, workstation: str) -> Effects:
        """Bus -> inbox: a request from the portal or a PSC desk, or a PSC hand-out receipt,
        from ``workstation``'s queue. The envelope is checked here again, whatever the gateway
        did (shared.inbound: addressed to this workstation, a route it takes, signed with the
        sender's own system certificate): a queue is not a trust boundary."""
        accepts = ACCEPTS.receiving_for({workstation})
        envelope = (await open_delivered(delivery.message.body, self.verifier, accepts)).envelope
        try:
            if envelope.type == REQUEST_TYPE:
                return await self._receive(envelope)
            if envelope.type == HANDED_OUT_TYPE:
                return await self._handed_out(envelope)
        except (InvalidInput, Conflict, NotFound, ActionRefused) as exc:
            code = exc.reason if isinstance(exc, ActionRefused) else exc.code
            raise Reject(f"{code}: {exc}") from None
        raise Reject(f"message type {envelope.type} is not handled by the provider workstation")

    async def _receive(self, envelope: Envelope) -> Effects:
        ws = self.workstation(envelope.recipient)
        if envelope.service_code is None:
            raise InvalidInput("a request needs a service_code", code="no_service_code")
        body = envelope.body
        submitted_at = self._submitted_at(body.get("submitted_at"))
        definition = self.definition_for(ws, envelope.service_code, submitted_at)
        channel = Channel.PSC if envelope.sender.startswith("psc.") else Channel.PORTAL
        applicant = body.get("applicant_iin")
        if not isinstance(applicant, str):
            raise InvalidInput("body.applicant_iin is required", code="no_applicant")
        request_id = envelope.correlation_id
        if body.get("request_id", request_id) != request_id:
            raise InvalidInput(
                f"body.request_id {body.get('request_id')!r} differs from the correlation id "
                f"{request_id!r}",
                code="request_id_mismatch",
            )
        if await self.store.stream_version(events.request_stream(request_id)):
            raise Conflict(f"request {request_id} was already received", code="duplicate_request")
        origin = Origin(
            workstation=ws.system_id,
            channel=channel,
            reply_to=envelope.sender,
            psc_desk=envelope.sender if channel is Channel.PSC else ws.status_desk,
            message_id=str(envelope.message_id),
            applicant_iin=applicant,
            form=_mapping(body.get("form")),
            documents=tuple(_mapping(d) for d in _list(body.get("documents"))),
            submitted_at=submitted_at,
        )
        operator = body.get("operator_iin")
        desk = Actor(
            f"{envelope.sender}:{operator}" if isinstance(operator, str) else envelope.sender,
            "psc_operator",
        )
        new, outbox = self._start(
            definition, request_id, origin, Actor(envelope.sender), external=desk
        )
        return Effects(events.request_stream(request_id), new, expected_version=0, outbox=outbox)

    def _submitted_at(self, value: Any) -> datetime | None:
        """The submission instant the portal or desk put in the body (002 p.3: the term and
        the version in force count from «порталға құжаттар берілген сәттен»); a stamp ahead of
        this workstation's clock counts as now. None when the sender gave none."""
        if value is None:
            return None
        try:
            at = as_utc(datetime.fromisoformat(str(value)), "submitted_at")
        except (TypeError, ValueError) as exc:
            raise InvalidInput(
                f"body.submitted_at {value!r} is not an ISO 8601 instant with a zone: {exc}",
                code="bad_submitted_at",
            ) from None
        return min(at, self.clock.now())

    async def _handed_out(self, envelope: Envelope) -> Effects:
        request, engine, stream = await self.load(envelope.correlation_id)
        if request.origin.reply_to != envelope.sender:
            raise Conflict(
                f"request {request.request_id} was not filed at {envelope.sender}",
                code="wrong_desk",
            )
        current = request.state.current
        if current is None or current.role not in EXTERNAL_ROLES:
            raise Conflict(
                f"request {request.request_id} is not waiting for the PSC desk", code="wrong_order"
            )
        outcome = str(envelope.body.get("outcome", ""))
        permitted = [o for a in engine.allowed(request.state) for o in a.outcomes]
        if outcome not in permitted and len(permitted) == 1:
            # The desk reports "handed out"; which outcome that is (a reference or a refusal)
            # follows from what was drafted, and the engine's guards leave exactly one.
            outcome = permitted[0]
        new, outbox = self._act(
            engine, request, stream, Actor(envelope.sender, current.role), current.step, outcome
        )
        return Effects(
            events.request_stream(request.request_id),
            new,
            expected_version=request.version,
            outbox=outbox,
        )

    # --- paper channel ---------------------------------------------------------------------

    async def register_paper(
        self,
        system_id: str,
        clerk: StaffMember,
        *,
        service: str,
        applicant_iin: str,
        form: Mapping[str, Any],
        documents_: Sequence[Mapping[str, Any]],
    ) -> str:
        """000 appendix 1, 004 diagram 1: the office takes the paper application, checks the
        applicant in the registry through the gateway, attaches the scans, and the request
        follows the same steps as an electronic one."""
        # Checked before anything is asked, numbered or stored: a value the log cannot store
        # would fail the append after the registry look-up and the request's numbering.
        unfit = unfit_number(dict(form), "form")
        if unfit is not None:
            raise InvalidInput(unfit, code="not_a_json_number")
        for document in documents_:
            name = document.get("name")
            problem = None if name is None else unfit_file_name(str(name))
            if problem is not None:
                raise InvalidInput(
                    f"document {document.get('code')!r}: the file name {problem}",
                    code="invalid_file_name",
                )
        ws = self.workstation(system_id)
        definition = self.definition_for(ws, service)
        if Channel.PROVIDER_OFFICE not in definition.channels:
            raise InvalidInput(
                f"{definition.key} is not taken on paper at the office (channels: "
                + ", ".join(c.value for c in definition.channels)
                + ")",
                code="channel_not_offered",
            )
        entry = definition.entry_step(Channel.PROVIDER_OFFICE)
        if entry.role not in clerk.roles:
            raise Forbidden(
                f"paper applications of {definition.key} are registered by {entry.role!r}; "
                f"{clerk.iin} acts as {', '.join(sorted(clerk.roles))}",
                code="wrong_role",
            )
        missing = {d.code for d in definition.required_documents} - {
            str(d.get("code")) for d in documents_
        }
        if missing:
            raise InvalidInput(
                f"scans missing for: {', '.join(sorted(missing))}", code="documents_missing"
            )
        try:
            record = await self._lookup.person(applicant_iin, workstation=ws.system_id)
        except (OSError, RuntimeError) as exc:
            raise RegistryUnavailable(
                f"the person registry did not answer: {exc}", code="registry_unavailable"
            ) from None
        if not record.found:
            raise InvalidInput(
                f"IIN {applicant_iin} is not in the person registry", code="registry_not_found"
            )
        request_id = str(uuid4())
        origin = Origin(
            workstation=ws.system_id,
            channel=Channel.PROVIDER_OFFICE,
            reply_to="portal",  # statuses still reach the applicant's cabinet (004 p.8)
            psc_desk=None,
            message_id=None,
            applicant_iin=applicant_iin,
            form=dict(form),
            documents=tuple(dict(d) for d in documents_),
        )
        actor = Actor(clerk.iin, entry.role)
        checked = _with(
            NewEvent(
                events.APPLICANT_CHECKED,
                {"request_id": request_id, "iin": applicant_iin, "found": True},
            ),
            actor,
        )
        new, outbox = self._start(
            definition, request_id, origin, actor, clerk=actor, prefix=[checked]
        )
        await self._commit(request_id, new, 0, outbox)
        return request_id

    # --- staff actions -----------------------------------------------------------------------

    async def act(
        self,
        system_id: str,
        member: StaffMember,
        request_id: str,
        *,
        step: str,
        outcome: str,
        grounds: Mapping[str, str] | None = None,
        document_signature: str | None = None,
    ) -> ProviderRequest:
        async with self._lock(request_id):
            request, engine, stream = await self.load(request_id)
            if request.origin.workstation != system_id:
                raise NotFound(f"no request {request_id} at {system_id}", code="unknown_request")
            definition = engine.definition
            try:
                step_role = definition.step(step).role
            except KeyError:
                raise Conflict(
                    f"{definition.key} has no step {step!r}", code="UNKNOWN_STEP"
                ) from None
            if step_role not in member.roles:
                raise Conflict(
                    f"step {step!r} is done by role {step_role!r}; {member.iin} acts as "
                    f"{', '.join(sorted(member.roles))}",
                    code="WRONG_ROLE",
                )
            actor = Actor(member.iin, step_role)
            prefix: list[NewEvent] = []
            if documents.needs_grounds(definition, step, outcome):
                prefix.append(_with(_grounds_event(request_id, grounds), actor))
                request = _with_grounds(request, grounds)
            elif grounds:
                raise InvalidInput(
                    "grounds are given only when refusing", code="grounds_not_expected"
                )
            verified = await self._check_result_signature(
                engine, request, actor, step, outcome, document_signature
            )
            try:
                new, outbox = self._act(
                    engine,
                    request,
                    stream,
                    actor,
                    step,
                    outcome,
                    prefix=prefix,
                    signature=document_signature,
                    verified=verified,
                )
            except ActionRefused as exc:
                raise Conflict(exc.message, code=exc.reason) from None
            await self._commit(request_id, new, request.version, outbox)
        await self.arm(request_id)
        return (await self.load(request_id))[0]

    async def extend(
        self,
        system_id: str,
        member: StaffMember,
        request_id: str,
        *,
        step: str,
        until: date,
        reason: str,
    ) -> ProviderRequest:
        """Extend the current step to ``until`` with the stated reason, as far as the act
        allows (004: the archive search, in some cases up to 6 months); the step's deadline
        and the request's term move, recorded as StepExtended."""
        async with self._lock(request_id):
            request, engine, _ = await self.load(request_id)
            if request.origin.workstation != system_id:
                raise NotFound(f"no request {request_id} at {system_id}", code="unknown_request")
            current = request.state.current
            if current is not None and current.step == step and current.role not in member.roles:
                raise Conflict(
                    f"step {step!r} is done by role {current.role!r}; {member.iin} acts as "
                    f"{', '.join(sorted(member.roles))}",
                    code="WRONG_ROLE",
                )
            try:
                new = engine.extend(
                    request.state,
                    step=step,
                    until=until,
                    reason=reason,
                    at=self.clock.now(),
                    actor=member.iin,
                )
            except ActionRefused as exc:
                raise Conflict(exc.message, code=exc.reason) from None
            actor = Actor(member.iin, current.role if current is not None else None)
            await self._commit(request_id, [_with(e, actor) for e in new], request.version, [])
        await self.arm(request_id)
        return (await self.load(request_id))[0]

    async def draft(
        self,
        system_id: str,
        member: StaffMember,
        request_id: str,
        *,
        outcome: str,
        grounds: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """The document the caller's signature must cover for ``outcome`` of the current step
        (with the grounds, when the same action refuses)."""
        request, engine, _ = await self.load(request_id)
        if request.origin.workstation != system_id:
            raise NotFound(f"no request {request_id} at {system_id}", code="unknown_request")
        current = request.state.current
        if current is not None and current.role not in member.roles:
            raise Forbidden(
                f"step {current.step!r} is done by role {current.role!r}", code="WRONG_ROLE"
            )
        if current is not None and documents.needs_grounds(
            engine.definition, current.step, outcome
        ):
            _grounds_event(request_id, grounds)
            request = _with_grounds(request, grounds)
        return self.draft_document(request, engine, outcome)

    async def _check_result_signature(
        self,
        engine: StepEngine,
        request: ProviderRequest,
        actor: Actor,
        step: str,
        outcome: str,
        signature: str | None,
    ) -> VerificationResult | None:
        """The signer's EDS over the draft this action issues, checked off the event loop (the
        check may ask the OCSP responder); None when the action issues no document."""
        current = request.state.current
        if (
            not signature
            or current is None
            or step != current.step
            or documents.result_of(engine.definition, request, step, outcome) is None
        ):
            return None
        document = self.draft_document(request, engine, outcome)
        return await verify_off_loop(
            self.verifier,
            documents.signing_bytes(document),
            signature,
            expected_iin=actor.id,
            document=True,
        )

    def draft_document(
        self, request: ProviderRequest, engine: StepEngine, outcome: str
    ) -> dict[str, Any]:
        current = request.state.current
        if current is None:
            raise Conflict(f"request {request.request_id} is finished", code="REQUEST_FINISHED")
        found = documents.result_of(engine.definition, request, current.step, outcome)
        if found is None:
            raise Conflict(f"{current.step}/{outcome} signs no document", code="nothing_to_sign")
        return documents.draft(engine.definition, request, *found)

    # --- internals ---------------------------------------------------------------------------

    def _start(
        self,
        definition: Definition,
        request_id: str,
        origin: Origin,
        receiver: Actor,
        *,
        clerk: Actor | None = None,
        external: Actor | None = None,
        prefix: Sequence[NewEvent] = (),
    ) -> tuple[list[NewEvent], list[OutboxMessage]]:
        engine = self._engines[(definition.code, definition.version)]
        now = self.clock.now()
        received = _with(
            NewEvent(
                events.REQUEST_RECEIVED,
                {
                    "request_id": request_id,
                    "workstation": origin.workstation,
                    "service": definition.code,
                    "version": definition.version,
                    "channel": origin.channel.value,
                    "reply_to": origin.reply_to,
                    "psc_desk": origin.psc_desk,
                    "message_id": origin.message_id,
                    "applicant_iin": origin.applicant_iin,
                    "form": dict(origin.form),
                    "documents": [dict(d) for d in origin.documents],
                    "at": now.isoformat(),
                    "submitted_at": None
                    if origin.submitted_at is None
                    else origin.submitted_at.isoformat(),
                },
            ),
            receiver,
        )
        try:
            # The first step starts at the receipt; the term counts from the submission
            # (paper: from its registration, now).
            submitted = engine.submit(
                request_id, origin.channel, now, submitted_at=origin.submitted_at
            )
        except ActionRefused as exc:
            raise InvalidInput(str(exc), code=exc.reason) from None
        stream: list[NewEvent] = [received, *prefix, *(_with(e, receiver) for e in submitted)]
        out = self._notify(engine, origin, stream, 0, into=stream)
        state = engine.state(stream)
        first = state.current
        assert first is not None  # noqa: S101 - a request just submitted is at its entry step
        if clerk is not None:
            # The clerk who registers the paper application performs the entry step.
            outcome = engine.definition.step(first.step).outcomes[0].name
            return self._continue(engine, origin, stream, out, clerk, first.step, outcome)
        if first.role in EXTERNAL_ROLES and external is not None:
            # Accepted at the PSC desk before it was sent here (004 p.7 processes 3-6).
            outcome = engine.definition.step(first.step).outcomes[0].name
            return self._continue(engine, origin, stream, out, external, first.step, outcome)
        return self._automatic(engine, origin, stream, out)

    def _act(
        self,
        engine: StepEngine,
        request: ProviderRequest,
        history: Sequence[Any],
        actor: Actor,
        step: str,
        outcome: str,
        *,
        prefix: Sequence[NewEvent] = (),
        signature: str | None = None,
        verified: VerificationResult | None = None,
    ) -> tuple[list[NewEvent], list[OutboxMessage]]:
        signed: list[NewEvent] = []
        current = request.state.current
        found = documents.result_of(engine.definition, request, step, outcome)
        if found is not None and current is not None and step == current.step:
            signed.append(
                _with(
                    self._signed_result(engine, request, actor, outcome, signature, verified),
                    actor,
                )
            )
        elif signature is not None:
            raise InvalidInput(f"{step}/{outcome} signs no document", code="signature_not_expected")
        before = list(history)
        full, out = self._continue(
            engine, request.origin, [*before, *prefix, *signed], [], actor, step, outcome
        )
        return full[len(before) :], out

    def _continue(
        self,
        engine: StepEngine,
        origin: Origin,
        history: list[Any],
        out: list[OutboxMessage],
        actor: Actor,
        step: str,
        outcome: str,
    ) -> tuple[list[Any], list[OutboxMessage]]:
        """Record ``actor``'s action on top of ``history`` (recorded and new events), then any
        automatic steps; returns ``history`` extended and the outbox so far."""
        state = engine.state(history)
        acted = engine.act(
            state,
            role=actor.role or "",
            step=step,
            outcome=outcome,
            at=self.clock.now(),
            actor=actor.id,
        )
        start = len(history)
        history = [*history, *(_with(e, actor) for e in acted)]
        out = [*out, *self._notify(engine, origin, history, start, into=history)]
        return self._automatic(engine, origin, history, out)

    def _automatic(
        self, engine: StepEngine, origin: Origin, history: list[Any], out: list[OutboxMessage]
    ) -> tuple[list[Any], list[OutboxMessage]]:
        """Steps of an information-system role with a single outcome run at once (004: the LEB
        IS registers a request within a minute, with no one's decision)."""
        state = engine.state(history)
        current = state.current
        if current is None or engine.definition.role(current.role).kind is not RoleKind.SYSTEM:
            return history, out
        outcomes = engine.definition.step(current.step).outcomes
        if len(outcomes) != 1:
            return history, out
        return self._continue(
            engine,
            origin,
            history,
            out,
            Actor(origin.workstation, current.role),
            current.step,
            outcomes[0].name,
        )

    def _notify(
        self,
        engine: StepEngine,
        origin: Origin,
        history: list[Any],
        start: int,
        *,
        into: list[Any],
    ) -> list[OutboxMessage]:
        return notify_changes(
            engine,
            origin,
            history,
            start,
            into=into,
            signer=self.signer(origin.workstation),
            now=self.clock.now(),
        )

    def _signed_result(
        self,
        engine: StepEngine,
        request: ProviderRequest,
        actor: Actor,
        outcome: str,
        signature: str | None,
        verified: VerificationResult | None,
    ) -> NewEvent:
        """The signer's EDS over the draft, as checked by :meth:`_check_result_signature`: the
        chain, validity, revocation and that the certificate is the acting staff member's own
        (condition 2 applied to staff)."""
        if not signature:
            raise InvalidInput(
                "this action issues the result: sign the draft (POST .../draft) with your EDS "
                "and send document_signature",
                code="signature_required",
            )
        document = self.draft_document(request, engine, outcome)
        result = verified
        if result is None:
            # act() checks every signature it passes down; no path may skip that check.
            raise InvalidInput("the result's signature was not checked", code="signature_unchecked")
        if not result.ok:
            raise InvalidInput(
                f"the result's signature is not accepted: {result.code.value} {result.detail}",
                code=f"signature_{result.code.value.lower()}",
            )
        return NewEvent(
            events.RESULT_SIGNED,
            {
                "request_id": request.request_id,
                "document": document,
                "signature": signature,
                "signer_iin": actor.id,
                "signer": result.identity.subject if result.identity else actor.id,
                "role": actor.role,
                "sha256": document_sha256(document),
            },
        )

    async def _commit(
        self,
        request_id: str,
        new: Sequence[NewEvent],
        expected: int,
        outbox: Sequence[OutboxMessage],
    ) -> None:
        try:
            await self.store.append(
                events.request_stream(request_id), new, expected_version=expected, outbox=outbox
            )
        except ConcurrencyConflict:
            # Another process (or a timer) wrote the request since it was read: the decision
            # was taken on a stale state, so nothing is written and the caller may retry.
            raise Conflict(
                f"request {request_id} changed while this action was decided; reload and retry",
                code="CONCURRENT_CHANGE",
            ) from None
        self._on_commit()

    # --- deadlines -------------------------------------------------------------------------

    async def arm(self, request_id: str) -> None:
        """(Re)arm the request's deadline timers (after every change: actions move deadlines)."""
        watch = self._watches.get(request_id)
        if watch is None:
            stream = await self.store.read_stream(events.request_stream(request_id))
            if not stream:
                return
            engine = self.engine(*engine_key(stream))
            watch = DeadlineWatch(
                engine,
                self.clock,
                lambda: self.store.read_stream(events.request_stream(request_id)),
                lambda due: self._timers_fired(request_id, due),
            )
            self._watches[request_id] = watch
        if await watch.arm() is None:
            watch.cancel()
            self._watches.pop(request_id, None)

    async def arm_all(self, request_ids: Sequence[str]) -> None:
        for request_id in request_ids:
            await self.arm(request_id)

    def arm_later(self, stream_id: str) -> None:
        """Arm the timers of a request committed by a synchronous callback (the inbox's)."""
        if not stream_id.startswith(events.REQUEST_STREAM_PREFIX):
            return
        task = asyncio.get_running_loop().create_task(
            self.arm(stream_id.removeprefix(events.REQUEST_STREAM_PREFIX))
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def stop_timers(self) -> None:
        for watch in self._watches.values():
            watch.cancel()
        self._watches.clear()

    async def _timers_fired(self, request_id: str, due: Sequence[NewEvent]) -> None:
        async with self._lock(request_id):
            request, engine, stream = await self.load(request_id)
            # Re-check against the stream as it is now: an action may have moved the step.
            fresh = engine.due(request.state, self.clock.now())
            fresh_keys = {(e.type, e.data["seq"]) for e in fresh}
            wanted = [e for e in due if (e.type, e.data["seq"]) in fresh_keys]
            if not wanted:
                return
            actor = Actor("deadline-watch")
            history: list[Any] = [*stream, *(_with(e, actor) for e in wanted)]
            out = self._notify(engine, request.origin, history, len(stream), into=history)
            try:
                await self._commit(request_id, history[len(stream) :], request.version, out)
            except Conflict:
                # An action won the race; the watch re-arms from the new state right after.
                return


# --- helpers ---------------------------------------------------------------------------------


def _with(event: NewEvent, actor: Actor) -> NewEvent:
    return NewEvent(event.type, event.data, event.event_id, {**event.metadata, **actor.metadata()})


def _grounds_event(request_id: str, grounds: Mapping[str, str] | None) -> NewEvent:
    if (
        not grounds
        or not str(grounds.get("kk", "")).strip()
        or not str(grounds.get("ru", "")).strip()
    ):
        raise InvalidInput(
            "a refusal states its grounds in Kazakh and Russian: give grounds.kk and grounds.ru",
            code="grounds_required",
        )
    return NewEvent(
        events.GROUNDS_RECORDED,
        {
            "request_id": request_id,
            "kk": str(grounds["kk"]).strip(),
            "ru": str(grounds["ru"]).strip(),
        },
    )


def _with_grounds(request: ProviderRequest, grounds: Mapping[str, str] | None) -> ProviderRequest:
    from dataclasses import replace

    assert grounds is not None  # noqa: S101 - checked by _grounds_event just before
    return replace(
        request, grounds={"kk": str(grounds["kk"]).strip(), "ru": str(grounds["ru"]).strip()}
    )


def _mapping(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f"expected an object, got {type(value).__name__}", code="invalid_body")
    return value


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput(f"expected a list, got {type(value).__name__}", code="invalid_body")
    return value
