"""`kechuang runs ...` and the once scope, on SQLite and PostgreSQL: a second run after payment
pays nobody again and says why, a repeated live run needs --reason, a run can be withdrawn,
four-eyes compares people (not spellings), and a negative --set is refused (exit 2)."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from tests.screening.people import Today, award_id, enterprise_account
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


def walk_to_payment(engine: Engine, today: Today, run: str) -> str:
    today.set("2025-03-03")
    kc("publish", run, "--by", "officer-li")
    today.set("2025-03-11")
    kc("approve", run, "--by", "officer-wang")
    today.set("2025-03-12")
    for uscc in eligible_usccs():
        award = award_id(engine, run, uscc)
        if award is None:  # excluded by the once scope: nothing to confirm
            continue
        kc("confirm", uscc, award,
                            "--account-name", uscc, "--bank", "中国银行",
                            "--account-number", "6217000012345678",
                            "--by", enterprise_account(uscc))  # fmt: skip
    return kc("pay", run, "--by", "finance-chen")


def test_a_second_run_after_payment_pays_nobody_again(
    engine: Engine, session: Session, people: None, today: Today
) -> None:
    kc(*START, "--by", "officer-li")
    assert f"paid: {len(ELIGIBLE)}" in walk_to_payment(engine, today, "1")
    shown = kc(*START, "--by", "officer-li")
    assert "run 2" in shown and "once scope: ever" in shown
    assert f"excluded by the once scope: {len(ELIGIBLE)} eligible enterprise(s)" in shown
    paid = walk_to_payment(engine, today, "2")
    assert "paid: 0" in paid and "paid_fen: 0" in paid
    listed = kc("show", "2")
    assert all(uscc in listed for uscc in eligible_usccs())
    assert "run 1, award" in listed and "paid" in listed
    assert_paid_once_and_balanced(session)


def test_a_repeated_live_run_needs_a_reason(engine: Engine, session: Session, people: None) -> None:
    kc(*START, "--by", "officer-li")
    refused = kc(*START, "--by", "officer-zhao", code=2)
    assert "run 1 already screens first-above-scale-reward 2026.2 for 2024" in refused
    assert "--reason" in refused
    assert session.scalar(select(func.count()).select_from(ScreeningRun)) == 1
    shown = kc(*START, "--by", "officer-zhao", "--reason", "更正数据后复核")
    assert "repeats run 1: 更正数据后复核" in shown
    assert "refused" in kc("withdraw", "1", "--reason", " ", "--by", "officer-li", code=2)
    assert "state: withdrawn" in kc("withdraw", "1", "--reason", "数据有误", "--by", "officer-li")
    assert "run 2 already screens" in kc(*START, "--by", "officer-li", code=2)  # 2 is live
    kc("withdraw", "2", "--reason", "数据有误", "--by", "officer-li")
    assert "run 3" in kc(*START, "--by", "officer-li")  # no live run left: no reason needed


def test_four_eyes_compares_people_not_spellings(
    engine: Engine, people: None, today: Today
) -> None:
    kc(*START, "--by", "officer2")
    today.set("2025-03-03")
    kc("publish", "1", "--by", "officer2")
    today.set("2025-03-11")
    for same in ("OFFICER2", " Officer2 "):
        refused = kc("approve", "1", "--by", same, code=2)
        assert "four-eyes" in refused
    # a look-alike name is no account at all (the service compares NFKC names besides)
    assert "no active account" in kc("approve", "1", "--by", "ｏｆｆｉｃｅｒ２", code=2)
    assert "approved_by: officer1" in kc("approve", "1", "--by", "officer1")


def test_a_negative_amount_is_refused_naming_the_parameter(engine: Engine, people: None) -> None:
    refused = kc(*START, "--by", "officer-li", "--set", "first-above-scale-reward.amount=-5",
                 code=2)  # fmt: skip
    assert "amount must be at least 0 (unit yuan)" in refused
