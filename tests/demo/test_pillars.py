"""`kechuang demo pillars` seeds every pillar through the services, and a second run adds nothing.

The population: a small generated panel plus the constructed screening population (five
enterprises eligible for first-above-scale-reward in 2024), imported by the real importer.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from kechuang.accounts.tables import AuditEntry
from kechuang.demo.pillars import FINANCE, seed_pillars
from kechuang.enterprises.generator import write_panel
from kechuang.enterprises.importer import import_panel
from kechuang.finance.tables import Claim, Loan, LoanEvent, Recovery, Repayment
from kechuang.ledger import trial_balance
from kechuang.ledger.tables import LedgerEntry
from kechuang.screening.tables import Award, Objection, ScreeningRun
from kechuang.store.engine import make_engine, make_sessionmaker
from kechuang.store.migrate import upgrade
from kechuang.transfer.tables import Deal, DealIncome, Demand, Empowerment, Result
from tests.screening.population import import_population

TABLES = (ScreeningRun, Award, Objection, Loan, Repayment, Claim, Recovery, Result, Empowerment,
          Deal, DealIncome, Demand, LedgerEntry)  # fmt: skip


def _counts(session: Session) -> dict[str, int]:
    return {t.__name__: session.scalar(select(func.count()).select_from(t)) or 0 for t in TABLES}


def _population(engine: Engine, tmp_path: Path) -> None:
    panel = tmp_path / "panel.parquet"
    write_panel(panel, 300, [2023, 2024], 2024)
    import_panel(panel, engine)
    import_population(engine, tmp_path)


def test_demo_pillars_seed_each_pillar_once(store_env: str, tmp_path: Path) -> None:
    engine = make_engine(store_env)
    try:
        upgrade(engine)
        _population(engine, tmp_path)
        first = seed_pillars(engine, seed=7, loans=16, results=8)
        assert first.added() > 0 and not first.skipped
        with make_sessionmaker(engine)() as session:
            counts = _counts(session)
            states = dict(
                session.execute(select(Award.state, func.count()).group_by(Award.state)).all()
            )
            loan_states = dict(
                session.execute(select(Loan.state, func.count()).group_by(Loan.state)).all()
            )
            products = session.scalar(select(func.count(func.distinct(Loan.product_id))))
            kinds = set(session.scalars(select(Deal.kind)))
            run = session.scalars(select(ScreeningRun)).one()
            assert run.state == "closed" and run.published_by != run.approved_by
            # The 2024 run is paid in 2024: every payment's value date is in that year.
            assert run.budget_year == 2024
            value_dates = set(
                session.scalars(select(Award.value_date).where(Award.state == "paid"))
            )
            assert value_dates and all(d is not None and d.year == 2024 for d in value_dates)
            assert trial_balance(session) == 0
            # The loans' past days are an officer's audited replay, never a bank's choice.
            replayers = set(session.scalars(select(LoanEvent.replayed_by).distinct()))
            replayers |= set(session.scalars(select(Repayment.replayed_by).distinct()))
            assert replayers == {FINANCE}
            assert session.scalar(select(func.count()).where(Loan.live_since.is_not(None))) == 0
            audited = session.scalars(
                select(AuditEntry).where(AuditEntry.action == "finance.disburse")
            ).all()
            disbursed = select(func.count()).where(Loan.disbursed_on.is_not(None))
            assert len(audited) == session.scalar(disbursed) > 0
            assert all(a.after and a.after["replayed_by"] == FINANCE for a in audited)
        # Payments: objections decided, most awards confirmed and paid through the ledger.
        assert counts["Objection"] >= 1 and states.get("paid", 0) >= 3
        # Loans: both products, repayments, an overdue loan compensated.
        assert counts["Loan"] >= 10 and products == 2 and counts["Repayment"] > 0
        assert counts["Claim"] >= 1 and loan_states.get("repaid", 0) > 0
        # Transfer: results, 赋权, licence, transfer and equity deals with income; demands.
        assert counts["Result"] == 8 and counts["Empowerment"] >= 1
        assert {"licence", "transfer", "equity_investment"} <= kinds
        assert counts["DealIncome"] >= 3 and counts["Demand"] > 0

        second = seed_pillars(engine, seed=7, loans=16, results=8)
        assert second.added() == 0
        assert sorted(second.skipped) == ["loans", "payments", "transfer"]
        with make_sessionmaker(engine)() as session:
            assert _counts(session) == counts
    finally:
        engine.dispose()
