"""Screening fixtures: a migrated store (SQLite, PostgreSQL) holding the constructed population."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from tests.screening.people import Today, add_people
from tests.screening.population import eligible_usccs, import_population

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


@pytest.fixture
def people(engine: Engine) -> None:
    """Accounts for the officers of the walks and for each eligible enterprise."""
    add_people(engine, eligible_usccs())


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> Today:
    """The server's business day for CLI steps, which the test moves."""
    return Today(monkeypatch)
