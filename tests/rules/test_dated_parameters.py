"""Dated parameter values with their own references, and scales (band tables as parameters), as
openfisca-core's parameter_at_instant and parameter_scale: an amended amount or a moved band
edge is one more dated value with its citation, and `--set` can move an edge for a what-if.

Both evaluators must agree: the scalar one and the SQL one (DuckDB) on the same panel.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from kechuang.rules.errors import PolicyError
from kechuang.rules.explain import json_value
from kechuang.rules.ir import Scale
from kechuang.rules.overrides import OverrideError, parse_overrides
from kechuang.rules.scalar import evaluate
from kechuang.rules.values import to_value
from tests.engines.sqlkit import row, run_sql
from tests.rules.policies import make

SCALED = """\
parameters:
  bands:
    label: {zh: 分档, en: Bands}
    unit: scale
    reference: 第七条（一）
    values:
      - {from: 2017-01-01, value: [[0.30, 20], [0.10, 4]]}
      - {from: 2025-01-01, value: [[0.25, 20], [0.10, 4]], reference: 2025年修订 第七条（一）}
  amount:
    label: {zh: 金额, en: Amount}
    unit: yuan
    reference: 第三条
    values:
      - {from: 2017-01-01, value: 100}
      - {from: 2026-01-01, value: 150, reference: 2026年调整通知 第二条}
scores:
  - id: staff_points
    label: {zh: 科技人员, en: Staff}
    clause: 第七条（一）
    max_points: 20
    expr: band(ratio(st_staff, employees), bands)
conditions:
  - id: pass
    label: {zh: 得分, en: Score}
    clause: 第六条
    expr: score >= 20
benefit:
  clause: 第三条
  amount: amount
"""


def _sql_score(policy, year: int, overrides=None) -> Fraction | None:  # type: ignore[no-untyped-def]
    found = run_sql(policy, year, [row("u1", year, st_staff=27, employees=100)], overrides)
    score = found["u1"]["score"]
    return None if score is None else Fraction(str(score))


def _scalar_score(policy, year: int, overrides=None) -> Fraction | None:  # type: ignore[no-untyped-def]
    history = {year: {"st_staff": 27, "employees": 100}}
    score = evaluate(policy, history, year, overrides, gaps=False).score
    return None if score is None else Fraction(score)


@pytest.mark.parametrize(
    ("year", "points"),
    [(2024, 4), (2025, 20)],  # 27% is below the 30% edge until 2025, above the 25% edge after
)
def test_the_scale_in_force_on_31_december_decides_in_both_evaluators(
    year: int, points: int
) -> None:
    policy = make(SCALED)
    assert _scalar_score(policy, year) == points
    assert _sql_score(policy, year) == points


def test_set_moves_a_band_edge_in_both_evaluators() -> None:
    policy = make(SCALED)
    parsed = parse_overrides(["t.bands=[[0.27, 20], [0.10, 4]]"], [policy])["t"]
    assert parsed["bands"] == Scale(((Fraction(27, 100), Fraction(20)), (Fraction(1, 10), 4)))
    assert _scalar_score(policy, 2024, parsed) == 20
    assert _sql_score(policy, 2024, parsed) == 20
    one_above = parse_overrides(["t.bands=27.0001%:20, 10%:4"], [policy])["t"]
    assert _scalar_score(policy, 2024, one_above) == 4
    assert _sql_score(policy, 2024, one_above) == 4


def test_a_scale_round_trips_through_its_stored_text() -> None:
    scale = to_value([[0.3, 20], ["12.5%", 7.5], [0, 1]], _scale_unit())
    assert isinstance(scale, Scale)
    assert json_value(scale) == "[[0.3, 20], [0.125, 7.5], [0, 1]]"
    assert to_value(json_value(scale), _scale_unit()) == scale


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[0.3, 20], [0.3, 10]]", "two bands have the lower bound"),
        ("0.3", "is not a band"),
        ("[[0.3, x]]", "is not a number"),
        ("", "is not a band table"),
    ],
)
def test_a_bad_scale_override_is_refused(text: str, message: str) -> None:
    with pytest.raises(OverrideError) as caught:
        parse_overrides([f"t.bands={text}"], [make(SCALED)])
    assert message in str(caught.value) and "unit scale" in str(caught.value)


def test_each_dated_value_carries_its_reference_else_the_parameters() -> None:
    amount = make(SCALED).parameters["amount"]
    assert [v.reference for v in amount.values] == ["第三条", "2026年调整通知 第二条"]
    assert amount.reference_on(dt.date(2025, 12, 31)) == "第三条"
    assert amount.reference_on(dt.date(2026, 12, 31)) == "2026年调整通知 第二条"
    benefit = evaluate(make(SCALED), {2026: {"st_staff": 30, "employees": 100}}, 2026)
    assert benefit.benefit_fen == 15000


def test_a_scale_outside_band_is_an_error_at_its_name() -> None:
    text = SCALED.replace("expr: score >= 20", "expr: bands > 0")
    with pytest.raises(PolicyError) as caught:
        make(text)
    assert "'bands' is a scale (a band table): use it as band(x, bands)" in caught.value.message


def test_two_values_from_the_same_day_are_refused() -> None:
    text = SCALED.replace("{from: 2026-01-01, value: 150", "{from: 2017-01-01, value: 150")
    with pytest.raises(PolicyError) as caught:
        make(text)
    assert "two values from the same date" in caught.value.message


def _scale_unit():  # type: ignore[no-untyped-def]
    from kechuang.rules.ir import Unit

    return Unit.SCALE


WINDOWED = """\
parameters:
  window_from:
    label: {zh: 起, en: From}
    unit: date
    reference: 第二条
    values:
      - {from: 2025-01-01, value: 2024-08-01}
  window_to:
    label: {zh: 止, en: To}
    unit: date
    reference: 第二条
    values:
      - {from: 2025-01-01, value: 2025-08-31}
conditions:
  - id: paid
    label: {zh: 已缴保费, en: Premium paid}
    clause: 第一条
    expr: loan_charge_timely_paid > 0
"""


def test_a_windowed_fact_needs_the_window_parameters() -> None:
    assert make(WINDOWED).history_years == 0
    without = WINDOWED.replace("window_to:", "window_until:")
    with pytest.raises(PolicyError) as caught:
        make(without)
    assert "add the date parameter window_to" in caught.value.message


def test_a_windowed_fact_is_read_for_the_evaluation_year_only() -> None:
    earlier = WINDOWED.replace(
        "expr: loan_charge_timely_paid > 0", "expr: years_ago(loan_charge_timely_paid, 1) > 0"
    )
    with pytest.raises(PolicyError) as caught:
        make(earlier)
    assert "read it for the evaluation year only" in caught.value.message
