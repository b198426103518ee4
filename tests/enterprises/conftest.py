"""Fixtures shared by the enterprise tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from kechuang.store.engine import make_engine


@pytest.fixture
def engine(store_env: str) -> Iterator[Engine]:
    """The test store (SQLite and PostgreSQL, see store_env), migrated by the first import."""
    engine = make_engine(store_env)
    yield engine
    engine.dispose()
