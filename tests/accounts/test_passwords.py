"""The rule for a new password: length, no control characters, not a common password, not
easy to guess (zxcvbn), not built from the account's name; every refusal in zh and en."""

from __future__ import annotations

import secrets

import pytest
from typer.testing import CliRunner

from kechuang.accounts.passwords import WeakPasswordError, check_password, hash_password
from kechuang.cli import app


@pytest.mark.parametrize(
    ("password", "en", "zh"),
    [
        ("short", "at least 8 characters", "至少需要8个字符"),
        ("x" * 257, "at most 256 characters", "最多256个字符"),
        ("good-pass\x00word", "U+0000", "控制字符"),
        ("good-pass\u202eword", "U+202E RIGHT-TO-LEFT OVERRIDE", "控制字符"),
        ("password", "most common passwords", "最常见的密码"),
        ("Password1", "most common passwords", "最常见的密码"),
        ("iloveyou", "most common passwords", "最常见的密码"),
        ("qwertyuiop", "most common passwords", "最常见的密码"),
        ("123456789", "most common passwords", "最常见的密码"),
        ("aaaaaaaaaa", "too easy to guess", "太容易被猜到"),
        ("abcdefghij", "too easy to guess", "太容易被猜到"),
        ("20240101!", "too easy to guess", "太容易被猜到"),
    ],
)
def test_weak_new_passwords_are_refused_in_both_languages(password: str, en: str, zh: str) -> None:
    with pytest.raises(WeakPasswordError) as caught:
        check_password(password)
    assert en in str(caught.value) and en in caught.value.message("en")
    assert zh in caught.value.message("zh")


def test_a_password_built_from_the_account_name_is_refused() -> None:
    check_password("zhangwei-pudong")
    with pytest.raises(WeakPasswordError, match="too easy to guess"):
        check_password("zhangwei-pudong", user_inputs=["zhangwei-pudong"])


@pytest.mark.parametrize(
    "password",
    ["pass-word-1", "long-enough", "correct horse battery staple 42", "上海科创平台登录口令"],
)
def test_reasonable_passwords_pass(password: str) -> None:
    check_password(password, user_inputs=["officer1"])
    assert hash_password(password).startswith("$argon2id$")


def test_random_demo_style_passwords_always_pass() -> None:
    for _ in range(200):
        check_password(secrets.token_urlsafe(9), user_inputs=["officer1", "Officer One"])


def test_the_cli_refuses_a_common_password_in_both_languages(store_env: str) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(
        app, ["accounts", "create", "x1", "--role", "officer", "--password", "iloveyou1"]
    )
    assert result.exit_code == 2
    assert "most common passwords" in result.output and "最常见的密码" in result.output
