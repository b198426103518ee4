"""The daily job of tech finance: loans move along their schedule without anyone remembering to.

`tick(session, today)` does what the schedule says is already true on `today` (the server's
clock): a disbursed loan with an instalment unpaid after its due date falls overdue
(finance.loans.mark_overdue), and an overdue loan whose oldest unpaid instalment is the
product's default days past due defaults (finance.loans.declare_default), which starts its
claim deadline. Both are recorded as live steps of `ACTOR` on `today`, each in the loan's
history, and the run leaves one audit row with what it moved. Run daily
(`kechuang finance tick`, from cron or a timer) and at the start of `kechuang serve`; a second
run on the same day moves nothing.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from kechuang.accounts import audit
from kechuang.finance import loans
from kechuang.finance.errors import FinanceError
from kechuang.finance.products import ProductError
from kechuang.finance.tables import Loan
from kechuang.workflow import clock

ACTOR = "system:finance-tick"


@dataclass(frozen=True)
class Ticked:
    """What one run moved: loans fallen overdue, loans defaulted."""

    day: dt.date
    overdue: int
    defaulted: list[int]


def tick(session: Session, today: dt.date) -> Ticked:
    """Move every loan to the state its schedule says it is in on `today` (no commit)."""
    overdue = loans.mark_overdue(session, today, ACTOR)
    defaulted: list[int] = []
    for loan_id in session.scalars(
        select(Loan.id).where(Loan.state == "overdue").order_by(Loan.id)
    ):
        loan = loans.locked_loan(session, loan_id)
        if loan.state != "overdue" or today < loans.last_day(session, loan):
            continue
        try:
            # Refused (before it changes anything) until the product's default days have passed.
            loans.declare_default(session, loan_id, ACTOR, today)
        except (FinanceError, ProductError):
            continue
        defaulted.append(loan_id)
    if overdue or defaulted:
        audit.record(session, ACTOR, "finance.tick", "loans", today.isoformat(), None,
                     {"overdue": overdue, "defaulted": defaulted})  # fmt: skip
    return Ticked(today, overdue, defaulted)


def run(engine: Engine, today: dt.date | None = None) -> Ticked:
    """One tick in its own transaction."""
    from kechuang.store.engine import session_scope

    with session_scope(engine) as session:
        return tick(session, today or clock.today())


def start_daily(engine: Engine) -> threading.Thread:
    """Tick again at each new day of the server's clock, in a daemon thread (the caller ticks
    at start-up)."""

    def loop() -> None:
        last = clock.today()
        stop = threading.Event()
        while not stop.is_set():
            day = clock.today()
            if day != last:
                try:
                    run(engine, day)
                    last = day
                except SQLAlchemyError:  # the store is away: try again at the next wake-up
                    pass
            stop.wait(600)

    thread = threading.Thread(target=loop, name="finance-tick", daemon=True)
    thread.start()
    return thread
