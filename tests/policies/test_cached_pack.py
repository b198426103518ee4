"""policies.cached: the command line's pack comes from a cache keyed by what it is built from.

The oracle is `source.current_pack()` (the store's published versions, else the shipped pack):
the cached pack must equal it whatever changed since the entry was written, and a warm cache
must spare `screen` the store (SQLAlchemy) and the policy loader.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kechuang.policies import cached, pack, source
from kechuang.policies.cached import cli_pack
from kechuang.store.engine import make_engine
from kechuang.store.migrate import upgrade
from tests.policies.workbench_helpers import seeded

# What a command line run that loads the pack imports of the store and the loader.
_PROBE = (
    "import sys; from kechuang.screening.inputs import load_policies; "
    "load_policies(['tsme-2017', 'above-scale-2019'], 2024); "
    "print(sorted(m for m in sys.modules if m.startswith("
    "('sqlalchemy', 'kechuang.rules.load', 'kechuang.policies.source', 'pydantic'))))"
)


@pytest.fixture
def entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The cache on (tests/conftest.py turns it off), in a fresh var/, no store configured."""
    monkeypatch.delenv(cached.ENV_NO_CACHE, raising=False)
    monkeypatch.delenv("KECHUANG_DATABASE_URL", raising=False)
    monkeypatch.setenv("KECHUANG_VAR_DIR", str(tmp_path / "var"))
    return tmp_path / "var" / "cache" / "packs"


def test_without_a_store_the_cached_pack_is_the_shipped_pack(entries: Path) -> None:
    built = cli_pack()  # a miss: built by current_pack() and written
    (entry,) = entries.iterdir()
    again = cli_pack()  # a hit: read from the entry
    assert built is not again
    assert again.policies == source.shipped().policies
    assert list(entries.iterdir()) == [entry]


def test_a_change_in_the_store_is_read_at_once(
    database_url: str, monkeypatch: pytest.MonkeyPatch, entries: Path
) -> None:
    """SQLite (read with sqlite3) and PostgreSQL (read with psycopg) stores alike."""
    monkeypatch.setenv("KECHUANG_DATABASE_URL", database_url)
    engine = seeded(database_url)
    first = cli_pack()
    assert first.get("tsme-2017", 2024).effective_to is None
    assert first.policies == source.current_pack().policies
    assert cli_pack().policies == first.policies  # from the entry
    assert len(list(entries.iterdir())) == 1
    # The store ends the version in force (as a superseding publication would).
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE policy_versions SET effective_to = '2024-12-31' WHERE policy_id = 'tsme-2017'"
        )
    engine.dispose()
    changed = cli_pack()
    assert changed.get("tsme-2017", 2024).effective_to == dt.date(2024, 12, 31)
    assert changed.policies == source.current_pack().policies
    assert len(list(entries.iterdir())) == 2


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_postgres_store_without_versions_caches_the_shipped_pack(
    database_url: str, monkeypatch: pytest.MonkeyPatch, entries: Path
) -> None:
    """A PostgreSQL store with nothing published (as `--engine postgres` screens it): the
    shipped pack, read from the entry by a warm run without SQLAlchemy or the loader."""
    monkeypatch.setenv("KECHUANG_DATABASE_URL", database_url)
    assert cli_pack().policies == source.shipped().policies  # not migrated: no table
    migrated = make_engine(database_url)
    upgrade(migrated)
    migrated.dispose()
    assert cli_pack().policies == source.shipped().policies
    assert len(list(entries.iterdir())) == 1  # the same shipped pack, one entry
    warm = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True,
        env=dict(os.environ), timeout=120,
    )  # fmt: skip
    assert warm.stdout.strip() == "[]"


def test_an_unreadable_entry_is_rebuilt(entries: Path) -> None:
    cli_pack()
    (entry,) = entries.iterdir()
    entry.write_bytes(b"not a pickle")
    assert cli_pack().policies == source.shipped().policies
    assert entry.read_bytes() != b"not a pickle"


def test_a_replaced_loader_is_not_cached(entries: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    only = source.shipped().get("tsme-2017", 2024)
    monkeypatch.setattr(pack, "load_pack", lambda: pack.Pack((only,)))
    assert cli_pack().policies == (only,)
    assert not entries.exists()


def test_a_warm_cache_spares_the_store_and_the_loader(entries: Path) -> None:
    probe = _PROBE
    env = dict(os.environ)  # the fixture's variables, as the command line would see them
    cold = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env,
        timeout=120,
    )  # fmt: skip
    assert "sqlalchemy" in cold.stdout  # the miss asked the store
    warm = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env,
        timeout=120,
    )  # fmt: skip
    assert warm.stdout.strip() == "[]"


def test_old_entries_are_dropped(entries: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cached, "KEEP", 2)
    entries.mkdir(parents=True)
    for i in range(3):
        stale = entries / f"old{i}.pickle"
        stale.write_bytes(b"")
        os.utime(stale, (i, i))  # older than anything written now
    cli_pack()
    names = {p.name for p in entries.iterdir()}
    assert len(names) == 2 and "old2.pickle" in names  # the new entry and the newest old one
