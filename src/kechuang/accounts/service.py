"""Account services: create, list, change password, log in (throttled), unlock, sessions.

Every change is written to the audit log in the same transaction. Sessions are server-side rows
with an expiry; the cookie carries a random token whose SHA-256 is the row's key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, func, select
from sqlalchemy.orm import Session

from kechuang.accounts import audit, throttle
from kechuang.accounts.passwords import hash_password, verify_password
from kechuang.accounts.tables import ROLES, Account, WebSession
from kechuang.domain import text as clean
from kechuang.domain.uscc import is_valid as uscc_is_valid

SESSION_LIFETIME = dt.timedelta(hours=8)
ORG_ROLES = ("bank", "insurer", "guarantor", "tech_transfer", "inventor", "expert")


class AccountError(ValueError):
    """Bad account data: unknown role, missing or invalid USCC, duplicate username."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: what every scoped query and every audit row needs to know."""

    account_id: int
    username: str
    display_name: str
    role: str
    uscc: str | None
    org: str | None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite gives naive datetimes back; they were stored as UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def principal(account: Account) -> Principal:
    return Principal(
        account.id, account.username, account.display_name, account.role, account.uscc, account.org
    )


def _snapshot(account: Account) -> dict[str, object]:
    """What the audit log keeps of an account (never the hash)."""
    return {
        "username": account.username,
        "display_name": account.display_name,
        "role": account.role,
        "uscc": account.uscc,
        "org": account.org,
        "active": account.active,
    }


def create_account(
    session: Session,
    username: str,
    password: str,
    role: str,
    *,
    display_name: str = "",
    uscc: str | None = None,
    org: str | None = None,
    actor: str = "system",
) -> Account:
    if role not in ROLES:
        raise AccountError(f"role {role!r}: one of {', '.join(ROLES)}")
    if not username or len(username) > 64 or not username.isprintable() or " " in username:
        raise AccountError(f"username {username!r}: 1..64 printable characters, no spaces")
    if role == "enterprise":
        if not uscc or not uscc_is_valid(uscc):
            raise AccountError("an enterprise account needs a valid --uscc (GB 32100-2015)")
    elif uscc:
        raise AccountError("only an enterprise account is bound to a USCC")
    if role in ORG_ROLES and not org:
        raise AccountError(f"a {role} account needs --org (its organisation code)")
    for label, value in (("display name", display_name), ("org", org or "")):
        bad = clean.forbidden_character(value)
        if bad is not None:
            raise AccountError(f"{label} {clean.visible(value)!r}: {clean.reason(*bad)}")
    if session.scalar(select(Account.id).where(Account.username == username)) is not None:
        raise AccountError(f"username {username!r} is taken")
    now = _now()
    account = Account(
        username=username,
        display_name=display_name or username,
        role=role,
        uscc=uscc,
        org=org if role in ORG_ROLES else None,
        password_hash=hash_password(password, (username, display_name)),
        active=True,
        created_at=now,
        password_changed_at=now,
    )
    session.add(account)
    session.flush()
    audit.record(session, actor, "account.create", "account", account.id, None, _snapshot(account))
    return account


def list_accounts(session: Session) -> list[Account]:
    return list(session.scalars(select(Account).order_by(Account.username)).all())


def set_password(session: Session, username: str, password: str, actor: str = "system") -> None:
    account = session.scalar(select(Account).where(Account.username == username))
    if account is None:
        raise AccountError(f"no account {username!r}")
    account.password_hash = hash_password(password, (username, account.display_name))
    account.password_changed_at = _now()
    # A new password ends every session opened with the old one.
    session.execute(delete(WebSession).where(WebSession.account_id == account.id))
    audit.record(session, actor, "account.password", "account", account.id, None, None)


class LoginThrottled(Exception):
    """Too many login attempts for this account name or from this address; `until` is when
    the lock ends. Raised whether or not the account exists."""

    def __init__(self, scope: str, until: dt.datetime) -> None:
        super().__init__(f"{scope} locked until {until.isoformat()}")
        self.scope = scope
        self.until = until

    def minutes_left(self, now: dt.datetime | None = None) -> int:
        seconds = (self.until - (now or _now())).total_seconds()
        return max(1, math.ceil(seconds / 60))


def _failed(session: Session, username: str, ip: str, reason: str) -> None:
    # The attempted name is made printable: it may hold anything a client sent.
    shown = clean.visible(username)
    audit.record(
        session,
        "anonymous",
        "login.failed",
        "account",
        throttle.counter_key(shown),
        None,
        {"username": shown, "address": ip, "reason": reason},
        ip=ip,
    )


def authenticate(
    session: Session,
    username: str,
    password: str,
    ip: str,
    settings: throttle.ThrottleSettings | None = None,
) -> Account | None:
    """The account if the password is right; None otherwise. Commits.

    The attempt is first counted against the client address and then the account name (see
    kechuang.accounts.throttle) and committed, so that concurrent guesses each see it; one
    over either limit raises LoginThrottled without the password being checked. An unknown
    name costs the same hash check and counts the same way as a known one. Every failure is
    written to the audit log (name, address, reason; never the password).
    """
    settings = settings or throttle.ThrottleSettings.from_environ()
    now = _now()
    key = throttle.counter_key(clean.visible(username))
    by_address = throttle.claim(session, throttle.ADDRESS, ip[:64], settings, now)
    by_account = None
    if by_address.allowed:
        by_account = throttle.claim(session, throttle.ACCOUNT, key, settings, now)
    refused = by_address if by_account is None else by_account
    if not refused.allowed:
        reason = "address_throttled" if refused is by_address else "account_locked"
        _failed(session, username, ip, reason)
        session.commit()
        raise LoginThrottled(refused.scope, refused.locked_until or now + settings.lockout)
    session.commit()

    # A name no account can have (too long, control characters) is not looked up: PostgreSQL
    # would refuse a NUL in the query. It is checked against the dummy hash like any other.
    possible = len(username) <= 64 and clean.forbidden_character(username) is None
    account = (
        session.scalar(select(Account).where(Account.username == username)) if possible else None
    )
    ok = verify_password(account.password_hash if account else None, password)
    if account is None or not ok or not account.active:
        reason = (
            "unknown_account"
            if account is None
            else "wrong_password"
            if not ok
            else "inactive_account"
        )
        _failed(session, username, ip, reason)
        session.commit()
        return None
    assert by_account is not None
    throttle.give_back(session, by_account, settings)
    throttle.give_back(session, by_address, settings)
    throttle.sweep(session, settings, now)
    return account


def unlock(session: Session, username: str, actor: str, ip: str = "") -> bool:
    """Clear the login counter of an account name (an admin's unlock); audited. True if the
    account was locked; AccountError if there is no such account."""
    account = session.scalar(select(Account).where(Account.username == username))
    if account is None:
        raise AccountError(f"no account {username!r}")
    was_locked = throttle.unlock(session, throttle.ACCOUNT, throttle.counter_key(username))
    audit.record(
        session,
        actor,
        "account.unlock",
        "account",
        account.id,
        None,
        {"was_locked": was_locked},
        ip,
    )
    return was_locked


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, account: Account, ip: str) -> tuple[str, WebSession]:
    """A new session for account: returns the cookie token (shown once) and the row."""
    token = secrets.token_urlsafe(32)
    now = _now()
    row = WebSession(
        token_sha256=token_hash(token),
        account_id=account.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + SESSION_LIFETIME,
        ip=ip[:64],
    )
    session.add(row)
    # Expired rows are swept here rather than by a separate job.
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    audit.record(session, account.username, "session.open", "account", account.id, ip=ip)
    return token, row


def find_session(session: Session, token: str) -> tuple[WebSession, Account] | None:
    row = session.get(WebSession, token_hash(token))
    if row is None or _aware(row.expires_at) <= _now():
        return None
    account = session.get(Account, row.account_id)
    if account is None or not account.active:
        return None
    return row, account


# Built once: this runs on every request, and a prepared statement skips SQLAlchemy's per-call
# construction and cache-key work.
_SESSION_PRINCIPAL = (
    select(
        Account.id,
        Account.username,
        Account.display_name,
        Account.role,
        Account.uscc,
        Account.org,
        WebSession.csrf_token,
    )
    .join(WebSession, WebSession.account_id == Account.id)
    .where(
        WebSession.token_sha256 == bindparam("token_sha256"),
        WebSession.expires_at > bindparam("now"),
        Account.active.is_(True),
    )
)


def live_session_row(conn: Connection, token_sha256: str) -> Row[Any] | None:
    """The row session_principal reads (account fields, then the CSRF token), on a connection;
    None when no live session has that token hash."""
    return conn.execute(_SESSION_PRINCIPAL, {"token_sha256": token_sha256, "now": _now()}).first()


def session_principal(session: Session, token: str) -> tuple[Principal, str] | None:
    """The principal and CSRF token of a live session: one indexed query (every request runs it)."""
    row = session.execute(
        _SESSION_PRINCIPAL, {"token_sha256": token_hash(token), "now": _now()}
    ).first()
    if row is None:
        return None
    return Principal(*row[:6]), row[6]


def close_session(session: Session, token: str, ip: str = "") -> None:
    found = find_session(session, token)
    if found is None:
        return
    row, account = found
    session.delete(row)
    audit.record(session, account.username, "session.close", "account", account.id, ip=ip)


def principal_by_username(session: Session, username: str) -> Principal | None:
    """The active account of that name, whatever its case (`OFFICER2` is officer2), or None.

    The CLI names who acts with `--by`; comparing names case-insensitively here is what keeps
    four-eyes rules from being passed by a change of case.
    """
    account = session.scalars(
        select(Account).where(func.lower(Account.username) == username.strip().lower())
    ).one_or_none()
    if account is None or not account.active:
        return None
    return principal(account)
