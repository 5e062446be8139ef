"""Password hashing with Argon2id (memory-hard), and a constant-work check for unknown accounts."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# The stored hash of an account that has no password yet (invited by staff): no password matches it, and it is no
# Argon2 hash, so verify_password() refuses it (docs/accounts.md).
UNUSABLE_PASSWORD = "!"  # noqa: S105
_hasher = PasswordHasher()
_dummy_hash: str | None = None


def use_fast_hashing() -> None:
    """Lower the Argon2 cost (tests only: thousands of hashes would otherwise take minutes)."""
    global _hasher, _dummy_hash
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    _dummy_hash = None


def hash_password(password: str) -> str:
    """Hash a password with Argon2id."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password; with no stored hash, do the same work against a dummy so timing matches."""
    global _dummy_hash
    if stored_hash is None:
        if _dummy_hash is None:
            _dummy_hash = _hasher.hash("not-a-real-password")
        stored_hash = _dummy_hash
        try:
            _hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
