"""`kechuang finance ...` as a bank and an officer script it, with an import of repayments."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kechuang.cli import app
from kechuang.store.engine import make_engine
from kechuang.store.migrate import upgrade
from tests.finance.conftest import seed_enterprises

runner = CliRunner()


def _ok(*args: str) -> str:
    result = runner.invoke(app, ["finance", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_loan_from_fund_to_recovery_by_cli(store_env: str, tmp_path: Path) -> None:
    engine = make_engine(store_env)
    upgrade(engine)
    usccs = seed_enterprises(engine, 2, failing=(1,))
    engine.dispose()
    _ok("fund", "create", "--product", "performance-loan", "--size", "10000000", "--by", "o",
        "--on", "2025-01-02")  # fmt: skip
    loan = json.loads(_ok("apply", "--product", "performance-loan", "--uscc", usccs[0],
                          "--bank", "icbc-sh", "--partner", "picc-sh", "--ref", "L1",
                          "--amount", "1000000", "--months", "3", "--method", "interest_only",
                          "--by", "icbc", "--on", "2025-03-03"))  # fmt: skip
    assert (loan["state"] == "applied" and "准入" in loan["explanation"]) or loan["explanation"]
    refused = json.loads(_ok("apply", "--product", "performance-loan", "--uscc", usccs[1],
                             "--bank", "icbc-sh", "--partner", "picc-sh", "--ref", "L2",
                             "--amount", "1000000", "--months", "3", "--by", "icbc",
                             "--on", "2025-03-03"))  # fmt: skip
    assert refused["state"] == "refused"
    loan_id = str(loan["id"])
    _ok("approve", loan_id, "--by", "icbc", "--on", "2025-03-03")
    _ok("disburse", loan_id, "--by", "icbc", "--on", "2025-03-03")
    # The first instalment's interest (28 days... paid by import); a bad row refuses the file.
    csv_path = tmp_path / "repayments.csv"
    csv_path.write_text("loan_ref,repayment_ref,paid_on,amount_yuan\nL1,R1,2025-04-03,3000\n"
                        "L9,R2,2025-05-03,abc\n", encoding="utf-8")  # fmt: skip
    bad = runner.invoke(app, ["finance", "import-repayments", str(csv_path), "--bank", "icbc-sh",
                              "--by", "icbc"])  # fmt: skip
    assert bad.exit_code == 2 and "row 3, amount_yuan" in bad.output and "nothing" in bad.output
    csv_path.write_text("loan_ref,repayment_ref,paid_on,amount_yuan\nL1,R1,2025-04-03,3000\n",
                        encoding="utf-8")  # fmt: skip
    assert "1 repayments stored" in _ok("import-repayments", str(csv_path), "--bank", "icbc-sh",
                                        "--by", "icbc")  # fmt: skip
    _ok("overdue", "--by", "o", "--on", "2025-06-10")
    early = runner.invoke(app, ["finance", "default", loan_id, "--by", "icbc", "--on",
                                "2025-06-10"])  # fmt: skip
    assert early.exit_code == 2 and "90 days" in early.output
    _ok("default", loan_id, "--by", "icbc", "--on", "2025-08-04")
    claim = json.loads(_ok("claim", loan_id, "--by", "icbc", "--on", "2025-08-05"))
    assert sum(claim["parts"].values()) == claim["loss_fen"] == 1_000_000_00
    assert claim["parts"]["compensation_fund"] == 250_000_00
    _ok("recover", loan_id, "--ref", "C1", "--amount", "100000", "--by", "icbc")
    report = json.loads(_ok("indicators"))
    net = {"compensation_fund": 225_000_00, "insurer": 405_000_00, "bank": 270_000_00}
    assert report["total"][0]["compensation_fen"] == net
    funds = json.loads(_ok("fund", "show"))
    assert funds[0]["balance_fen"] == 10_000_000_00 - 225_000_00
    out = tmp_path / "admission.csv"
    text = _ok("prescreen", "--product", "performance-loan", "--year", "2024", "--out", str(out))
    assert "1 of 2" in text and out.read_text(encoding="utf-8").count("\n") == 3
