"""rules.sql_numeric.case: a CASE of small literals computes in 64 bits, as the bounds assume
(found by tests/rules/test_sql_differential.py: 20000000 * 200 overflowed a 32-bit CASE)."""

from __future__ import annotations

import duckdb
import sqlglot.expressions as exp

from kechuang.rules import sql_numeric as n


def test_a_case_of_literals_multiplies_in_64_bits() -> None:
    flag = exp.column("flag")
    chosen = n.case([(flag, n.int_lit(20_000_000)), (exp.Not(this=flag), n.int_lit(99_999))])
    product = n.mul(chosen, n.int_lit(200))
    assert not n.is_wide(product)  # the bound fits 64 bits: no 128-bit arithmetic
    sql = f"SELECT {product.sql(dialect='duckdb')} FROM (VALUES (true), (false)) t(flag)"
    assert sorted(r[0] for r in duckdb.sql(sql).fetchall()) == [19_999_800, 4_000_000_000]
