"""rules.pack: the whole pack as one query gives, row for row, what each policy's own query
gives (rules.sql.compile_policy), over a generated panel in DuckDB, with and without the
status columns, in both layouts (one scan, or the period GROUP BY joined back to the year's
rows) and with the in-scan key check on."""

from __future__ import annotations

import duckdb
import pytest

from kechuang.engines.panel import open_panel
from kechuang.enterprises.generator import write_panel
from kechuang.rules.pack import compile_pack, pack_sql
from kechuang.rules.sql import compile_policy, to_sql
from kechuang.screening.inputs import load_policies


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    path = tmp_path_factory.mktemp("pack") / "panel.parquet"
    write_panel(path, 300, list(range(2021, 2027)), seed=11)
    connection = duckdb.connect()
    open_panel(connection, path)
    return connection


def _one_by_one(
    con: duckdb.DuckDBPyConnection, year: int, explain: bool, columns: list[str]
) -> list[str]:
    rows = []
    for policy in load_policies(["all"], year):
        query = compile_policy(policy, year, explain_columns=explain)
        names = list(query.named_selects)
        for values in con.sql(to_sql(query)).fetchall():
            record = dict(zip(names, values, strict=True))
            rows.append(repr(tuple(record.get(c) for c in columns)))
    return sorted(rows)


@pytest.mark.parametrize("year", [2024, 2026])
@pytest.mark.parametrize("explain", [False, True])
@pytest.mark.parametrize("single_scan", [True, False])
def test_the_pack_query_is_the_union_of_the_policy_queries(
    con: duckdb.DuckDBPyConnection, year: int, explain: bool, single_scan: bool
) -> None:
    policies = load_policies(["all"], year)
    pack = compile_pack(
        policies, year, explain_columns=explain, single_scan=single_scan, check_keys=True
    )
    together = sorted(repr(tuple(r)) for r in con.sql(pack_sql(pack)).fetchall())
    separately = _one_by_one(con, year, explain, pack.output_columns)
    # Every enterprise with a row in the year, once per policy.
    assert together and len(together) % len(policies) == 0
    assert together == separately
    if explain:
        assert pack.status_names  # the status columns really were compared


def test_shared_definitions_are_computed_once(con: duckdb.DuckDBPyConnection) -> None:
    # Two policies reading the same fact read one column of the scan, not two.
    policies = load_policies(["tsme-2017", "innovative-sme-2022"], 2024)
    sql = pack_sql(compile_pack(policies, 2024))
    assert sql.count("THEN revenue END) AS p__revenue") == 1
