"""The daily job moves loans along their schedules (issue 20): `kechuang finance tick`.

The demo's loans (kechuang demo pillars) are repaid on schedule up to yesterday, except a few
that stopped paying in 2025: on the day it runs, the job finds exactly those late, moves the
disbursed ones overdue and defaults those past the product's default days; a second run the
same day moves nothing, and every page and API then shows the true state.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from kechuang.accounts.tables import AuditEntry
from kechuang.demo.pillars import seed_pillars
from kechuang.finance import loans
from kechuang.finance.tables import Loan, LoanEvent
from kechuang.finance.tick import ACTOR, run
from kechuang.store.engine import make_engine, make_sessionmaker
from kechuang.store.migrate import upgrade
from kechuang.workflow import clock
from tests.demo.test_pillars import _population


def _late(session: object, loan: Loan, today: dt.date) -> list[object]:
    rows = loans.instalments(session, loan.id)  # type: ignore[arg-type]
    return [r for r in rows if r.due_on < today and r.paid_on is None]


@pytest.mark.slow
def test_the_daily_job_moves_late_loans_and_only_them(store_env: str, tmp_path: Path) -> None:
    engine = make_engine(store_env)
    try:
        upgrade(engine)
        _population(engine, tmp_path)
        seed_pillars(engine, seed=11, loans=60, results=0)
        today = clock.today()
        with make_sessionmaker(engine)() as session:
            before = {loan.id: loan.state for loan in session.scalars(select(Loan))}
            late = {
                loan.id for loan in session.scalars(select(Loan))
                if loan.state in ("disbursed", "overdue") and _late(session, loan, today)
            }  # fmt: skip
        assert late, "the demo has loans that stopped paying"
        done = run(engine, today)
        assert done.overdue + len(done.defaulted) > 0
        with make_sessionmaker(engine)() as session:
            after = {loan.id: loan for loan in session.scalars(select(Loan))}
            moved = {i for i, loan in after.items() if loan.state != before[i]}
            assert moved <= late  # nothing that pays on schedule moves
            for i in late:
                # Late since 2025: past every product's 90 days, so defaulted today.
                assert after[i].state == "defaulted", (i, before[i], after[i].state)
                assert after[i].defaulted_on == today and after[i].claim_deadline is not None
            steps = session.scalars(select(LoanEvent).where(LoanEvent.actor == ACTOR)).all()
            assert {s.loan_id for s in steps} == moved and all(s.on == today for s in steps)
            assert session.scalars(
                select(AuditEntry).where(AuditEntry.action == "finance.tick")
            ).one().after == {"overdue": done.overdue, "defaulted": done.defaulted}
        again = run(engine, today)
        assert again.overdue == 0 and again.defaulted == []
    finally:
        engine.dispose()
