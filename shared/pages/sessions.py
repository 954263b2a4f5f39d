"""Signing in with a certificate in a browser, for the people whose API calls are signed (a
workstation's staff, a PSC operator, E-licensing's staff, the gateway's and the НУЦ's
operators): the page asks for a challenge, has it signed through the local signer (NCALayer or
``egov signer``: a CMS; an API client may send a JWS), and posts it back; the service verifies
it as it verifies a signed call (chain, validity, revocation) and opens a session, an
``HttpOnly``, ``SameSite=Strict`` cookie.

The session keeps that proof, and every request re-verifies it: a certificate revoked (the
``pki.revoked`` event drops the service's cached answer), expired or no longer trusted ends
its sessions at the holder's next click. A session ends after ``ttl`` (default 30 minutes) or
at sign-out. Sessions and open challenges live in the process's memory, bounded: a restart
signs everybody out, and replicas of a service do not share them (a browser keeps talking to
the one it signed in at).

What a session may do is the authorization table's business (shared.authz ROUTES, auth
``page``): :meth:`BrowserSessions.guard` reads the kinds from the verified certificate, as
for a signed call.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from fastapi import Request

from shared.authz import Caller, caller_of
from shared.canonical import canonical_json
from shared.signing import SignerIdentity, VerificationCode, VerificationResult

COOKIE = "egov_signed_in"
SIGN_IN_KIND = "egov.pages.sign-in.v1"

Verify = Callable[[bytes, str], Awaitable[VerificationResult]]


def sign_in_bytes(service: str, challenge: str) -> bytes:
    """What the person signs to sign in: the service's name binds it there, so a signature
    given to one service opens nothing at another."""
    return canonical_json({"kind": SIGN_IN_KIND, "service": service, "challenge": challenge})


class SignInRefused(Exception):
    """Why a sign-in or a session was refused: a code (a verification code, or
    ``bad_challenge``) and a detail for the person."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class NotSignedIn(Exception):
    """A page that needs a session was asked for without one: answered with a redirect to
    the sign-in page, which comes back to ``next``."""

    def __init__(self, next_path: str, sign_in: str = "/sign-in") -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.sign_in = sign_in

    @property
    def location(self) -> str:
        return f"{self.sign_in}?next={quote(self.next_path, safe='/')}"


@dataclass
class _Session:
    payload: bytes
    signature: str
    caller: Caller
    expires: float
    last_check: float = field(default=0.0)


class BrowserSessions:
    """Open challenges and sessions of one service (see the module's text)."""

    def __init__(
        self,
        service: str,
        verify: Verify,
        *,
        ttl_s: float = 1800.0,
        challenge_ttl_s: float = 120.0,
        max_open: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
        sign_in_path: str = "/sign-in",
    ) -> None:
        self.service = service
        # Where a page asked for without a session sends the browser (shared.pages.signin).
        self.sign_in_path = sign_in_path
        self._verify = verify
        self._ttl = ttl_s
        self._challenge_ttl = challenge_ttl_s
        self._max = max_open
        self._clock = clock
        self._challenges: OrderedDict[str, float] = OrderedDict()
        self._sessions: OrderedDict[str, _Session] = OrderedDict()

    def challenge(self) -> str:
        """A new challenge to sign, good once and for ``challenge_ttl_s``; the oldest open
        one is forgotten when ``max_open`` are open."""
        value = secrets.token_urlsafe(24)
        self._challenges[value] = self._clock() + self._challenge_ttl
        while len(self._challenges) > self._max:
            self._challenges.popitem(last=False)
        return value

    async def sign_in(self, challenge: str, signature: str) -> tuple[str, Caller]:
        """The session token and who signed in, for a signature over :func:`sign_in_bytes`
        of an open challenge (used up whatever the answer)."""
        expires = self._challenges.pop(challenge, None)
        if expires is None or self._clock() >= expires:
            raise SignInRefused("bad_challenge", "unknown, used or expired challenge")
        payload = sign_in_bytes(self.service, challenge)
        result = await self._verify(payload, signature)
        if not result.ok or result.identity is None:
            raise SignInRefused(result.code.value, result.detail or result.code.value)
        caller = caller_of(result.identity)
        token = secrets.token_urlsafe(32)
        now = self._clock()
        self._sessions[token] = _Session(payload, signature, caller, now + self._ttl, now)
        while len(self._sessions) > self._max:
            self._sessions.popitem(last=False)
        return token, caller

    async def current(self, request: Request) -> Caller | None:
        """The caller signed in with the request's cookie, re-verified now; None when there is
        no live session (unknown, expired, or its certificate no longer verifies)."""
        token = request.cookies.get(COOKIE)
        session = self._sessions.get(token) if token else None
        if token is None or session is None:
            return None
        now = self._clock()
        if now >= session.expires:
            self._sessions.pop(token, None)
            return None
        result = await self._verify(session.payload, session.signature)
        if result.code is VerificationCode.REVOCATION_UNKNOWN:
            return None  # fails closed: no verdict, no page (the session stays for later)
        if not result.ok:
            self._sessions.pop(token, None)
            return None
        session.last_check = now
        return session.caller

    def sign_out(self, request: Request) -> None:
        token = request.cookies.get(COOKIE)
        if token:
            self._sessions.pop(token, None)

    def __len__(self) -> int:
        return len(self._sessions)

    @property
    def ttl_s(self) -> float:
        return self._ttl


def identity_of(caller: Caller) -> SignerIdentity:
    return caller.verified()
