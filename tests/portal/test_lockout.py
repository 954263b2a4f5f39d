"""Lock-out is no weapon and anonymous routes are bounded: wrong passwords slow down the account
and the client address (429 with Retry-After) and lock the password login, never the EDS
challenge login; a lock that ends takes its count with it; an unregistered IIN is answered
exactly like a registered one (same statuses, codes, messages, Retry-After, and the same
password-hash work); rate limits per address and per IIN; and 10,000 anonymous challenges and
failed logins leave the event log within a fixed bound."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from portal_svc.passwords import Passwords
from tests.portal.conftest import PASSWORD, World, iin

CALLS = 10_000


def _client(world: World, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=world.app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://portal")


async def _log_size(world: World) -> int:
    return len(await world.store.read_all(limit=1_000_000))


async def _attempts(world: World, client: httpx.AsyncClient, who: str) -> list[tuple[Any, ...]]:
    """Eight wrong passwords, waiting out each delay, then the right one; what each answered."""
    seen = []
    for _ in range(8):
        r = await client.post("/auth/login", json={"iin": who, "password": "wrong-password-1"})
        seen.append(
            (r.status_code, r.json()["code"], r.json()["message"], r.headers.get("Retry-After"))
        )
        await world.clock.advance(timedelta(seconds=10))
    return seen


async def test_the_eds_login_is_never_stopped_by_the_password_lock(world: World) -> None:
    keys = world.person(20)
    assert (await world.register(keys)).status_code == 201
    wrong = {"iin": iin(20), "password": "not-the-password-1"}
    async with _client(world, "203.0.113.7") as attacker:
        for _ in range(6):
            await attacker.post("/auth/login", json=wrong)
            await world.clock.advance(timedelta(seconds=10))
        locked = await attacker.post("/auth/login", json={"iin": iin(20), "password": PASSWORD})
    assert (locked.status_code, locked.json()["code"]) == (423, "account_locked")
    # The holder proves possession of the authentication key: the lock does not apply.
    ok = await world.challenge_login(keys)
    assert ok.status_code == 200, ok.text
    # ... and the session it opens ends the lock for the password too.
    assert (await world.login(keys))["Authorization"]


async def test_an_unregistered_iin_is_answered_like_a_registered_one(world: World) -> None:
    assert (await world.register(world.person(21))).status_code == 201
    async with _client(world, "198.51.100.1") as one, _client(world, "198.51.100.2") as two:
        registered = await _attempts(world, one, iin(21))
        unknown = await _attempts(world, two, iin(22))
    assert registered == unknown
    assert [s[0] for s in registered] == [401, 401, 401, 401, 401, 401, 423, 423]


async def test_an_unregistered_iin_costs_the_same_password_hash(
    world: World, monkeypatch: Any
) -> None:
    assert (await world.register(world.person(23))).status_code == 201
    checked: list[str] = []
    original = Passwords.verify

    def counting(self: Passwords, stored: str, password: str) -> bool:
        checked.append(stored.split("$")[1])
        return original(self, stored, password)

    monkeypatch.setattr(Passwords, "verify", counting)
    for who in (iin(23), iin(24)):
        r = await world.client.post("/auth/login", json={"iin": who, "password": "wrong-pass-1"})
        assert r.status_code == 401
    assert checked == ["argon2id", "argon2id"]


async def test_failures_from_one_address_slow_it_down_across_iins(world: World) -> None:
    async with _client(world, "192.0.2.50") as guesser, _client(world, "192.0.2.51") as other:
        answers = []
        for n in range(30, 42):  # a new IIN each time: no account's count grows past one
            r = await guesser.post("/auth/login", json={"iin": iin(n), "password": "guess-1234"})
            answers.append(r.status_code)
        assert answers[:10] == [401] * 10
        assert answers[11] == 429
        throttled = await guesser.post("/auth/login", json={"iin": iin(43), "password": "x1"})
        assert throttled.json()["code"] == "login_throttled"
        assert int(throttled.headers["Retry-After"]) >= 1
        # Another address is not slowed down by this one's failures.
        r = await other.post("/auth/login", json={"iin": iin(44), "password": "guess-1234"})
        assert r.status_code == 401


async def test_anonymous_routes_are_rate_limited_per_address_and_per_iin(world: World) -> None:
    async with _client(world, "192.0.2.80") as one:
        codes = [(await one.get("/auth/challenge")).status_code for _ in range(61)]
        assert codes == [200] * 60 + [429]
        limited = await one.get("/auth/challenge")
        assert limited.json()["code"] == "too_many_requests"
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        await world.clock.advance(timedelta(minutes=1))
        assert (await one.get("/auth/challenge")).status_code == 200
    # One IIN named from many addresses: at most ten calls a minute.
    statuses = []
    for n in range(11):
        async with _client(world, f"192.0.2.{100 + n}") as each:
            r = await each.post("/auth/login", json={"iin": iin(45), "password": "guess-1234"})
            statuses.append((r.status_code, r.json()["code"]))
    assert statuses[-1] == (429, "too_many_requests")


@pytest.mark.slow
async def test_ten_thousand_anonymous_calls_leave_the_log_within_a_fixed_bound(
    world: World,
) -> None:
    before = await _log_size(world)
    answered: dict[int, int] = {}
    async with _client(world, "192.0.2.200") as anonymous:
        for n in range(CALLS // 2):
            issued = await anonymous.get("/auth/challenge")
            failed = await anonymous.post(
                "/auth/login", json={"iin": iin(46 + n % 3), "password": "guess-1234"}
            )
            for r in (issued, failed):
                answered[r.status_code] = answered.get(r.status_code, 0) + 1
            if n % 100 == 99:
                await world.clock.advance(timedelta(minutes=2))  # the limits' windows pass
    assert sum(answered.values()) == CALLS
    # Not all of them were refused early: challenges were issued and logins failed.
    assert answered[200] > 1000
    assert answered[401] >= 10
    # Neither an issued challenge nor a failed login is an event: the log has not grown.
    assert await _log_size(world) - before == 0
