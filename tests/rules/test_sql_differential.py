# ruff: noqa: E501
"""Property: the SQL evaluator and the scalar evaluator agree exactly on random policies.

Random small panels (several enterprises, 1-3 years, random unknowns, values at and around
the thresholds the expressions use) and random well-typed IR (arithmetic, division, ratio with
if_zero, min/max, bands, lookups, if-else, periods, Kleene logic) must give identical
outcomes, scores, benefits and unmet lists from `rules.sql` in DuckDB and `rules.scalar`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.rules import ir
from kechuang.rules.ir import Unit
from kechuang.rules.policy import (
    Benefit,
    Condition,
    ConditionKind,
    Mode,
    ParameterDef,
    ParameterValue,
    Policy,
    Score,
    Text,
)  # fmt: skip
from kechuang.rules.scalar import evaluate
from tests.engines.sqlkit import row, run_sql, tight_bounds

YEAR = 2024
T = Text("t", "t")
EDGES = [Fraction(0), Fraction(1), Fraction(-1), Fraction(6, 100), Fraction(1, 3), Fraction(100),
         Fraction(99999, 100), Fraction(1000)]  # fmt: skip

yuan = st.sampled_from([None, Decimal("0"), Decimal("0.01"), Decimal("6"), Decimal("99.99"),
                        Decimal("100"), Decimal("100.01"), Decimal("999.99"), Decimal("1000"),
                        Decimal("16.67"), Decimal("50")])  # fmt: skip
count = st.sampled_from([None, 0, 1, 3, 6, 100])
ratio_fact = st.sampled_from(
    [None, Decimal("0"), Decimal("0.06"), Decimal("0.333333"), Decimal("1")]
)
boolean = st.sampled_from([None, True, False])
code = st.sampled_from([None, "M7320", "C2710", "F5211", "I6513"])


@st.composite
def enterprise(draw: Any, uscc: str) -> list[dict[str, Any]]:
    years = draw(st.sets(st.sampled_from([2022, 2023]))) | {YEAR}
    industry = draw(code)
    founded = draw(
        st.sampled_from([None, dt.date(2023, 12, 31), dt.date(2020, 2, 29), dt.date(2024, 12, 31)])
    )
    rows = []
    for y in sorted(years):
        rows.append(row(uscc, y, industry_code=industry, founded_on=founded,
                        revenue=draw(yuan), rd_expense=draw(yuan), employees=draw(count),
                        st_staff=draw(count), market_share=draw(ratio_fact), is_hnte=draw(boolean)))  # fmt: skip
    return rows


NUM_LEAVES = [
    ir.Fact(Unit.YUAN, "revenue"), ir.Fact(Unit.YUAN, "rd_expense"), ir.Fact(Unit.COUNT, "employees"),
    ir.Fact(Unit.COUNT, "st_staff"), ir.Fact(Unit.RATIO, "market_share"),
    ir.Fact(Unit.YUAN, "revenue", years_ago=1), ir.Fact(Unit.COUNT, "employees", years_ago=2),
    ir.PeriodAggregate(Unit.YUAN, "sum", "revenue", 3), ir.PeriodAggregate(Unit.YUAN, "avg", "rd_expense", 2),
    ir.PeriodAggregate(Unit.COUNT, "count", "year", 3), ir.Parameter(Unit.YUAN, "amount"),
    ir.Context(Unit.YEAR, "eval_year"),
]  # fmt: skip


def num_expr(depth: int) -> st.SearchStrategy[ir.Node]:
    leaf = st.one_of(
        st.sampled_from(NUM_LEAVES),
        st.sampled_from(EDGES).map(lambda v: ir.Literal(Unit.NUMBER, v)),
    )
    if depth == 0:
        return leaf
    sub = num_expr(depth - 1)
    return st.one_of(
        leaf,
        st.builds(lambda o, a, b: ir.Arithmetic(Unit.NUMBER, o, a, b), st.sampled_from("+-*/"), sub, sub),
        sub.map(lambda a: ir.Negate(Unit.NUMBER, a)),
        st.builds(lambda f, a, b: ir.Call(Unit.NUMBER, f, (a, b)), st.sampled_from(["min", "max", "ratio", "value_or"]), sub, sub),
        sub.map(lambda a: ir.Call(Unit.NUMBER, "abs", (a,))),
        st.builds(lambda a, b, c: ir.Call(Unit.RATIO, "ratio", (a, b, c)), sub, sub, sub),
        sub.map(lambda a: ir.Band(Unit.NUMBER, a, ((Fraction(100), Fraction(30)), (Fraction(6), Fraction(15, 2)), (Fraction(0), Fraction(1))), Fraction(-2))),
        st.builds(lambda c, a, b: ir.IfElse(Unit.NUMBER, c, a, b), bool_expr(depth - 1), sub, sub),
        st.just(ir.Lookup(Unit.YUAN, ir.Fact(Unit.CODE, "industry_code"),
                          ((("C", Fraction(20)), ("F52", Fraction(5)), ("F", Fraction(7)))), None)),
        st.just(ir.Call(Unit.COUNT, "years_between", (ir.Fact(Unit.DATE, "founded_on"), ir.Context(Unit.DATE, "year_end")))),
    )  # fmt: skip


def bool_expr(depth: int) -> st.SearchStrategy[ir.Node]:
    leaf = st.one_of(
        st.just(ir.Fact(Unit.BOOL, "is_hnte")),
        st.just(ir.Fact(Unit.BOOL, "is_hnte", years_ago=1)),
        st.just(ir.Literal(Unit.BOOL, None)),
        st.builds(lambda o, a, b: ir.Compare(Unit.BOOL, o, a, b), st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), num_expr(0), num_expr(0)),
        st.just(ir.InSet(Unit.BOOL, ir.Call(Unit.CODE, "section", (ir.Fact(Unit.CODE, "industry_code"),)), ("M", "C"))),
        st.just(ir.Call(Unit.BOOL, "startswith", (ir.Fact(Unit.CODE, "industry_code"), ir.Literal(Unit.CODE, "F52")))),
    )  # fmt: skip
    if depth == 0:
        return leaf
    sub = bool_expr(depth - 1)
    return st.one_of(
        leaf,
        st.builds(lambda o, a, b: ir.Compare(Unit.BOOL, o, a, b), st.sampled_from(["<", ">=", "=="]), num_expr(depth - 1), num_expr(depth - 1)),
        st.lists(sub, min_size=2, max_size=3).map(lambda xs: ir.And(Unit.BOOL, tuple(xs))),
        st.lists(sub, min_size=2, max_size=3).map(lambda xs: ir.Or(Unit.BOOL, tuple(xs))),
        sub.map(lambda a: ir.Not(Unit.BOOL, a)),
        num_expr(depth - 1).map(lambda a: ir.Call(Unit.BOOL, "known", (a,))),
        st.builds(lambda a: ir.InSet(Unit.BOOL, a, (Fraction(0), Fraction(6)), negated=True), num_expr(0)),
    )  # fmt: skip


@st.composite
def policies(draw: Any) -> Policy:
    n = draw(st.integers(1, 3))
    conds = []
    for i in range(n):
        kind = draw(
            st.sampled_from([ConditionKind.REQUIRED, ConditionKind.REQUIRED, ConditionKind.HELPER])
        )
        conds.append(Condition(f"c{i}", T, "x", kind, draw(bool_expr(2))))
    if draw(st.booleans()):
        pre = draw(st.one_of(st.none(), bool_expr(1)))
        conds.append(Condition("review", T, "x", ConditionKind.MANUAL_REVIEW, pre))
    scores = ()
    if draw(st.booleans()):
        scores = (Score("s1", T, "x", draw(num_expr(1)), Fraction(30)),
                  Score("s2", T, "x", None, Fraction(20), manual_max=Fraction(20)))  # fmt: skip
    benefit = None
    if draw(st.booleans()):
        cap = draw(st.one_of(st.none(), num_expr(0)))
        benefit = Benefit(draw(num_expr(2)), cap)
    amount = ParameterDef(
        "amount", T, Unit.YUAN, (ParameterValue(dt.date(2016, 1, 1), Fraction(200000)),)
    )
    return Policy(
        id="random", version="1", title=T, issuer="", document_number="", source_url="",
        effective_from=dt.date(2016, 1, 1), effective_to=None, mode=Mode.AUTOMATIC,
        parameters={"amount": amount}, definitions=(), scores=scores, conditions=tuple(conds),
        benefit=benefit, exclusions=(), budget=None, content_hash="", history_years=2,
    )  # fmt: skip


@st.composite
def panels(draw: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 5))):
        rows.extend(draw(enterprise(f"E{i}")))
    return rows


@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy=policies(), rows=panels(), tight=st.booleans())
def test_sql_and_scalar_agree(policy: Policy, rows: list[dict[str, Any]], tight: bool) -> None:
    # With the data's own bounds most arithmetic is 64-bit; without, the types' bounds.
    got = run_sql(policy, YEAR, rows, bounds=tight_bounds(rows) if tight else None)
    by_uscc: dict[str, dict[int, dict[str, Any]]] = {}
    for r in rows:
        by_uscc.setdefault(r["uscc"], {})[r["year"]] = r
    assert set(got) == set(by_uscc)
    for uscc, history in by_uscc.items():
        verdict = evaluate(policy, history, YEAR, gaps=False)
        result = got[uscc]
        assert result["outcome"] == verdict.outcome.value, uscc
        assert result["unmet"] == ";".join(verdict.unmet), uscc
        expected_score = None if verdict.score is None else _round2(verdict.score)
        assert result["score"] == expected_score, uscc
        expected_benefit = (
            None if verdict.benefit_fen is None else Decimal(verdict.benefit_fen) / 100
        )
        assert result["benefit_yuan"] == expected_benefit, uscc


def _round2(value: Fraction) -> Decimal:
    scaled = value * 100
    fen = (scaled + Fraction(1, 2)).__floor__()
    return Decimal(fen) / 100
