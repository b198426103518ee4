"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile).

KECHUANG_PASSWORD_HASH=fast selects argon2-cffi's cheapest profile: for test suites only, where
hundreds of logins would otherwise cost minutes. A hash records its own parameters, so hashes of
either profile verify under both.
"""

from __future__ import annotations

import os

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = (
    PasswordHasher.from_parameters(profiles.CHEAPEST)
    if os.environ.get("KECHUANG_PASSWORD_HASH") == "fast"
    else PasswordHasher()
)
MIN_LENGTH = 8

# Verified against when the username is unknown, so that a miss costs as long as a hit and
# response time does not tell which usernames exist.
_DUMMY_HASH = _hasher.hash("kechuang-no-such-account")


class WeakPasswordError(ValueError):
    """A password shorter than MIN_LENGTH characters."""


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise WeakPasswordError(f"password must have at least {MIN_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
