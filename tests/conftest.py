"""Shared fixtures: `database_url` runs a test on SQLite and on PostgreSQL.

PostgreSQL comes from KECHUANG_TEST_POSTGRES_URL (e.g. postgresql+psycopg://postgres@127.0.0.1/test);
every test gets its own fresh schema (kc_test_<session>_<n>, via search_path) so that parallel
runs and tests never see each other's rows. Without the variable the PostgreSQL case skips.
"""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

# No per-example deadline: under xdist every core is busy, and a slow example on a loaded machine
# is not a failure (speed is measured in bench/, never asserted in a test).
settings.register_profile("kechuang", deadline=None, print_blob=True)
settings.load_profile("kechuang")

ENV_POSTGRES = "KECHUANG_TEST_POSTGRES_URL"
# Screenings compile their pack afresh: no test writes the on-disk query cache into the
# working directory's var/ (tests/engines/test_compiled_cache.py turns it on where it is tested).
os.environ.setdefault("KECHUANG_NO_COMPILE_CACHE", "1")
_SESSION = secrets.token_hex(4)
_counter = itertools.count()
_replayer: Any = None


@pytest.fixture(autouse=True)
def _replayed_migrations(request: pytest.FixtureRequest) -> Iterator[None]:
    """Upgrades of empty databases to head replay the SQL of this process's first one
    (tests/migration_replay.py); the migration tests themselves run Alembic every time."""
    path = request.node.path
    if "store" in path.parts or "migration" in path.name:
        yield
        return
    global _replayer
    from alembic import command  # imported here: `kechuang --help` tests watch the imports

    from tests.migration_replay import Replayer

    if _replayer is None:
        _replayer = Replayer(command.upgrade)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(command, "upgrade", _replayer.upgrade)
        yield


def _postgres_url(schema: str, base: str) -> str:
    url = make_url(base)
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kechuang.db'}"
        return
    base = os.environ.get(ENV_POSTGRES)
    if not base:
        pytest.skip(f"{ENV_POSTGRES} not set")
    schema = f"kc_test_{_SESSION}_{next(_counter)}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield _postgres_url(schema, base)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.dispose()


@pytest.fixture
def store_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the CLI at database_url and a temporary var/ directory."""
    monkeypatch.setenv("KECHUANG_DATABASE_URL", database_url)
    monkeypatch.setenv("KECHUANG_VAR_DIR", str(tmp_path / "var"))
    yield database_url
