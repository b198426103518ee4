"""Write locks that make posting safe when several processes post at once.

PostgreSQL (READ COMMITTED): the rows of the floored accounts an entry draws on are locked
with SELECT ... FOR NO KEY UPDATE, in id order so that two entries never wait on each other in
a cycle; the balance read after the lock then sees every committed posting. NO KEY UPDATE
(not plain FOR UPDATE) because inserting a posting takes a KEY SHARE lock on its account
through the foreign key: plain FOR UPDATE would make a transfer into a locked fund wait, and
two opposite transfers between floored funds deadlock.

SQLite: writers are serialised by the database lock, but a transaction that reads before it
writes (DEFERRED, the default) can fail with SQLITE_BUSY_SNAPSHOT when another writer commits in
between, and a SAVEPOINT outside a transaction would commit on release. So the posting
transaction starts with BEGIN IMMEDIATE, taking the write lock before anything is read.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.ledger.tables import LedgerAccount


def begin_write(session: Session) -> None:
    """On SQLite, make the session's transaction hold the write lock (no-op elsewhere)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    dbapi_connection = connection.connection.dbapi_connection
    # pysqlite (legacy transaction control) opens a transaction only before a write, so one
    # already open has written and holds the write lock; otherwise take it now. The
    # busy_timeout pragma makes this wait for the current writer instead of failing.
    if dbapi_connection is not None and not dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def lock_accounts(session: Session, account_ids: Collection[int]) -> None:
    """Hold the write lock on these accounts until the session's transaction ends."""
    begin_write(session)
    if not account_ids or session.get_bind().dialect.name == "sqlite":
        return
    session.execute(
        select(LedgerAccount.id)
        .where(LedgerAccount.id.in_(sorted(account_ids)))
        .order_by(LedgerAccount.id)
        .with_for_update(key_share=True)
    ).all()
