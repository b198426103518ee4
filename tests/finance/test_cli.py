"""`kechuang finance ...` as a bank and an officer script it.

A bank's steps happen today; only an officer may replay a past day (`--on`, `import-loans`),
every replay is audited with the real time, and a replay keeps every period and deadline. The
steps' options are their API fields (kechuang.finance.steps), amounts in yuan (`--<x>-yuan`).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from kechuang.accounts.service import create_account
from kechuang.accounts.tables import AuditEntry
from kechuang.cli import app
from kechuang.finance.dating import today
from kechuang.finance.tables import Claim, Loan, LoanEvent, Recovery, Repayment
from kechuang.store.engine import make_engine, make_sessionmaker, session_scope
from kechuang.store.migrate import upgrade
from tests.finance.conftest import seed_enterprises

runner = CliRunner()
OFFICER = "officer-li"
CLERK = "icbc-clerk"


def _ok(*args: str) -> str:
    result = runner.invoke(app, ["finance", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _refused(*args: str) -> str:
    result = runner.invoke(app, ["finance", *args])
    assert result.exit_code == 2, result.output
    return " ".join(result.output.split())


def _world(store_env: str, enterprises: int = 2) -> list[str]:
    """A migrated store with enterprises (the second fails admission), an officer and a clerk."""
    engine = make_engine(store_env)
    upgrade(engine)
    usccs = seed_enterprises(engine, enterprises, failing=(1,))
    with session_scope(engine) as session:
        create_account(session, OFFICER, "officer password 42", "officer")
        create_account(session, CLERK, "clerk password 42 ok", "bank", org="icbc-sh")
    engine.dispose()
    return usccs


def _shown(output: str) -> dict[str, str]:
    """The `field: value` lines a step command prints after `<step>: done`."""
    assert ": done" in output, output
    return dict(line.strip().split(": ", 1) for line in output.splitlines()[1:] if ": " in line)


def _apply(uscc: str, ref: str, by: str, *on: str) -> dict[str, str]:
    return _shown(_ok("apply", "--product-id", "performance-loan", "--uscc", uscc,
                      "--bank-org", "icbc-sh", "--partner-org", "picc-sh", "--bank-ref", ref,
                      "--principal-yuan", "1000000", "--term-months", "3", "--method",
                      "interest_only", "--facts-year", "2024", "--by", by, *on))  # fmt: skip


def _read(store_env: str, query: object) -> list[object]:
    engine = make_engine(store_env)
    try:
        with make_sessionmaker(engine)() as session:
            return list(session.scalars(query))  # type: ignore[call-overload]
    finally:
        engine.dispose()


def test_a_loan_replayed_by_an_officer_from_fund_to_recovery(store_env: str) -> None:
    usccs = _world(store_env)
    _ok("fund", "create", "--product-id", "performance-loan", "--size-yuan", "10000000", "--by",
        OFFICER, "--on", "2025-01-02")  # fmt: skip
    loan = _apply(usccs[0], "L1", OFFICER, "--on", "2025-03-03")
    assert loan["state"] == "applied"
    refused = _apply(usccs[1], "L2", OFFICER, "--on", "2025-03-03")
    assert refused["state"] == "refused"
    loan_id = str(loan["id"])
    _ok("approve", loan_id, "--by", OFFICER, "--on", "2025-03-03")
    _ok("disburse", loan_id, "--by", OFFICER, "--on", "2025-03-03")
    _ok("repay", loan_id, "--ref", "R1", "--amount-yuan", "3000", "--by", OFFICER, "--on",
        "2025-04-03")  # fmt: skip
    _ok("overdue", "--by", OFFICER, "--on", "2025-06-10")
    # The 90 overdue days count on the replayed days: a replay cannot skip them.
    assert "90 days" in _refused("default", loan_id, "--by", OFFICER, "--on", "2025-06-10")
    _ok("default", loan_id, "--by", OFFICER, "--on", "2025-08-04")
    # Nor the claim deadline (20 working days after Monday 4 August 2025: Monday 1 September),
    # nor go back before the last recorded day.
    assert "claimed by 2025-09-01" in _refused("claim", loan_id, "--by", OFFICER, "--on",
                                               "2025-09-02")  # fmt: skip
    assert "before its last recorded day" in _refused("claim", loan_id, "--by", OFFICER, "--on",
                                                      "2025-08-01")  # fmt: skip
    assert _shown(_ok("claim", loan_id, "--by", OFFICER, "--on", "2025-08-05"))["state"] == (
        "claimed"
    )
    claim_id = str(_read(store_env, select(Claim))[0].id)
    # The fund pays only after the insurer confirmed and paid its part (replayed from paper).
    assert "allowed now: confirm, dispute, refuse" in _refused(
        "claims", "approve", claim_id, "--by", OFFICER, "--on", "2025-08-06"
    )
    for verb in ("confirm", "pay", "approve"):
        _ok("claims", verb, claim_id, "--by", OFFICER, "--on", "2025-08-06")
    claim = _read(store_env, select(Claim))[0]
    assert claim.state == "paid"
    assert isinstance(claim, Claim)
    assert sum(claim.parts.values()) == claim.loss_fen == 1_000_000_00
    assert claim.parts["compensation_fund"] == 250_000_00
    # The bank records a recovery today: the loan is live from now on, so no more replays.
    _ok("recover", loan_id, "--ref", "C1", "--amount-yuan", "100000", "--received-on",
        "2025-10-15", "--by", CLERK)  # fmt: skip
    assert "recorded live" in _refused("close", loan_id, "--reason", "done", "--by", OFFICER,
                                       "--on", "2025-12-01")  # fmt: skip
    report = json.loads(_ok("indicators"))
    net = {"compensation_fund": 225_000_00, "insurer": 405_000_00, "bank": 270_000_00}
    assert report["total"][0]["compensation_fen"] == net
    funds = json.loads(_ok("fund", "show"))
    assert funds[0]["balance_fen"] == 10_000_000_00 - 225_000_00

    stored = _read(store_env, select(Loan).where(Loan.id == int(loan_id)))[0]
    assert isinstance(stored, Loan) and stored.live_since == today()
    recovery = _read(store_env, select(Recovery))[0]
    assert isinstance(recovery, Recovery)
    assert (recovery.received_on, recovery.recorded_on) == (dt.date(2025, 10, 15), today())
    assert recovery.recorded_by == CLERK and recovery.replayed_by is None
    events = _read(store_env, select(LoanEvent).where(LoanEvent.loan_id == int(loan_id)))
    assert {e.replayed_by for e in events if isinstance(e, LoanEvent)} == {OFFICER}
    # Every replay is in the audit log: that it was one, the day, and the real moment.
    audits = [a for a in _read(store_env, select(AuditEntry).order_by(AuditEntry.id))
              if isinstance(a, AuditEntry) and a.action.startswith("finance.")]  # fmt: skip
    replays = [a for a in audits if a.after and a.after.get("replay_on")]
    assert {a.action for a in replays} >= {"finance.fund.create", "finance.apply",
                                           "finance.disburse", "finance.claim"}  # fmt: skip
    disbursed = next(a for a in replays if a.action == "finance.disburse")
    assert disbursed.actor == OFFICER and disbursed.after is not None
    assert disbursed.after["replay_on"] == "2025-03-03"
    assert disbursed.before == {"state": "approved"} and disbursed.after["state"] == "disbursed"
    assert disbursed.at.date() >= today() - dt.timedelta(1)
    recovered = next(a for a in audits if a.action == "finance.recover")
    assert recovered.after is not None and "replay_on" not in recovered.after


@pytest.mark.parametrize(
    ("who", "reason"), [(CLERK, "only an officer"), ("nobody-at-all", "no active account")]
)
def test_a_past_day_by_anyone_but_an_officer_is_refused_and_changes_nothing(
    store_env: str, who: str, reason: str
) -> None:
    usccs = _world(store_env)
    _ok("fund", "create", "--product-id", "performance-loan", "--size-yuan", "10000000", "--by",
        OFFICER)  # fmt: skip
    result = runner.invoke(app, ["finance", "apply", "--product-id", "performance-loan", "--uscc",
                                 usccs[0], "--bank-org", "icbc-sh", "--partner-org", "picc-sh",
                                 "--bank-ref", "L1", "--principal-yuan", "1000000",
                                 "--term-months", "3", "--by", who,
                                 "--on", "2020-01-06"])  # fmt: skip
    assert result.exit_code == 2 and reason in " ".join(result.output.split())
    assert _read(store_env, select(Loan)) == []
    loan = _apply(usccs[0], "L1", CLERK)
    assert "only an officer" in _refused("approve", str(loan["id"]), "--by", CLERK, "--on",
                                         "2020-01-07")  # fmt: skip
    stored = _read(store_env, select(Loan))[0]
    assert isinstance(stored, Loan)
    assert stored.state == "applied" and stored.applied_on == today() == stored.live_since


def test_a_replay_in_the_future_is_refused(store_env: str) -> None:
    _world(store_env)
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    refused = _refused("fund", "create", "--product-id", "performance-loan", "--size-yuan", "10",
                       "--by", OFFICER, "--on", tomorrow)  # fmt: skip
    assert "in the future" in refused


def test_imported_loans_are_an_officers_replay(store_env: str, tmp_path: Path) -> None:
    usccs = _world(store_env)
    _ok("fund", "create", "--product-id", "performance-loan", "--size-yuan", "10000000", "--by",
        OFFICER)  # fmt: skip
    path = tmp_path / "loans.csv"
    head = "bank_ref,product_id,uscc,partner_org,principal_yuan,term_months,method,applied_on,"
    future = (today() + dt.timedelta(days=3)).isoformat()
    path.write_text(f"{head}disbursed_on\n"
                    f"L1,performance-loan,{usccs[0]},picc-sh,500000,12,interest_only,"
                    f"2025-03-01,{future}\n", encoding="utf-8")  # fmt: skip
    refused = _refused("import-loans", str(path), "--bank", "icbc-sh", "--by", CLERK)
    assert "only an officer" in refused
    assert "disbursed_on" in _refused("import-loans", str(path), "--bank", "icbc-sh", "--by",
                                      OFFICER)  # fmt: skip
    path.write_text(f"{head}disbursed_on\n"
                    f"L1,performance-loan,{usccs[0]},picc-sh,500000,12,interest_only,"
                    "2025-03-01,2025-03-03\n", encoding="utf-8")  # fmt: skip
    assert "1 loans stored" in _ok("import-loans", str(path), "--bank", "icbc-sh", "--by",
                                   OFFICER)  # fmt: skip
    loan = _read(store_env, select(Loan))[0]
    assert isinstance(loan, Loan) and loan.disbursed_on == dt.date(2025, 3, 3)
    assert loan.live_since is None
    audits = _read(store_env, select(AuditEntry).where(AuditEntry.action == "finance.import_loan"))
    assert len(audits) == 1 and isinstance(audits[0], AuditEntry) and audits[0].actor == OFFICER


def test_imported_repayments_are_recorded_today_with_their_received_day(
    store_env: str, tmp_path: Path
) -> None:
    usccs = _world(store_env)
    _ok("fund", "create", "--product-id", "performance-loan", "--size-yuan", "10000000", "--by",
        OFFICER)  # fmt: skip
    loan_id = str(_apply(usccs[0], "L1", OFFICER, "--on", "2025-03-03")["id"])
    _ok("approve", loan_id, "--by", OFFICER, "--on", "2025-03-03")
    _ok("disburse", loan_id, "--by", OFFICER, "--on", "2025-03-05")
    path = tmp_path / "repayments.csv"
    future = (today() + dt.timedelta(days=1)).isoformat()
    path.write_text("loan_ref,repayment_ref,received_on,amount_yuan\nL1,R1,2025-03-04,3000\n"
                    f"L1,R2,{future},3000\n", encoding="utf-8")  # fmt: skip
    bad = _refused("import-repayments", str(path), "--bank", "icbc-sh", "--by", CLERK)
    assert "row 2" in bad and "before the loan's disbursement" in bad and "nothing" in bad
    assert _read(store_env, select(Repayment)) == []
    path.write_text("loan_ref,repayment_ref,paid_on,amount_yuan\nL1,R1,2025-04-05,3000\n",
                    encoding="utf-8")  # fmt: skip
    assert "paid_on is now received_on" in _refused("import-repayments", str(path), "--bank",
                                                    "icbc-sh", "--by", CLERK)  # fmt: skip
    # The first instalment (interest at 4.35% from 5 March to 5 April), received on its due day.
    path.write_text("loan_ref,repayment_ref,received_on,amount_yuan\nL1,R1,2025-04-05,3694.52\n",
                    encoding="utf-8")  # fmt: skip
    assert "1 repayments stored" in _ok("import-repayments", str(path), "--bank", "icbc-sh",
                                        "--by", CLERK)  # fmt: skip
    repayment = _read(store_env, select(Repayment))[0]
    assert isinstance(repayment, Repayment)
    assert (repayment.received_on, repayment.recorded_on) == (dt.date(2025, 4, 5), today())
    assert repayment.recorded_by == CLERK and repayment.replayed_by is None
    # Recorded after its due date: the instalment counts as paid late, whatever was received.
    loan = _read(store_env, select(Loan))[0]
    assert isinstance(loan, Loan) and loan.ever_overdue and loan.live_since == today()
