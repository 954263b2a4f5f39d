"""Point 1: registration with the EDS, Argon2id password hashes, sessions, slowing down and
locking after failures, and login by signing a challenge with the authentication key."""

from __future__ import annotations

from datetime import timedelta

from cryptography import x509

from portal_svc.domain import events
from portal_svc.handlers import challenge_bytes, registration_bytes
from shared.pki.profiles import KeyPurpose
from tests.portal.conftest import ORG_BIN, PASSWORD, World, iin, person_holder


async def _types(world: World, stream: str) -> list[str]:
    return [e.type for e in await world.store.read_stream(stream)]


async def test_register_stores_an_argon2id_hash_and_login_opens_a_session(world: World) -> None:
    keys = world.person(1)
    response = await world.register(keys)
    assert response.status_code == 201
    assert response.json() == {
        "account": iin(1),
        "name": "СЕЙТҚАЛИЕВА АЙГЕРІМ",
        "kind": "individual",
    }
    [registered] = await world.store.read_stream(events.account_stream(iin(1)))
    assert registered.data["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in registered.data["password_hash"]
    headers = await world.login(keys)
    mine = await world.client.get("/cabinet/requests", headers=headers)
    assert mine.status_code == 200
    assert mine.json() == {"requests": []}
    opened = (await world.store.read_stream(events.account_stream(iin(1))))[-1]
    assert opened.type == events.SESSION_OPENED
    assert headers["Authorization"].removeprefix("Bearer ") not in str(opened.data)
    assert opened.metadata["actor"] == iin(1)


async def test_legal_entity_registers_with_bin_and_signer_iin(world: World) -> None:
    keys = world.org_signer(2)
    response = await world.register(keys, bin_=ORG_BIN)
    assert response.status_code == 201
    assert response.json()["account"] == f"{ORG_BIN}-{iin(2)}"
    assert (await world.login(keys, bin_=ORG_BIN))["Authorization"].startswith("Bearer ")


async def test_registration_refusals_name_their_reason(world: World) -> None:
    keys = world.person(3)
    bad_iin = await world.client.post(
        "/auth/register",
        json={"iin": "123456789012", "password": PASSWORD, "signature": "x..y"},
    )
    assert bad_iin.status_code == 422
    assert bad_iin.json()["code"] == "invalid_iin"
    weak = await world.client.post(
        "/auth/register", json={"iin": iin(3), "password": "short", "signature": "x..y"}
    )
    assert weak.json()["code"] == "weak_password"
    # Someone else's certificate: the IIN in the request is not the certificate's.
    other = world.person(4)
    forged = await world.client.post(
        "/auth/register",
        json={
            "iin": iin(3),
            "password": PASSWORD,
            "signature": other.signing.sign(registration_bytes(iin(3), None)),
        },
    )
    assert forged.status_code == 422
    assert forged.json()["code"] == "SUBJECT_MISMATCH"
    assert (await world.register(keys)).status_code == 201
    again = await world.register(keys)
    assert again.status_code == 409
    assert again.json()["code"] == "already_registered"


async def test_messages_follow_accept_language(world: World) -> None:
    body = {"iin": iin(5), "password": "wrong-one-1"}
    answers = {}
    for language in ("kk", "ru", "en"):
        response = await world.client.post(
            "/auth/login", json=body, headers={"Accept-Language": f"{language};q=0.9, de"}
        )
        assert response.status_code == 401
        assert response.json()["code"] == "wrong_credentials"
        assert response.headers["Content-Language"] == language
        answers[language] = response.json()["message"]
    assert answers == {
        "kk": "ЖСН немесе құпиясөз қате.",
        "ru": "Неверный ИИН или пароль.",
        "en": "Wrong IIN or password.",
    }
    # A failed login changes no state: nothing is written for it (the counters are in memory).
    assert await world.store.read_stream(events.UNKNOWN_ACCOUNTS_STREAM) == []


async def test_failures_slow_down_then_lock_then_expire(world: World) -> None:
    keys = world.person(6)
    assert (await world.register(keys)).status_code == 201
    wrong = {"iin": iin(6), "password": "not-the-password-1"}
    codes = []
    for _ in range(3):
        codes.append((await world.client.post("/auth/login", json=wrong)).json()["code"])
    assert codes == ["wrong_credentials"] * 3
    # The fourth attempt comes too soon: throttled before the password is even checked.
    throttled = await world.client.post("/auth/login", json={"iin": iin(6), "password": PASSWORD})
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "login_throttled"
    assert int(throttled.headers["Retry-After"]) >= 1
    for _ in range(3):  # wait out each growing delay, and fail again
        await world.clock.advance(timedelta(seconds=10))
        assert (await world.client.post("/auth/login", json=wrong)).status_code == 401
    locked = await world.client.post("/auth/login", json={"iin": iin(6), "password": PASSWORD})
    assert locked.status_code == 423
    assert locked.json()["code"] == "account_locked"
    assert 14 * 60 < int(locked.headers["Retry-After"]) <= 15 * 60
    # Only what changes state is an event: the lock (and sessions), not each failure.
    types = await _types(world, events.account_stream(iin(6)))
    assert types == [events.APPLICANT_REGISTERED, events.ACCOUNT_LOCKED]
    await world.clock.advance(timedelta(minutes=16))
    # The lock has ended and its count with it: one more wrong password does not lock again.
    again = await world.client.post("/auth/login", json=wrong)
    assert (again.status_code, again.json()["code"]) == (401, "wrong_credentials")
    await world.clock.advance(timedelta(seconds=10))
    assert (await world.login(keys))["Authorization"]


async def test_session_expires(world: World) -> None:
    headers = await world.signed_in(world.person(7))
    await world.clock.advance(timedelta(minutes=31))
    response = await world.client.get("/cabinet/requests", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "session_expired"
    missing = await world.client.get("/cabinet/requests")
    assert missing.json()["code"] == "not_authenticated"


async def test_logout_ends_the_session(world: World) -> None:
    keys = world.person(10)
    headers = await world.signed_in(keys)
    other = await world.login(keys)  # a second session of the same person stays open
    assert (await world.client.post("/auth/logout", headers=headers)).status_code == 204
    after = await world.client.get("/cabinet/requests", headers=headers)
    assert after.json()["code"] == "session_expired"
    assert (await world.client.get("/cabinet/requests", headers=other)).status_code == 200


async def test_challenge_login_with_the_auth_key(world: World) -> None:
    keys = world.person(8)
    assert (await world.register(keys)).status_code == 201
    ok = await world.challenge_login(keys)
    assert ok.status_code == 200, ok.text
    token = ok.json()["token"]
    assert (
        await world.client.get("/cabinet/requests", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 200
    # The document-signing key is not an authentication key.
    wrong_key = await world.challenge_login(keys, keys.signing)
    assert wrong_key.status_code == 401
    # Someone else's auth key for this IIN.
    stranger = world.person(9)
    assert (await world.challenge_login(keys, stranger.auth)).status_code == 401
    # A revoked auth key.
    revoked, certificate = world.issue_with_certificate(person_holder(8), KeyPurpose.AUTH)
    world.endpoint.revoke(certificate, x509.ReasonFlags.key_compromise)
    refused = await world.challenge_login(keys, revoked)
    assert refused.status_code == 401
    assert "CERT_REVOKED" in refused.json()["detail"]
    # Refused answers and unused challenges leave nothing in the log.
    types = await _types(world, events.account_stream(iin(8)))
    assert events.AUTHORIZATION_REFUSED not in types
    # A challenge is used once.
    challenge = (await world.client.get("/auth/challenge")).json()["challenge"]
    body = {
        "iin": iin(8),
        "challenge": challenge,
        "signature": keys.auth.sign(challenge_bytes(challenge)),
    }
    await world.clock.advance(timedelta(seconds=30))
    assert (await world.client.post("/auth/login/signed", json=body)).status_code == 200
    replay = await world.client.post("/auth/login/signed", json=body)
    assert replay.json()["code"] == "bad_challenge"
    # An answer after the two minutes is refused too.
    late = (await world.client.get("/auth/challenge")).json()["challenge"]
    await world.clock.advance(timedelta(minutes=3))
    body = {"iin": iin(8), "challenge": late, "signature": keys.auth.sign(challenge_bytes(late))}
    expired = await world.client.post("/auth/login/signed", json=body)
    assert expired.json()["code"] == "bad_challenge"
