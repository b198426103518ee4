"""Migration 0002 creates the ledger on both stores and its downgrade removes it cleanly."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from kechuang.store.engine import make_engine
from kechuang.store.migrate import alembic_config, status, upgrade

LEDGER_TABLES = {"ledger_accounts", "ledger_entries", "ledger_postings"}


def test_upgrade_creates_the_ledger_and_downgrade_to_0001_removes_it(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0002")
        assert set(inspect(engine).get_table_names()) >= LEDGER_TABLES
        cfg = alembic_config(database_url)
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "0001")
        names = set(inspect(engine).get_table_names())
        assert not LEDGER_TABLES & names and "enterprises" in names
        upgrade(engine, "0002")
        assert set(inspect(engine).get_table_names()) >= LEDGER_TABLES
        assert status(engine).current is not None
    finally:
        engine.dispose()
