"""Two or more `pay` at once, each on its own connection: every enterprise is paid exactly once."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from tests.screening.population import eligible_usccs

from kechuang.ledger import entries, trial_balance
from kechuang.screening import books, service
from kechuang.screening.runs import start_run
from kechuang.screening.tables import ScreeningRun, WorkflowEvent
from kechuang.store.engine import make_sessionmaker

PAYERS = 6


def approved_and_confirmed(engine: Engine, session: Session) -> int:
    run_id = start_run(engine, "first-above-scale-reward", 2024, "officer-li")
    service.publish(session, run_id, "officer-li", on=dt.date(2025, 3, 3))
    service.approve(session, run_id, "officer-wang", on=dt.date(2025, 3, 11))
    for uscc in eligible_usccs():
        service.confirm_account(session, run_id, uscc, uscc, "中国银行", "6217000012345678",
                                uscc, on=dt.date(2025, 3, 12))  # fmt: skip
    session.commit()
    return run_id


def test_concurrent_pay_pays_each_enterprise_once(engine: Engine, session: Session) -> None:
    run_id = approved_and_confirmed(engine, session)
    sessions = make_sessionmaker(engine)
    barrier = threading.Barrier(PAYERS)

    def pay(_: int) -> service.PayResult:
        with sessions() as own:
            own.connection()  # check a connection out before the barrier: all start together
            barrier.wait(timeout=30)
            return service.pay(own, run_id, "finance-chen")

    with ThreadPoolExecutor(max_workers=PAYERS) as pool:
        results = list(pool.map(pay, range(PAYERS)))

    n = len(eligible_usccs())
    assert sum(r.paid for r in results) == n
    assert sum(r.paid_fen for r in results) == n * 200_000 * 100
    session.expire_all()
    payments = entries(session, reference=("screening_run", str(run_id)), kind="screening_payment")
    assert len(payments) == n
    pay_events = session.scalar(
        select(func.count()).select_from(WorkflowEvent).where(WorkflowEvent.event == "pay")
    )
    assert pay_events == n
    run = session.get(ScreeningRun, run_id)
    assert run is not None and run.state == "closed"
    assert trial_balance(session) == 0
    assert books.reconcile(session, run) == []
