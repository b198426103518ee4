"""A compensation claim in Debian's Chromium, as the three parties do it (issue 20).

A default leads to a claim: the bank files it from the loan page, the split shown to the fen
first; the insurer confirms and pays its part from its own page; the officer sees the fund's
capacity and floor and the claim waiting, and approves: the fund pays. The three parts sum to
the loss to the fen, as each page shows them. Every finance page fits a 390 px phone.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from kechuang.accounts.service import create_account
from kechuang.finance import loans
from kechuang.finance.tables import Claim, Loan
from kechuang.store.engine import make_sessionmaker, session_scope
from kechuang.web.app import create_app
from tests.finance.conftest import BANK, FUND, INSURER, START, seed_enterprises, setup_funds
from tests.web.conftest import PASSWORD, Clock, browser_page, serving  # noqa: F401
from tests.web.test_browser_e2e import log_in, user_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}


def _submit(page: Any, form: str) -> None:
    page.click(f"{form} button[type=submit]")
    page.wait_for_load_state()


def _parts(page: Any, table: str) -> dict[str, int]:
    rows = page.locator(f"{table} tr.part")
    return {str(rows.nth(i).get_attribute("data-party")): int(rows.nth(i).get_attribute("data-fen"))
            for i in range(rows.count())}  # fmt: skip


def _defaulted_loan(engine: Engine) -> int:
    (uscc,) = seed_enterprises(engine, 1)
    with make_sessionmaker(engine)() as session:
        setup_funds(session)
        app = loans.Application("performance-loan", uscc, BANK, INSURER, "L1", 1_000_000_01, 12,
                                "interest_only")  # fmt: skip
        loan = loans.apply(session, app, BANK, START)
        loans.approve(session, loan.id, BANK, START)
        loans.disburse(session, loan.id, BANK, START)
        loans.mark_overdue(session, dt.date(2025, 4, 10), "officer")
        session.commit()
        return loan.id


def test_a_default_is_claimed_confirmed_paid_and_compensated_to_the_fen(
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    browser_page: Any,  # noqa: F811
) -> None:
    monkeypatch.setenv("KECHUANG_VAR_DIR", str(tmp_path / "var"))
    loan_id = _defaulted_loan(engine)
    with session_scope(engine) as session:
        create_account(session, "icbc", PASSWORD, "bank", org=BANK)
        create_account(session, "picc", PASSWORD, "insurer", org=INSURER)
        create_account(session, "wang", PASSWORD, "officer")
    app = create_app(engine)
    clock = Clock()
    clock.day = dt.date(2025, 7, 2)
    app.state.clock = clock
    with serving(app) as base:
        # The bank declares the default; the claim form shows the split before it is filed.
        bank = browser_page
        log_in(bank, base, "icbc")
        bank.goto(f"{base}/finance/loans/{loan_id}")
        _submit(bank, "form.step-default")
        preview = _parts(bank, "#claim-preview")
        loss = int(bank.get_attribute("#claim-loss", "data-fen") or 0)
        assert sum(preview.values()) == loss == 1_000_000_01, preview
        _submit(bank, "form.step-claim")
        assert bank.inner_text("#state") == "已申请代偿"
        with make_sessionmaker(engine)() as session:
            claim_id = session.scalars(select(Claim.id)).one()

        # The insurer: its part to the fen beside the forms, confirm then pay.
        insurer = user_page(bank, base, "picc")
        insurer.goto(f"{base}/finance/partner")
        table = f"#claim-parts-{claim_id}"
        assert _parts(insurer, table) == preview
        assert insurer.locator(f"#claim-{claim_id} form.step-pay").count() == 0
        _submit(insurer, f"#claim-{claim_id} form.step-confirm")
        assert insurer.inner_text("#claim-state") == "已确认"
        _submit(insurer, "form.step-pay")
        assert insurer.inner_text("#claim-state") == "分担方已付"

        # The officer: the fund's capacity and floor, the claim waiting, approve.
        officer = user_page(bank, base, "wang")
        officer.goto(f"{base}/officer/finance/fund")
        assert officer.locator("#fund-capacity tbody tr").count() >= 1
        assert _parts(officer, table) == preview
        cash_before = int(officer.get_attribute(f"#fund-{FUND} .fund-cash", "data-fen") or 0)
        _submit(officer, f"#claim-{claim_id} form.step-approve")
        assert officer.inner_text("#claim-state") == "已代偿"
        shown = _parts(officer, table)
        assert sum(shown.values()) == loss and shown == preview
        officer.goto(f"{base}/officer/finance/fund")
        cash_after = int(officer.get_attribute(f"#fund-{FUND} .fund-cash", "data-fen") or 0)
        assert cash_before - cash_after == shown["compensation_fund"]
        with make_sessionmaker(engine)() as session:
            loan = session.get(Loan, loan_id)
            assert loan is not None and loan.state == "compensated"

        # Every finance page fits a 390 px phone, in both languages.
        pages = [(bank, "/finance/queue"), (bank, "/finance/loans"),
                 (bank, f"/finance/loans/{loan_id}"), (bank, "/finance"),
                 (insurer, "/finance/partner"), (insurer, f"/finance/claims/{claim_id}"),
                 (officer, "/officer/finance/fund"), (officer, "/officer/finance/fof"),
                 (officer, "/finance")]  # fmt: skip
        for page, path in pages:
            page.set_viewport_size(PHONE)
            for lang in ("zh", "en"):
                page.goto(f"{base}{path}?lang={lang}")
                width = page.evaluate("document.scrollingElement.scrollWidth")
                assert width <= PHONE["width"], (path, lang, width)
