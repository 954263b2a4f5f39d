"""Commands of the portal and the PSC desk. Each reads its stream, decides, and appends the
events (with the outgoing envelope in the outbox) in one transaction against the version it
read, so a concurrent change fails instead of being lost. Every event names its actor."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import unicodedata
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from portal_svc import routing
from portal_svc.blobs import BlobStore
from portal_svc.domain import accounts, events, statuses
from portal_svc.domain import requests as req
from portal_svc.domain.survey import survey_of
from portal_svc.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    Locked,
    NotFound,
    SignatureRefused,
    Throttled,
    TooLarge,
    Unauthorized,
    Unavailable,
    UnsupportedMedia,
)
from portal_svc.identifiers import check_identifiers
from portal_svc.outgoing import PORTAL, envelope_message
from portal_svc.passwords import PasswordRules, Passwords, weak_reason
from portal_svc.psc import Center
from portal_svc.verification import REFUSAL_GROUND
from shared.canonical import canonical_json
from shared.clock import Clock
from shared.eventlog.port import ConcurrencyConflict, EventStore, NewEvent, OutboxMessage
from shared.regulation.catalog import Catalog
from shared.regulation.engine import StepEngine, WorkingCalendar
from shared.regulation.errors import RegulationError
from shared.regulation.forms import FieldProblem, validate_form
from shared.regulation.model import Channel, Definition
from shared.signing import Signer, SignerIdentity, VerificationResult, Verifier

_T = TypeVar("_T")

REGISTER_KIND = "egov.portal.register.v1"
CHALLENGE_KIND = "egov.portal.login.v1"


class ApplicantLookup(Protocol):
    """The persons registry through the gateway's sync channel (004: the operator checks the
    applicant's IIN). ``None``: not found; raises :class:`Unavailable` when it cannot tell."""

    async def person(self, iin: str) -> Mapping[str, Any] | None: ...


@dataclass(frozen=True)
class Limits:
    max_attachment_bytes: int = 10 * 1024 * 1024
    media_types: frozenset[str] = frozenset({"application/pdf", "image/jpeg", "image/png"})
    session_ttl: timedelta = timedelta(minutes=30)
    challenge_ttl: timedelta = timedelta(minutes=2)


@dataclass(frozen=True)
class Session:
    account: str
    token: str
    expires_at: datetime


def registration_bytes(iin: str, bin_: str | None) -> bytes:
    """What a new applicant signs with their EDS: proof they hold the certificate's key."""
    return canonical_json({"kind": REGISTER_KIND, "iin": iin, "bin": bin_})


def challenge_bytes(challenge: str) -> bytes:
    return canonical_json({"kind": CHALLENGE_KIND, "challenge": challenge})


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _actor(actor: str) -> dict[str, Any]:
    return {"actor": actor}


def _new(type_: str, data: Mapping[str, Any], actor: str) -> NewEvent:
    return NewEvent(type_, dict(data), metadata=_actor(actor))


class PortalService:
    def __init__(
        self,
        store: EventStore,
        clock: Clock,
        catalog: Catalog,
        calendar: WorkingCalendar,
        *,
        signer: Signer,
        verifier: Verifier,
        auth_verifier: Verifier,
        passwords: Passwords,
        blobs: BlobStore,
        policy: accounts.LoginPolicy | None = None,
        limits: Limits | None = None,
        desk_signers: Mapping[str, Signer] | None = None,
        lookup: ApplicantLookup | None = None,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.catalog = catalog
        self.calendar = calendar
        self.verifier = verifier
        self._signer = signer
        self._auth_verifier = auth_verifier
        self._passwords = passwords
        self.blobs = blobs
        self.policy = policy or accounts.LoginPolicy()
        self.limits = limits or Limits()
        self._desk_signers = dict(desk_signers or {})
        self._lookup = lookup
        self._on_commit = on_commit

    async def _verify(
        self,
        verifier: Verifier,
        payload: bytes,
        signature: str,
        *,
        iin: str | None = None,
        bin_: str | None = None,
    ) -> VerificationResult:
        # Revocation may be an HTTP round trip (OCSP): keep it off the event loop.
        return await asyncio.to_thread(
            verifier.verify, payload, signature, expected_iin=iin, expected_bin=bin_
        )

    async def _append(
        self,
        stream: str,
        new: Sequence[NewEvent],
        *,
        expected: int | None,
        outbox: Sequence[OutboxMessage] = (),
        conflict: str = "concurrent_change",
    ) -> None:
        try:
            await self.store.append(stream, new, expected_version=expected, outbox=outbox)
        except ConcurrencyConflict:
            raise Conflict(conflict, f"{stream} changed meanwhile; read it again") from None
        # Every commit: the relay sends the outbox, and the cabinet's live streams push a
        # request's new status (a draft, a refused signature) without waiting for a poll.
        self._on_commit()

    # --- point 1: accounts -----------------------------------------------------------------

    async def register(
        self, *, iin: str, bin_: str | None, password: str, signature: str
    ) -> accounts.Account:
        check_identifiers(iin, bin_)
        weak = weak_reason(password, PasswordRules())
        if weak is not None:
            raise InvalidInput("weak_password", weak)
        result = await self._verify(
            self.verifier, registration_bytes(iin, bin_), signature, iin=iin, bin_=bin_
        )
        if not result.ok or result.identity is None:
            ground = _ground(result)
            raise SignatureRefused(ground, result.detail or ground, verification=result.code.value)
        account_id = accounts.account_id(iin, bin_)
        digest = await asyncio.to_thread(self._passwords.hash, password)
        data = {
            "account": account_id,
            "kind": "individual" if bin_ is None else "legal_entity",
            "iin": iin,
            "bin": bin_,
            "name": result.identity.subject,
            "password_hash": digest,
            "certificate_serial": result.identity.serial,
            "at": self.clock.now().isoformat(),
        }
        await self._append(
            events.account_stream(account_id),
            [_new(events.APPLICANT_REGISTERED, data, account_id)],
            expected=0,
            conflict="already_registered",
        )
        return _must(accounts.fold([_Ev(events.APPLICANT_REGISTERED, data)]))

    async def _account(self, account_id: str) -> accounts.Account | None:
        return accounts.fold(await self.store.read_stream(events.account_stream(account_id)))

    async def _refuse(
        self, account: accounts.Account | None, account_id: str, reason: str, *, counts: bool
    ) -> None:
        now = self.clock.now()
        data = {"account": account_id, "reason": reason, "counts": counts, "at": now.isoformat()}
        new = [_new(events.AUTHORIZATION_REFUSED, data, account_id)]
        if account is None:
            await self.store.append(events.UNKNOWN_ACCOUNTS_STREAM, new)
            return
        if counts and account.failures + 1 >= self.policy.lock_after:
            until = now + self.policy.lock_for
            lock = {"account": account_id, "until": until.isoformat(), "at": now.isoformat()}
            new.append(_new(events.ACCOUNT_LOCKED, lock, account_id))
        await self.store.append(events.account_stream(account_id), new)

    async def _gate(self, account: accounts.Account | None, account_id: str) -> None:
        if account is None:
            return
        waiting = account.wait_until(self.policy, self.clock.now())
        if waiting is None:
            return
        reason, until = waiting
        await self._refuse(account, account_id, reason, counts=False)
        if reason == "LOCKED":
            raise Locked("account_locked", f"locked until {until.isoformat()}", until=until)
        raise Throttled("login_throttled", f"next attempt at {until.isoformat()}", until=until)

    async def _open_session(self, account_id: str, method: str) -> Session:
        token = secrets.token_urlsafe(32)
        expires = self.clock.now() + self.limits.session_ttl
        data = {
            "account": account_id,
            "token_sha256": token_hash(token),  # the token itself never enters the log
            "expires_at": expires.isoformat(),
            "method": method,
            "at": self.clock.now().isoformat(),
        }
        await self.store.append(
            events.account_stream(account_id), [_new(events.SESSION_OPENED, data, account_id)]
        )
        return Session(account_id, token, expires)

    async def logout(self, account_id: str, token: str) -> None:
        data = {
            "account": account_id,
            "token_sha256": token_hash(token),
            "at": self.clock.now().isoformat(),
        }
        await self.store.append(
            events.account_stream(account_id), [_new(events.SESSION_CLOSED, data, account_id)]
        )

    async def login(self, *, iin: str, bin_: str | None, password: str) -> Session:
        account_id = accounts.account_id(iin, bin_)
        account = await self._account(account_id)
        await self._gate(account, account_id)
        ok = account is not None and await asyncio.to_thread(
            self._passwords.verify, account.password_hash, password
        )
        if not ok:
            reason = "UNKNOWN_ACCOUNT" if account is None else "WRONG_PASSWORD"
            await self._refuse(account, account_id, reason, counts=True)
            # One answer for both: the portal does not tell who is registered.
            raise Unauthorized("wrong_credentials", "wrong IIN/BIN or password")
        return await self._open_session(account_id, "password")

    async def challenge(self) -> tuple[str, datetime]:
        """A one-time login nonce. Kept in the log (its own stream), so any replica can accept
        the answer and a second use is refused everywhere."""
        nonce = secrets.token_urlsafe(24)
        now = self.clock.now()
        expires = now + self.limits.challenge_ttl
        data = {"expires_at": expires.isoformat(), "at": now.isoformat()}
        await self.store.append(
            events.challenge_stream(nonce),
            [_new(events.CHALLENGE_ISSUED, data, "anonymous")],
            expected_version=0,
        )
        return nonce, expires

    async def _use_challenge(self, nonce: str, account_id: str) -> bool:
        stream = events.challenge_stream(nonce)
        history = await self.store.read_stream(stream)
        if len(history) != 1 or history[0].type != events.CHALLENGE_ISSUED:
            return False  # unknown, or already used
        expired = datetime.fromisoformat(history[0].data["expires_at"]) <= self.clock.now()
        try:
            # Used even when the signature then fails: one answer per challenge.
            await self.store.append(
                stream,
                [_new(events.CHALLENGE_USED, {"at": self.clock.now().isoformat()}, account_id)],
                expected_version=1,
            )
        except ConcurrencyConflict:
            return False  # another replica took it first
        return not expired

    async def login_signed(
        self, *, iin: str, bin_: str | None, challenge: str, signature: str
    ) -> Session:
        account_id = accounts.account_id(iin, bin_)
        account = await self._account(account_id)
        await self._gate(account, account_id)
        if not await self._use_challenge(challenge, account_id):
            await self._refuse(account, account_id, "BAD_CHALLENGE", counts=account is not None)
            raise Unauthorized("bad_challenge", "unknown, used or expired challenge")
        result = await self._verify(
            self._auth_verifier, challenge_bytes(challenge), signature, iin=iin, bin_=bin_
        )
        if account is None or not result.ok:
            reason = "UNKNOWN_ACCOUNT" if account is None else result.code.value
            await self._refuse(account, account_id, reason, counts=True)
            raise Unauthorized("wrong_credentials", result.detail or reason)
        return await self._open_session(account_id, "auth_key")

    # --- point 2: catalog ------------------------------------------------------------------

    def offered(self, channel: Channel = Channel.PORTAL) -> list[Definition]:
        """Versions in force today (simulated clock) that take requests through ``channel``."""
        now = self.clock.now()
        found = []
        for code in self.catalog.codes():
            try:
                definition = self.catalog.in_force(code, now)
            except RegulationError:
                continue
            if channel in definition.channels:
                found.append(definition)
        return found

    def definition_for(self, service: str, channel: Channel) -> Definition:
        try:
            definition = self.catalog.in_force(service, self.clock.now())
        except RegulationError as exc:
            code = "service_not_in_force" if service in self.catalog.codes() else "unknown_service"
            if code == "unknown_service":
                try:
                    self.catalog.resolve_code(service)
                    code = "service_not_in_force"
                except RegulationError:
                    pass
            raise NotFound(code, str(exc)) from None
        if channel not in definition.channels:
            raise Conflict("channel_not_offered", f"{definition.key} is not offered via {channel}")
        return definition

    # --- point 3: requests -----------------------------------------------------------------

    def _request_id(self) -> str:
        return f"P{self.clock.now():%Y%m%d}-{uuid.uuid4().hex[:10].upper()}"

    async def create_draft(
        self,
        *,
        owner: str,
        actor: str,
        service: str,
        applicant_iin: str,
        applicant_bin: str | None,
        channel: Channel = Channel.PORTAL,
        center: Center | None = None,
        operator_iin: str | None = None,
    ) -> req.PortalRequest:
        definition = self.definition_for(service, channel)
        try:
            recipient = routing.recipient(definition)
        except routing.NoRoute as exc:
            raise Conflict("channel_not_offered", str(exc)) from None
        request_id = self._request_id()
        data = {
            "request_id": request_id,
            "owner": owner,
            "service": definition.code,
            "version": definition.version,
            "channel": channel.value,
            "recipient": recipient,
            "applicant_iin": applicant_iin,
            "applicant_bin": applicant_bin,
            "desk": center.desk if center else None,
            "operator_iin": operator_iin,
            "at": self.clock.now().isoformat(),
        }
        await self._append(
            events.request_stream(request_id),
            [_new(events.DRAFT_CREATED, data, actor)],
            expected=0,
        )
        return _must(req.fold([_Ev(events.DRAFT_CREATED, data)]))

    async def load(self, request_id: str) -> req.PortalRequest:
        request = req.fold(await self.store.read_stream(events.request_stream(request_id)))
        if request is None:
            raise NotFound("request_not_found", f"no request {request_id}")
        return request

    async def owned(self, request_id: str, owner: str) -> req.PortalRequest:
        request = await self.load(request_id)
        if request.owner != owner:
            raise Forbidden("not_yours", f"request {request_id} belongs to someone else")
        return request

    def _definition(self, request: req.PortalRequest) -> Definition:
        return self.catalog.get(request.service, request.version)

    def _prefilled(self, request: req.PortalRequest, form: Mapping[str, Any]) -> dict[str, Any]:
        # Fields the definition fills from registration are the applicant's own IIN/BIN: the
        # applicant cannot type someone else's there (condition 2 compares them to the EDS).
        filled = dict(form)
        for spec in self._definition(request).form:
            if spec.prefilled_from is not None:
                filled[spec.name] = request.applicant_bin or request.applicant_iin
        return filled

    async def fill(
        self, request_id: str, *, owner: str, actor: str, form: Mapping[str, Any]
    ) -> req.PortalRequest:
        request = await self.owned(request_id, owner)
        if not request.editable:
            raise Conflict("not_editable", f"request {request_id} is {request.status}")
        filled = self._prefilled(request, form)
        problems = validate_form(self._definition(request), filled)
        if problems:
            raise _form_error(problems)
        data = {"request_id": request_id, "form": filled, "at": self.clock.now().isoformat()}
        await self._append(
            events.request_stream(request_id),
            [_new(events.FORM_FILLED, data, actor)],
            expected=request.version_no,
        )
        return await self.load(request_id)

    async def attach(
        self,
        request_id: str,
        *,
        owner: str,
        actor: str,
        code: str,
        name: str,
        media_type: str,
        content: bytes,
    ) -> req.Document:
        request = await self.owned(request_id, owner)
        if not request.editable:
            raise Conflict("not_editable", f"request {request_id} is {request.status}")
        wanted = {d.code for d in self._definition(request).required_documents}
        if code not in wanted:
            raise InvalidInput("unknown_document", f"{code!r} is not one of {sorted(wanted)}")
        if not content:
            raise InvalidInput("attachment_empty", "the attachment has no content")
        if len(content) > self.limits.max_attachment_bytes:
            raise TooLarge(
                "attachment_too_large",
                f"{len(content)} bytes, at most {self.limits.max_attachment_bytes}",
            )
        base_type = media_type.split(";")[0].strip().lower()
        if base_type not in self.limits.media_types:
            raise UnsupportedMedia(
                "attachment_type", f"{base_type} is not one of {sorted(self.limits.media_types)}"
            )
        if not name.strip() or len(name) > 200:
            raise InvalidInput("invalid_name", "a file name of 1-200 characters is required")
        unfit = _unfit_file_name(name)
        if unfit is not None:
            raise InvalidInput("invalid_name", f"the file name {unfit}")
        digest = await asyncio.to_thread(self.blobs.put, content)
        document = req.Document(code, name, base_type, len(content), digest)
        data = {**document.as_json(), "request_id": request_id, "at": self.clock.now().isoformat()}
        await self._append(
            events.request_stream(request_id),
            [_new(events.DOCUMENT_ATTACHED, data, actor)],
            expected=request.version_no,
        )
        return document

    def _complete(self, request: req.PortalRequest) -> None:
        definition = self._definition(request)
        problems = validate_form(definition, self._prefilled(request, request.form))
        if problems:
            raise _form_error(problems)
        missing = sorted(
            {d.code for d in definition.required_documents} - {d.code for d in request.documents}
        )
        if missing:
            raise InvalidInput("documents_missing", f"attach {', '.join(missing)}", missing=missing)

    def deadline(self, definition: Definition, submitted: datetime, channel: Channel) -> datetime:
        """The term the cabinet shows until the provider's first status arrives: the step
        engine's, so it is the provider's own (a term counted from the steps, 004, depends on
        the channel)."""
        return StepEngine(definition, self.calendar).request_deadline(submitted, channel)

    async def submit(
        self,
        request_id: str,
        *,
        owner: str,
        actor: str,
        signature: str,
        signer_iin: str | None = None,
        signer_bin: str | None = None,
    ) -> req.PortalRequest:
        """Condition 2 and process 5: check the EDS over the canonical request, then record
        RequestSubmitted with the envelope for the gateway, or refuse with the named code.

        ``signer_iin``/``signer_bin`` default to the applicant's (the portal); a PSC desk
        passes the operator's IIN and the center's BIN (004: the operator signs)."""
        request = await self.owned(request_id, owner)
        if not request.editable:
            raise Conflict("not_editable", f"request {request_id} is {request.status}")
        self._complete(request)
        definition = self._definition(request)
        iin = signer_iin if signer_iin is not None else request.applicant_iin
        bin_ = signer_bin if signer_iin is not None else request.applicant_bin
        payload = request.signing_bytes()
        result = await self._verify(self.verifier, payload, signature, iin=iin, bin_=bin_)
        now = self.clock.now()
        stream = events.request_stream(request_id)
        if not result.ok:
            ground = _ground(result)
            refusal = {
                "request_id": request_id,
                "code": ground,
                "verification": result.code.value,
                "detail": result.detail,
                "at": now.isoformat(),
            }
            await self._append(
                stream,
                [_new(events.SUBMISSION_REFUSED, refusal, actor)],
                expected=request.version_no,
            )
            raise SignatureRefused(ground, result.detail or ground, verification=result.code.value)
        deadline = self.deadline(definition, now, Channel.PSC if request.desk else Channel.PORTAL)
        sender = request.desk or PORTAL
        body = self._body(request, definition, signature, now)
        submitted = {
            "request_id": request_id,
            "service": request.service,
            "version": request.version,
            "recipient": request.recipient,
            "payload_sha256": hashlib.sha256(payload).hexdigest(),
            "signer": _identity(result.identity),
            "deadline": deadline.isoformat(),
            "term": definition.term.norm.label(),
            "at": now.isoformat(),
        }
        message = envelope_message(
            self._desk_signers.get(sender, self._signer),
            cause=f"{request_id}:submit",
            sender=sender,
            recipient=request.recipient,
            type_=routing.submit_type(definition),
            service_code=request.service,
            correlation_id=request_id,
            body=body,
            at=now,
        )
        submitted["message_id"] = message.message_id
        await self._append(
            stream,
            [_new(events.REQUEST_SUBMITTED, submitted, actor)],
            expected=request.version_no,
            outbox=[message],
        )
        return await self.load(request_id)

    def _body(
        self, request: req.PortalRequest, definition: Definition, signature: str, at: datetime
    ) -> dict[str, Any]:
        documents = [d.as_json() for d in request.documents]
        if routing.submit_type(definition) == routing.ELICENSE_SUBMIT_TYPE:
            # elicense_svc.messages.PortalSubmission: exactly these keys.
            return {
                "request_id": request.request_id,
                "service": request.service,
                "channel": request.channel,
                "applicant_iin": request.applicant_iin,
                "applicant_bin": request.applicant_bin,
                "submitted_at": at.isoformat(),
                "form": dict(request.form),
                "documents": documents,
                "applicant_signature": signature,
            }
        body: dict[str, Any] = {
            "request_id": request.request_id,
            "service": request.service,
            "version": request.version,
            "applicant_iin": request.applicant_iin,
            "applicant_bin": request.applicant_bin,
            "form": dict(request.form),
            "documents": documents,
            "signature": signature,
            "submitted_at": at.isoformat(),
        }
        if request.operator_iin is not None:
            body["operator_iin"] = request.operator_iin
        return body

    # --- point 5: the survey ---------------------------------------------------------------

    async def answer_survey(
        self, request_id: str, *, owner: str, actor: str, answers: Mapping[str, int]
    ) -> None:
        request = await self.owned(request_id, owner)
        # The service is over once its result (the document or the reasoned refusal) is in,
        # whatever the sender named its final status (registry_not_found ends one too).
        if request.result is None and request.status not in statuses.FINISHED:
            raise Conflict("survey_not_open", f"request {request_id} is {request.status}")
        if request.survey is not None:
            raise Conflict("survey_answered", f"request {request_id} was already rated")
        # 003 appendix 3 / 004 appendix 6: the form of the request's own regulation version.
        questions, choices = survey_of(self.catalog.get(request.service, request.version))
        if set(answers) != set(questions) or any(a not in choices for a in answers.values()):
            raise InvalidInput(
                "invalid_answer", f"answer {sorted(questions)} each with one of {sorted(choices)}"
            )
        data = {
            "request_id": request_id,
            "service": request.service,
            "answers": dict(answers),
            "at": self.clock.now().isoformat(),
        }
        await self._append(
            events.request_stream(request_id),
            [_new(events.SURVEY_ANSWERED, data, actor)],
            expected=request.version_no,
        )

    # --- point 6: PSC desk -----------------------------------------------------------------

    async def check_applicant(self, iin: str) -> Mapping[str, Any]:
        if self._lookup is None:
            raise Unavailable("registry_unavailable", "no registry lookup is configured")
        person = await self._lookup.person(iin)
        if person is None:
            raise NotFound("applicant_not_found", f"IIN {iin} is not in the persons registry")
        return person

    async def hand_out(
        self, request_id: str, *, center: Center, operator: str, how: str, email: str | None
    ) -> None:
        """004 p.7 process 8: the operator hands the result out (in person or by e-mail); the
        provider's workstation records it from the receipt."""
        request = await self.owned(request_id, f"psc:{center.desk}")
        if request.result is None:
            raise Conflict("no_result_yet", f"no result for {request_id} yet")
        if request.handed_out:
            raise Conflict("already_handed_out", f"{request_id} was handed out already")
        if how not in ("in_person", "email") or (how == "email" and not email):
            raise InvalidInput("invalid_hand_out", "how is in_person, or email with an address")
        now = self.clock.now()
        actor = f"operator:{center.desk}:{operator}"
        new = [
            _new(
                events.RESULT_HANDED_OUT,
                {"request_id": request_id, "how": how, "email": email, "at": now.isoformat()},
                actor,
            )
        ]
        if how == "email":
            new.append(
                _new(
                    events.EMAIL_QUEUED,
                    {
                        "request_id": request_id,
                        "desk": center.desk,
                        "to": email,
                        "subject": f"Result of request {request_id}",
                        "result_number": request.result.get("number"),
                        "at": now.isoformat(),
                    },
                    actor,
                )
            )
        message = envelope_message(
            self._desk_signers.get(center.desk, self._signer),
            cause=f"{request_id}:handed_out",
            sender=center.desk,
            recipient=request.recipient,
            type_=routing.HANDED_OUT_TYPE,
            service_code=request.service,
            correlation_id=request_id,
            body={"request_id": request_id, "outcome": "handed_out", "how": how},
            at=now,
        )
        await self._append(
            events.request_stream(request_id), new, expected=request.version_no, outbox=[message]
        )


@dataclass(frozen=True)
class _Ev:
    """An event not yet read back, folded like a recorded one."""

    type: str
    data: dict[str, Any]


def _must(value: _T | None) -> _T:
    if value is None:  # a fold of a creation event always yields its aggregate
        raise RuntimeError("fold of a creation event gave nothing")
    return value


def _form_error(problems: Sequence[FieldProblem]) -> InvalidInput:
    return InvalidInput(
        "invalid_form",
        "; ".join(p.message for p in problems),
        problems=[{"field": p.field, "code": p.code, "message": p.message} for p in problems],
    )


def _unfit_file_name(name: str) -> str | None:
    """Why ``name`` cannot be an attachment's file name, or None. The name travels to the
    provider's workstation with the document, which may save it under that name: no path
    (separators, "." or ".."), and no control or invisible format characters (CR/LF would
    split a header, U+202E shows "fdp.exe" as "exe.pdf")."""
    if "/" in name or "\\" in name or name.strip() in {".", ".."}:
        return "is a path, not a name"
    for char in name:
        if unicodedata.category(char) in {"Cc", "Cf"}:
            return f"holds the control or format character U+{ord(char):04X}"
    return None


def _ground(result: VerificationResult) -> str:
    return REFUSAL_GROUND.get(result.code, "SIGNATURE_NOT_CONFIRMED")


def _identity(identity: SignerIdentity | None) -> dict[str, Any] | None:
    if identity is None:
        return None
    return {
        "subject": identity.subject,
        "iin": identity.iin,
        "bin": identity.bin,
        "serial": identity.serial,
    }
