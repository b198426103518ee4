"""Property: random well-formed expressions parse, and evaluate without crashing."""

# ruff: noqa: E501  (strategy tables read best one per line)

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.rules.parse import parse_expression
from kechuang.rules.scalar import Evaluator
from tests.rules.policies import condition

NUMBER_TEXT = ["revenue", "rd_expense", "sum_years(revenue, 3)", "years_ago(rd_expense, 1)",
               "avg_years(revenue, 2)", "value_or(revenue, 0)", "abs(net_assets)"]  # fmt: skip
COUNT_TEXT = ["employees", "st_staff", "count_years(3)", "ip_class1 * 7 + ip_class2"]
RATIO_TEXT = ["ratio(st_staff, employees)", "ratio(rd_expense, revenue, 0)", "growth(revenue, 1)",
              "market_share"]  # fmt: skip
LITERALS = ["0", "1", "0.05", "20_000_000", "3.5"]


def yuan() -> st.SearchStrategy[str]:
    leaf = st.sampled_from(NUMBER_TEXT)
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            st.tuples(inner, st.sampled_from(["*", "/"]), st.sampled_from(LITERALS)).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            st.tuples(inner, st.sampled_from(RATIO_TEXT)).map(lambda t: f"({t[0]} * {t[1]})"),
            st.tuples(inner, inner).map(lambda t: f"min({t[0]}, {t[1]})"),
            st.tuples(st.just("is_hnte"), inner, inner).map(
                lambda t: f"({t[1]} if {t[0]} else {t[2]})"
            ),
        ),
        max_leaves=6,
    )


def boolean() -> st.SearchStrategy[str]:
    comparisons = st.one_of(
        st.tuples(yuan(), st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), st.sampled_from(LITERALS + NUMBER_TEXT))
        .map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
        st.tuples(st.sampled_from(RATIO_TEXT), st.sampled_from(LITERALS)).map(lambda t: f"{t[0]} >= {t[1]}"),
        st.tuples(st.sampled_from(COUNT_TEXT), st.sampled_from(LITERALS)).map(
            lambda t: f"0 <= {t[0]} < {t[1]}"
        ),
        st.sampled_from(["is_hnte", "known(revenue)", 'industry_code in ("M7320", "C2710")',
                         'startswith(industry_code, "C")', "crossed(revenue, 20000000)",
                         "years_between(founded_on, year_end) >= 1",
                         "band(ratio(st_staff, employees), [[0.1, 4], [0.3, 20]]) >= 4",
                         'revenue >= lookup(industry_code, {"C": 20000000, "F52": 5000000}, 1)']),
    )  # fmt: skip
    return st.recursive(
        comparisons,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            inner.map(lambda t: f"not ({t})"),
        ),
        max_leaves=5,
    )


amounts = st.one_of(st.none(), st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
counts = st.one_of(st.none(), st.integers(min_value=0, max_value=1000))


@st.composite
def histories(draw: st.DrawFn) -> dict[int, dict[str, object]]:
    history: dict[int, dict[str, object]] = {}
    for year in (2022, 2023, 2024):
        if year != 2024 and draw(st.booleans()):
            continue
        history[year] = {
            "revenue": draw(amounts),
            "rd_expense": draw(amounts),
            "net_assets": draw(
                st.one_of(st.none(), st.decimals(min_value=-(10**6), max_value=10**6, places=2))
            ),
            "employees": draw(counts),
            "st_staff": draw(counts),
            "ip_class1": draw(counts),
            "ip_class2": draw(counts),
            "market_share": draw(
                st.one_of(st.none(), st.decimals(min_value=0, max_value=1, places=6))
            ),
            "is_hnte": draw(st.one_of(st.none(), st.booleans())),
            "industry_code": draw(st.sampled_from([None, "M7320", "C2710", "F5211"])),
            "founded_on": draw(
                st.sampled_from([None, dt.date(2020, 2, 29), dt.date(2024, 12, 31)])
            ),
        }
    return history


@settings(max_examples=200, deadline=None)
@given(boolean(), histories())
def test_random_expressions_parse_and_evaluate(
    text: str, history: dict[int, dict[str, object]]
) -> None:
    node = parse_expression(text)
    evaluator = Evaluator(condition("true"), history, 2024, {})
    result = evaluator.value(node)
    assert result is None or isinstance(result, bool)
