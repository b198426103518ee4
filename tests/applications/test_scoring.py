"""Aggregation of the panel's marks, exact: checked against Python's `statistics` (a second
implementation, over Fractions) for any marks, and against hand-worked panels."""

from __future__ import annotations

import statistics
from fractions import Fraction
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from kechuang.applications.rounds import Item
from kechuang.applications.scoring import combine, mean, median, trimmed_mean

marks = st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=9)


@given(marks)
def test_mean_and_median_agree_with_statistics(values: list[int]) -> None:
    exact = [Fraction(v) for v in values]
    assert mean(values) == statistics.mean(exact)
    assert median(values) == statistics.median(exact)


@given(marks)
def test_trimmed_mean_drops_one_highest_and_one_lowest(values: list[int]) -> None:
    ordered = sorted(values)
    expected = statistics.mean(
        [Fraction(v) for v in (ordered[1:-1] if len(values) >= 3 else ordered)]
    )
    assert trimmed_mean(values) == expected


def sheets(points: dict[int, dict[str, int]]) -> dict[int, dict[str, object]]:
    return {a: {i: SimpleNamespace(points=p) for i, p in s.items()} for a, s in points.items()}


SHEET = [
    Item("advancement", "技术先进程度", "Advancement", 8, "四（三）1"),
    Item("organisation", "研发组织管理", "R&D organisation", 20, "四（三）3"),
    Item("field", "领域", "Field", 1, "第十一条（三）", judgement=True),
]


def test_hand_worked_panel() -> None:
    panel = combine(
        SHEET,
        "mean",
        5,
        sheets(
            {
                1: {"advancement": 7, "organisation": 18, "field": 1},
                2: {"advancement": 6, "organisation": 16, "field": 1},
                3: {"advancement": 1, "organisation": 15, "field": 0},
            }
        ),
    )
    values = {r.item.id: r.value for r in panel.items}
    assert values == {
        "advancement": Fraction(14, 3),
        "organisation": Fraction(49, 3),
        "field": Fraction(1),
    }
    assert panel.expert_points == Fraction(14, 3) + Fraction(49, 3)  # 21, exactly
    # Totals 25, 22, 16; median 22: 16 lies 6 away (> 5): an outlier.
    assert panel.totals == {1: 25, 2: 22, 3: 16} and panel.outliers == [3]
    # Advancement spreads 6 of 8 (> half): disagreement; organisation 3 of 20: none.
    assert {r.item.id: r.disagreement for r in panel.items}["advancement"] is True
    assert {r.item.id: r.disagreement for r in panel.items}["organisation"] is False
    assert panel.judgement("field") is True


def test_a_split_judgement_is_not_met() -> None:
    panel = combine(
        SHEET,
        "median",
        50,
        sheets(
            {
                1: {"advancement": 4, "organisation": 10, "field": 1},
                2: {"advancement": 4, "organisation": 10, "field": 0},
            }
        ),
    )
    assert panel.judgement("field") is False
    assert panel.outliers == []
