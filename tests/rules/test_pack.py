"""rules.pack: the whole pack as one query gives, row for row, what each policy's own query
gives (rules.sql.compile_policy), over a generated panel in DuckDB, with and without the
status columns, in the three layouts (one scan, the period GROUP BY joined back to the
year's rows, or the years' rows joined side by side) and with the in-scan key check on."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import sqlglot
import sqlglot.expressions as exp
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.engines.panel import open_panel
from kechuang.enterprises.generator import write_panel
from kechuang.rules.columns import outcome_code
from kechuang.rules.pack import (
    HUNDREDTHS_COLUMNS,
    LOOKUP_CONDITIONS,
    UNMET_ENUM_CONDITIONS,
    _defer_columns,
    _enum_unmet,
    _guard_wide_comparisons,
    _hundredths,
    _lookup_lists,
    _mask_unmet,
    _narrow_layers,
    _share_subexpressions,
    compile_pack,
    pack_sql,
)
from kechuang.rules.policy import Outcome
from kechuang.rules.sql import compile_policy, to_sql
from kechuang.rules.sql_numeric import fen_to_decimal, tag
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
@pytest.mark.parametrize("layout", ["scan", "join", "years", "materialized"])
def test_the_pack_query_is_the_union_of_the_policy_queries(
    con: duckdb.DuckDBPyConnection, year: int, explain: bool, layout: str
) -> None:
    policies = load_policies(["all"], year)
    years = layout in ("years", "materialized")
    pack = compile_pack(
        policies,
        year,
        explain_columns=explain,
        single_scan=layout != "join",
        # The key check needs the GROUP BY: the years layout is for panels known unique.
        check_keys=not years,
        join_years=years,
    )
    statements = pack_sql(pack, materialize=layout == "materialized")
    sql = statements.query
    assert ("GROUP BY" in sql) == (not years)
    assert ("AS MATERIALIZED" in sql) == (layout == "materialized")
    for statement in statements.setup:
        con.execute(statement)
    together = sorted(repr(tuple(r)) for r in con.sql(sql).fetchall())
    separately = _one_by_one(con, year, explain, pack.output_columns)
    # Every enterprise with a row in the year, once per policy.
    assert together and len(together) % len(policies) == 0
    assert together == separately
    if explain:
        assert pack.status_names  # the status columns really were compared


def test_shared_definitions_are_computed_once(con: duckdb.DuckDBPyConnection) -> None:
    # Two policies reading the same fact read one column of the scan, not two.
    policies = load_policies(["tsme-2017", "innovative-sme-2022"], 2024)
    sql = pack_sql(compile_pack(policies, 2024)).query
    assert sql.count("THEN revenue END) AS p__revenue") == 1


def test_the_years_layout_reads_each_value_once_per_year(con: duckdb.DuckDBPyConnection) -> None:
    # The 3-year and 2-year sums of R&D read its numerator once in each year's rows.
    policies = load_policies(["all"], 2024)
    bounds = {"rd_expense": 10**12}  # small enough for the 64-bit numerator x * 100
    sql = pack_sql(compile_pack(policies, 2024, bounds=bounds, join_years=True)).query
    assert sql.count("CAST(rd_expense * 100 AS BIGINT) AS e") == 3
    assert sql.count("FROM panel WHERE year = ") == 3


def test_the_years_layout_counts_known_values_by_their_numerators() -> None:
    # A 3-year sum is unknown where a year lacks the value: that count tests the numerator
    # each year's rows already read, so the raw column is not carried through the joins.
    policies = load_policies(["all"], 2024)
    bounds = {"rd_expense_domestic": 10**12, "rd_expense": 10**12}
    sql = pack_sql(compile_pack(policies, 2024, bounds=bounds, join_years=True)).query
    assert sql.count("CAST(rd_expense_domestic * 100 AS BIGINT) AS e") == 3
    assert "rd_expense_domestic AS rd_expense_domestic" not in sql
    # A column also read for its own value (a year's revenue) is counted as it is.
    assert "NOT y1.revenue IS NULL" in sql


def test_a_years_sum_is_one_expression_of_the_joined_rows() -> None:
    # A sum known only where every existing year's value is: not a sum and a count of known
    # values compared one layer up, but one CASE over the joined rows.
    policies = load_policies(["all"], 2024)
    sql = pack_sql(compile_pack(policies, 2024, join_years=True)).query
    assert "AS k3_" not in sql and "AS k2_" not in sql
    assert "(y1.uscc IS NULL OR NOT " in sql and "(y2.uscc IS NULL OR NOT " in sql


def test_years_sums_with_missing_years_and_values_agree_with_the_group_by(tmp_path: Path) -> None:
    generated, holed = tmp_path / "panel.parquet", tmp_path / "holed.parquet"
    write_panel(generated, 400, [2022, 2023, 2024], seed=5)
    # Some enterprises lack their 2022 row, some their 2023 R&D expense: each 3-year sum of
    # R&D is then over the years that exist, or unknown.
    duckdb.execute(
        f"COPY (SELECT * REPLACE (CASE WHEN hash(uscc) % 3 = 0 AND year = 2023 THEN NULL "
        f"ELSE rd_expense END AS rd_expense) FROM '{generated}' "
        f"WHERE NOT (hash(uscc) % 5 = 0 AND year = 2022)) TO '{holed}'"
    )
    con = duckdb.connect()
    open_panel(con, holed)
    holes = con.sql(
        "SELECT count(*) FILTER (WHERE year = 2023 AND rd_expense IS NULL), "
        "count(*) FILTER (WHERE year = 2022) FROM panel"
    ).fetchone()
    assert holes is not None and holes[0] > 50 and holes[1] < 400
    policies = load_policies(["all"], 2024)
    results = []
    for join_years in (False, True):
        statements = pack_sql(compile_pack(policies, 2024, join_years=join_years))
        for statement in statements.setup:
            con.execute(statement)
        results.append(sorted(repr(tuple(r)) for r in con.sql(statements.query).fetchall()))
    grouped, joined = results
    assert joined == grouped
    assert any("'unknown'" in row for row in joined)


def test_the_years_layout_needs_known_unique_keys() -> None:
    # With the in-scan key check the GROUP BY stays: it is what counts the duplicates.
    policies = load_policies(["tsme-2017"], 2024)
    sql = pack_sql(compile_pack(policies, 2024, join_years=True, check_keys=True)).query
    assert "GROUP BY" in sql


def test_only_duckdb_materializes_a_layer() -> None:
    pack = compile_pack(load_policies(["tsme-2017"], 2024), 2024, join_years=True)
    with pytest.raises(ValueError, match="DuckDB"):
        pack_sql(pack, "postgres", materialize=True)


def test_a_column_read_layers_higher_is_computed_below_its_reader(
    con: duckdb.DuckDBPyConnection,
) -> None:

    sql = (
        "WITH l0 AS (SELECT uscc, x, y FROM (VALUES (1, 2, 3), (2, NULL, 5), (3, 7, NULL)) "
        "AS t(uscc, x, y)), "
        "l1 AS (SELECT *, x + 1 AS a, y * 2 AS b FROM l0 OFFSET 0), "
        "l2 AS (SELECT *, b + y AS c FROM l1 OFFSET 0), "
        "l3 AS (SELECT *, c * 2 AS d FROM l2 OFFSET 0), "
        "l4 AS (SELECT *, a + d AS e, x - d AS f FROM l3 OFFSET 0) "
        "SELECT uscc, e, f FROM l4 ORDER BY uscc"
    )
    query = sqlglot.parse_one(sql, read="duckdb")
    _defer_columns(query)
    _narrow_layers(query)
    layers = {c.alias: c.this for c in query.args["with_"].expressions}
    # `a` reads x, which travels up to l4 anyway (f reads it): a moves to l3, below its
    # reader, and no longer passes through l2 and l3; b is read by the next layer: it stays.
    assert "a" in layers["l3"].named_selects and "a" not in layers["l1"].named_selects
    assert "b" in layers["l1"].named_selects
    assert isinstance(layers["l2"].selects[0], exp.Column)  # `*` replaced by the columns read
    assert con.sql(to_sql(query)).fetchall() == con.sql(sql).fetchall()


def test_a_column_stays_where_deferring_it_would_pass_more_values() -> None:

    # a reads x and y, which nothing else reads above l1: moving a up to l3 would pass two
    # values through l2 and l3 instead of one.
    query = sqlglot.parse_one(
        "WITH l0 AS (SELECT uscc, x, y FROM t), "
        "l1 AS (SELECT *, x + y AS a FROM l0 OFFSET 0), "
        "l2 AS (SELECT *, uscc || '' AS b FROM l1 OFFSET 0), "
        "l3 AS (SELECT *, b || '' AS c FROM l2 OFFSET 0), "
        "l4 AS (SELECT *, a + 1 AS d FROM l3 OFFSET 0) "
        "SELECT uscc, c, d FROM l4",
        read="duckdb",
    )
    _defer_columns(query)
    layers = {c.alias: c.this for c in query.args["with_"].expressions}
    assert "a" in layers["l1"].named_selects


def _guarded_comparisons_sql(rows: str) -> str:
    """Products of two 13-digit amounts (NUMERIC in PostgreSQL) compared in a higher layer,
    through rules.pack's guard, over `rows` (uscc, a, b, c, d)."""

    query = sqlglot.parse_one(
        f"WITH l0 AS (SELECT uscc, a, b, c, d FROM (VALUES {rows}) AS t(uscc, a, b, c, d)), "
        "l1 AS (SELECT *, CAST(a AS HUGEINT) * d AS v1, CAST(b AS HUGEINT) * c AS v2 "
        "FROM l0 OFFSET 0), "
        "l2 AS (SELECT *, v1 >= v2 AS ge, v1 = v2 AS eq, 20 * v1 < 7 * v2 AS lt, "
        "v1 IS NULL AS unknown FROM l1 OFFSET 0) "
        "SELECT uscc, ge, eq, lt, unknown FROM l2 ORDER BY uscc",
        read="duckdb",
    )
    _guard_wide_comparisons(query)
    _narrow_layers(query)
    return to_sql(query, "postgres")


def test_numeric_comparisons_are_decided_in_double_only_beyond_its_rounding() -> None:
    sql = _guarded_comparisons_sql("(1, 1, 1, 1, 1)")
    # The NUMERIC products are computed only in the exact fallback of each comparison.
    assert "AS v1," not in sql and "DOUBLE PRECISION" in sql
    assert sql.count("AS DECIMAL)") == 2 * 3  # v1 and v2 in each comparison's exact branch


def _postgres_rows(sql: str) -> list[tuple[object, ...]]:
    import os

    psycopg = pytest.importorskip("psycopg")
    from kechuang.store.config import libpq_uri

    url = os.environ.get("KECHUANG_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("KECHUANG_TEST_POSTGRES_URL not set")
    with psycopg.connect(libpq_uri(url)) as conn:
        return list(conn.execute(sql).fetchall())


def _rows_sql(cases: list[tuple[int | None, int, int, int]]) -> str:
    return ", ".join(
        f"({k}, {'CAST(NULL AS BIGINT)' if a is None else a}, {b}, {c}, {d})"
        for k, (a, b, c, d) in enumerate(cases)
    )


def _exact_verdicts(case: tuple[int | None, int, int, int]) -> tuple[object, ...]:
    a, b, c, d = case
    if a is None:
        return (None, None, None, True)
    v1, v2 = a * d, b * c
    return (v1 >= v2, v1 == v2, 20 * v1 < 7 * v2, False)


def test_numeric_comparisons_stay_exact_at_a_near_tie_in_postgres() -> None:
    big = 4_999_999_999_999
    cases = [
        (big, big, big - 1, big + 1),  # a*d = b*c + 1 at 10^25: equal in DOUBLE
        (big, big - 1, big, big + 1),  # v1 < v2 by 2 * big at 10^25
        (big, 3, big, 3),  # an exact tie
        (7, 2, 20, 1),  # 20 * 14 < 7 * 20 is false by a wide margin
        (None, 1, 1, 1),  # unknown
    ]
    found = _postgres_rows(_guarded_comparisons_sql(_rows_sql(cases)))
    assert [tuple(r[1:]) for r in found] == [_exact_verdicts(c) for c in cases]


# BIGINT operands, some beyond 2^53 (not exact in DOUBLE), and pairs whose products differ by
# less than DOUBLE's spacing at up to 10^37: DOUBLE cannot order those, so the exact branch must.
_BIGINT = st.integers(-(2**62), 2**62)
_LARGE = st.builds(lambda m, s: m * s, st.integers(2**45, 2**62), st.sampled_from((1, -1)))


@st.composite
def _near_ties(draw: st.DrawFn) -> tuple[int | None, int, int, int]:
    a, b, d = draw(_LARGE), draw(_LARGE), draw(_LARGE)
    c = (a * d) // b + draw(st.integers(-2, 2))
    if abs(c) >= 2**63:
        c = draw(_BIGINT)
    return (None if draw(st.integers(0, 15)) == 0 else a, b, c, d)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.one_of(_near_ties(), st.tuples(_BIGINT, _BIGINT, _BIGINT, _BIGINT)),
        min_size=1,
        max_size=40,
    )
)
def test_guarded_numeric_comparisons_agree_with_exact_integers(
    cases: list[tuple[int | None, int, int, int]],
) -> None:
    found = _postgres_rows(_guarded_comparisons_sql(_rows_sql(cases)))
    assert [tuple(r[1:]) for r in found] == [_exact_verdicts(c) for c in cases]


def test_duckdb_outcomes_are_made_as_enum_constants(con: duckdb.DuckDBPyConnection) -> None:
    pack = compile_pack(load_policies(["all"], 2024), 2024, join_years=True)
    statements = pack_sql(pack)
    sql = statements.query
    # No per-row cast of text outcomes in the unpivot: the CASEs yield the ENUM's constants.
    assert "CAST(w.outcome" not in sql
    for statement in statements.setup:
        con.execute(statement)
    types = {row[0]: row[1] for row in con.sql(f"DESCRIBE {sql}").fetchall()}
    assert types["outcome"].startswith("ENUM(")
    # The compiler shared with PostgreSQL and Spark is untouched: their text has no ENUM.
    assert "ENUM" not in pack_sql(pack, dialect="postgres").query
    assert "ENUM" not in to_sql(pack.wide)


def _unmet_select(terms: int) -> exp.Select:
    # Each row is one combination of true, false and unknown conditions, which it shows.
    names = [f"c{i}" for i in range(terms)]
    texts = ", ".join(f"CASE WHEN NOT {n} THEN 'id''{i}' END" for i, n in enumerate(names))
    states = " CROSS JOIN ".join(f"(VALUES (TRUE), (FALSE), (NULL)) AS t{n}({n})" for n in names)
    select = sqlglot.parse_one(
        f"SELECT {', '.join(names)}, CONCAT_WS(';', {texts}) AS u FROM {states}", read="duckdb"
    )
    assert isinstance(select, exp.Select)
    return select


def _by_combination(sql: str) -> dict[tuple[object, ...], str]:
    rows = duckdb.sql(sql).fetchall()
    found = {tuple(row[:-1]): row[-1] for row in rows}
    assert len(found) == len(rows)
    return found


def test_unmet_ids_are_looked_up_as_concat_ws_would_join_them() -> None:
    # Every combination of true, false and unknown conditions gives the same text.
    select = _unmet_select(4)
    joined = _by_combination(select.sql("duckdb"))
    _lookup_lists(select)
    looked_up = select.sql("duckdb")
    assert "CONCAT_WS" not in looked_up.upper() and "LIST_EXTRACT" in looked_up
    assert _by_combination(looked_up) == joined
    assert len(joined) == 3**4 and "" in joined.values()


@pytest.mark.parametrize("terms", [LOOKUP_CONDITIONS + 1, LOOKUP_CONDITIONS + 2])
def test_long_unmet_lists_are_looked_up_in_chunks_as_concat_ws_would_join_them(
    terms: int,
) -> None:
    # 2^k texts: past LOOKUP_CONDITIONS terms one list would outgrow what it saves, so the
    # terms are looked up in two chunks joined by CONCAT_WS. An empty chunk is NULL, which
    # CONCAT_WS skips (an empty text would add a separator: 'id0;' or ';id9').
    select = _unmet_select(terms)
    joined = _by_combination(select.sql("duckdb"))
    _lookup_lists(select)
    looked_up = select.sql("duckdb")
    assert looked_up.upper().count("CONCAT_WS") == 1 and looked_up.count("LIST_EXTRACT") == 2
    assert _by_combination(looked_up) == joined
    assert len(joined) == 3**terms and "" in joined.values()
    assert not any(text.startswith(";") or text.endswith(";") for text in joined.values())


def _unmet_layers(terms: int) -> exp.Select:
    # A wide query whose layer l1 makes an unmet column as the compiler does: '' where the
    # policy passes, else the ids of the conditions not met, over every combination of a
    # true, false or unknown pass and conditions.
    names = [f"c{i}" for i in range(terms)]
    texts = ", ".join(f"CASE WHEN NOT {n} THEN 'id{i}' END" for i, n in enumerate(names))
    states = " CROSS JOIN ".join(
        f"(VALUES (TRUE), (FALSE), (NULL)) AS t{n}({n})" for n in ["ok", *names]
    )
    select = sqlglot.parse_one(
        f"WITH l0 AS (SELECT ok, {', '.join(names)} FROM {states}), "
        f"l1 AS (SELECT *, CASE WHEN ok THEN '' ELSE CONCAT_WS(';', {texts}) END AS u "
        f"FROM l0) SELECT ok, {', '.join(names)}, u FROM l1",
        read="duckdb",
    )
    assert isinstance(select, exp.Select)
    return select


@pytest.mark.parametrize("terms", [3, UNMET_ENUM_CONDITIONS])
def test_unmet_ids_as_enum_constants_are_the_texts_concat_ws_would_join(terms: int) -> None:
    # Up to UNMET_ENUM_CONDITIONS conditions, one lookup in a list of the ENUM's constants
    # (no chunks), with the pass folded into its index: the same text for every
    # combination of a true, false or unknown pass and conditions.
    select = _unmet_layers(terms)
    joined = _by_combination(select.sql("duckdb"))
    setup = _enum_unmet(select, {"u"})
    assert setup is not None and setup.startswith("CREATE TYPE IF NOT EXISTS kc_unmet_")
    typed = select.sql("duckdb")
    assert "CONCAT_WS" not in typed.upper() and typed.count("LIST_EXTRACT") == 1
    assert typed.count("AS kc_unmet_") == 1  # one cast, bound once
    con = duckdb.connect()
    con.execute(setup)
    con.execute(setup)  # the same texts: the same type, created once
    rows = con.sql(typed).fetchall()
    assert {tuple(row[:-1]): row[-1] for row in rows} == joined
    assert len(joined) == 3 ** (terms + 1) and "" in joined.values()
    assert con.sql(f"SELECT typeof(u) FROM ({typed}) LIMIT 1").fetchone()[0].startswith("ENUM(")


def test_unmet_ids_stay_text_where_a_list_has_too_many_conditions() -> None:
    # 2^k constants per list: past UNMET_ENUM_CONDITIONS the ENUM would outgrow what it saves.
    select = _unmet_layers(UNMET_ENUM_CONDITIONS + 1)
    before = select.sql("duckdb")
    assert _enum_unmet(select, {"u"}) is None
    assert select.sql("duckdb") == before


def test_unmet_ids_of_the_whole_pack_are_one_enum_or_all_text(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # 2024's pack: every list has at most 10 conditions, so every policy's unmet ids are
    # constants of one ENUM. 2026's has a list of 14: all stay text (the unpivot's list
    # of unmet ids is of one type).
    for year, typed in ((2024, True), (2026, False)):
        statements = pack_sql(compile_pack(load_policies(["all"], year), year, join_years=True))
        assert bool(statements.setup) == typed
        for statement in statements.setup:
            con.execute(statement)
        found = con.sql(f"SELECT typeof(unmet) FROM ({statements.query}) LIMIT 1").fetchone()
        assert found is not None and found[0].startswith("ENUM(") == typed


@pytest.mark.parametrize("terms", [1, 9])
def test_unmet_masks_hold_the_bits_of_the_texts_concat_ws_would_join(terms: int) -> None:
    # PostgreSQL's one row per enterprise sends a mask of the unmet conditions: joining
    # the texts of its bits by ';' gives the text, for every combination of a true, false
    # or unknown pass and conditions.
    select = _unmet_layers(terms)
    joined = _by_combination(select.sql("duckdb"))
    texts = _mask_unmet(select, "u")
    assert texts == tuple(f"id{i}" for i in range(terms))
    masked = select.sql("duckdb")
    assert "CONCAT_WS" not in masked.upper()
    rows = duckdb.sql(masked).fetchall()
    decoded = {
        tuple(row[:-1]): ";".join(t for i, t in enumerate(texts) if row[-1] >> i & 1)
        for row in rows
    }
    assert decoded == joined and len(decoded) == 3 ** (terms + 1)


def test_postgres_sends_unmet_masks_only_in_its_one_row_per_enterprise() -> None:
    for year in (2024, 2026):  # 2026's lists of 14 and 12 conditions too
        pack = compile_pack(load_policies(["all"], year), year, join_years=True)
        wide = pack_sql(pack, "postgres", unpivot=False)
        assert len(wide.unmet_terms) == len(pack.policy_ids) and all(wide.unmet_terms)
        assert "CONCAT_WS" not in wide.query.upper()
        rows = pack_sql(pack, "postgres")
        assert rows.unmet_terms == () and "CONCAT_WS" in rows.query.upper()


def test_postgres_sends_outcome_codes_only_in_its_one_row_per_enterprise() -> None:
    # One letter per outcome through COPY (the client makes them the texts again); the rows
    # the server unpivots itself carry the texts. The codes tell the outcomes apart.
    assert len({outcome_code(o.value) for o in Outcome}) == len(Outcome)
    for year in (2024, 2026):
        pack = compile_pack(load_policies(["all"], year), year, join_years=True)
        wide = pack_sql(pack, "postgres", unpivot=False).query
        rows = pack_sql(pack, "postgres").query
        for outcome in Outcome:
            assert f"'{outcome.value}'" not in wide and f"'{outcome.value}'" in rows
        assert "THEN 'e'" in wide and "THEN 'i'" in wide


def test_postgres_sends_hundredths_only_in_its_one_row_per_enterprise() -> None:
    # Scores and benefits leave the server as BIGINT counts of hundredths (no NUMERIC per
    # row); the rows the server unpivots itself carry the decimals.
    for year in (2024, 2026):
        pack = compile_pack(load_policies(["all"], year), year, join_years=True)
        wide = pack_sql(pack, "postgres", unpivot=False)
        assert wide.hundredths == (HUNDREDTHS_COLUMNS,) * len(pack.policy_ids)
        assert "DECIMAL(18, 2)" not in wide.query
        rows = pack_sql(pack, "postgres")
        assert rows.hundredths == () and "DECIMAL(18, 2)" in rows.query


@settings(max_examples=200, deadline=None)
@given(count=st.integers(-(10**18) + 1, 10**18 - 1), narrow=st.booleans())
def test_a_count_of_hundredths_is_the_decimal_it_makes(count: int, narrow: bool) -> None:
    # What fen_to_decimal makes of a count is the count read with two decimals, whatever the
    # count's bound (the narrow and the 128-bit forms).
    value = exp.Literal.number(count)
    if narrow and abs(count) < 10**16:
        value = tag(value, 10**16 - 1, False)
    made = fen_to_decimal(value, 2)
    hundredths = _hundredths(made)
    assert hundredths is not None
    decimal, counted = duckdb.sql(
        f"SELECT {made.sql('duckdb')}, {hundredths.sql('duckdb')}"
    ).fetchone() or (None, None)
    assert counted == count and decimal == Decimal(count) / 100
    assert _hundredths(exp.cast(exp.null(), "DECIMAL(18, 2)")) is not None
    assert _hundredths(exp.cast(value.copy(), "DECIMAL(18, 2)")) is None


def _shared_sql(sql: str) -> tuple[str, dict[str, object]]:

    query = sqlglot.parse_one(sql, read="duckdb")
    _share_subexpressions(query)
    _narrow_layers(query)
    layers = {c.alias: c.this for c in query.args["with_"].expressions}
    return to_sql(query), layers


def test_a_subexpression_computed_alike_in_several_places_is_computed_once(
    con: duckdb.DuckDBPyConnection,
) -> None:
    signed = "CASE WHEN x > 0 THEN y WHEN x < 0 THEN -y END"
    sql = (
        "WITH l0 AS (SELECT uscc, x, y FROM (VALUES (1, 2, 3), (2, NULL, 5), (3, -7, 4), "
        "(4, 0, 1)) AS t(uscc, x, y)), "
        f"l1 AS (SELECT *, ({signed}) + 1 AS a, y * 2 AS b FROM l0 OFFSET 0), "
        f"l2 AS (SELECT *, ({signed}) * b AS c, CASE WHEN a > 2 THEN {signed} END AS d "
        "FROM l1 OFFSET 0) "
        "SELECT uscc, a, c, d FROM l2 ORDER BY uscc"
    )
    shared, layers = _shared_sql(sql)
    # Read by the first layer, it is computed in that layer's source, once.
    assert shared.count("CASE WHEN x > 0") == 1
    assert "x1" in layers["l0"].named_selects
    assert con.sql(shared).fetchall() == con.sql(sql).fetchall()


def test_a_subexpression_that_could_raise_or_reads_nothing_is_not_shared() -> None:
    sql = (
        "WITH l0 AS (SELECT uscc, x, y FROM t), "
        "l1 AS (SELECT *, CASE WHEN y <> 0 THEN (x * 3 + 1) / y END AS a, "
        "CASE WHEN y > 0 THEN (x * 3 + 1) / y END AS b, (1 + 2) * 3 - 4 AS k1, "
        "(1 + 2) * 3 - 4 + x AS k2 FROM l0 OFFSET 0) "
        "SELECT uscc, a, b, k1, k2 FROM l1"
    )
    shared, _ = _shared_sql(sql)
    # The division is computed only where its CASE guards it; a constant is folded anyway.
    # (x * 3 + 1 alone is shared: it cannot raise.)
    assert shared.count("/ y") == 2 and shared.count("(1 + 2) * 3 - 4") == 2


def test_the_exact_fallback_of_a_guarded_comparison_is_not_shared() -> None:

    # ge and eq fall back on v1's NUMERIC expression at a near tie only: the signed d in it
    # is computed there only, where sharing it would compute it (and count it) for every row.
    signed = "CASE WHEN c > 0 THEN d WHEN c < 0 THEN -d END"
    query = sqlglot.parse_one(
        "WITH l0 AS (SELECT uscc, a, b, c, d FROM t), "
        f"l1 AS (SELECT *, CAST(a AS HUGEINT) * ({signed}) AS v1, CAST(b AS HUGEINT) * c AS v2 "
        "FROM l0 OFFSET 0), "
        "l2 AS (SELECT *, v1 >= v2 AS ge, v1 = v2 AS eq FROM l1 OFFSET 0) "
        "SELECT uscc, ge, eq FROM l2",
        read="duckdb",
    )
    _guard_wide_comparisons(query)
    _share_subexpressions(query)
    assert query.sql("duckdb").count(signed) == 3  # v1 and both fallbacks, none shared


def test_a_case_branch_is_shared_only_with_its_whole_case(con: duckdb.DuckDBPyConnection) -> None:
    # The same WHEN ... THEN in two CASEs is not a value: the CASEs differ, nothing is shared.
    sql = (
        "WITH l0 AS (SELECT uscc, x, y FROM (VALUES (1, 2, 3), (2, -1, 5)) AS t(uscc, x, y)), "
        "l1 AS (SELECT *, y + 0 AS z FROM l0 OFFSET 0), "
        "l2 AS (SELECT *, CASE WHEN x > 0 THEN y * 2 + 1 END AS a, "
        "CASE WHEN x > 0 THEN y * 2 + 1 ELSE 0 END AS b FROM l1 OFFSET 0) "
        "SELECT uscc, a, b FROM l2 ORDER BY uscc"
    )
    shared, _ = _shared_sql(sql)
    assert " AS x1" not in shared
    assert con.sql(shared).fetchall() == con.sql(sql).fetchall()
