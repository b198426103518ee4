"""`kechuang accounts create|list|passwd`: exit 0 on success, 2 with the reason otherwise."""

from __future__ import annotations

import json

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
