"""Tech finance in Debian's Chromium (issue 20, section 2), as the people who do it.

An enterprise reads why it may apply (the admission rule, condition by condition) and applies;
the bank approves and disburses from its queue; a repayment file with one bad row is refused
with that row named and nothing stored; the loan defaults, the claim form shows the split of the
loss to the fen, the bank confirms it, and the insurer sees the same part on its own page.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from kechuang.accounts.service import create_account
from kechuang.finance import loans
from kechuang.finance.tables import Claim, Loan, Repayment
from kechuang.store.engine import make_sessionmaker, session_scope
from kechuang.web.app import create_app
from tests.finance.conftest import BANK, INSURER, START, seed_enterprises, setup_funds
from tests.web.conftest import PASSWORD, Clock, serving
from tests.web.test_browser_e2e import log_in, user_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _count(engine: Engine, table: Any) -> int:
    with make_sessionmaker(engine)() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def _submit(page: Any, form: str) -> None:
    page.click(f"{form} button[type=submit]")
    page.wait_for_load_state()


def test_apply_approve_disburse_import_default_and_claim(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, browser_page: Any
) -> None:
    monkeypatch.setenv("KECHUANG_VAR_DIR", str(tmp_path / "var"))
    (uscc,) = seed_enterprises(engine, 1)
    with session_scope(engine) as session:
        create_account(session, "icbc", PASSWORD, "bank", org=BANK)
        create_account(session, "picc", PASSWORD, "insurer", org=INSURER)
        create_account(session, "ent", PASSWORD, "enterprise", uscc=uscc)
    with make_sessionmaker(engine)() as session:
        setup_funds(session)
    app = create_app(engine)
    clock = Clock()
    clock.day = START
    app.state.clock = clock
    with serving(app) as base:
        # The enterprise: the rule's explanation, then the form of the finance.apply step.
        ent = browser_page
        log_in(ent, base, "ent")
        ent.goto(base + "/finance/apply")
        product = ent.locator("#product-performance-loan")
        assert "符合准入条件" in product.inner_text() and "✓" in product.inner_text()
        product.locator("a.button").click()
        form = "form.step-apply"
        ent.select_option(f"{form} [name=bank_org]", BANK)  # a list of the banks, by name
        ent.fill(f"{form} [name=partner_org]", INSURER)
        ent.fill(f"{form} [name=bank_ref]", "L1")
        ent.fill(f"{form} [name=principal_yuan]", "1,000,000")
        ent.fill(f"{form} [name=term_months]", "12")
        ent.select_option(f"{form} [name=method]", "interest_only")
        _submit(ent, form)
        assert ent.inner_text("#state") == "已申请"
        loan_id = int(re.sub(r"\D", "", ent.url.split("?")[0].rsplit("/", 1)[1]))

        # The bank: approve and disburse from the queue.
        bank = user_page(ent, base, "icbc")
        bank.goto(base + "/finance/queue")
        _submit(bank, f"#loan-{loan_id} form.step-approve")
        assert bank.inner_text("#state") == "已审批"
        bank.goto(base + "/finance/queue")
        _submit(bank, f"#loan-{loan_id} form.step-disburse")
        bank.goto(base + "/finance/queue")
        assert "L1" in bank.inner_text("#queue-disbursed")

        # A repayment file with one bad row: that row named, nothing stored.
        clock.day = dt.date(2025, 3, 20)
        bad = tmp_path / "repayments.csv"
        rows = "L1,R1,2025-03-19,1000.00\nL1,R2,2025-03-19,12x\n"
        bad.write_text("loan_ref,repayment_ref,received_on,amount_yuan\n" + rows, encoding="utf-8")
        bank.set_input_files("form.import-repayments [name=file]", str(bad))
        _submit(bank, "form.import-repayments")
        errors = bank.inner_text("#import-errors")
        assert "未保存任何还款" in errors and "amount_yuan" in errors and "12x" in errors
        assert _count(engine, Repayment) == 0

        # Default, then the claim form: the split to the fen before the bank confirms it.
        clock.day = dt.date(2025, 4, 10)
        with make_sessionmaker(engine)() as session:
            loans.mark_overdue(session, clock(), "officer")
            session.commit()
        clock.day = dt.date(2025, 7, 2)
        bank.goto(f"{base}/finance/loans/{loan_id}")
        _submit(bank, "form.step-default")
        rows = bank.locator("#claim-preview tr.part")
        parts = {rows.nth(i).get_attribute("data-party"): int(rows.nth(i).get_attribute("data-fen"))
                 for i in range(rows.count())}  # fmt: skip
        loss = int(bank.get_attribute("#claim-loss", "data-fen") or 0)
        assert sum(parts.values()) == loss == 1_000_000_00, parts
        _submit(bank, "form.step-claim")
        assert bank.inner_text("#state") == "已申请代偿"
        with make_sessionmaker(engine)() as session:
            claim = session.scalars(select(Claim).where(Claim.loan_id == loan_id)).one()
            assert {k: int(v) for k, v in claim.parts.items()} == parts
            assert session.get(Loan, loan_id) is not None

        # The insurer sees the same part of the loss on its own page.
        insurer = user_page(ent, base, "picc")
        insurer.goto(f"{base}/finance/loans/{loan_id}")
        assert "保险公司" in insurer.inner_text("#claim")
        assert insurer.locator("form.step-claim").count() == 0
