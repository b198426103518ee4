"""rules.sql: exact thresholds, unknowns, bands, periods and benefit rounding in DuckDB."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from textwrap import dedent

import pytest

from kechuang.rules.load import load_policy_text
from kechuang.rules.sql import RESULT_COLUMNS, compile_policy, to_sql
from tests.engines.sqlkit import row as r
from tests.engines.sqlkit import run_sql

HEADER = """\
id: t
version: "1"
title: {zh: 测试, en: Test}
issuer: x
document_number: x
source_url: https://example.org
effective: {from: 2016-01-01, to: null}
mode: automatic
"""


def policy(body: str):  # type: ignore[no-untyped-def]
    return load_policy_text(HEADER + dedent(body), "t.yaml")


def conditions(*exprs: str, extra: str = "") -> str:
    lines = ["conditions:"]
    for i, e in enumerate(exprs):
        lines += [f"  - id: c{i}", "    label: {zh: a, en: a}", "    clause: x", f"    expr: {e}"]
    return extra + "\n".join(lines) + "\n"


def outcomes(p, rows, year=2024, **kw):  # type: ignore[no-untyped-def]
    return {u: v["outcome"] for u, v in run_sql(p, year, rows, **kw).items()}


def test_money_threshold_is_exact() -> None:
    p = policy(conditions("revenue >= 20000000"))
    rows = [
        r("a", 2024, revenue=Decimal("19999999.99")),
        r("b", 2024, revenue=Decimal("20000000.00")),
        r("c", 2024, revenue=None),
    ]
    assert outcomes(p, rows) == {"a": "ineligible", "b": "eligible", "c": "unknown"}


def test_ratio_is_exact_six_percent() -> None:
    p = policy(conditions("ratio(rd_expense, revenue) >= 0.06"))
    rows = [
        r("a", 2024, rd_expense=Decimal("3000000"), revenue=Decimal("50000000")),
        r("b", 2024, rd_expense=Decimal("2999999.99"), revenue=Decimal("50000000")),
        r("c", 2024, rd_expense=Decimal("1"), revenue=Decimal("0")),
    ]
    assert outcomes(p, rows) == {"a": "eligible", "b": "ineligible", "c": "unknown"}


def test_unknown_propagates_with_kleene_logic() -> None:
    p = policy(conditions("is_hnte or revenue > 1", "not (is_hnte and revenue > 1)"))
    rows = [
        r("a", 2024, is_hnte=None, revenue=Decimal(5)),  # true or .. ; not(unknown and true)
        r("b", 2024, is_hnte=False, revenue=None),  # unknown ; not(false and ..) = true
        r("c", 2024, is_hnte=True, revenue=None),
    ]
    got = run_sql(p, 2024, rows, explain=True)
    assert got["a"]["c_c0"] == "met" and got["a"]["c_c1"] == "unknown"
    assert got["b"]["c_c0"] == "unknown" and got["b"]["c_c1"] == "met"
    assert got["c"]["c_c0"] == "met" and got["c"]["c_c1"] == "unknown"
    assert {u: v["outcome"] for u, v in got.items()} == dict.fromkeys("abc", "unknown")


def test_if_else_with_unknown_condition_is_unknown() -> None:
    p = policy(conditions("(1 if is_hnte else 2) == 2"))
    rows = [r("a", 2024, is_hnte=None), r("b", 2024, is_hnte=False)]
    assert outcomes(p, rows) == {"a": "unknown", "b": "eligible"}


def test_bands_at_edges() -> None:
    body = """\
    scores:
      - id: ip
        label: {zh: a, en: a}
        clause: x
        max_points: 30
        expr: band(ip_class1, [[6, 30], [4, 22], [1, 7]])
    """
    p = policy(dedent(body) + conditions("score >= 22"))
    rows = [r(str(n), 2024, ip_class1=n) for n in (0, 1, 3, 4, 5, 6, 9)] + [
        r("x", 2024, ip_class1=None)
    ]
    got = run_sql(p, 2024, rows)
    scores = {u: v["score"] for u, v in got.items()}
    assert scores == {
        "0": Decimal(0), "1": Decimal(7), "3": Decimal(7), "4": Decimal(22), "5": Decimal(22),
        "6": Decimal(30), "9": Decimal(30), "x": None,
    }  # fmt: skip
    assert got["3"]["outcome"] == "ineligible" and got["4"]["outcome"] == "eligible"


def test_periods_count_only_existing_years() -> None:
    p = policy(
        conditions(
            "sum_years(revenue, 3) >= 30", "avg_years(revenue, 3) >= 15", "count_years(3) == 2",
            "years_ago(revenue, 1) >= 10",
        )
    )  # fmt: skip
    rows = [
        # a: rows 2022 and 2024 only (gap in 2023): sum 30, avg 15, two years, no 2023 value
        r("a", 2022, revenue=Decimal(10)), r("a", 2024, revenue=Decimal(20)),
        # b: 2023 and 2024: sum 30, avg 15, two years; 2021 is outside the window
        r("b", 2021, revenue=Decimal(100)), r("b", 2023, revenue=Decimal(10)),
        r("b", 2024, revenue=Decimal(20)),
        # c: a missing value in a row that exists makes the sum unknown
        r("c", 2023, revenue=None), r("c", 2024, revenue=Decimal(50)),
        # d: 2025 rows are never read
        r("d", 2024, revenue=Decimal(30)), r("d", 2025, revenue=Decimal(30)),
    ]  # fmt: skip
    got = run_sql(p, 2024, rows, explain=True)
    assert [got["a"][f"c_c{i}"] for i in range(4)] == ["met", "met", "met", "unknown"]
    assert [got["b"][f"c_c{i}"] for i in range(4)] == ["met", "met", "met", "met"]
    assert got["c"]["c_c0"] == "unknown" and got["c"]["c_c3"] == "unknown"
    assert [got["d"][f"c_c{i}"] for i in range(3)] == ["met", "met", "unmet"]


@pytest.mark.parametrize(
    ("revenue", "expected"),
    [
        ("0.50", "0.01"),  # 0.005 yuan: half a fen rounds up
        ("0.49", "0.00"),
        ("1.50", "0.02"),  # 0.015 -> 0.02
        ("333.33", "3.33"),  # 3.3333 -> 3.33
        ("100.50", "1.01"),  # 1.005 -> 1.01 (no binary floating point)
    ],
)
def test_benefit_rounds_half_up_to_the_fen(revenue: str, expected: str) -> None:
    body = conditions("true") + dedent(
        """\
        benefit:
          label: {zh: a, en: a}
          clause: x
          amount: revenue * 0.01
          once: per_year
        """
    )
    got = run_sql(policy(body), 2024, [r("a", 2024, revenue=Decimal(revenue))])
    assert got["a"]["benefit_yuan"] == Decimal(expected)


def test_benefit_cap_and_only_when_eligible() -> None:
    body = conditions("revenue > 100") + dedent(
        """\
        benefit:
          label: {zh: a, en: a}
          clause: x
          amount: revenue / 3
          cap: 1000
          once: per_year
        """
    )
    rows = [r("a", 2024, revenue=Decimal(200)), r("b", 2024, revenue=Decimal(9000)),
            r("c", 2024, revenue=Decimal(50))]  # fmt: skip
    got = run_sql(policy(body), 2024, rows)
    assert got["a"]["benefit_yuan"] == Decimal("66.67")
    assert got["b"]["benefit_yuan"] == Decimal("1000.00")
    assert got["c"]["benefit_yuan"] is None and got["c"]["unmet"] == "c0"


def test_unmet_lists_ids_in_file_order_and_is_empty_when_none() -> None:
    p = policy(conditions("revenue > 5", "employees > 5", "st_staff > 5"))
    rows = [r("a", 2024, revenue=Decimal(1), employees=1, st_staff=10),
            r("b", 2024, revenue=Decimal(10), employees=10, st_staff=10)]  # fmt: skip
    got = run_sql(p, 2024, rows)
    assert got["a"]["unmet"] == "c0;c1" and got["b"]["unmet"] == ""


def test_unmet_when_some_conditions_are_unknown_or_all_are_met() -> None:
    # unmet is '' only where every blocking condition is met (the CASE that skips CONCAT_WS);
    # an unknown condition is not listed, and a row with one unknown is not skipped.
    p = policy(conditions("revenue > 5", "employees > 5", "st_staff > 5"))
    rows = [r("met", 2024, revenue=Decimal(10), employees=10, st_staff=10),
            r("unknown", 2024, revenue=None, employees=10, st_staff=10),
            r("unknown_and_unmet", 2024, revenue=None, employees=1, st_staff=10),
            r("unmet", 2024, revenue=Decimal(10), employees=10, st_staff=1)]  # fmt: skip
    got = {u: (v["outcome"], v["unmet"]) for u, v in run_sql(p, 2024, rows).items()}
    assert got == {"met": ("eligible", ""), "unknown": ("unknown", ""),
                   "unknown_and_unmet": ("ineligible", "c1"),
                   "unmet": ("ineligible", "c2")}  # fmt: skip
    assert "THEN '' ELSE CONCAT_WS" in to_sql(compile_policy(p, 2024), "duckdb")


def test_section_is_one_column_for_all_its_tests() -> None:
    # section() of the same code is computed once, whatever number of conditions test it:
    # the verdicts are those of each test alone (unknown, lower case and a long list included).
    long_list = "".join(f'"{chr(65 + k % 26)}{k}", ' for k in range(40))
    p = policy(conditions('section(industry_code) in ("B", "C", "D", "E", "M")',
                          "section(industry_code) == 'M' or startswith(industry_code, 'K701')",
                          f'section(industry_code) in ({long_list}"C", "M")',
                          'section(industry_code) not in ("C",)'))  # fmt: skip
    rows = [r("m", 2024, industry_code="M7320"), r("lower", 2024, industry_code="m7320"),
            r("c", 2024, industry_code="C3911"), r("k", 2024, industry_code="K7010"),
            r("unknown", 2024, industry_code=None), r("empty", 2024, industry_code="")]  # fmt: skip
    got = {u: (v["outcome"], v["unmet"]) for u, v in run_sql(p, 2024, rows).items()}
    assert got == {"m": ("eligible", ""), "lower": ("eligible", ""),
                   "c": ("ineligible", "c1;c3"), "k": ("ineligible", "c0;c2"),
                   "unknown": ("unknown", ""), "empty": ("ineligible", "c0;c1;c2")}  # fmt: skip
    assert to_sql(compile_policy(p, 2024), "duckdb").count("UPPER(") == 1


def test_query_shape_and_literal_only_policy_text() -> None:
    p = policy(conditions('industry_code in ("M\'; DROP TABLE panel; --", "C")'))
    select = compile_policy(p, 2024)
    assert [e.alias_or_name for e in select.expressions] == list(RESULT_COLUMNS)
    got = run_sql(p, 2024, [r("a", 2024, founded_on=dt.date(2020, 1, 1))])
    assert got["a"]["outcome"] == "ineligible"


# ----- integer widths: 64 bits where the bounds allow, 128 where they do not -------------

HUGE = Decimal("9999999999999999.99")  # the largest DECIMAL(18,2) yuan amount


def test_largest_amounts_are_exact_with_the_types_bounds() -> None:
    p = policy(conditions("ratio(rd_expense, revenue) >= 0.06", "revenue * 3 > rd_expense * 50"))
    rows = [
        r("a", 2024, rd_expense=Decimal("599999999999999.99"), revenue=HUGE),
        r("b", 2024, rd_expense=Decimal("600000000000000.00"), revenue=HUGE),
        r("c", 2024, rd_expense=HUGE, revenue=HUGE),
    ]  # fmt: skip
    got = outcomes(p, rows)
    assert got == {"a": "ineligible", "b": "ineligible", "c": "ineligible"}
    assert run_sql(p, 2024, rows)["c"]["unmet"] == "c1"


def test_products_widen_to_hugeint_only_past_bigint() -> None:
    from kechuang.rules.sql import to_sql

    p = policy(conditions("ratio(rd_expense, revenue) >= 0.06"))
    wide = to_sql(compile_policy(p, 2024), "duckdb")
    narrow = to_sql(compile_policy(p, 2024, bounds={"revenue": 10**14, "rd_expense": 10**14}))
    assert "INT128" in wide and "INT128" not in narrow
    in_postgres = to_sql(compile_policy(p, 2024), "postgres")
    assert "INT128" not in in_postgres and "AS DECIMAL)" in in_postgres  # NUMERIC
    assert "DECIMAL(38, 0)" in to_sql(compile_policy(p, 2024), "spark")
    assert "SIGN(" not in wide


def test_bounds_the_data_breaks_fail_loudly() -> None:
    import duckdb

    p = policy(conditions("revenue * 1000 > rd_expense * 1000"))
    rows = [r("a", 2024, rd_expense=Decimal("1"), revenue=HUGE)]
    # Bounds that lie (a revenue of at most 1 fen) give an overflow error, never a result.
    with pytest.raises(duckdb.OutOfRangeException):
        run_sql(p, 2024, rows, bounds={"revenue": 1, "rd_expense": 100})


def test_largest_amounts_unmet_lists() -> None:
    p = policy(conditions("ratio(rd_expense, revenue) >= 0.06", "revenue * 3 > rd_expense * 50"))
    rows = [
        r("a", 2024, rd_expense=Decimal("599999999999999.99"), revenue=HUGE),
        r("b", 2024, rd_expense=Decimal("600000000000000.00"), revenue=HUGE),
    ]
    got = run_sql(p, 2024, rows)
    assert got["a"]["unmet"] == "c0" and got["b"]["unmet"] == "c1"
