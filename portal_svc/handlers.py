"""Commands of the portal and the PSC desk. Each reads its stream, decides, and appends the
events (with the outgoing envelope in the outbox) in one transaction against the version it
read, so a concurrent change fails instead of being lost. Every event names its actor."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
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
from portal_svc.verification import (
    MAY_SIGN_FOR_ENTITY,
    REFUSAL_GROUND,
    entity_roles,
    no_right_to_sign,
)
from shared.canonical import canonical_json
from shared.clock import Clock
from shared.eventlog.port import ConcurrencyConflict, EventStore, NewEvent, OutboxMessage
from shared.file_names import unfit_file_name
from shared.ratelimit import Backoff, BackoffPolicy, RateLimiter, retry_after_s
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
    # Anonymous routes (registration, challenge, logins): calls per minute per client address
    # and per IIN, failed logins from one address before its delays grow, and how many
    # addresses, IINs and open challenges the in-memory counters hold.
    anonymous_per_address: int = 60
    anonymous_per_iin: int = 10
    address_free_failures: int = 10
    memory_keys: int = 10_000


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
        keys = self.limits.memory_keys
        minute = timedelta(minutes=1)
        self._per_address = RateLimiter(self.limits.anonymous_per_address, minute, max_keys=keys)
        self._per_iin = RateLimiter(self.limits.anonymous_per_iin, minute, max_keys=keys)
        p = self.policy
        # Failures per account, registered or not (the same answers either way), and per
        # client address (a guesser trying many IINs from one place).
        self._account_failures = Backoff(
            BackoffPolicy(
                free=p.free_failures,
                base=p.delay_base,
                longest=p.lock_for,
                lock_after=p.lock_after,
                lock_for=p.lock_for,
            ),
            max_keys=keys,
        )
        self._address_failures = Backoff(
            BackoffPolicy(
                free=self.limits.address_free_failures, base=p.delay_base, longest=p.lock_for
            ),
            max_keys=keys,
        )
        self._challenges = _Challenges(keys)
        self._dummy_hash: str | None = None

    async def _verify(
        self,
        verifier: Verifier,
        payload: bytes,
        signature: str,
        *,
        iin: str | None = None,
        bin_: str | None = None,
    ) -> VerificationResult:
        # A person's signature: a JWS from an API client or a CMS from a browser (NCALayer).
        # Revocation may be an HTTP round trip (OCSP): keep it off the event loop.
        return await asyncio.to_thread(
            verifier.verify_document, payload, signature, expected_iin=iin, expected_bin=bin_
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
        self, *, iin: str, bin_: str | None, password: str, signature: str, source: str = "local"
    ) -> accounts.Account:
        self.admit(source, iin)
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

    def admit(self, source: str, iin: str | None = None) -> None:
        """The rate limits of an anonymous route: calls per client address and per IIN. Kept
        in memory, bounded: a refused call leaves nothing in the log."""
        now = self.clock.now()
        until = self._per_address.hit(f"address:{source}", now)
        if until is None and iin is not None:
            until = self._per_iin.hit(f"iin:{iin}", now)
        if until is not None:
            raise Throttled(
                "too_many_requests",
                f"too many calls; next at {until.isoformat()}",
                retry_after=retry_after_s(now, until),
            )

    def _wait(self, backoff: Backoff, key: str) -> None:
        now = self.clock.now()
        waiting = backoff.wait(key, now)
        if waiting is None:
            return
        reason, until = waiting
        retry = retry_after_s(now, until)
        if reason == "LOCKED":
            raise Locked(
                "account_locked",
                f"locked until {until.isoformat()}",
                until=until,
                retry_after=retry,
            )
        raise Throttled(
            "login_throttled",
            f"next attempt at {until.isoformat()}",
            until=until,
            retry_after=retry,
        )

    async def _failed_password(
        self, account: accounts.Account | None, account_id: str, source: str
    ) -> None:
        """Count a wrong password for the account (registered or not: the same counter, the same
        answers) and the address. Only a lock of a registered account is an event: a failure
        changes no state worth keeping, and an anonymous caller must not grow the log."""
        now = self.clock.now()
        self._address_failures.failed(f"address:{source}", now)
        failures = self._account_failures.failed(f"account:{account_id}", now)
        if account is None or failures.locked_until is None:
            return
        lock = {
            "account": account_id,
            "until": failures.locked_until.isoformat(),
            "failures": failures.count,
            "at": now.isoformat(),
        }
        await self.store.append(
            events.account_stream(account_id), [_new(events.ACCOUNT_LOCKED, lock, account_id)]
        )

    async def _verify_password(self, account: accounts.Account | None, password: str) -> bool:
        # An unknown account costs the same hash as a known one: the time of the answer does
        # not tell a registered IIN from an unregistered one.
        if self._dummy_hash is None:
            self._dummy_hash = await asyncio.to_thread(
                self._passwords.hash, secrets.token_urlsafe(16)
            )
        stored = self._dummy_hash if account is None else account.password_hash
        ok = await asyncio.to_thread(self._passwords.verify, stored, password)
        return ok and account is not None

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
        # A session resets the count (and ends a lock: the fold does the same with the log).
        self._account_failures.clear(f"account:{account_id}")
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

    async def login(
        self, *, iin: str, bin_: str | None, password: str, source: str = "local"
    ) -> Session:
        """Password login. Throttled per address and per account with growing delays, the
        account locked after ``lock_after`` failures; all of it answered alike for an IIN that
        is not registered (same codes, messages and password-hash time)."""
        self.admit(source, iin)
        account_id = accounts.account_id(iin, bin_)
        self._wait(self._account_failures, f"account:{account_id}")
        self._wait(self._address_failures, f"address:{source}")
        account = await self._account(account_id)
        now = self.clock.now()
        if account is not None and account.locked_until is not None and now < account.locked_until:
            # A lock recorded in the log (by another replica, or before a restart).
            retry = retry_after_s(now, account.locked_until)
            raise Locked(
                "account_locked",
                f"locked until {account.locked_until.isoformat()}",
                until=account.locked_until,
                retry_after=retry,
            )
        if not await self._verify_password(account, password):
            await self._failed_password(account, account_id, source)
            # One answer for both: the portal does not tell who is registered.
            raise Unauthorized("wrong_credentials", "wrong IIN/BIN or password")
        self._address_failures.clear(f"address:{source}")
        return await self._open_session(account_id, "password")

    async def challenge(self, source: str = "local") -> tuple[str, datetime]:
        """A one-time login nonce, held in memory until it is used or expires (bounded: an
        unused challenge leaves nothing in the log). The answer goes to the replica that
        issued it."""
        self.admit(source)
        now = self.clock.now()
        expires = now + self.limits.challenge_ttl
        nonce = secrets.token_urlsafe(24)
        if not self._challenges.issue(nonce, expires, now):
            raise Throttled(
                "too_many_requests",
                "too many open login challenges; try again shortly",
                retry_after=retry_after_s(now, now + self.limits.challenge_ttl),
            )
        return nonce, expires

    async def login_signed(
        self,
        *,
        iin: str | None,
        bin_: str | None,
        challenge: str,
        signature: str,
        source: str = "local",
    ) -> Session:
        """Login by signing a challenge with the НУЦ authentication key. The password lock does
        not stop it: the holder proves possession of the key, which a password guesser does
        not have. Failures slow the address down, not the account.

        Without ``iin`` (a browser signing through NCALayer names no one), the account is the
        verified certificate's own: its IIN, and its BIN for a legal entity's certificate."""
        self.admit(source, iin)
        self._wait(self._address_failures, f"address:{source}")
        now = self.clock.now()
        if not self._challenges.use(challenge, now):
            self._address_failures.failed(f"address:{source}", now)
            raise Unauthorized("bad_challenge", "unknown, used or expired challenge")
        result = await self._verify(
            self._auth_verifier, challenge_bytes(challenge), signature, iin=iin, bin_=bin_
        )
        if not result.ok or result.identity is None or result.identity.iin is None:
            self._address_failures.failed(f"address:{source}", now)
            detail = f"{result.code.value}: {result.detail}" if result.detail else result.code.value
            raise Unauthorized("wrong_credentials", detail)
        if iin is None:
            iin, bin_ = result.identity.iin, result.identity.bin
        account_id = accounts.account_id(iin, bin_)
        account = await self._account(account_id)
        if account is None:
            # Only the key's holder gets here: telling them they are not registered is no leak.
            raise Unauthorized("wrong_credentials", "no account for this IIN/BIN")
        self._address_failures.clear(f"address:{source}")
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
        form: Mapping[str, Any] | None = None,
    ) -> req.PortalRequest:
        """A new draft of the version in force; with ``form``, filled in the same transaction
        (an invalid form is refused before anything is stored, as :meth:`fill` refuses it)."""
        definition = self.definition_for(service, channel)
        filled: dict[str, Any] | None = None
        if form is not None:
            filled = _prefill(definition, form, applicant_bin or applicant_iin)
            problems = validate_form(definition, filled)
            if problems:
                raise _form_error(problems)
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
        new = [_Ev(events.DRAFT_CREATED, data)]
        if filled is not None:
            new.append(
                _Ev(
                    events.FORM_FILLED, {"request_id": request_id, "form": filled, "at": data["at"]}
                )
            )
        await self._append(
            events.request_stream(request_id),
            [_new(e.type, e.data, actor) for e in new],
            expected=0,
        )
        return _must(req.fold(new))

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
        own = request.applicant_bin or request.applicant_iin
        return _prefill(self._definition(request), form, own)

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
        unfit = unfit_file_name(name)
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

        async def refuse(code: str, detail: str) -> None:
            # The refusal is part of the request's record (who tried, on which ground); the
            # draft stays editable.
            refusal = {
                "request_id": request_id,
                "code": code,
                "verification": result.code.value,
                "detail": detail,
                "at": now.isoformat(),
            }
            await self._append(
                stream,
                [_new(events.SUBMISSION_REFUSED, refusal, actor)],
                expected=request.version_no,
            )

        if not result.ok:
            ground = _ground(result)
            await refuse(ground, result.detail)
            raise SignatureRefused(ground, result.detail or ground, verification=result.code.value)
        # Signing for a legal entity (the applicant's own BIN) needs the right to sign for it,
        # not only a certificate of the entity. (A desk's operator signs with the center's BIN,
        # for an individual's request: the desk files none for a legal entity.)
        for_entity = bin_ is not None and bin_ == request.applicant_bin
        why_not = no_right_to_sign(result.identity) if for_entity else None
        if why_not is not None:
            await refuse("no_right_to_sign", why_not)
            raise Forbidden(
                "no_right_to_sign",
                why_not,
                role=entity_roles(result.identity),
                may_sign=[role.value for role in MAY_SIGN_FOR_ENTITY],
            )
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
            # elicense_svc.messages.PortalSubmission: exactly these keys. E-licensing checks
            # the applicant's signature again over the signed request it rebuilds from them
            # (shared.contract.application), so the version signed goes along.
            return {
                "request_id": request.request_id,
                "service": request.service,
                "version": request.version,
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
        self, request_id: str, *, owner: str, actor: str, answers: Mapping[str, object]
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
        # The answer is one of the form's values, an integer: JSON ``true`` equals 1 in Python
        # and would count as "not satisfied" (003 appendix 3).
        if set(answers) != set(questions) or any(
            type(a) is not int or a not in choices for a in answers.values()
        ):
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
        provider's workstation records it from the receipt. The workstation's statuses keep
        arriving on the same request while the operator acts (the result comes with
        ``result_forming``): a hand-out that meets one is decided again on the request as it
        now is, a few times, before the operator is told to retry."""
        for attempt in range(_HAND_OUT_TRIES):
            try:
                await self._hand_out_once(
                    request_id, center=center, operator=operator, how=how, email=email
                )
                return
            except Conflict as conflict:
                if conflict.code != "concurrent_change" or attempt == _HAND_OUT_TRIES - 1:
                    raise

    async def _hand_out_once(
        self, request_id: str, *, center: Center, operator: str, how: str, email: str | None
    ) -> None:
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


# How many times a hand-out is decided again when a status arrived on its request meanwhile.
_HAND_OUT_TRIES = 5


@dataclass(frozen=True)
class _Ev:
    """An event not yet read back, folded like a recorded one."""

    type: str
    data: dict[str, Any]


def _must(value: _T | None) -> _T:
    if value is None:  # a fold of a creation event always yields its aggregate
        raise RuntimeError("fold of a creation event gave nothing")
    return value


def _prefill(definition: Definition, form: Mapping[str, Any], own: str | None) -> dict[str, Any]:
    """``form`` with the fields the definition fills from registration set to the applicant's
    own IIN/BIN: the applicant cannot type someone else's there (condition 2 compares them to
    the EDS)."""
    filled = dict(form)
    for spec in definition.form:
        if spec.prefilled_from is not None:
            filled[spec.name] = own
    return filled


def _form_error(problems: Sequence[FieldProblem]) -> InvalidInput:
    return InvalidInput(
        "invalid_form",
        "; ".join(p.message for p in problems),
        problems=[{"field": p.field, "code": p.code, "message": p.message} for p in problems],
    )


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


class _Challenges:
    """Open login challenges: at most ``max_open`` at a time, each until it expires or is used
    (used once: it is removed when answered, whatever the answer)."""

    def __init__(self, max_open: int) -> None:
        self._max = max_open
        self._open: dict[str, datetime] = {}

    def issue(self, nonce: str, expires: datetime, now: datetime) -> bool:
        if len(self._open) >= self._max:
            self._open = {n: e for n, e in self._open.items() if e > now}
        if len(self._open) >= self._max:
            return False
        self._open[nonce] = expires
        return True

    def use(self, nonce: str, now: datetime) -> bool:
        expires = self._open.pop(nonce, None)
        return expires is not None and now < expires
