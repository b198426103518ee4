"""The premium subsidy (免申即享, 沪科〔2025〕212号) runs through the screening workflow.

The panel has no loan columns: the run sums the windowed sourced fact of `finance_loan_charges`
over the round's window (repayments from 2024-08-01 to 2025-08-31), so an enterprise that repaid
a loan on time inside the window gets half its premium or guarantee fee (capped), one that fell
overdue, repaid outside the window, is on the serious-dishonesty list or has no loan gets nothing,
and payment goes through the workflow's ledger books.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from kechuang.domain.panel import BY_NAME, COLUMNS
from kechuang.engines.sourced import policy_window
from kechuang.enterprises.tables import annual_facts
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
from tests.finance.conftest import (
    BANK,
    GUARANTOR,
    INSURER,
    OFFICER,
    seed_enterprises,
    setup_funds,
)

ON = dt.date(2025, 1, 6)


def _loan(
    session: Session,
    uscc: str,
    ref: str,
    principal_fen: int,
    on: dt.date = ON,
    product: str = "performance-loan",
) -> Loan:
    guarantee = product != "performance-loan"
    app = loans.Application(product, uscc, BANK, GUARANTOR if guarantee else INSURER, ref,
                            principal_fen, 6, "equal_instalment",
                            tier="tier_b" if guarantee else None)  # fmt: skip
    loan = loans.apply(session, app, BANK, on, year=2024)
    loans.approve(session, loan.id, BANK, on)
    loans.disburse(session, loan.id, BANK, on)
    return loan


def _settle(session: Session, loan: Loan, day: dt.date) -> None:
    """Repay the whole loan on `day`, before its first instalment falls due (so on time)."""
    owed = sum(r.principal_fen + r.interest_fen for r in loans.instalments(session, loan.id))
    loans.repay(session, loan.id, f"{loan.id}-all", owed, BANK, day)


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
        window = policy_window(policy, 2025)
        facts = history(session.connection(), usccs[0], 2025, 2025, window)
        verdict = evaluate(policy, facts, 2025)
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


def test_the_round_window_guarantee_fees_and_the_dishonesty_list_decide(store_env: str) -> None:
    engine: Engine = make_engine(store_env)
    from kechuang.store.migrate import upgrade

    upgrade(engine)
    usccs = seed_enterprises(engine, 6, years=(2024, 2025))
    with engine.begin() as connection:
        connection.execute(
            update(annual_facts)
            .where(annual_facts.c.uscc == usccs[4], annual_facts.c.year == 2025)
            .values(dishonest_list=True)
        )
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        setup_funds(session)
        opening = _loan(session, usccs[0], "W0", 1_000_000_00, on=dt.date(2024, 7, 15))
        before = _loan(session, usccs[1], "W1", 1_000_000_00, on=dt.date(2024, 7, 15))
        late_summer = dt.date(2025, 8, 20)
        guarantee = _loan(session, usccs[2], "W2", 2_000_000_00, late_summer, "tech-guarantee-2024")
        after = _loan(session, usccs[3], "W3", 1_000_000_00, on=late_summer)
        dishonest = _loan(session, usccs[4], "W4", 1_000_000_00, on=dt.date(2025, 3, 1))
        _settle(session, opening, dt.date(2024, 8, 1))  # the window's first day: counts
        _settle(session, before, dt.date(2024, 7, 31))  # the day before: does not
        _settle(session, guarantee, dt.date(2025, 8, 31))  # a guarantee fee, the last day
        _settle(session, after, dt.date(2025, 9, 1))  # the day after: does not
        _settle(session, dishonest, dt.date(2025, 3, 3))
        session.commit()
        charges = {loan.uscc: loan.premium_fen for loan in (opening, guarantee)}
        assert guarantee.charge_kind == "guarantee_fee" and guarantee.premium_fen > 0
        policy = load_pack().get("premium-subsidy", 2025)
        window = policy_window(policy, 2025)
        assert window == (dt.date(2024, 8, 1), dt.date(2025, 8, 31))
        scalar = {}
        for uscc in usccs:
            facts = history(session.connection(), uscc, 2025, 2025, window)
            scalar[uscc] = evaluate(policy, facts, 2025, gaps=False)
    expected = {
        usccs[0]: ("eligible", []),
        usccs[1]: ("ineligible", ["charge_paid_on_timely_loan"]),
        usccs[2]: ("eligible", []),
        usccs[3]: ("ineligible", ["charge_paid_on_timely_loan"]),
        usccs[4]: ("ineligible", ["not_dishonest_list"]),
        usccs[5]: ("ineligible", ["charge_paid_on_timely_loan"]),
    }
    for uscc, (outcome, unmet) in expected.items():
        assert (scalar[uscc].outcome.value, list(scalar[uscc].unmet)) == (outcome, unmet), uscc
    run_id = start_run(engine, "premium-subsidy", 2025, "officer-li")
    with sessions() as session:
        awards = {a.uscc: a for a in session.scalars(select(Award).where(Award.run_id == run_id))}
    assert sorted(awards) == sorted(charges)
    for uscc, fen in charges.items():
        assert scalar[uscc].benefit_fen == awards[uscc].eligible_fen
        assert abs(awards[uscc].eligible_fen - Decimal(fen) / 2) <= Decimal("0.5")
    # An officer widens the window by a day: the loan settled on 2024-07-31 now counts.
    wider = start_run(engine, "premium-subsidy", 2025, "officer-li",
                      sets=["premium-subsidy.window_from=2024-07-31"])  # fmt: skip
    with sessions() as session:
        found = {a.uscc for a in session.scalars(select(Award).where(Award.run_id == wider))}
    assert found == {*charges, usccs[1]}
    engine.dispose()
