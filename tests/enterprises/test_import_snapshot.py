"""The snapshot an import merges from the previous one equals a full rebuild from the database.

Every test runs on SQLite and on PostgreSQL (see the database_url fixture).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine, delete, func, select
from typer.testing import CliRunner

from kechuang.cli import app
from kechuang.enterprises import snapshot
from kechuang.enterprises.tables import annual_facts, enterprises
from kechuang.store.engine import make_engine
from tests.enterprises.panels import valid_row, valid_rows, write_csv

runner = CliRunner()


@pytest.fixture
def engine(store_env: str) -> Engine:
    engine = make_engine(store_env)
    yield engine
    engine.dispose()


def run_import(path: Path) -> None:
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.output


def assert_snapshot_is_a_rebuild(engine: Engine, tmp_path: Path) -> None:
    merged = tmp_path / "var" / "panel.parquet"
    rebuilt, rows = snapshot.write_snapshot(engine, tmp_path / "rebuilt.parquet")
    assert pq.read_table(merged).equals(pq.read_table(rebuilt))
    assert snapshot.snapshot_state(merged) == snapshot.snapshot_state(rebuilt)
    with engine.connect() as connection:
        assert snapshot.snapshot_state(merged) == snapshot.store_state(connection)
    assert pq.read_metadata(merged).num_rows == rows


def no_rebuild(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> None:
        raise AssertionError("the snapshot was rebuilt from the database")

    monkeypatch.setattr(snapshot, "_select", refuse)


def test_imports_merge_the_snapshot_as_a_rebuild_would_write_it(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = valid_rows(4, years=[2022, 2023])
    first[0]["revenue"] = "9999999999999999.99"  # the largest amount, exactly
    first[0]["main_business_revenue"] = "0.01"
    first[3]["net_assets"] = "-9999999999999999.99"
    with monkeypatch.context() as patch:
        no_rebuild(patch)
        run_import(write_csv(tmp_path / "a.csv", first))  # into an empty database
    assert_snapshot_is_a_rebuild(engine, tmp_path)

    older = valid_row(0, 2021)  # an older year: enterprise 0 keeps its attributes
    older["name"] = "旧名称有限公司"
    newer = valid_row(1, 2024)  # a later year: enterprise 1 takes these on every row
    newer.update(name="新名称有限公司", district="310104", park="", founded_on="2016-01-01")
    tie = valid_row(2, 2023)  # the same latest year again: this import wins
    tie.update(name="同年新名称有限公司", industry_code="I6513", mainland_resident="")
    update = valid_row(3, 2022)
    update.update(revenue="42", main_business_revenue="42", hightech_revenue="0")
    fresh = valid_rows(2, years=[2024])
    fresh = [{**row, "uscc": valid_row(10 + i)["uscc"]} for i, row in enumerate(fresh)]
    with monkeypatch.context() as patch:
        no_rebuild(patch)
        run_import(write_csv(tmp_path / "b.csv", [older, newer, tie, update, *fresh]))
    assert_snapshot_is_a_rebuild(engine, tmp_path)
    table = pq.read_table(tmp_path / "var" / "panel.parquet").to_pylist()
    names = {(r["uscc"], r["year"]): r["name"] for r in table}
    assert names[(valid_row(0)["uscc"], 2021)] == "上海测试0生物科技有限公司"
    assert {n for (u, _y), n in names.items() if u == valid_row(1)["uscc"]} == {"新名称有限公司"}
    assert {n for (u, _y), n in names.items() if u == valid_row(2)["uscc"]} == {
        "同年新名称有限公司"
    }
    assert len(table) == 8 + 1 + 1 + 2


def test_a_snapshot_out_of_step_with_the_database_is_rebuilt(
    engine: Engine, tmp_path: Path
) -> None:
    run_import(write_csv(tmp_path / "a.csv", valid_rows(3)))
    with engine.begin() as connection:  # a change the snapshot does not show
        connection.execute(delete(annual_facts).where(annual_facts.c.year == 2023))
    run_import(write_csv(tmp_path / "b.csv", valid_rows(2, years=[2024])))
    assert_snapshot_is_a_rebuild(engine, tmp_path)
    assert pq.read_metadata(tmp_path / "var" / "panel.parquet").num_rows == 3


def test_a_missing_snapshot_is_rebuilt_after_the_import(engine: Engine, tmp_path: Path) -> None:
    run_import(write_csv(tmp_path / "a.csv", valid_rows(3)))
    (tmp_path / "var" / "panel.parquet").unlink()
    run_import(write_csv(tmp_path / "b.csv", valid_rows(4, years=[2024])))
    assert_snapshot_is_a_rebuild(engine, tmp_path)
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(enterprises)).scalar_one()
    assert count == 4


def test_the_snapshot_command_rebuilds_even_a_current_snapshot(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_import(write_csv(tmp_path / "a.csv", valid_rows(2)))
    called: list[bool] = []
    select_rows = snapshot._select

    def spy() -> object:
        called.append(True)
        return select_rows()

    monkeypatch.setattr(snapshot, "_select", spy)
    result = runner.invoke(app, ["snapshot"])
    assert result.exit_code == 0, result.output
    assert called == [True]
    assert_snapshot_is_a_rebuild(engine, tmp_path)


def test_the_snapshot_is_in_key_order_a_run_at_a_time_year_by_year(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kechuang.engines import lookup

    monkeypatch.setattr(snapshot, "ROW_GROUP_ROWS", 5)
    monkeypatch.setattr(snapshot, "SNAPSHOT_BATCH_ROWS", 3)  # runs cut across batches
    run_import(write_csv(tmp_path / "a.csv", valid_rows(6, years=[2022, 2023])))
    run_import(write_csv(tmp_path / "b.csv", valid_rows(6, years=[2024])))
    assert_snapshot_is_a_rebuild(engine, tmp_path)  # merged and rebuilt: the same file
    path = tmp_path / "var" / "panel.parquet"
    groups = [
        pq.ParquetFile(path).read_row_group(g).to_pylist()
        for g in range(pq.read_metadata(path).num_row_groups)
    ]
    assert all(len({r["year"] for r in group}) == 1 for group in groups)
    rows = [(r["uscc"], r["year"]) for group in groups for r in group]
    runs = [sorted(rows[i : i + 5]) for i in range(0, len(rows), 5)]
    assert [key for run in runs for key in run] == sorted(rows) and len(rows) == 18
    assert rows != sorted(rows)  # year by year within a run, not key order throughout
    assert lookup._clustered_by_uscc(path)  # a lookup reads about a group per year
