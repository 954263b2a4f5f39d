"""Signing in with a certificate in a browser (shared.pages.sessions, shared.pages.signin): a
challenge good once, a session cookie only for a signature that verifies, every request
re-verified (a revoked certificate ends the session at the next click), the page guard
redirecting to sign in and refusing, as a page, a signed-in person the route is not for."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse

from shared import authz
from shared.authz import Caller
from shared.bus.memory import InMemoryBus
from shared.pages.sessions import COOKIE, BrowserSessions, sign_in_bytes
from shared.pages.signin import install_page_errors, page_guard, sign_in_router
from shared.pki import oids
from shared.pki.profiles import EntityRole
from shared.signing import SignerIdentity, VerificationCode, VerificationResult
from shared.web import create_service_app
from tests.services.fakes import serving

OPERATOR = SignerIdentity(
    "Shlyuz Operator",
    iin="700101300203",
    bin="040140000018",
    serial="1a",
    oids=frozenset(
        {
            oids.HOLDER_LEGAL_ENTITY.dotted_string,
            EntityRole.EMPLOYEE.holder_oid.dotted_string,
            oids.ROLE_GATEWAY_OPERATOR.dotted_string,
        }
    ),
)
CITIZEN = SignerIdentity(
    "Seitkali Aigerim",
    iin="880612450411",
    serial="2b",
    oids=frozenset({oids.HOLDER_INDIVIDUAL.dotted_string}),
)


class FakeVerifier:
    """Signatures are "<who>:<the signed text>"; ``revoked`` serials fail as CERT_REVOKED."""

    def __init__(self) -> None:
        self.revoked: set[str] = set()
        self.calls = 0

    async def __call__(self, payload: bytes, signature: str) -> VerificationResult:
        self.calls += 1
        who, _, signed = signature.partition(":")
        identity = {"operator": OPERATOR, "citizen": CITIZEN}.get(who)
        if identity is None or signed.encode() != payload:
            return VerificationResult(VerificationCode.BAD_SIGNATURE, detail="does not verify")
        if identity.serial in self.revoked:
            return VerificationResult(VerificationCode.CERT_REVOKED, detail="revoked")
        return VerificationResult(VerificationCode.OK, identity)


class _Up:
    async def ping(self) -> None:
        return None


@pytest.fixture
def verifier() -> FakeVerifier:
    return FakeVerifier()


@pytest.fixture
async def client(verifier: FakeVerifier) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_service_app(
        "gateway", store=_Up(), bus=InMemoryBus(), version="t", title="t", description="d"
    )
    sessions = BrowserSessions("gateway", verifier)
    app.include_router(sign_in_router(lambda: app.state.pages, sessions))
    install_page_errors(app, lambda: app.state.pages)
    guarded = page_guard("gateway", sessions)

    # A page of this test only (a row of its own, removed afterwards), for the gateway operator.
    @app.get("/test-only/guarded", response_class=HTMLResponse)
    async def parked(caller: Caller = Depends(guarded)) -> HTMLResponse:  # noqa: B008
        return HTMLResponse(f"<p>{caller.verified().subject}</p>")

    authz.ROUTES[("gateway", "GET", "/test-only/guarded")] = authz.page(  # type: ignore[index]
        authz.Kind.GATEWAY_OPERATOR, why="test"
    )
    try:
        async with serving(app) as http:
            yield http
    finally:
        del authz.ROUTES[("gateway", "GET", "/test-only/guarded")]  # type: ignore[attr-defined]


async def _sign_in(http: httpx.AsyncClient, who: str, *, next: str = "/") -> httpx.Response:
    given = (await http.post("/sign-in/challenge")).json()
    assert given["text"] == sign_in_bytes("gateway", given["challenge"]).decode()
    signature = f"{who}:{given['text']}"
    return await http.post(
        "/sign-in", json={"challenge": given["challenge"], "signature": signature, "next": next}
    )


async def test_a_page_redirects_to_sign_in_and_back(client: httpx.AsyncClient) -> None:
    first = await client.get("/test-only/guarded?since=1")
    assert first.status_code == 303
    assert first.headers["location"] == "/sign-in?next=/test-only/guarded%3Fsince%3D1"
    page = await client.get(first.headers["location"])
    assert page.status_code == 200
    assert 'data-next="/test-only/guarded?since=1"' in page.text
    signed_in = await _sign_in(client, "operator", next="/test-only/guarded?since=1")
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["next"] == "/test-only/guarded?since=1"
    cookie = signed_in.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    shown = await client.get("/test-only/guarded")
    assert shown.status_code == 200
    assert "Shlyuz Operator" in shown.text


async def test_a_challenge_is_good_once_and_a_bad_signature_opens_nothing(
    client: httpx.AsyncClient,
) -> None:
    given = (await client.post("/sign-in/challenge")).json()
    wrong = await client.post(
        "/sign-in", json={"challenge": given["challenge"], "signature": "operator:other text"}
    )
    assert (wrong.status_code, wrong.json()["code"]) == (401, "BAD_SIGNATURE")
    assert COOKIE not in wrong.cookies
    again = await client.post(
        "/sign-in",
        json={"challenge": given["challenge"], "signature": f"operator:{given['text']}"},
    )
    assert (again.status_code, again.json()["code"]) == (401, "bad_challenge")


async def test_a_revoked_certificate_ends_its_session_at_the_next_click(
    client: httpx.AsyncClient, verifier: FakeVerifier
) -> None:
    assert (await _sign_in(client, "operator")).status_code == 200
    assert (await client.get("/test-only/guarded")).status_code == 200
    verifier.revoked.add(OPERATOR.serial or "")
    after = await client.get("/test-only/guarded")
    assert after.status_code == 303  # back to sign in: the session is gone
    verifier.revoked.clear()
    assert (await client.get("/test-only/guarded")).status_code == 303  # and stays gone


async def test_a_person_the_page_is_not_for_is_refused_as_a_page(
    client: httpx.AsyncClient,
) -> None:
    assert (await _sign_in(client, "citizen")).status_code == 200
    refused = await client.get("/test-only/guarded", headers={"Accept-Language": "en"})
    assert refused.status_code == 403
    assert 'data-code="ROLE_REQUIRED"' in refused.text
    assert "This page is not for your role." in refused.text
    assert "Traceback" not in refused.text


async def test_sign_in_goes_back_only_to_a_path_of_this_service(
    client: httpx.AsyncClient,
) -> None:
    for elsewhere in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        answer = await _sign_in(client, "operator", next=elsewhere)
        assert answer.json()["next"] == "/"


async def test_sign_out_ends_the_session(client: httpx.AsyncClient) -> None:
    assert (await _sign_in(client, "operator")).status_code == 200
    out = await client.post("/sign-out")
    assert out.status_code == 303
    assert (await client.get("/test-only/guarded")).status_code == 303
