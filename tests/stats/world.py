"""A small stored world for the stats and cultivation tests: a generated panel of a few hundred
enterprises (2022-2024) imported into SQLite, with the demo certificates, incubators, tenants,
drugs, devices and admissions; var/ in a temporary directory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kechuang.cultivation.demo import load_demo as load_cultivation
from kechuang.cultivation.service import panel
from kechuang.enterprises.generator import write_panel
from kechuang.enterprises.importer import import_panel
from kechuang.stats.biomed_demo import load_demo as load_biomed
from kechuang.store.engine import make_engine
from kechuang.store.migrate import upgrade

ENTERPRISES = 400
YEARS = (2022, 2023, 2024)


@dataclass(frozen=True)
class World:
    engine: Engine
    url: str
    var: Path
    panel: Path


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("stats-world")
    var = root / "var"
    url = f"sqlite:///{root / 'world.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KECHUANG_VAR_DIR", str(var))
        patch.setenv("KECHUANG_DATABASE_URL", url)
        engine = make_engine(url)
        upgrade(engine)
        source = root / "panel.parquet"
        write_panel(source, ENTERPRISES, YEARS, seed=7)
        import_panel(source, engine)
        snapshot = panel(engine)
        load_cultivation(engine, snapshot, seed=7)
        load_biomed(engine, snapshot, seed=7)
        yield World(engine, url, var, snapshot)
        engine.dispose()


@pytest.fixture
def world_env(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """The world, with the environment pointing at its store (for the CLI and the services)."""
    monkeypatch.setenv("KECHUANG_VAR_DIR", str(world.var))
    monkeypatch.setenv("KECHUANG_DATABASE_URL", world.url)
    return world
