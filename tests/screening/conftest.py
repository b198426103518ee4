"""Screening fixtures: a migrated store (SQLite, PostgreSQL) holding the constructed population."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from tests.screening.population import import_population

from kechuang.store.engine import make_engine, make_sessionmaker
from kechuang.store.migrate import upgrade

POOL_SIZE = 12


@pytest.fixture
def engine(store_env: str, tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(store_env, pool_size=POOL_SIZE, max_overflow=0)
    upgrade(engine)
    import_population(engine, tmp_path)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with make_sessionmaker(engine)() as session:
        yield session
