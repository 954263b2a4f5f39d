"""elicense's command handlers: each reads a stream, asks the domain for new events and appends
them with the stream's version (optimistic concurrency), the messages they cause going to the
outbox in the same transaction. A command that loses a race reads again and decides again, so
nothing is done twice."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from elicense_svc import messages as msg
from elicense_svc.counters import Counters
from elicense_svc.domain import events as ev
from elicense_svc.domain import permit as permits
from elicense_svc.domain import request as req
from elicense_svc.domain.actors import ELICENSE, Actor
from elicense_svc.domain.directory import Directory
from elicense_svc.domain.errors import ElicenseError, Forbidden, Invalid, NotFound
from elicense_svc.domain.numbers import permit_number, request_number, year_of
from elicense_svc.domain.statuses import Status
from elicense_svc.engines import Engines, routes_through_elicensing, signing_step
from elicense_svc.registry_port import Found, RegistryLookup, Unavailable
from elicense_svc.staff import current_directory
from shared.authz import Kind, kinds_of
from shared.canonical import unfit_number
from shared.clock import Clock, TimerHandle
from shared.contract.status import STATUS_TYPE, PermitRef, StatusChanged, mask_iin
from shared.envelope import Envelope
from shared.eventlog.port import ConcurrencyConflict, EventStore, NewEvent, OutboxMessage
from shared.eventlog.reading import committed_pages
from shared.inbound import is_system_certificate
from shared.inbox import Effects
from shared.logging import get_logger
from shared.regulation.engine import (
    REQUEST_COMPLETED,
    REQUEST_OVERDUE,
    REQUEST_REFUSED,
    STEP_STARTED,
    EventLike,
    StepEngine,
)
from shared.regulation.errors import ActionRefused, RegulationError
from shared.regulation.model import Channel
from shared.regulation.timers import DeadlineWatch
from shared.signing import Signer, SignerIdentity, Verifier, verify_delivered, verify_off_loop

# Re-decisions of a document attachment that raced another change of the same request.
_ATTACH_ATTEMPTS = 5
_PORTAL_CHANNELS = frozenset({Channel.PORTAL, Channel.ELICENSE_PORTAL})
_ATTEMPTS = 10
# Events after which the deadline timers are re-armed (a step started or the request ended).
_MOVES_DEADLINES = frozenset({STEP_STARTED, REQUEST_COMPLETED, REQUEST_REFUSED})


@dataclass(frozen=True)
class RetryPolicy:
    base: timedelta = timedelta(seconds=30)
    max: timedelta = timedelta(hours=1)


class ElicenseService:
    def __init__(
        self,
        *,
        store: EventStore,
        clock: Clock,
        engines: Engines,
        directory: Directory,
        lookup: RegistryLookup,
        signer: Signer,
        verifier: Verifier,
        retry: RetryPolicy = RetryPolicy(),
        on_outbox: Callable[[], None] | None = None,
        topology: msg.Topology = msg.DEFAULT_TOPOLOGY,
    ) -> None:
        self.store = store
        self.clock = clock
        self.engines = engines
        self.directory = directory
        self._lookup = lookup
        self._signer = signer
        self.verifier = verifier
        self._retry = retry
        self._on_outbox = on_outbox
        self.topology = topology
        self._counters = Counters(store)
        self._timers: dict[str, TimerHandle] = {}
        self._watches: dict[str, DeadlineWatch] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._log = get_logger("elicense_svc.handlers")

    # --- reading --------------------------------------------------------------------------

    async def load(self, request_id: str) -> req.ElicenseRequest:
        events = await self.store.read_stream(ev.request_stream(request_id))
        if not events:
            raise NotFound("REQUEST_NOT_FOUND", f"no request {request_id}")
        return req.fold(events)

    def engine_of(self, state: req.ElicenseRequest) -> StepEngine:
        return self.engines.get(state.service, state.version)

    async def load_permit(self, number: str) -> permits.Permit:
        events = await self.store.read_stream(ev.permit_stream(number))
        if not events:
            raise NotFound("PERMIT_NOT_FOUND", f"no permit {number} in the registry")
        return permits.fold_permit(events)

    # --- intake ---------------------------------------------------------------------------

    async def _registration(
        self,
        *,
        request_id: str,
        service: str,
        channel: Channel,
        iin: str | None,
        bin: str | None,
        at: datetime,
        provider_id: str | None,
    ) -> tuple[StepEngine, str, req.Applicant, str]:
        try:
            engine = self.engines.in_force(service, at)
        except RegulationError as exc:
            raise Invalid("SERVICE_NOT_PROVIDED", str(exc)) from exc
        definition = engine.definition
        if not routes_through_elicensing(definition):
            raise Invalid(
                "NOT_ELICENSING",
                f"{definition.key} is routed {definition.route.value}, not through E-licensing",
            )
        if channel not in definition.channels:
            # Decided before a number is allocated: a request the version does not take
            # through this channel can never be taken, so it is refused (parked), not retried.
            raise Invalid(
                "CHANNEL_NOT_OFFERED",
                f"{definition.key} is not offered through {channel.value!r}; channels: "
                + ", ".join(c.value for c in definition.channels),
            )
        applicant = req.Applicant.parse(iin, bin)
        provider = self.directory.provider_for(definition.code, definition.provider.region)
        if provider_id is not None and provider_id != provider.id:
            raise Forbidden(
                "OTHER_PROVIDER",
                f"{definition.key} is provided by {provider.id}, not {provider_id}",
            )
        year = year_of(at)
        seq = await self._counters.allocate(f"request.{provider.id}.{year}", request_id)
        return engine, provider.id, applicant, request_number(provider.code, year, seq)

    async def receive_portal(self, envelope: Envelope, submission: msg.PortalSubmission) -> Effects:
        """A portal request the gateway delivered (000/003 process 7). Returns the effects for
        the inbox to commit with its claim. The applicant's signature is checked first
        (:meth:`_check_applicant_signature`): a submission it refuses takes no number."""
        await self._check_applicant_signature(submission)
        stream = ev.request_stream(submission.request_id)
        if await self.store.stream_version(stream) > 0:
            # The same request again under another message id: registered once already.
            self._log.info("elicense.duplicate_request", request_id=submission.request_id)
            return Effects(stream_id=stream)
        # The version in force, the number's year and the term count from the submission
        # instant (the portal's, 002 p.3), never from a future one; the first step starts at
        # the receipt, now.
        received = self.clock.now()
        at = min(submission.submitted_at or envelope.sent_at, received)
        actor = Actor(kind="system", subject=envelope.sender)
        source = {
            "via": "gateway",
            "message_id": str(envelope.message_id),
            "sender": envelope.sender,
            "applicant_signature": submission.applicant_signature,
        }
        events, outbox = await self._intake(
            submission, actor=actor, source=source, received=received, at=at
        )
        return Effects(stream_id=stream, events=events, expected_version=0, outbox=outbox)

    async def receive_applicant(self, submission: msg.PortalSubmission) -> req.ElicenseRequest:
        """A request the applicant files at E-licensing's own web portal, elicense.kz (003 p.1:
        "www.e.gov.kz немесе www.elicense.kz", channel ``elicense_portal``): the one way in
        for its pages and any API. Registered as a portal request is (process 7): the
        applicant's signature over the request they signed (shared.contract.application),
        by the certificate of the IIN/BIN it names (condition 2), checked before a number is
        drawn; then the number, the engine's submission and the ``registered`` notification
        in one transaction. The same request id again is DUPLICATE_REQUEST."""
        if submission.channel != Channel.ELICENSE_PORTAL.value:
            raise Invalid(
                "CHANNEL_NOT_OFFERED",
                f"elicense.kz takes {Channel.ELICENSE_PORTAL.value!r} requests, "
                f"not {submission.channel!r}",
            )
        signer = await self._check_applicant_signature(submission)
        stream = ev.request_stream(submission.request_id)
        if await self.store.stream_version(stream) > 0:
            raise ElicenseError(
                "DUPLICATE_REQUEST", f"request {submission.request_id} already exists"
            )
        received = self.clock.now()
        actor = Actor(
            kind="applicant",
            subject=signer.subject if signer is not None else "applicant",
            iin=signer.iin if signer is not None else submission.applicant_iin,
            serial=signer.serial if signer is not None else None,
        )
        source = {"via": msg.ELICENSE_KZ, "applicant_signature": submission.applicant_signature}
        events, outbox = await self._intake(
            submission, actor=actor, source=source, received=received, at=received
        )
        try:
            await self.store.append(stream, events, expected_version=0, outbox=outbox)
        except ConcurrencyConflict:
            raise ElicenseError(
                "DUPLICATE_REQUEST", f"request {submission.request_id} already exists"
            ) from None
        self._notify()
        self.kick(submission.request_id)
        return await self.load(submission.request_id)

    async def _intake(
        self,
        submission: msg.PortalSubmission,
        *,
        actor: Actor,
        source: Mapping[str, Any],
        received: datetime,
        at: datetime,
    ) -> tuple[list[NewEvent], list[OutboxMessage]]:
        """The events and messages of a signed request taken in (process 7): the version in
        force ``at``, its number, the engine's submission; the first step starts ``received``."""
        engine, provider, applicant, number = await self._registration(
            request_id=submission.request_id,
            service=submission.service,
            channel=Channel(submission.channel),
            iin=submission.applicant_iin,
            bin=submission.applicant_bin,
            at=at,
            provider_id=None,
        )
        new = req.receive(
            engine,
            request_id=submission.request_id,
            channel=Channel(submission.channel),
            provider=provider,
            applicant=applicant,
            source=source,
            number=number,
            at=received,
            submitted_at=at,
            form=submission.form,
            documents=[req.Document(**d.model_dump()) for d in submission.documents],
        )
        events = ev.stamped(new, actor.as_data(), submission.request_id)
        notes, outbox = await self._messages(None, req.fold(events), events)
        return [*events, *notes], outbox

    async def _check_applicant_signature(
        self, submission: msg.PortalSubmission
    ) -> SignerIdentity | None:
        """000 p.10 / 003 p.7, condition 2, checked here again: the applicant's own EDS over
        exactly the request they signed at the portal (rebuilt from the submission), by the
        certificate of the IIN and the BIN the submission names. The portal checked it
        already, but the portal's envelope only says the portal sent it: without this, a
        message published straight to E-licensing's queue registered a request in another
        person's name with anybody's signature. Refused (``APPLICANT_SIGNATURE_INVALID``,
        parked by the intake) before a request number is drawn, since the numbers are
        gap-free; an unknown revocation status is retried, not refused."""
        signature = submission.applicant_signature
        if not signature:
            raise Invalid(
                "APPLICANT_SIGNATURE_INVALID", "the submission carries no applicant signature"
            )
        payload = submission.signed_bytes()
        if payload is None:
            raise Invalid(
                "APPLICANT_SIGNATURE_INVALID",
                "the submission names no regulation version, so the request the applicant "
                "signed cannot be rebuilt",
            )
        result = await verify_delivered(
            self.verifier,
            payload,
            signature,
            expected_iin=submission.applicant_iin,
            expected_bin=submission.applicant_bin,
            document=True,
        )
        if not result.ok:
            raise Invalid(
                "APPLICANT_SIGNATURE_INVALID",
                f"{result.code.value}: {result.detail or 'the signature is refused'}",
            )
        if result.identity is not None and is_system_certificate(result.identity):
            # An information system's certificate can name a BIN; an applicant is a person.
            raise Invalid(
                "APPLICANT_SIGNATURE_INVALID",
                f"signed with the information system {result.identity.subject!r}'s "
                "certificate, not by the applicant",
            )
        if submission.applicant_bin is not None and (
            result.identity is None or Kind.ENTITY_HEAD not in kinds_of(result.identity)
        ):
            # A legal entity's request is signed by its first head or a person with the right
            # to sign (НУЦ's roles .1 and .2), as the portal requires: not by its employees.
            raise Invalid(
                "APPLICANT_SIGNATURE_INVALID",
                f"NO_RIGHT_TO_SIGN: the certificate may not sign for BIN "
                f"{submission.applicant_bin}: a legal entity's request is signed by its first "
                "head or a person with the right to sign",
            )
        return result.identity

    async def receive_staff(
        self,
        actor: Actor,
        *,
        request_id: str,
        service: str,
        iin: str | None,
        bin: str | None,
        form: Mapping[str, Any],
        documents: Sequence[req.Document],
    ) -> req.ElicenseRequest:
        """Processes 3 and 7 of the provider path: staff enter the applicant who came to the
        office; the request is registered under its number."""
        # Checked before a number is drawn: a value the log cannot store would fail the append
        # after the counter moved, leaving a gap in the gap-free sequence.
        unfit = unfit_number(dict(form), "form")
        if unfit is not None:
            raise Invalid("NOT_A_JSON_NUMBER", unfit)
        stream = ev.request_stream(request_id)
        if await self.store.stream_version(stream) > 0:
            raise ElicenseError("DUPLICATE_REQUEST", f"request {request_id} already exists")
        at = self.clock.now()
        engine, provider, applicant, number = await self._registration(
            request_id=request_id,
            service=service,
            channel=Channel.PROVIDER_OFFICE,
            iin=iin,
            bin=bin,
            at=at,
            provider_id=actor.provider,
        )
        new = req.receive(
            engine,
            request_id=request_id,
            channel=Channel.PROVIDER_OFFICE,
            provider=provider,
            applicant=applicant,
            source={"via": "staff", "staff_iin": actor.iin},
            number=number,
            at=at,
            form=form,
            documents=documents,
        )
        events = ev.stamped(new, actor.as_data(), request_id)
        state = req.fold(events)
        notes, outbox = await self._messages(None, state, events)
        try:
            await self.store.append(stream, [*events, *notes], expected_version=0, outbox=outbox)
        except ConcurrencyConflict:
            raise ElicenseError(
                "DUPLICATE_REQUEST", f"request {request_id} already exists"
            ) from None
        self._notify()
        self.kick(request_id)
        return state

    # --- the registry check ---------------------------------------------------------------

    def kick(self, request_id: str) -> None:
        """Run the registry check for the request now, in the background."""
        task = asyncio.create_task(self._check_safely(request_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        """Wait for the background checks started so far (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    def _schedule(self, request_id: str, when: datetime) -> None:
        old = self._timers.pop(request_id, None)
        if old is not None:
            old.cancel()
        self._timers[request_id] = self.clock.call_at(when, lambda: self._check_safely(request_id))

    def stop_timers(self) -> None:
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        for watch in self._watches.values():
            watch.cancel()
        self._watches.clear()

    # --- deadlines (the definition's norms and term, shared.regulation's timers) ----------

    async def arm(self, request_id: str) -> None:
        """(Re)arm the request's deadline timers; every action moves them."""
        state = await self.load(request_id)
        engine = self.engine_of(state)
        watch = self._watches.get(request_id)
        if state.steps(engine).finished is not None:
            if watch is not None:
                watch.cancel()
                del self._watches[request_id]
            return
        if watch is None:
            stream = ev.request_stream(request_id)

            async def read() -> Sequence[EventLike]:
                return await self.store.read_stream(stream)

            async def append(_due: Sequence[NewEvent]) -> None:
                await self._record_due(request_id)

            watch = self._watches[request_id] = DeadlineWatch(engine, self.clock, read, append)
        await watch.arm()

    async def _record_due(self, request_id: str) -> None:
        """Append the timer events due now (DeadlineApproaching, StepOverdue, RequestOverdue)
        from a fresh read, so a staff action racing the timer costs a retry, not a crash."""
        for _ in range(_ATTEMPTS):
            try:
                state = await self.load(request_id)
                engine = self.engine_of(state)
                due = engine.due(state.steps(engine), self.clock.now())
                if due:
                    await self._append_request(state, due, ELICENSE)
                return
            except ConcurrencyConflict:
                continue
            except Exception as exc:  # a timer must never take the clock down with it
                self._log.error("elicense.deadline_failed", request_id=request_id, error=repr(exc))
                return

    async def _check_safely(self, request_id: str) -> None:
        self._timers.pop(request_id, None)
        try:
            await self.check_registry(request_id)
            await self.arm(request_id)
        except Exception as exc:  # the store failed: try again later, never drop the request
            self._log.error(
                "elicense.registry_check_failed", request_id=request_id, error=repr(exc)
            )
            self._schedule(request_id, self.clock.now() + self._retry.base)

    async def check_registry(self, request_id: str) -> str:
        """Ask ГБД ФЛ / ГБД ЮЛ about the applicant if the request needs it now. Returns the
        request's status afterwards."""
        for _ in range(_ATTEMPTS):
            state = await self.load(request_id)
            engine = self.engine_of(state)
            if not req.needs_registry_check(engine, state):
                return req.status_of(engine, state)
            now = self.clock.now()
            if state.retry_at is not None and state.retry_at > now:
                self._schedule(request_id, state.retry_at)  # not due yet (e.g. after a restart)
                return req.status_of(engine, state)
            outcome = await self._lookup.lookup(state.applicant.registry, state.applicant.id)
            now = self.clock.now()
            if isinstance(outcome, Unavailable):
                new = req.registry_unavailable(
                    state,
                    reason=outcome.reason,
                    at=now,
                    base_delay=self._retry.base,
                    max_delay=self._retry.max,
                )
            elif isinstance(outcome, Found):
                new = req.registry_answered(engine, state, found=outcome.record, reason="", at=now)
            else:
                new = req.registry_answered(
                    engine, state, found=None, reason=outcome.reason, at=now
                )
            try:
                after = await self._append_request(state, new, ELICENSE)
            except ConcurrencyConflict:
                continue  # someone else moved the request: look again
            if after.registry == "deferred" and after.retry_at is not None:
                self._schedule(request_id, after.retry_at)
            return req.status_of(engine, after)
        raise ElicenseError("CONTENDED", f"request {request_id} kept changing under the check")

    async def resume_pending(self) -> int:
        """At start-up: schedule every request that still waits for the registry (a restart
        must lose none). Returns how many."""
        count = 0
        pending: set[str] = set()
        # To the head: a hole the store cannot settle yet must not end the scan early.
        async for batch in committed_pages(self.store):
            for event in batch:
                if event.stream_id.startswith(ev.REQUEST_STREAM_PREFIX):
                    pending.add(event.stream_id.removeprefix(ev.REQUEST_STREAM_PREFIX))
        for request_id in sorted(pending):
            await self.arm(request_id)
            state = await self.load(request_id)
            if req.needs_registry_check(self.engine_of(state), state):
                when = state.retry_at or self.clock.now()
                self._schedule(request_id, max(when, self.clock.now()))
                count += 1
        return count

    # --- staff processing -----------------------------------------------------------------

    def _authorize(self, actor: Actor, state: req.ElicenseRequest) -> None:
        if actor.provider != state.provider:
            # Users see only what is theirs: another provider's request does not exist for them.
            raise NotFound("REQUEST_NOT_FOUND", f"no request {state.request_id}")

    async def get_for(self, actor: Actor, request_id: str) -> req.ElicenseRequest:
        state = await self.load(request_id)
        self._authorize(actor, state)
        return state

    async def attach_documents(
        self, actor: Actor, request_id: str, documents: Sequence[req.Document]
    ) -> req.ElicenseRequest:
        """Process 6: the paper documents are marked, scanned and attached."""
        if not documents:
            raise Invalid("NO_DOCUMENTS", "attach at least one document")
        data = {"request_id": request_id, "documents": [d.as_data() for d in documents]}
        # Attaching depends only on the request not being finished, so a concurrent change
        # (typically the registry check's answer landing) is no reason to refuse the clerk:
        # decide again on the fresh state. A step decision (act) is different: it is refused.
        for _ in range(_ATTACH_ATTEMPTS):
            state = await self.get_for(actor, request_id)
            if state.steps(self.engine_of(state)).finished is not None:
                raise ElicenseError("REQUEST_FINISHED", f"request {request_id} is finished")
            try:
                return await self._append_request(
                    state, [NewEvent(ev.DOCUMENTS_ATTACHED, data)], actor
                )
            except ConcurrencyConflict:
                continue
        raise ElicenseError(
            "CONCURRENT_CHANGE",
            f"request {request_id} kept changing while the documents were attached; try again",
        )

    async def act(
        self,
        actor: Actor,
        request_id: str,
        *,
        step: str,
        outcome: str,
        document_signature: str | None = None,
    ) -> req.ElicenseRequest:
        """A staff member finishes a step (condition 3 and the steps around it)."""
        state = await self.get_for(actor, request_id)
        engine = self.engine_of(state)
        if req.needs_registry_check(engine, state):
            raise ElicenseError(
                "REGISTRY_CHECK_PENDING",
                f"request {request_id} waits for the registry check "
                f"({req.status_of(engine, state)}); staff steps follow its answer",
            )
        steps = state.steps(engine)
        current = steps.current
        role = engine.definition.step(current.step).role if current is not None else ""
        if current is not None and role not in actor.roles:
            raise Forbidden(
                "ROLE_REQUIRED",
                f"step {current.step!r} is done by role {role!r}; your roles: "
                + ", ".join(actor.roles),
            )
        now = self.clock.now()
        try:
            new = engine.act(steps, role=role, step=step, outcome=outcome, at=now, actor=actor.iin)
        except ActionRefused as exc:
            raise ElicenseError(exc.reason, exc.message) from exc
        sign = signing_step(engine.definition)
        chosen = next(o for o in sign.outcomes if o.name == outcome) if step == sign.id else None
        if chosen is not None and chosen.refusal is None:
            await self._issue_permit(actor, state, document_signature, now)
        elif document_signature is not None:
            raise Invalid("NO_SIGNATURE_HERE", f"step {step!r} signs no document")
        new += req.advance(engine, req.apply(state, new), now)
        after = await self._append_staff(state, new, actor)
        if req.needs_registry_check(engine, after):
            self.kick(request_id)  # 003: the step reached is the registry's own
        return after

    async def permit_draft(self, actor: Actor, request_id: str) -> dict[str, Any]:
        """The permit document the authorized person is to sign; reserves the central permit
        number (once per request)."""
        state = await self.get_for(actor, request_id)
        engine = self.engine_of(state)
        current = state.steps(engine).current
        sign = signing_step(engine.definition)
        if sign.role not in actor.roles:
            # Only the authorized person drafts what they will sign (and so reserves a number).
            raise Forbidden("ROLE_REQUIRED", f"the permit is drafted and signed by {sign.role!r}")
        if current is None or current.step != sign.id:
            raise ElicenseError(
                "NOT_AT_SIGNING",
                f"the permit is drafted at step {sign.id!r}; the request is at "
                f"{current.step if current else 'its end'!r}",
            )
        if state.permit_number is None:
            definition = engine.definition
            year = year_of(state.received_at)
            seq = await self._counters.allocate(f"permit.{definition.letter}.{year}", request_id)
            number = permit_number(definition.letter, year, seq)
            reserved = NewEvent(
                ev.PERMIT_NUMBER_RESERVED, {"request_id": request_id, "permit_number": number}
            )
            try:
                state = await self._append_request(state, [reserved], actor)
            except ConcurrencyConflict:
                state = await self.load(request_id)
        assert state.permit_number is not None  # noqa: S101 - reserved just above
        return permits.permit_document(engine.definition, state, state.permit_number)

    async def _issue_permit(
        self, actor: Actor, state: req.ElicenseRequest, signature: str | None, at: datetime
    ) -> None:
        """Process 9: the permit signed with the authorized person's EDS enters the registry."""
        if state.permit_number is None:
            raise ElicenseError("NO_DRAFT", "fetch the permit draft and sign it first")
        if not signature:
            raise Invalid("SIGNATURE_REQUIRED", "the permit must be signed with your EDS")
        document = permits.permit_document(
            self.engine_of(state).definition, state, state.permit_number
        )
        result = await verify_off_loop(
            self.verifier,
            permits.signing_bytes(document),
            signature,
            expected_iin=actor.iin,
            document=True,
        )
        if not result.ok:
            raise Invalid(
                f"SIGNATURE_{result.code.value}",
                f"the permit signature does not verify: {result.detail or result.code.value}",
            )
        signer = {
            "subject": result.identity.subject if result.identity else actor.subject,
            "iin": actor.iin,
            "serial": result.identity.serial if result.identity else None,
        }
        event = permits.issue(
            request=state,
            permit_number=state.permit_number,
            document=document,
            signature=signature,
            signer=signer,
            at=at,
        )
        stream = ev.permit_stream(state.permit_number)
        try:
            await self.store.append(
                stream, ev.stamped([event], actor.as_data(), state.request_id), expected_version=0
            )
        except ConcurrencyConflict:
            existing = await self.load_permit(state.permit_number)
            if existing.request_id != state.request_id:
                raise
            # Issued by an earlier attempt of this very command: the request catches up below.

    # --- permit lifecycle -----------------------------------------------------------------

    async def _permit_for(self, actor: Actor, number: str) -> tuple[permits.Permit, int]:
        events = await self.store.read_stream(ev.permit_stream(number))
        if not events:
            raise NotFound("PERMIT_NOT_FOUND", f"no permit {number} in the registry")
        permit = permits.fold_permit(events)
        if permit.provider != actor.provider:
            raise NotFound("PERMIT_NOT_FOUND", f"no permit {number} in the registry")
        return permit, len(events)

    def signer_role(self, permit: permits.Permit) -> str:
        """Who signs the permit's editions and runs its lifecycle: the result's signing role."""
        state_service = permit.document["service"]
        definition = self.engines.catalog.get(state_service["code"], state_service["version"])
        return definition.results[0].signed_by_role

    async def permit_of(self, actor: Actor, number: str) -> permits.Permit:
        """Permit ``number`` as the staff member sees it: one of their provider's (another
        provider's permit does not exist for them)."""
        return (await self._permit_for(actor, number))[0]

    async def reissue_draft(self, actor: Actor, number: str, reason: str) -> dict[str, Any]:
        permit, _ = await self._permit_for(actor, number)
        return permits.reissued_document(permit.document, reason)

    async def permit_command(
        self,
        actor: Actor,
        number: str,
        command: str,
        *,
        reason: str,
        document_signature: str | None = None,
    ) -> permits.Permit:
        """Re-issue, suspend, resume or terminate (003 p.5.3), by the provider's authorized
        person; each is an event with a status notification."""
        for _ in range(_ATTEMPTS):
            permit, version = await self._permit_for(actor, number)
            role = self.signer_role(permit)
            if role not in actor.roles:
                raise Forbidden("ROLE_REQUIRED", f"permit commands need role {role!r}")
            now = self.clock.now()
            extra: dict[str, Any] = {}
            if command == "reissue":
                document = permits.reissued_document(permit.document, reason)
                if not document_signature:
                    raise Invalid("SIGNATURE_REQUIRED", "a re-issued permit must be signed")
                result = await verify_off_loop(
                    self.verifier,
                    permits.signing_bytes(document),
                    document_signature,
                    expected_iin=actor.iin,
                    document=True,
                )
                if not result.ok:
                    raise Invalid(
                        f"SIGNATURE_{result.code.value}",
                        f"the permit signature does not verify: {result.detail}",
                    )
                extra = {
                    "document": document,
                    "signature": document_signature,
                    "signer": {
                        "subject": result.identity.subject if result.identity else actor.subject,
                        "iin": actor.iin,
                        "serial": result.identity.serial if result.identity else None,
                    },
                }
            event = permits.lifecycle(permit, command, reason=reason, at=now, extra=extra)
            stamped = ev.stamped([event], actor.as_data(), permit.request_id)
            history: list[EventLike] = [
                *await self.store.read_stream(ev.permit_stream(number)),
                *stamped,
            ]
            after = permits.fold_permit(history)
            try:
                await self.store.append(
                    ev.permit_stream(number),
                    stamped,
                    expected_version=version,
                    outbox=await self._permit_messages(
                        after, history, command, reason, now, stamped[0]
                    ),
                )
            except ConcurrencyConflict:
                continue
            self._notify()
            return after
        raise ElicenseError("CONTENDED", f"permit {number} kept changing")

    async def public_permit(self, number: str, sha256: str | None = None) -> dict[str, Any]:
        """What anyone holding a permit number learns: whether the permit stands (valid,
        suspended, terminated), what it is, who issued it and when, whether its signature
        verifies today, and the SHA-256 of the signed document, compared with ``sha256`` (the
        QR code's) when given. Never the holder, the form or the reasons: permit numbers are
        sequential, so anything personal here would be a list of holders for anyone."""
        permit = await self.load_permit(number)
        signed = permits.signing_bytes(permit.document)
        result = await verify_off_loop(self.verifier, signed, permit.signature, document=True)
        digest = hashlib.sha256(signed).hexdigest()
        return {
            "permit_number": permit.number,
            "state": permit.state.value,
            "kind": permit.document["kind"],
            "title": permit.document["title"],
            "service": permit.document.get("service"),
            "issuer": permit.document.get("provider", {"id": permit.provider}),
            "edition": permit.document["edition"],
            "issued_at": permit.issued_at.isoformat(),
            "changed_at": permit.history[-1]["at"],
            "signature": {"valid": result.ok, "code": result.code.value},
            "document_sha256": digest,
            "document_matches": None if sha256 is None else sha256.lower() == digest,
        }

    def holder_of(self, permit: permits.Permit) -> str:
        """The holder's IIN or BIN as the permit names it (who may read it in full)."""
        return str(permit.document["holder"]["id"])

    async def may_read_permit(self, identity: SignerIdentity, number: str) -> bool:
        """Whether the verified ``identity`` reads permit ``number`` in full (holder, form,
        document): its holder (the certificate's IIN, or BIN for an entity, is the permit's
        holder) or a member of E-licensing's staff as the roster stands now."""
        if self.holder_of(await self.load_permit(number)) in (identity.iin, identity.bin):
            return True
        directory = await current_directory(self.store, self.directory)
        try:
            directory.member(identity.iin)
        except ElicenseError:
            return False
        return True

    async def verify_permit(self, number: str) -> dict[str, Any]:
        """The full verification of a permit (its holder's and staff's view): its state and the
        signature check (done now, against the signer's certificate as it stands today), the
        holder and the signed document."""
        permit = await self.load_permit(number)
        result = await verify_off_loop(
            self.verifier, permits.signing_bytes(permit.document), permit.signature, document=True
        )
        return {
            "permit_number": permit.number,
            "state": permit.state.value,
            "reason": permit.reason,
            "kind": permit.document["kind"],
            "title": permit.document["title"],
            "holder": permit.document["holder"],
            "provider": permit.provider,
            "edition": permit.document["edition"],
            "issued_at": permit.issued_at.isoformat(),
            "signature": {
                "valid": result.ok,
                "code": result.code.value,
                "signer": permit.signer,
                "detail": result.detail,
            },
            "document": permit.document,
            "document_signature": permit.signature,
        }

    # --- appending and messages -----------------------------------------------------------

    async def _append_request(
        self, state: req.ElicenseRequest, new: Sequence[NewEvent], actor: Actor
    ) -> req.ElicenseRequest:
        events = ev.stamped(new, actor.as_data(), state.request_id)
        notes, outbox = await self._messages(state, req.apply(state, events), events)
        await self.store.append(
            ev.request_stream(state.request_id),
            [*events, *notes],
            expected_version=state.stream_version,
            outbox=outbox,
        )
        self._notify()
        after = req.fold(await self.store.read_stream(ev.request_stream(state.request_id)))
        if any(e.type in _MOVES_DEADLINES for e in events):
            await self.arm(state.request_id)
        return after

    async def _append_staff(
        self, state: req.ElicenseRequest, new: Sequence[NewEvent], actor: Actor
    ) -> req.ElicenseRequest:
        try:
            return await self._append_request(state, new, actor)
        except ConcurrencyConflict:
            # Someone (a colleague, the registry check, a timer) changed the request since it
            # was read: the action was decided on a stale state, so it is not recorded.
            raise ElicenseError(
                "CONCURRENT_CHANGE",
                f"request {state.request_id} changed while you acted; reload it and try again",
            ) from None

    def _notify(self) -> None:
        if self._on_outbox is not None:
            self._on_outbox()

    def notify_outbox(self) -> None:
        """Wake the outbox relay (after the inbox committed effects with messages)."""
        self._notify()

    def _recipient(self, state: req.ElicenseRequest) -> str:
        # Status notifications go to whoever filed: the portal (the gateway also fans them out
        # to the portal and the public status exchange) or the provider's office.
        return "portal" if state.channel in _PORTAL_CHANNELS else state.provider

    async def _messages(
        self,
        before: req.ElicenseRequest | None,
        after: req.ElicenseRequest,
        events: Sequence[NewEvent],
    ) -> tuple[list[NewEvent], list[OutboxMessage]]:
        """The status notifications and the result ``events`` cause, with a StatusNotified event
        per notification to commit beside them. Each notification takes the request's next
        ``seq`` (the last one sent + 1): one request's statuses are numbered without a gap, so
        a receiver orders those of one instant and a late one never overtakes a later one."""
        engine = self.engine_of(after)
        status = req.status_of(engine, after)
        previous = req.status_of(engine, before) if before is not None else None
        now = self.clock.now()
        cause = str(events[-1].event_id) if events else after.request_id
        # (what makes the message id unique, status, fields only that status carries)
        pending: list[tuple[str, str, dict[str, Any]]] = []
        first = next((e for e in events if e.type == STEP_STARTED), None)
        registered_now = any(e.type == ev.REQUEST_REGISTERED for e in events)
        if registered_now and first is not None and status != first.data["status"]:
            # The applicant always hears the first step's status first (process 7: the request
            # is registered), even when automatic steps moved it on within the same command.
            pending.append((cause + ":reg", str(first.data["status"]), {}))
        if status != previous:
            extra: dict[str, Any] = {}
            if status == Status.AWAITING_REGISTRY.value:
                extra = {"reason": after.registry_reason, "retry_at": after.retry_at}
            if status == Status.REGISTRY_NOT_FOUND.value:
                # 000 appendix 1 process 5: "data cannot be obtained", shown to the applicant.
                extra = {"message": req.DATA_CANNOT_BE_OBTAINED, "reason": after.registry_reason}
            pending.append((cause, status, extra))
        overdue = [e for e in events if e.type == REQUEST_OVERDUE]
        if overdue:
            late = {"overdue": "request", "deadline": overdue[0].data["deadline"]}
            pending.append((cause + ":overdue", Status.OVERDUE.value, late))
        steps = after.steps(engine)
        current = steps.current
        notes: list[NewEvent] = []
        out: list[OutboxMessage] = []
        for seq, (key, name, extra) in enumerate(pending, start=after.notified + 1):
            body = StatusChanged(
                request_id=after.request_id,
                seq=seq,
                status=name,
                # What the cabinet shows beside the status (003 p.8): the step and deadlines.
                step=current.step if current is not None else None,
                step_deadline=current.deadline if current is not None else None,
                request_deadline=steps.deadline,
                version=after.version,
                channel=after.channel.value,
                applicant=mask_iin(after.applicant.id),
                at=now,
                request_number=after.number,
                **extra,
            )
            message = self._status(after, body, key, now)
            notes.append(self._notified(body, message, events))
            out.append(message)
        # The result goes out before the status it ends with, as a workstation sends its own:
        # the portal's cabinet shows the final status with its result (a refusal with its
        # reason) when the result is in by then.
        return notes, [*await self._results(after, events, cause, now), *out]

    @staticmethod
    def _notified(
        body: StatusChanged, message: OutboxMessage, cause: Sequence[NewEvent]
    ) -> NewEvent:
        """The record of a notification sent, caused by whoever caused the status."""
        data = {
            "request_id": body.request_id,
            "seq": body.seq,
            "status": body.status,
            "message_id": message.message_id,
        }
        metadata = dict(cause[-1].metadata) if cause else {}
        return NewEvent(ev.STATUS_NOTIFIED, data, metadata=metadata)

    def _status(
        self, state: req.ElicenseRequest, body: StatusChanged, cause: str, at: datetime
    ) -> OutboxMessage:
        return msg.outgoing(
            self._signer,
            cause=cause,
            type=STATUS_TYPE,
            recipient=self._recipient(state),
            service_code=state.service,
            correlation_id=state.request_id,
            body=body.as_body(),
            at=at,
            exchange=self.topology.inbound_exchange,
        )

    async def _results(
        self, state: req.ElicenseRequest, events: Sequence[NewEvent], cause: str, at: datetime
    ) -> list[OutboxMessage]:
        """The result to the applicant's cabinet (process 9 / process 8)."""
        if state.channel not in _PORTAL_CHANNELS or state.source.get("via") == msg.ELICENSE_KZ:
            # A request filed at elicense.kz itself has no cabinet at the portal: its applicant
            # takes the result from E-licensing's own pages.
            return []
        finished = [e for e in events if e.type in (REQUEST_COMPLETED, REQUEST_REFUSED)]
        if not finished:
            return []
        end = finished[-1]
        base = {"request_id": state.request_id, "request_number": state.number}
        if end.type == REQUEST_REFUSED:
            definition = self.engine_of(state).definition
            code = str(end.data.get("refusal"))
            ground = next((g for g in definition.refusal_grounds if g.code == code), None)
            body: dict[str, Any] = {
                **base,
                "refusal": code,
                "grounds": ground.name.model_dump(mode="json", exclude_none=True)
                if ground
                else None,
                "reason": state.registry_reason if code == req.NOT_FOUND_GROUND else None,
            }
            kind = msg.RESULT_REFUSED_TYPE
        else:
            if state.permit_number is None:
                raise ElicenseError(
                    "NO_PERMIT", f"request {state.request_id} completed without a permit"
                )
            permit = await self.load_permit(state.permit_number)
            body = {
                **base,
                "permit_number": permit.number,
                "document": permit.document,
                "document_signature": permit.signature,
                "signer": permit.signer,
            }
            kind = msg.RESULT_ISSUED_TYPE
        return [
            msg.outgoing(
                self._signer,
                cause=cause,
                type=kind,
                recipient="portal",
                service_code=state.service,
                correlation_id=state.request_id,
                body=body,
                at=at,
                exchange=self.topology.inbound_exchange,
            )
        ]

    async def _permit_messages(
        self,
        permit: permits.Permit,
        history: Sequence[EventLike],
        command: str,
        reason: str,
        at: datetime,
        event: NewEvent,
    ) -> list[OutboxMessage]:
        """The permit's status notification (003 p.5.3). Its request is finished (a permit is
        issued on completion), so nothing else is numbered after the request's last status:
        the permit's n-th lifecycle event takes seq = the request's last + n, gap-free."""
        status = {
            "reissue": Status.PERMIT_REISSUED,
            "suspend": Status.PERMIT_SUSPENDED,
            "resume": Status.PERMIT_RESUMED,
            "terminate": Status.PERMIT_TERMINATED,
        }[command]
        state = await self.load(permit.request_id)
        engine = self.engine_of(state)
        steps = state.steps(engine)
        if steps.finished is None:
            raise ElicenseError(
                "REQUEST_NOT_FINISHED",
                f"request {state.request_id} of permit {permit.number} is still in work",
            )
        lifecycle = sum(1 for e in history if e.type != ev.PERMIT_ISSUED)
        body = StatusChanged(
            request_id=permit.request_id,
            seq=state.notified + lifecycle,
            status=status.value,
            step=None,
            step_deadline=None,
            request_deadline=steps.deadline,
            version=state.version,
            channel=state.channel.value,
            applicant=mask_iin(state.applicant.id),
            at=at,
            request_number=state.number,
            permit=PermitRef(number=permit.number, state=permit.state.value, reason=reason),
        )
        return [self._status(state, body, str(event.event_id), at)]
