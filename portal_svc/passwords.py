"""Password hashing with Argon2id (RFC 9106), memory-hard so that a stolen log does not give
the passwords up to a GPU. Parameters come from settings; the hash string carries them, so
hashes made with older parameters still verify (and can be upgraded on login)."""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


@dataclass(frozen=True)
class PasswordRules:
    min_length: int = 8


def weak_reason(password: str, rules: PasswordRules) -> str | None:
    if len(password) < rules.min_length:
        return f"at least {rules.min_length} characters are required"
    if password.isdigit() or password.isalpha():
        return "use letters and digits together"
    return None


class Passwords:
    def __init__(self, *, time_cost: int, memory_kib: int, parallelism: int = 1) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism
        )

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
