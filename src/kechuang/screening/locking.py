"""Row locks for workflow actions, so that two officers (or two `pay` processes) never both act.

PostgreSQL: SELECT ... FOR UPDATE on the run or award row, held to the end of the transaction;
the second process waits, then re-reads the state the first one left.
SQLite: writers are serialised by the database lock; BEGIN IMMEDIATE takes it before the state
is read, so the state read is the state written over (same reasoning as ledger.locking).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.screening.errors import NotFound
from kechuang.screening.tables import Award, ScreeningRun


def begin_write(session: Session) -> None:
    """On SQLite, make the session's transaction hold the write lock now (no-op elsewhere)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection is not None and not dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def locked_run(session: Session, run_id: int) -> ScreeningRun:
    """The run, locked for this transaction and read fresh."""
    begin_write(session)
    run = session.scalars(
        select(ScreeningRun)
        .where(ScreeningRun.id == run_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if run is None:
        raise NotFound(f"no screening run {run_id}")
    return run


def locked_award(session: Session, award_id: int) -> Award:
    """The award, locked for this transaction and read fresh."""
    begin_write(session)
    award = session.scalars(
        select(Award)
        .where(Award.id == award_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return award
