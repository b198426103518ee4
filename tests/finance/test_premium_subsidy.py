"""The premium subsidy (免申即享) runs through the screening workflow on loan facts.

The panel has no loan columns: the run joins the sourced facts of `finance_loan_facts`, so an
enterprise that repaid its loan on time gets half its premium (capped), one that fell overdue
or has no loan gets nothing, and payment goes through the workflow's ledger books.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kechuang.domain.panel import BY_NAME, COLUMNS
from kechuang.finance import loans
from kechuang.finance.facts import history
from kechuang.finance.tables import Loan
from kechuang.ledger import trial_balance
from kechuang.policies.pack import load_pack
from kechuang.rules.scalar import evaluate
from kechuang.screening import service
from kechuang.screening.runs import start_run
from kechuang.screening.tables import Award
from kechuang.store.engine import make_engine, make_sessionmaker
from tests.finance.conftest import BANK, INSURER, OFFICER, seed_enterprises, setup_funds

ON = dt.date(2025, 1, 6)


def _loan(session: Session, uscc: str, ref: str, principal_fen: int) -> Loan:
    app = loans.Application("performance-loan", uscc, BANK, INSURER, ref, principal_fen, 6,
                            "equal_instalment")  # fmt: skip
    loan = loans.apply(session, app, BANK, ON, year=2024)
    loans.approve(session, loan.id, BANK, ON)
    loans.disburse(session, loan.id, BANK, ON)
    return loan


def _pay_all(session: Session, loan: Loan, late_seq: int | None = None) -> None:
    for row in loans.instalments(session, loan.id):
        day = row.due_on + dt.timedelta(days=5 if row.seq == late_seq else 0)
        if row.seq == late_seq:
            loans.mark_overdue(session, day, OFFICER)
        loans.repay(
            session,
            loan.id,
            f"{loan.id}-{row.seq}",
            row.principal_fen + row.interest_fen,
            BANK,
            day,
        )


def test_loan_facts_are_sourced_not_contract_columns() -> None:
    assert "loan_premium_timely_paid" in BY_NAME and "loan_premium_timely_paid" not in COLUMNS
    assert BY_NAME["loan_premium_timely_paid"].source == "finance_loan_facts"


def test_the_premium_subsidy_runs_through_the_workflow(store_env: str) -> None:
    engine: Engine = make_engine(store_env)
    from kechuang.store.migrate import upgrade

    upgrade(engine)
    usccs = seed_enterprises(engine, 4, years=(2024, 2025))
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        setup_funds(session)
        timely = _loan(session, usccs[0], "P0", 1_000_000_00)
        capped = _loan(session, usccs[1], "P1", 10_000_000_00)
        late = _loan(session, usccs[2], "P2", 1_000_000_00)
        _pay_all(session, timely)
        _pay_all(session, capped)
        _pay_all(session, late, late_seq=2)
        session.commit()
        premiums = {timely.uscc: timely.premium_fen, capped.uscc: capped.premium_fen}
        # The scalar evaluator explains one enterprise on the same facts.
        policy = load_pack().get("premium-subsidy", 2025)
        verdict = evaluate(policy, history(session.connection(), usccs[0], 2025, 2025), 2025)
        assert verdict.outcome.value == "eligible"
        assert verdict.benefit_fen == (premiums[usccs[0]] + 1) // 2 or (
            verdict.benefit_fen == premiums[usccs[0]] // 2
        )
    # An officer tries a lower cap than the illustrative 200,000 yuan: the big loan's half
    # premium (about 101,259 yuan) is cut to it.
    run_id = start_run(engine, "premium-subsidy", 2025, "officer-li",
                       sets=["premium-subsidy.annual_cap=100000"])  # fmt: skip
    with sessions() as session:
        found = {a.uscc: a for a in session.scalars(select(Award).where(Award.run_id == run_id))}
        assert sorted(found) == sorted([usccs[0], usccs[1]])
        half = Decimal(premiums[usccs[0]]) / 2
        assert abs(found[usccs[0]].eligible_fen - half) <= Decimal("0.5")
        assert found[usccs[1]].eligible_fen == 100_000_00
        service.publish(session, run_id, "officer-li", on=dt.date(2026, 3, 2))
        session.commit()
        service.approve(session, run_id, "officer-zhao", on=dt.date(2026, 3, 20))
        session.commit()
        for uscc in found:
            service.confirm_account(session, run_id, uscc, "企业", "工商银行", "6222020200112233",
                                    "enterprise", on=dt.date(2026, 3, 23))  # fmt: skip
        session.commit()
        paid = service.pay(session, run_id, "officer-li")
        assert paid.paid == 2
        assert paid.paid_fen == found[usccs[0]].allocated_fen + found[usccs[1]].allocated_fen
        assert trial_balance(session) == 0
    engine.dispose()
