"""`kechuang runs ...` end to end through the CLI, the .xlsx lists, and refusals exiting 2."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import Engine
from tests.screening.people import Today, award_id, enterprise_account
from tests.screening.population import eligible_usccs
from typer.testing import CliRunner

from kechuang.cli import app
from kechuang.domain.uscc import mask

runner = CliRunner()


def kc(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["runs", *args])
    assert result.exit_code == code, result.output
    return result.output


def test_runs_cli_walk(engine: Engine, tmp_path: Path, people: None, today: Today) -> None:
    usccs = eligible_usccs()
    output = kc("start", "--policy", "first-above-scale-reward", "--year", "2024",
                "--by", "officer-li", "--budget", "600000.01")  # fmt: skip
    assert "run 1" in output and "screened" in output
    assert "screened" in kc("list")
    today.set("2025-03-03")
    kc("publish", "1", "--by", "officer-li", "--notice-days", "3")
    notice = tmp_path / "notice.xlsx"
    kc("export", "1", "--notice", str(notice))
    sheet = load_workbook(notice).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert "公示期：2025-03-03 至 2025-03-06（3个工作日）" in str(rows[0][0])
    assert [r[2] for r in rows[2:]] == [mask(u) for u in usccs]
    # 1,000,000 eligible against 600,000.01: pro rata, to the fen, summing to the budget.
    amounts = [r[4] for r in rows[2:]]
    # openpyxl reads numbers back as float; str() gives the digits written.
    assert sum(Decimal(str(a)) for a in amounts) == Decimal("600000.01")

    today.set("2025-03-04")
    kc("object", "1", "--uscc", usccs[0], "--reason", "收入虚报", "--name", "张三",
       "--contact", "13800000000", "--by", "officer-li")  # fmt: skip
    kc("decide", "1", "--decision", "upheld", "--reason", "核实属实", "--by", "officer-zhao")
    today.set("2025-03-07")
    output = kc("approve", "1", "--by", "officer-li", code=2)
    assert "four-eyes" in output
    assert "confirm_by: 2025-03-21" in kc("approve", "1", "--by", "officer-wang")
    today.set("2025-03-10")
    for uscc in usccs[1:4]:
        kc("confirm", uscc, str(award_id(engine, 1, uscc)), "--account-name", f"企业{uscc[-4:]}",
           "--bank", "中国银行上海分行", "--account-number", "6217000012345678",
           "--by", enterprise_account(uscc))  # fmt: skip
    today.set("2025-03-31")
    assert "lapsed: 1" in kc("lapse", "1", "--by", "officer-wang")
    assert "paid: 3" in kc("pay", "1", "--by", "finance-chen")
    again = kc("pay", "1", "--by", "finance-chen")
    assert "paid: 0" in again and "paid_fen: 0" in again
    payments = tmp_path / "payments.xlsx"
    kc("export", "1", "--payments", str(payments))
    sheet = load_workbook(payments).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))[2:]
    assert [r[2] for r in rows] == usccs[1:4]
    assert all(r[5] == "6217000012345678" and r[8].endswith(":pay") for r in rows)
    kc("clawback", "1", usccs[1], "--reason", "审计发现虚报", "--by", "officer-zhao")
    shown = kc("show", "1", "--events")
    assert "clawed_back" in shown and "withdrawn" in shown and "lapsed" in shown

    assert "refused" in kc("pay", "99", "--by", "officer-li", code=2)
    assert "refused" in kc("pay", "1", "--by", "nobody", code=2)
    assert "refused" in kc("publish", "1", "--by", "officer-li", code=2)
    # an enterprise's account may not take an officer's step
    assert "refused" in kc("publish", "1", "--by", enterprise_account(usccs[0]), code=2)
    ledger = runner.invoke(app, ["ledger", "balance"])
    assert ledger.exit_code == 0, ledger.output
