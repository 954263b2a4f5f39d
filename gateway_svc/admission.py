"""Admission of one inbound message: every check the gateway makes before it logs a message as
accepted, in a fixed order, each failure a named :class:`Rejected` code (fail closed: anything
not positively verified is refused).

Order: size (before parsing, so a huge body costs nothing), JSON, envelope schema, signature with
certificate chain, validity and revocation, sender id equals the certificate's system id (and the
certificate is an information system's), access rule. Replay is checked when the acceptance is
written (the message-id claim is in the same transaction as the log record), see
:mod:`gateway_svc.gateway`.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from gateway_svc.errors import ErrorCode, Rejected, from_verification
from gateway_svc.rules import AccessRules, Kind, Route
from shared.envelope import Envelope
from shared.inbound import is_system_certificate
from shared.signing import SignerIdentity, VerificationResult, Verifier

# A status word becomes one word of the egov.status routing key: no dots, no wildcards.
_STATUS_WORD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_CLAIMED = ("message_id", "correlation_id", "type", "sender", "recipient", "service_code")


@dataclass(frozen=True)
class Admitted:
    envelope: Envelope
    route: Route
    signer: SignerIdentity
    rules_version: int


@dataclass(frozen=True)
class Authenticated:
    envelope: Envelope
    signer: SignerIdentity
    claimed: Mapping[str, Any]


@dataclass(frozen=True)
class Refusal:
    """A refused message: the code, and what it claimed about itself (unverified)."""

    code: ErrorCode
    detail: str
    claimed: Mapping[str, Any] = field(default_factory=dict)
    signer: SignerIdentity | None = None


class AdmissionRefused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(f"{refusal.code}: {refusal.detail}")
        self.refusal = refusal


class Admission:
    """Runs the checks. Signature verification may block (the revocation client uses a blocking
    HTTP client, and its cache is not thread-safe), so it runs on one dedicated worker thread:
    off the event loop, and never two at once."""

    def __init__(self, verifier: Verifier, *, max_bytes: int) -> None:
        if max_bytes < 1:
            raise ValueError("max_bytes must be positive")
        self._verifier = verifier
        self.max_bytes = max_bytes
        self._executor: ThreadPoolExecutor | None = None

    def close(self) -> None:
        if self._executor is not None:
            # Called after the consumers stopped, so nothing waits for a result; not waiting
            # keeps a verification stuck on a slow OCSP responder from blocking the event loop.
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    async def run_blocking(self, fn: Any, *args: Any) -> Any:
        """Run ``fn`` on the verification thread (also used by the revocation health probe,
        which shares the verifier's cache)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gw-verify")
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def authenticate(self, raw: bytes) -> Authenticated:
        """Size, JSON, envelope, signature and certificate, sender id: who sent what."""
        if len(raw) > self.max_bytes:
            raise AdmissionRefused(
                Refusal(
                    ErrorCode.MESSAGE_TOO_LARGE,
                    f"{len(raw)} bytes; the gateway accepts at most {self.max_bytes}",
                )
            )
        try:
            document = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            # ValueError covers bad UTF-8, bad JSON and integers past Python's digit limit;
            # RecursionError, nesting deeper than the parser's stack.
            detail = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            raise AdmissionRefused(Refusal(ErrorCode.MALFORMED_JSON, detail)) from None
        claimed = _claimed(document)
        try:
            envelope = Envelope.model_validate(document)
        except ValidationError as exc:
            raise AdmissionRefused(
                Refusal(ErrorCode.INVALID_ENVELOPE, _first_errors(exc), claimed)
            ) from None
        result: VerificationResult = await self.run_blocking(envelope.verify, self._verifier)
        if not result.ok:
            raise AdmissionRefused(
                Refusal(from_verification(result.code), result.detail, claimed, result.identity)
            )
        signer = result.identity
        if signer is None or signer.subject != envelope.sender:
            raise AdmissionRefused(
                Refusal(
                    ErrorCode.SENDER_MISMATCH,
                    f"sender {envelope.sender!r} but the certificate is "
                    f"{signer.subject if signer else 'nobody'!r}'s",
                    claimed,
                    signer,
                )
            )
        if not is_system_certificate(signer):
            # A person's or an organisation's certificate may carry any common name; only an
            # information system's speaks for the system of that id.
            raise AdmissionRefused(
                Refusal(
                    ErrorCode.SENDER_MISMATCH,
                    f"the certificate named {signer.subject!r} (serial {signer.serial}) is not "
                    "an information system's",
                    claimed,
                    signer,
                )
            )
        return Authenticated(envelope, signer, claimed)

    async def verify_detached(self, payload: bytes, signature: str) -> VerificationResult:
        """A detached signature over ``payload`` (the signed-HTTP-request form of the sync
        channel, ``shared.pki.http_signing``), on the verification thread."""
        result: VerificationResult = await self.run_blocking(
            lambda: self._verifier.verify(payload, signature)
        )
        return result

    async def verify_person(self, payload: bytes, signature: str) -> VerificationResult:
        """A person's detached signature over ``payload`` (the challenge an operator signs to
        open the console): a JWS, or the CMS a browser's signer (NCALayer, ``egov signer``)
        makes; the same checks, on the verification thread."""
        result: VerificationResult = await self.run_blocking(
            lambda: self._verifier.verify_document(payload, signature)
        )
        return result

    async def admit(self, raw: bytes, rules: AccessRules) -> Admitted:
        """:meth:`authenticate`, then the access rule for the async channel."""
        who = await self.authenticate(raw)
        envelope = who.envelope
        try:
            route = rules.route(envelope.sender, envelope.recipient, envelope.type)
            if route.kind is Kind.NOTIFICATION:
                _check_status(envelope)
        except Rejected as exc:
            raise AdmissionRefused(Refusal(exc.code, exc.detail, who.claimed, who.signer)) from None
        return Admitted(envelope, route, who.signer, rules.version)


def status_of(envelope: Envelope) -> str:
    return str(envelope.body["status"])


def _check_status(envelope: Envelope) -> None:
    # Fan-out needs <service_code>.<status>: a notification without them cannot be routed.
    status = envelope.body.get("status")
    if envelope.service_code is None or not _STATUS_WORD.fullmatch(envelope.service_code):
        raise Rejected(
            ErrorCode.INVALID_ENVELOPE,
            "a NOTIFICATION needs a service_code of letters, digits, '_' or '-'",
        )
    if not isinstance(status, str) or not _STATUS_WORD.fullmatch(status):
        raise Rejected(
            ErrorCode.INVALID_ENVELOPE,
            "a NOTIFICATION needs body.status, one word of letters, digits, '_' or '-'",
        )


def _claimed(document: object) -> dict[str, Any]:
    if not isinstance(document, dict):
        return {}
    return {
        key: document[key][:200]
        for key in _CLAIMED
        if isinstance(document.get(key), str) and document[key]
    }


def _first_errors(exc: ValidationError, limit: int = 3) -> str:
    parts = [
        f"{'.'.join(str(p) for p in error['loc']) or '<root>'}: {error['msg']}"
        for error in exc.errors()[:limit]
    ]
    more = exc.error_count() - limit
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")
