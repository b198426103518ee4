"""`kechuang runs ...` end to end through the CLI, the .xlsx lists, and refusals exiting 2."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import Engine
from tests.screening.population import eligible_usccs
from typer.testing import CliRunner

from kechuang.cli import app
from kechuang.domain.uscc import mask

runner = CliRunner()


def kc(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["runs", *args])
    assert result.exit_code == code, result.output
    return result.output


def test_runs_cli_walk(engine: Engine, tmp_path: Path) -> None:
    usccs = eligible_usccs()
    output = kc("start", "--policy", "first-above-scale-reward", "--year", "2024",
                "--by", "officer-li", "--budget", "600000.01")  # fmt: skip
    assert "run 1" in output and "screened" in output
    assert "screened" in kc("list")
    kc("publish", "1", "--by", "officer-li", "--on", "2025-03-03", "--notice-days", "3")
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

    kc("object", "1", "--uscc", usccs[0], "--reason", "收入虚报", "--name", "张三",
       "--contact", "13800000000", "--by", "officer-li", "--on", "2025-03-04")  # fmt: skip
    kc("decide", "1", "--uphold", "--reason", "核实属实", "--by", "officer-zhao")
    output = kc("approve", "1", "--by", "officer-li", "--on", "2025-03-07", code=2)
    assert "four-eyes" in output
    kc("approve", "1", "--by", "officer-wang", "--on", "2025-03-07")
    for uscc in usccs[1:4]:
        kc("confirm", "1", "--uscc", uscc, "--account-name", f"企业{uscc[-4:]}",
           "--bank", "中国银行上海分行", "--account", "6217000012345678", "--by", uscc,
           "--on", "2025-03-10")  # fmt: skip
    assert "1 award(s) lapsed" in kc("lapse", "1", "--as-of", "2025-03-31", "--by", "officer-wang")
    assert "paid 3 award(s)" in kc("pay", "1", "--by", "finance-chen")
    assert "paid 0 award(s), ¥0.00" in kc("pay", "1", "--by", "finance-chen")
    payments = tmp_path / "payments.xlsx"
    kc("export", "1", "--payments", str(payments))
    sheet = load_workbook(payments).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))[2:]
    assert [r[2] for r in rows] == usccs[1:4]
    assert all(r[5] == "6217000012345678" and r[8].endswith(":pay") for r in rows)
    kc("clawback", "1", "--uscc", usccs[1], "--reason", "审计发现虚报", "--by", "officer-zhao")
    shown = kc("show", "1", "--events")
    assert "clawed_back" in shown and "withdrawn" in shown and "lapsed" in shown

    assert "refused" in kc("pay", "99", "--by", "x", code=2)
    assert "refused" in kc("publish", "1", "--by", "officer-li", code=2)
    assert "a date is YYYY-MM-DD" in kc("publish", "1", "--by", "x", "--on", "03/01", code=2)
    ledger = runner.invoke(app, ["ledger", "balance"])
    assert ledger.exit_code == 0, ledger.output
