"""Login throttling: attempts counted per account name and per client address, with lock-out.

An attempt is claimed *before* its password is checked, by one statement per counter:

    INSERT INTO login_attempts ... ON CONFLICT (scope, key) DO UPDATE
        SET attempts = attempts + 1 (or 1 when the window or the lock has run out) ...
        RETURNING attempts, window_start, locked_until

The database serialises the statements on the row, so of any number of concurrent guesses
exactly `limit` see a count within the limit and are checked; the others are refused unseen.
The claim commits before the (slow, argon2) check, so guesses do not queue behind each other's
hashing. The count that reaches the limit starts the lock-out; a success then gives its claim
back (the account's counter is cleared, the address's lowered by one), so a user who logs in on
the last try is not locked out, and a success of one account does not wipe the failures of
others from the same address.

Limits come from the environment (KECHUANG_LOGIN_*), read once when the app starts.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, delete, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kechuang.accounts.tables import LoginAttempt

ACCOUNT = "account"
ADDRESS = "address"
KEY_LENGTH = 64

ENV_ACCOUNT_LIMIT = "KECHUANG_LOGIN_ACCOUNT_LIMIT"
ENV_ADDRESS_LIMIT = "KECHUANG_LOGIN_ADDRESS_LIMIT"
ENV_WINDOW = "KECHUANG_LOGIN_WINDOW_MINUTES"
ENV_LOCKOUT = "KECHUANG_LOGIN_LOCKOUT_MINUTES"


class ThrottleConfigError(ValueError):
    """A KECHUANG_LOGIN_* variable that is not a whole number in its range."""


@dataclass(frozen=True)
class ThrottleSettings:
    """How many attempts a window allows per account name and per client address, and how
    long a counter stays locked once it reaches its limit."""

    account_limit: int = 5
    # Larger than the account limit: one office behind one address holds many users, and the
    # owner of a locked account must still be able to log in once an admin unlocks it.
    address_limit: int = 20
    window: dt.timedelta = dt.timedelta(minutes=15)
    lockout: dt.timedelta = dt.timedelta(minutes=15)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> ThrottleSettings:
        default = cls()

        def number(name: str, fallback: int, low: int, high: int) -> int:
            text = environ.get(name, "").strip()
            if not text:
                return fallback
            if not text.isdigit() or not low <= int(text) <= high:
                raise ThrottleConfigError(f"{name}={text!r}: a whole number from {low} to {high}")
            return int(text)

        minutes = int(default.window.total_seconds()) // 60
        lockout = int(default.lockout.total_seconds()) // 60
        return cls(
            account_limit=number(ENV_ACCOUNT_LIMIT, default.account_limit, 1, 1000),
            address_limit=number(ENV_ADDRESS_LIMIT, default.address_limit, 1, 100_000),
            window=dt.timedelta(minutes=number(ENV_WINDOW, minutes, 1, 7 * 24 * 60)),
            lockout=dt.timedelta(minutes=number(ENV_LOCKOUT, lockout, 1, 7 * 24 * 60)),
        )

    def limit(self, scope: str) -> int:
        return self.account_limit if scope == ACCOUNT else self.address_limit


@dataclass(frozen=True)
class Claim:
    """One claimed attempt: whether it may be checked, and what to give back on success."""

    scope: str
    key: str
    attempts: int
    window_start: dt.datetime
    locked_until: dt.datetime | None
    allowed: bool


def aware(value: dt.datetime) -> dt.datetime:
    # SQLite gives naive datetimes back; they were stored as UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def counter_key(text: str) -> str:
    """What a counter is keyed by: the text as typed, cut to the column's length."""
    return text[:KEY_LENGTH]


def _upsert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(LoginAttempt)
    if dialect == "sqlite":
        return sqlite.insert(LoginAttempt)
    raise NotImplementedError(f"login throttling has no upsert for {dialect}")


def claim(
    session: Session, scope: str, key: str, settings: ThrottleSettings, now: dt.datetime
) -> Claim:
    """Count one attempt for (scope, key) atomically; the caller commits."""
    limit = settings.limit(scope)
    stamp = LoginAttempt.window_start.type
    now_ = literal(now, stamp)
    lock_end = literal(now + settings.lockout, stamp)
    no_lock = literal(None, stamp)
    row = LoginAttempt.__table__.c
    # A counter starts afresh once its lock has run out, or (never locked) its window has.
    fresh = or_(
        and_(row.locked_until.is_not(None), row.locked_until <= now_),
        and_(row.locked_until.is_(None), row.window_start <= literal(now - settings.window, stamp)),
    )
    first_lock = lock_end if limit <= 1 else no_lock
    insert = _upsert(session).values(
        scope=scope, key=key, attempts=1, window_start=now, locked_until=first_lock
    )
    statement = insert.on_conflict_do_update(
        index_elements=[row.scope, row.key],
        set_={
            "attempts": case((fresh, 1), else_=row.attempts + 1),
            "window_start": case((fresh, now_), else_=row.window_start),
            "locked_until": case(
                (fresh, first_lock),
                (row.locked_until.is_not(None), row.locked_until),
                (row.attempts + 1 >= limit, lock_end),
                else_=no_lock,
            ),
        },
    ).returning(row.attempts, row.window_start, row.locked_until)
    attempts, window_start, locked_until = session.execute(statement).one()
    return Claim(
        scope,
        key,
        attempts,
        aware(window_start),
        aware(locked_until) if locked_until is not None else None,
        allowed=attempts <= limit,
    )


def give_back(session: Session, taken: Claim, settings: ThrottleSettings) -> None:
    """Return a successful attempt's claim: clear an account's counter, lower an address's."""
    row = LoginAttempt.__table__.c
    where = and_(row.scope == taken.scope, row.key == taken.key)
    if taken.scope == ACCOUNT:
        session.execute(delete(LoginAttempt).where(where))
        return
    limit = settings.limit(taken.scope)
    session.execute(
        update(LoginAttempt)
        # Only the window it was claimed in: a counter that has started afresh owes nothing.
        .where(where, row.window_start == taken.window_start, row.attempts > 0)
        .values(
            attempts=row.attempts - 1,
            locked_until=case((row.attempts - 1 < limit, None), else_=row.locked_until),
        )
    )


def sweep(session: Session, settings: ThrottleSettings, now: dt.datetime) -> None:
    """Delete counters that would start afresh anyway (keeps the table small)."""
    row = LoginAttempt.__table__.c
    session.execute(
        delete(LoginAttempt).where(
            or_(
                row.locked_until <= now,
                and_(row.locked_until.is_(None), row.window_start <= now - settings.window),
            )
        )
    )


def unlock(session: Session, scope: str, key: str) -> bool:
    """Clear a counter (an admin's unlock); True if it was locked."""
    row = session.get(LoginAttempt, (scope, key))
    if row is None:
        return False
    was_locked = row.locked_until is not None and aware(row.locked_until) > now_utc()
    session.delete(row)
    return was_locked


def locked_until(session: Session, scope: str, keys: list[str]) -> dict[str, dt.datetime]:
    """The keys among `keys` whose counter is locked now, with the time the lock ends."""
    if not keys:
        return {}
    now = now_utc()
    rows = session.execute(
        select(LoginAttempt.key, LoginAttempt.locked_until).where(
            LoginAttempt.scope == scope,
            LoginAttempt.key.in_(keys),
            LoginAttempt.locked_until.is_not(None),
        )
    ).all()
    ends = {key: aware(until) for key, until in rows if until is not None}
    return {key: until for key, until in ends.items() if until > now}


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
