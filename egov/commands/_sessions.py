"""The applicant's portal sessions kept between ``egov portal`` commands: one owner-only file,
``<data dir>/sessions/portal.json`` (0600, its directory 0700), holding the bearer token of each
account logged in on this topology (by IIN, or IIN and BIN for an organisation's signer) and
which of them logged in last (the account a command uses when it names none). A session ends
when the portal says so (``session_expired``) or with ``egov portal logout``."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from egov.client.cabinet import Session
from shared.private_files import write_private

SESSIONS_FILE = Path("sessions") / "portal.json"


@dataclass(frozen=True)
class SavedSession:
    portal: str  # the portal's URL the session was opened at
    iin: str
    bin: str | None
    token: str
    expires_at: str

    @property
    def account(self) -> str:
        return account_key(self.iin, self.bin)

    def who(self) -> str:
        return f"{self.iin} for BIN {self.bin}" if self.bin else self.iin


def account_key(iin: str, bin_: str | None) -> str:
    return f"{iin}/{bin_}" if bin_ else iin


def sessions_file(data_dir: Path) -> Path:
    return data_dir / SESSIONS_FILE


def _read(data_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads(sessions_file(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"current": None, "accounts": {}}
    if not isinstance(data, dict) or not isinstance(data.get("accounts"), dict):
        return {"current": None, "accounts": {}}
    return data


def _write(data_dir: Path, data: dict[str, Any]) -> Path:
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return write_private(sessions_file(data_dir), text.encode("utf-8"), private_directory=True)


def save(data_dir: Path, portal: str, session: Session) -> Path:
    """Keep ``session`` as the current one; returns the file."""
    saved = SavedSession(portal, session.iin, session.bin, session.token, session.expires_at)
    data = _read(data_dir)
    data["accounts"][saved.account] = asdict(saved)
    data["current"] = saved.account
    return _write(data_dir, data)


def load(data_dir: Path, iin: str | None = None, bin_: str | None = None) -> SavedSession | None:
    """The session of ``iin`` (and ``bin_``), else of the account that logged in last."""
    data = _read(data_dir)
    key = account_key(iin, bin_) if iin else data.get("current")
    found = data["accounts"].get(key) if isinstance(key, str) else None
    if not isinstance(found, dict):
        return None
    try:
        return SavedSession(**found)
    except TypeError:
        return None


def forget(data_dir: Path, saved: SavedSession) -> None:
    data = _read(data_dir)
    data["accounts"].pop(saved.account, None)
    if data.get("current") == saved.account:
        data["current"] = next(iter(data["accounts"]), None)
    _write(data_dir, data)
