"""DuckDB reads from many threads (kechuang.engines.duckdb_cursor), and no module on DuckDB's
shared default connection."""

from __future__ import annotations

import ast
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

import kechuang
from kechuang.engines import duckdb_cursor
from kechuang.engines.sqltext import string_literal

SOURCE = Path(kechuang.__file__).parent


def test_reads_from_sixteen_threads_at_once_all_return_their_rows(tmp_path: Path) -> None:
    path = tmp_path / "years.parquet"
    pq.write_table(pa.table({"year": [2022, 2023, 2024] * 1000}), path)
    source = string_literal(str(path))
    sql = f"SELECT year, count(*) FROM read_parquet({source}) GROUP BY 1 ORDER BY 1"

    def read(_: int) -> list[tuple[object, ...]]:
        return duckdb_cursor.fetchall(sql)

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(read, range(320)))
    assert answers == [[(2022, 1000), (2023, 1000), (2024, 1000)]] * 320
    assert duckdb_cursor.fetchone("SELECT ? + 1", [41]) == (42,)


def test_no_module_queries_duckdbs_shared_default_connection() -> None:
    # duckdb.sql/query/read_parquet/... run on one module-wide connection that threads share.
    shared = []
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "duckdb"
                and node.func.attr != "connect"
            ):
                shared.append(f"{path.relative_to(SOURCE)}:{node.lineno} duckdb.{node.func.attr}")
    assert shared == []
