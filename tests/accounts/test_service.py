"""Accounts: roles and bindings, argon2 hashes, sessions, the audit log (throttling is in
test_throttle)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select, update

from kechuang.accounts.service import (
    AccountError,
    close_session,
    create_account,
    find_session,
    open_session,
    set_password,
)
from kechuang.accounts.tables import Account, AuditEntry, WebSession
from kechuang.domain.uscc import check_digit
from kechuang.store.engine import session_scope

USCC = "91310115MA1000021" + check_digit("91310115MA1000021")


def test_password_is_stored_as_an_argon2id_hash(store: Engine) -> None:
    with session_scope(store) as s:
        create_account(s, "officer1", "secret-pass", "officer")
    with session_scope(store) as s:
        account = s.scalars(select(Account)).one()
        assert account.password_hash.startswith("$argon2id$")
        assert "secret-pass" not in account.password_hash


@pytest.mark.parametrize(
    ("role", "uscc", "org", "message"),
    [
        ("wizard", None, None, "role"),
        ("enterprise", None, None, "uscc"),
        ("enterprise", "91310115MA10000210", None, "uscc"),
        ("officer", USCC, None, "only an enterprise"),
        ("bank", None, None, "--org"),
    ],
)
def test_bad_accounts_are_refused(
    store: Engine, role: str, uscc: str | None, org: str | None, message: str
) -> None:
    with session_scope(store) as s, pytest.raises(AccountError, match=message):
        create_account(s, "someone", "long-enough", role, uscc=uscc, org=org)


def test_duplicate_username_is_refused(store: Engine) -> None:
    with session_scope(store) as s:
        create_account(s, "ent", "long-enough", "enterprise", uscc=USCC)
    with session_scope(store) as s, pytest.raises(AccountError, match="taken"):
        create_account(s, "ent", "long-enough", "officer")


def test_sessions_expire_close_and_end_with_a_new_password(store: Engine) -> None:
    with session_scope(store) as s:
        account = create_account(s, "officer1", "right-pass", "officer")
        token, _row = open_session(s, account, "127.0.0.1")
    assert len(token) >= 40
    with session_scope(store) as s:
        found = find_session(s, token)
        assert found is not None and found[1].username == "officer1"
        assert s.get(WebSession, token) is None  # the row is keyed by the hash, not the token
    with session_scope(store) as s:
        s.execute(update(WebSession).values(expires_at=dt.datetime.now(dt.UTC)))
    with session_scope(store) as s:
        assert find_session(s, token) is None
        account = s.scalars(select(Account)).one()
        token2, _ = open_session(s, account, "127.0.0.1")
    with session_scope(store) as s:
        set_password(s, "officer1", "new-password")
    with session_scope(store) as s:
        assert find_session(s, token2) is None
        token3, _ = open_session(s, s.scalars(select(Account)).one(), "")
    with session_scope(store) as s:
        close_session(s, token3)
    with session_scope(store) as s:
        assert find_session(s, token3) is None


def test_every_change_is_audited_without_secrets(store: Engine) -> None:
    with session_scope(store) as s:
        create_account(s, "ent", "long-enough", "enterprise", uscc=USCC, actor="admin")
        set_password(s, "ent", "other-password", actor="admin")
    with session_scope(store) as s:
        entries = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(e.actor, e.action) for e in entries] == [
            ("admin", "account.create"),
            ("admin", "account.password"),
        ]
        assert entries[0].after is not None and entries[0].after["uscc"] == USCC
        assert "long-enough" not in str(entries[0].after)
