"""Migration 0004 creates the account tables, 0014 swaps login_failures for login_attempts;
each downgrade undoes its upgrade, on both stores."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from kechuang.store.engine import make_engine
from kechuang.store.migrate import alembic_config, upgrade

TABLES = {"accounts", "account_sessions", "login_failures", "audit_log"}


def test_upgrade_and_downgrade(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0004")
        assert set(inspect(engine).get_table_names()) >= TABLES
        cfg = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "0003")
        assert not TABLES & set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_0014_replaces_login_failures_by_login_attempts_and_back(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0014")
        names = set(inspect(engine).get_table_names())
        assert "login_attempts" in names and "login_failures" not in names
        cfg = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "0013")
        names = set(inspect(engine).get_table_names())
        assert "login_failures" in names and "login_attempts" not in names
    finally:
        engine.dispose()
