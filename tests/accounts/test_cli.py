"""`kechuang accounts create|list|passwd|unlock`: exit 0 on success, 2 with the reason otherwise."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from kechuang.cli import app
from kechuang.domain.uscc import check_digit

runner = CliRunner()
USCC = "91310115MA1000031" + check_digit("91310115MA1000031")


def invoke(*args: str) -> object:
    return runner.invoke(app, list(args))


def test_create_list_and_passwd(store_env: str) -> None:
    assert invoke("db", "upgrade").exit_code == 0
    result = invoke(
        "accounts",
        "create",
        "ent1",
        "--role",
        "enterprise",
        "--uscc",
        USCC,
        "--password",
        "long-enough",
    )
    assert result.exit_code == 0, result.output
    listed = invoke("accounts", "list", "--json")
    row = json.loads(listed.output.strip().splitlines()[0])
    assert row == {
        "username": "ent1",
        "role": "enterprise",
        "display_name": "ent1",
        "uscc": USCC,
        "org": "",
        "active": True,
    }
    assert "long-enough" not in listed.output
    assert invoke("accounts", "passwd", "ent1", "--password", "another-one").exit_code == 0


def test_refusals_exit_2(store_env: str) -> None:
    assert invoke("db", "upgrade").exit_code == 0
    bad_role = invoke("accounts", "create", "x", "--role", "wizard", "--password", "long-enough")
    assert bad_role.exit_code == 2 and "role" in bad_role.output
    short = invoke("accounts", "create", "x", "--role", "officer", "--password", "short")
    assert short.exit_code == 2 and "at least 8" in short.output
    assert invoke("accounts", "passwd", "nobody", "--password", "long-enough").exit_code == 2


def test_unlock_clears_a_locked_account_and_refuses_an_unknown_one(store_env: str) -> None:
    from kechuang.accounts.service import LoginThrottled, authenticate
    from kechuang.store.engine import make_engine, session_scope

    assert invoke("db", "upgrade").exit_code == 0
    created = invoke("accounts", "create", "off1", "--role", "officer", "--password", "long-enough")
    assert created.exit_code == 0, created.output
    engine = make_engine(store_env)
    try:
        for _ in range(5):
            with session_scope(engine) as s:
                assert authenticate(s, "off1", "wrong-one", "10.0.0.1") is None
        with session_scope(engine) as s, pytest.raises(LoginThrottled):
            authenticate(s, "off1", "long-enough", "10.0.0.1")
        unlocked = invoke("accounts", "unlock", "off1")
        assert unlocked.exit_code == 0 and "off1 unlocked" in unlocked.output
        with session_scope(engine) as s:
            assert authenticate(s, "off1", "long-enough", "10.0.0.1") is not None
    finally:
        engine.dispose()
    again = invoke("accounts", "unlock", "off1")
    assert again.exit_code == 0 and "was not locked" in again.output
    unknown = invoke("accounts", "unlock", "nobody")
    assert unknown.exit_code == 2 and "no account" in unknown.output
