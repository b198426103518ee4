"""Migrating a test database to head once per process and dialect, then replaying its SQL.

Nearly every store test starts from an empty database that `kechuang.store.migrate.upgrade` brings
to head: the whole chain of Alembic revisions, about three seconds a test on SQLite or PostgreSQL.
The chain is deterministic on an empty database, so the first such upgrade in a process runs
Alembic for real while recording every statement the driver executes (with its parameters), and
later ones replay those statements on the new database's own connection, in the same transaction
`upgrade` opened. The result is the same schema, the same seed rows and the same alembic_version,
built by the same SQL in a fraction of the time.

Only an upgrade to "head" of a database without tables is replayed; anything else (a revision
below head, a database already partly migrated, offline mode) runs Alembic as usual. Each dialect
is recorded from its own first run, so SQLite's batch copies and PostgreSQL's ALTERs stay apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from alembic.config import Config
from sqlalchemy import Connection, event, inspect


@dataclass(frozen=True)
class Statement:
    sql: str
    parameters: Any
    executemany: bool
    no_parameters: bool


@dataclass
class Replayer:
    """Wraps alembic.command.upgrade: records the first upgrade to head per dialect, replays it."""

    real_upgrade: Callable[..., None]
    recorded: dict[str, list[Statement]] = field(default_factory=dict)

    def upgrade(self, config: Config, revision: str, *args: Any, **kwargs: Any) -> None:
        connection = config.attributes.get("connection")
        if (
            revision != "head"
            or args
            or kwargs
            or not isinstance(connection, Connection)
            or not _empty(connection)
        ):
            self.real_upgrade(config, revision, *args, **kwargs)
            return
        dialect = connection.dialect.name
        statements = self.recorded.get(dialect)
        if statements is None:
            self.recorded[dialect] = self._record(connection, config, revision)
        else:
            _replay(connection, statements)

    def _record(self, connection: Connection, config: Config, revision: str) -> list[Statement]:
        statements: list[Statement] = []

        def before(
            _conn: Connection,
            _cursor: Any,
            sql: str,
            parameters: Any,
            context: Any,
            executemany: bool,
        ) -> None:
            no_parameters = bool(context is not None and context.no_parameters)
            statements.append(Statement(sql, parameters, executemany, no_parameters))

        event.listen(connection, "before_cursor_execute", before)
        try:
            self.real_upgrade(config, revision)
        finally:
            event.remove(connection, "before_cursor_execute", before)
        return statements


def _empty(connection: Connection) -> bool:
    inspector = inspect(connection)
    return not inspector.get_table_names() and not inspector.get_view_names()


def _replay(connection: Connection, statements: list[Statement]) -> None:
    # The driver's own cursor, called as SQLAlchemy called it when the statements were recorded
    # (execute without parameters, with them, or executemany), inside upgrade's transaction.
    cursor = connection.connection.cursor()
    try:
        for statement in statements:
            if statement.executemany:
                cursor.executemany(statement.sql, statement.parameters)
            elif statement.no_parameters:
                cursor.execute(statement.sql)
            else:
                cursor.execute(statement.sql, statement.parameters)
    finally:
        cursor.close()
