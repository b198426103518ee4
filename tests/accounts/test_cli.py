"""`kechuang accounts bootstrap-admin|create|list|passwd|unlock`: exit 0 on success, 2 with the
reason otherwise; every change but the first admin is an admin's step (`--by`)."""

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


def _bootstrap() -> None:
    assert invoke("db", "upgrade").exit_code == 0
    first = invoke("accounts", "bootstrap-admin", "root", "--password", "first-admin-pass")
    assert first.exit_code == 0, first.output


def test_bootstrap_admin_only_once(store_env: str) -> None:
    _bootstrap()
    again = invoke("accounts", "bootstrap-admin", "root2", "--password", "first-admin-pass")
    assert again.exit_code == 2 and "an admin exists already" in again.output


def test_create_list_and_passwd(store_env: str) -> None:
    _bootstrap()
    result = invoke(
        "accounts", "create", "--username", "ent1", "--role", "enterprise", "--uscc", USCC,
        "--password", "long-enough", "--by", "root",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    listed = invoke("accounts", "list", "--json")
    rows = [json.loads(line) for line in listed.output.strip().splitlines()]
    assert {
        "username": "ent1",
        "role": "enterprise",
        "display_name": "ent1",
        "uscc": USCC,
        "org": "",
        "active": True,
    } in rows
    assert "long-enough" not in listed.output
    changed = invoke("accounts", "passwd", "ent1", "--password", "another-one", "--by", "ROOT")
    assert changed.exit_code == 0, changed.output


def test_refusals_exit_2(store_env: str) -> None:
    _bootstrap()
    bad_role = invoke("accounts", "create", "--username", "x", "--role", "wizard",
                      "--password", "long-enough", "--by", "root")  # fmt: skip
    assert bad_role.exit_code == 2 and "role" in bad_role.output
    short = invoke("accounts", "create", "--username", "x", "--role", "officer",
                   "--password", "short", "--by", "root")  # fmt: skip
    assert short.exit_code == 2 and "at least 8" in short.output
    assert invoke("accounts", "passwd", "nobody", "--password", "long-enough",
                  "--by", "root").exit_code == 2  # fmt: skip
    # only an admin creates accounts
    assert invoke("accounts", "create", "--username", "y", "--role", "officer",
                  "--password", "long-enough", "--by", "nobody").exit_code == 2  # fmt: skip


def test_unlock_clears_a_locked_account_and_refuses_an_unknown_one(store_env: str) -> None:
    from kechuang.accounts.service import LoginThrottled, authenticate
    from kechuang.store.engine import make_engine, session_scope

    _bootstrap()
    created = invoke("accounts", "create", "--username", "off1", "--role", "officer",
                     "--password", "long-enough", "--by", "root")  # fmt: skip
    assert created.exit_code == 0, created.output
    engine = make_engine(store_env)
    try:
        for _ in range(5):
            with session_scope(engine) as s:
                assert authenticate(s, "off1", "wrong-one", "10.0.0.1") is None
        with session_scope(engine) as s, pytest.raises(LoginThrottled):
            authenticate(s, "off1", "long-enough", "10.0.0.1")
        unlocked = invoke("accounts", "unlock", "off1", "--by", "root")
        assert unlocked.exit_code == 0, unlocked.output
        assert "was_locked: True" in unlocked.output
        with session_scope(engine) as s:
            assert authenticate(s, "off1", "long-enough", "10.0.0.1") is not None
    finally:
        engine.dispose()
    again = invoke("accounts", "unlock", "off1", "--by", "root")
    assert again.exit_code == 0 and "was_locked: False" in again.output
    unknown = invoke("accounts", "unlock", "nobody", "--by", "root")
    assert unknown.exit_code == 2 and "no account" in unknown.output
