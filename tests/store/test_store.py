"""The store: migrations reach head idempotently on SQLite and PostgreSQL; sessions are atomic."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from kechuang.enterprises.tables import ImportBatch
from kechuang.store.engine import make_engine, session_scope
from kechuang.store.migrate import status, upgrade
from kechuang.store.registry import load_all_tables, table_modules


def test_every_feature_package_tables_module_is_found() -> None:
    assert "kechuang.enterprises.tables" in table_modules()
    assert {"enterprises", "annual_facts", "import_batches"} <= set(load_all_tables().tables)


def test_upgrade_creates_the_tables_and_is_idempotent(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert status(engine).current is None
        upgrade(engine)
        upgrade(engine)
        assert status(engine).up_to_date
        names = set(inspect(engine).get_table_names())
        assert {"enterprises", "annual_facts", "import_batches", "alembic_version"} <= names
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = make_engine(database_url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, load_all_tables()) == []
    finally:
        engine.dispose()


def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30000
    finally:
        engine.dispose()


def test_session_scope_rolls_back_on_error(database_url: str) -> None:
    import datetime as dt

    engine = make_engine(database_url)
    try:
        upgrade(engine)
        batch = {
            "file_name": "a.csv",
            "sha256": "0" * 64,
            "format": "csv",
            "imported_at": dt.datetime.now(dt.UTC),
            "row_count": 0,
            "enterprise_count": 0,
            "years": [],
        }
        with pytest.raises(RuntimeError), session_scope(engine) as session:
            session.add(ImportBatch(**batch))
            session.flush()
            raise RuntimeError("boom")
        with session_scope(engine) as session:
            assert session.scalars(select(ImportBatch)).all() == []
            session.add(ImportBatch(**batch))
        with session_scope(engine) as session:
            assert len(session.scalars(select(ImportBatch)).all()) == 1
    finally:
        engine.dispose()


def test_db_commands_upgrade_and_report_status(store_env: str) -> None:
    from typer.testing import CliRunner

    from kechuang.cli import app

    runner = CliRunner()
    before = runner.invoke(app, ["db", "status"])
    assert before.exit_code == 1 and "pending" in before.output
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    after = runner.invoke(app, ["db", "status"])
    assert after.exit_code == 0, after.output
    assert "annual_facts: 0 rows" in after.output
