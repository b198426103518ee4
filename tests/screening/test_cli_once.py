"""`kechuang runs ...` and the once scope, on SQLite and PostgreSQL: a second run after payment
pays nobody again and says why, a repeated live run needs --reason, a run can be withdrawn,
four-eyes compares people (not spellings), and a negative --set is refused (exit 2)."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from tests.screening.population import ELIGIBLE, eligible_usccs
from tests.screening.steps import assert_paid_once_and_balanced
from typer.testing import CliRunner

from kechuang.cli import app
from kechuang.screening.tables import ScreeningRun

runner = CliRunner()
START = ("start", "--policy", "first-above-scale-reward", "--year", "2024")


def kc(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["runs", *args])
    assert result.exit_code == code, result.output
    return " ".join(result.output.split())  # rich wraps long lines


def walk_to_payment(run: str, publisher: str = "officer-li", approver: str = "officer-wang") -> str:
    kc("publish", run, "--by", publisher, "--on", "2025-03-03")
    kc("approve", run, "--by", approver, "--on", "2025-03-11")
    for uscc in eligible_usccs():
        runner.invoke(app, ["runs", "confirm", run, "--uscc", uscc, "--account-name", uscc,
                            "--bank", "中国银行", "--account", "6217000012345678", "--by", uscc,
                            "--on", "2025-03-12"])  # fmt: skip
    return kc("pay", run, "--by", "finance-chen")


def test_a_second_run_after_payment_pays_nobody_again(engine: Engine, session: Session) -> None:
    kc(*START, "--by", "officer-li")
    assert f"paid {len(ELIGIBLE)} award(s)" in walk_to_payment("1")
    shown = kc(*START, "--by", "officer-li")
    assert "run 2" in shown and "once scope: ever" in shown
    assert f"excluded by the once scope: {len(ELIGIBLE)} eligible enterprise(s)" in shown
    assert "paid 0 award(s), ¥0.00" in walk_to_payment("2")
    listed = kc("show", "2")
    assert all(uscc in listed for uscc in eligible_usccs())
    assert "run 1, award" in listed and "paid" in listed
    assert_paid_once_and_balanced(session)


def test_a_repeated_live_run_needs_a_reason(engine: Engine, session: Session) -> None:
    kc(*START, "--by", "officer-li")
    refused = kc(*START, "--by", "officer-zhao", code=2)
    assert "run 1 already screens first-above-scale-reward 2026.2 for 2024" in refused
    assert "--reason" in refused
    assert session.scalar(select(func.count()).select_from(ScreeningRun)) == 1
    shown = kc(*START, "--by", "officer-zhao", "--reason", "更正数据后复核")
    assert "repeats run 1: 更正数据后复核" in shown
    assert "refused" in kc("withdraw", "1", "--reason", " ", "--by", "officer-li", code=2)
    assert "run 1 withdrawn" in kc("withdraw", "1", "--reason", "数据有误", "--by", "officer-li")
    assert "run 2 already screens" in kc(*START, "--by", "officer-li", code=2)  # 2 is live
    kc("withdraw", "2", "--reason", "数据有误", "--by", "officer-li")
    assert "run 3" in kc(*START, "--by", "officer-li")  # no live run left: no reason needed


def test_four_eyes_compares_people_not_spellings(engine: Engine) -> None:
    kc(*START, "--by", "officer2")
    kc("publish", "1", "--by", "officer2", "--on", "2025-03-03")
    for same in ("OFFICER2", " Officer2 ", "ｏｆｆｉｃｅｒ２"):
        refused = kc("approve", "1", "--by", same, "--on", "2025-03-11", code=2)
        assert "four-eyes" in refused
    assert "approved by officer1" in kc("approve", "1", "--by", "officer1", "--on", "2025-03-11")


def test_a_negative_amount_is_refused_naming_the_parameter(engine: Engine) -> None:
    refused = kc(*START, "--by", "officer-li", "--set", "first-above-scale-reward.amount=-5",
                 code=2)  # fmt: skip
    assert "amount must be at least 0 (unit yuan)" in refused
