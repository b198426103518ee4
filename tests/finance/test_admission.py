"""The admission rule: the SQL pre-screening list and the scalar explanation agree, per enterprise;
a bank's loans import from .xlsx as from CSV."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kechuang.enterprises.snapshot import write_snapshot
from kechuang.finance.facts import admit, prescreen
from kechuang.finance.importer import LOAN_COLUMNS, import_loans
from kechuang.finance.products import get_product
from kechuang.finance.tables import Loan
from tests.finance.conftest import BANK, INSURER, OFFICER, seed_enterprises, setup_funds


def test_sql_prescreening_agrees_with_the_scalar_explanation(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    usccs = seed_enterprises(engine, 9, failing=(2, 5, 7))
    snapshot, _ = write_snapshot(engine, tmp_path / "panel.parquet")
    rule = get_product("performance-loan").admission
    listed = {u: (outcome, unmet) for u, outcome, unmet in prescreen(snapshot, rule, 2024)}
    assert sorted(listed) == sorted(usccs)
    for uscc in usccs:
        verdict = admit(session.connection(), rule, uscc, 2024)
        assert verdict is not None
        assert listed[uscc] == (verdict.outcome, ";".join(verdict.verdict.unmet)), uscc
    assert sum(o == "eligible" for o, _ in listed.values()) == 6


def test_loans_import_from_xlsx(engine: Engine, session: Session, tmp_path: Path) -> None:
    usccs = seed_enterprises(engine, 2)
    setup_funds(session)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(LOAN_COLUMNS))
    for n, uscc in enumerate(usccs):
        sheet.append([f"X{n}", "performance-loan", uscc, INSURER, 300000 + n, 12,
                      "equal_instalment", dt.date(2025, 3, 1), dt.date(2025, 3, 3)])  # fmt: skip
    path = tmp_path / "loans.xlsx"
    book.save(path)
    report = import_loans(session, path, BANK, OFFICER, dt.date(2025, 6, 1))
    assert report.ok, report.errors
    session.commit()
    stored = session.query(Loan).order_by(Loan.bank_ref).all()
    assert [(loan.bank_ref, loan.state, loan.principal_fen) for loan in stored] == [
        ("X0", "disbursed", 300000_00), ("X1", "disbursed", 300001_00)]  # fmt: skip
    # The file's days are replayed history, in the officer's name.
    assert {(loan.disbursed_on, loan.live_since) for loan in stored} == {
        (dt.date(2025, 3, 3), None)
    }
