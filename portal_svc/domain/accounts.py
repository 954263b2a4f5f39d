"""An applicant's account: who it is, and the state the login policy needs (issue 6 point 1,
process 1 and condition 1 of the seeds). Pure: the time is passed in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from portal_svc.domain import events


@dataclass(frozen=True)
class LoginPolicy:
    """After ``free_failures`` consecutive failures each attempt must wait ``delay_base`` times
    2**(failures - free_failures) since the last failure (slowing a password guesser down);
    at ``lock_after`` failures the account's password login is locked for ``lock_for``. The
    failures are counted in memory (shared.ratelimit.Backoff); the lock is an event."""

    free_failures: int = 3
    delay_base: timedelta = timedelta(seconds=1)
    lock_after: int = 6
    lock_for: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class Account:
    account_id: str
    kind: str  # "individual" or "legal_entity"
    iin: str
    bin: str | None
    name: str
    password_hash: str
    certificate_serial: str | None
    locked_until: datetime | None = None
    version: int = 0


def account_id(iin: str, bin_: str | None) -> str:
    """An individual is their IIN; a legal entity's signer is ``<BIN>-<IIN>`` (egov.kz keeps
    one profile per person and organisation)."""
    return iin if bin_ is None else f"{bin_}-{iin}"


def _at(data: dict[str, Any], key: str) -> datetime:
    return datetime.fromisoformat(str(data[key]))


def fold(history: Iterable[Any]) -> Account | None:
    """Rebuild an account from its stream (``RecordedEvent``-like: ``type``, ``data``)."""
    account: Account | None = None
    version = 0
    for event in history:
        version += 1
        data = event.data
        if event.type == events.APPLICANT_REGISTERED:
            account = Account(
                account_id=data["account"],
                kind=data["kind"],
                iin=data["iin"],
                bin=data.get("bin"),
                name=data["name"],
                password_hash=data["password_hash"],
                certificate_serial=data.get("certificate_serial"),
            )
        elif account is None:
            continue
        elif event.type == events.SESSION_OPENED:
            account = replace(account, locked_until=None)  # a session ends a lock
        elif event.type == events.ACCOUNT_LOCKED:
            account = replace(account, locked_until=_at(data, "until"))
        if account is not None:
            account = replace(account, version=version)
    return account
