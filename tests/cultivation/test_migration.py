"""Migration 0008 upgrades and downgrades on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from kechuang.store.engine import make_engine
from kechuang.store.migrate import alembic_config, upgrade

TABLES = {
    "cultivation_certificates",
    "cultivation_incubators",
    "cultivation_tenants",
    "stats_products",
    "stats_admissions",
}


def test_upgrade_and_downgrade(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
        config = alembic_config(database_url)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0008-1")
        assert not TABLES & set(inspect(engine).get_table_names())
        upgrade(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()
