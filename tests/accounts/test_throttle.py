"""Login throttling: per account name across addresses, per address across names, counted
atomically (concurrent guesses check at most the limit), lock-out, unlock, audited failures.

Every test runs on SQLite and on PostgreSQL (the `store` fixture).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from sqlalchemy import Engine, select, update

from kechuang.accounts.service import (
    AccountError,
    LoginThrottled,
    authenticate,
    create_account,
    unlock,
)
from kechuang.accounts.tables import AuditEntry, LoginAttempt
from kechuang.accounts.throttle import ThrottleConfigError, ThrottleSettings
from kechuang.store.engine import make_sessionmaker, session_scope

RIGHT = "right-horse-42"
LIMITS = ThrottleSettings(account_limit=5, address_limit=20)


@pytest.fixture
def officer(store: Engine) -> Engine:
    with session_scope(store) as s:
        create_account(s, "officer1", RIGHT, "officer")
    return store


def attempt(
    engine: Engine,
    username: str,
    password: str,
    ip: str = "10.0.0.1",
    settings: ThrottleSettings = LIMITS,
) -> str:
    """'ok', 'failed' or 'throttled:<scope>'."""
    with make_sessionmaker(engine)() as s:
        try:
            account = authenticate(s, username, password, ip, settings)
        except LoginThrottled as exc:
            return f"throttled:{exc.scope}"
        s.commit()
        return "ok" if account is not None else "failed"


def failures(engine: Engine) -> list[dict[str, object]]:
    with session_scope(engine) as s:
        rows = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "login.failed").order_by(AuditEntry.id)
        )
        return [dict(r.after or {}, ip=r.ip, actor=r.actor) for r in rows]


def age_counters(engine: Engine, by: dt.timedelta) -> None:
    """Move every counter's window and lock into the past, as if `by` had passed."""
    with session_scope(engine) as s:
        for row in s.scalars(select(LoginAttempt)):
            s.execute(
                update(LoginAttempt)
                .where(LoginAttempt.scope == row.scope, LoginAttempt.key == row.key)
                .values(
                    window_start=row.window_start - by,
                    locked_until=None if row.locked_until is None else row.locked_until - by,
                )
            )


def test_the_sixth_attempt_is_refused_even_with_the_right_password(officer: Engine) -> None:
    assert [attempt(officer, "officer1", "wrong-guess") for _ in range(5)] == ["failed"] * 5
    assert attempt(officer, "officer1", RIGHT) == "throttled:account"


def test_rotating_the_client_address_does_not_reset_the_account_limit(officer: Engine) -> None:
    outcomes = [attempt(officer, "officer1", "wrong-guess", ip=f"10.0.0.{n}") for n in range(1, 7)]
    assert outcomes == ["failed"] * 5 + ["throttled:account"]
    assert attempt(officer, "officer1", RIGHT, ip="10.9.9.9") == "throttled:account"


def test_one_address_is_limited_across_account_names(officer: Engine) -> None:
    limits = ThrottleSettings(account_limit=5, address_limit=3)
    guesses = [attempt(officer, f"user{n}", "pw-guess-1", settings=limits) for n in range(4)]
    assert guesses == ["failed"] * 3 + ["throttled:address"]
    # The real owner from that address waits too; from another address they get in.
    assert attempt(officer, "officer1", RIGHT, settings=limits) == "throttled:address"
    assert attempt(officer, "officer1", RIGHT, ip="10.0.0.2", settings=limits) == "ok"


def test_success_on_the_last_try_clears_the_account_but_not_the_address(officer: Engine) -> None:
    limits = ThrottleSettings(account_limit=5, address_limit=8)
    assert [attempt(officer, "officer1", "wrong", settings=limits) for _ in range(4)] == [
        "failed"
    ] * 4
    assert attempt(officer, "officer1", RIGHT, settings=limits) == "ok"
    # The account starts afresh; the address keeps its four failures (8 - 4 = 4 more tries).
    outcomes = [attempt(officer, "officer1", "wrong", settings=limits) for _ in range(5)]
    assert outcomes == ["failed"] * 4 + ["throttled:address"]


def test_the_lock_ends_after_the_lockout_and_the_count_after_the_window(officer: Engine) -> None:
    for _ in range(5):
        attempt(officer, "officer1", "wrong")
    assert attempt(officer, "officer1", RIGHT) == "throttled:account"
    age_counters(officer, dt.timedelta(minutes=14))
    assert attempt(officer, "officer1", RIGHT) == "throttled:account"
    age_counters(officer, dt.timedelta(minutes=2))
    assert attempt(officer, "officer1", RIGHT) == "ok"
    # Four failures, then the window passes: the count starts again from zero.
    for _ in range(4):
        attempt(officer, "officer1", "wrong")
    age_counters(officer, dt.timedelta(minutes=16))
    assert [attempt(officer, "officer1", "wrong") for _ in range(5)] == ["failed"] * 5


def test_an_unknown_name_is_answered_and_throttled_exactly_like_a_known_one(
    officer: Engine,
) -> None:
    known = [attempt(officer, "officer1", "wrong", ip="10.0.0.1") for _ in range(7)]
    unknown = [attempt(officer, "nobody", "wrong", ip="10.0.0.2") for _ in range(7)]
    assert known == unknown == ["failed"] * 5 + ["throttled:account"] * 2


def test_every_failed_login_is_audited_with_name_address_and_reason_never_the_password(
    officer: Engine,
) -> None:
    attempt(officer, "officer1", "secret-guess-1", ip="10.0.0.7")
    attempt(officer, "ghost", "secret-guess-2", ip="10.0.0.8")
    attempt(officer, "bad\u202ename\x00", "secret-guess-3", ip="10.0.0.9")
    for _ in range(5):  # the fifth of these is the sixth on officer1: refused unchecked
        attempt(officer, "officer1", "secret-guess-4", ip="10.0.0.7")
    rows = failures(officer)
    assert [(r["username"], r["address"], r["reason"]) for r in rows[:3]] == [
        ("officer1", "10.0.0.7", "wrong_password"),
        ("ghost", "10.0.0.8", "unknown_account"),
        ("bad<U+202E>name<U+0000>", "10.0.0.9", "unknown_account"),
    ]
    assert rows[-1]["reason"] == "account_locked" and rows[-1]["ip"] == "10.0.0.7"
    assert all(r["actor"] == "anonymous" for r in rows)
    assert "secret-guess" not in str(rows)


@pytest.mark.parametrize("spread", ["one account, 30 addresses", "one address, 30 names"])
def test_thirty_concurrent_guesses_check_at_most_the_limit(officer: Engine, spread: str) -> None:
    limits = ThrottleSettings(account_limit=5, address_limit=5)
    by_address = spread.startswith("one address")
    start = threading.Barrier(30)
    outcomes: list[str] = []
    lock = threading.Lock()

    def guess(n: int) -> None:
        name, ip = (f"user{n}", "10.0.0.1") if by_address else ("officer1", f"10.0.1.{n}")
        start.wait()
        outcome = attempt(officer, name, "wrong-guess", ip=ip, settings=limits)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    counted = Counter(outcomes)
    assert counted["failed"] == 5, counted  # checked against the password: exactly the limit
    assert counted["throttled:address" if by_address else "throttled:account"] == 25
    reasons = Counter(str(r["reason"]) for r in failures(officer))
    checked = "unknown_account" if by_address else "wrong_password"
    assert reasons[checked] == 5 and sum(reasons.values()) == 30


def test_an_admin_unlock_lets_the_owner_in_at_once_and_is_audited(officer: Engine) -> None:
    for _ in range(5):
        attempt(officer, "officer1", "wrong")
    assert attempt(officer, "officer1", RIGHT) == "throttled:account"
    with session_scope(officer) as s:
        assert unlock(s, "officer1", actor="admin1") is True
    assert attempt(officer, "officer1", RIGHT) == "ok"
    with session_scope(officer) as s:
        assert unlock(s, "officer1", actor="admin1") is False
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "account.unlock"))
        assert [(e.actor, (e.after or {})["was_locked"]) for e in entries] == [
            ("admin1", True),
            ("admin1", False),
        ]
    with session_scope(officer) as s, pytest.raises(AccountError, match="no account"):
        unlock(s, "nobody", actor="admin1")


def test_limits_come_from_the_environment_and_bad_values_are_named() -> None:
    settings = ThrottleSettings.from_environ(
        {
            "KECHUANG_LOGIN_ACCOUNT_LIMIT": "3",
            "KECHUANG_LOGIN_ADDRESS_LIMIT": "50",
            "KECHUANG_LOGIN_WINDOW_MINUTES": "10",
            "KECHUANG_LOGIN_LOCKOUT_MINUTES": "60",
        }
    )
    assert settings == ThrottleSettings(3, 50, dt.timedelta(minutes=10), dt.timedelta(hours=1))
    assert ThrottleSettings.from_environ({}) == ThrottleSettings()
    for value in ("0", "-1", "five", "2.5"):
        with pytest.raises(ThrottleConfigError, match="KECHUANG_LOGIN_ACCOUNT_LIMIT"):
            ThrottleSettings.from_environ({"KECHUANG_LOGIN_ACCOUNT_LIMIT": value})
