"""Fixtures for kechuang.accounts: a migrated store on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# Cheap argon2 parameters for the many hashes of these tests (set before kechuang is imported).
os.environ.setdefault("KECHUANG_PASSWORD_HASH", "fast")

from sqlalchemy import Engine

from kechuang.store.engine import make_engine
from kechuang.store.migrate import upgrade


@pytest.fixture
def store(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()
