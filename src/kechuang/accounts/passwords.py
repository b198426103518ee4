"""Passwords: the rule for a new one, and hashing with argon2id (argon2-cffi's defaults, RFC 9106
low-memory profile).

A new password needs MIN_LENGTH..MAX_LENGTH characters, no control character, must not be one
of the common passwords that zxcvbn ships (its "passwords" frequency list: the 30,000 most
frequent passwords of leaked password sets, bundled in the package, nothing downloaded), and
zxcvbn must estimate it at MIN_SCORE or better, which refuses repeats, sequences, keyboard
walks, dates, words with digits stuck on and the account's own name. Each refusal is worded in
Chinese and English.

KECHUANG_PASSWORD_HASH=fast selects argon2-cffi's cheapest profile: for test suites only, where
hundreds of logins would otherwise cost minutes. A hash records its own parameters, so hashes of
either profile verify under both.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from kechuang.domain import text as clean

_hasher = (
    PasswordHasher.from_parameters(profiles.CHEAPEST)
    if os.environ.get("KECHUANG_PASSWORD_HASH") == "fast"
    else PasswordHasher()
)
MIN_LENGTH = 8
MAX_LENGTH = 256
# zxcvbn's scale: 0 (< 10^3 guesses) .. 4 (>= 10^10). 2 is >= 10^6 guesses, beyond what a
# throttled login (5 attempts per 15 minutes per account) can try in years.
MIN_SCORE = 2
# zxcvbn refuses longer input (its matching is quadratic); the first 72 characters are scored.
SCORED_LENGTH = 72

# Verified against when the username is unknown, so that a miss costs as long as a hit and
# response time does not tell which usernames exist.
_DUMMY_HASH = _hasher.hash("kechuang-no-such-account")


class WeakPasswordError(ValueError):
    """A new password the rule refuses; str() is English, `zh` the same in Chinese."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.en = en
        self.zh = zh

    def message(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@cache
def common_passwords() -> frozenset[str]:
    """zxcvbn's list of the most common passwords (lower case)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def check_password(password: str, user_inputs: Sequence[str] = ()) -> None:
    """Raise WeakPasswordError if password may not be set; user_inputs are the account's own
    names, which a password must not be built from."""
    if len(password) < MIN_LENGTH:
        raise WeakPasswordError(
            f"password must have at least {MIN_LENGTH} characters",
            f"密码至少需要{MIN_LENGTH}个字符",
        )
    if len(password) > MAX_LENGTH:
        raise WeakPasswordError(
            f"password must have at most {MAX_LENGTH} characters",
            f"密码最多{MAX_LENGTH}个字符",
        )
    bad = clean.forbidden_character(password)
    if bad is not None:
        raise WeakPasswordError(
            "password " + clean.reason(*bad),
            f"密码含有不允许的控制字符 U+{ord(bad[1]):04X}（第{bad[0] + 1}个字符）",
        )
    if password.lower() in common_passwords():
        raise WeakPasswordError(
            "password is one of the most common passwords (zxcvbn's list); choose another",
            "该密码属于最常见的密码之一，请换一个",
        )
    from zxcvbn import zxcvbn

    estimate = zxcvbn(password[:SCORED_LENGTH], user_inputs=[u for u in user_inputs if u])
    if estimate["score"] < MIN_SCORE:
        hint = estimate["feedback"]["warning"] or "add more words or characters"
        raise WeakPasswordError(
            f"password is too easy to guess ({hint.rstrip('.')}); use a longer, less regular one",
            "密码太容易被猜到（如重复、顺序、键盘排列、日期、常见单词或用户名），"
            "请使用更长、更不规则的密码",
        )


def hash_password(password: str, user_inputs: Sequence[str] = ()) -> str:
    """The argon2id hash of a new password that passes check_password."""
    check_password(password, user_inputs)
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
