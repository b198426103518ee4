"""The gap (差距): the smallest change of one fact that would meet an unmet criterion.

The search uses the scalar evaluator itself as the oracle, so it is exact and works for any
expression that is monotone in the fact: for each candidate fact the condition reads in the
evaluation year, it doubles the change until the condition holds, then bisects over the
fact's own grid (whole counts, fen for yuan, 1e-6 for ratios) to the smallest change.
Increases are tried before decreases ("R&D +¥1.2m" rather than "revenue -¥24m"). For scores
it finds the points missing to the pass mark and, per score, the change to its next band.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING

from kechuang.domain.panel import BY_NAME
from kechuang.rules.format import show
from kechuang.rules.ir import (
    Band,
    Compare,
    Fact,
    IfElse,
    Literal,
    Node,
    Parameter,
    PeriodAggregate,
    Reference,
    Unit,
    Value,
)
from kechuang.rules.policy import Condition
from kechuang.rules.verdict import Gap, ScoreStep, Verdict
from kechuang.rules.walk import children, walk

if TYPE_CHECKING:
    from kechuang.rules.scalar import Evaluator

GRID: dict[Unit, Fraction] = {
    Unit.COUNT: Fraction(1),
    Unit.YUAN: Fraction(1, 100),
    Unit.RATIO: Fraction(1, 10**6),
}
MAX_STEPS = 2**50  # 11 trillion yuan in fen, 10^15 people: the doubling stops there


def candidate_facts(evaluator: Evaluator, expr: Node) -> list[tuple[str, Unit]]:
    """Numeric facts of the evaluation year that `expr` reads, through references, in order."""
    found: dict[str, Unit] = {}
    seen: set[str] = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Fact) and node.years_ago == 0 and node.unit in GRID:
            found.setdefault(node.name, node.unit)
        elif isinstance(node, PeriodAggregate) and node.function != "count" and node.unit in GRID:
            found.setdefault(node.fact, node.unit)
        elif isinstance(node, Reference) and node.name not in seen:
            seen.add(node.name)
            target = evaluator.items.get(node.name)
            if target is not None:
                stack.append(target)
        stack.extend(reversed(children(node)))
    return list(found.items())


def _bounds(evaluator: Evaluator, fact: str) -> tuple[Fraction | None, Fraction | None]:
    """The values the data contract allows for `fact` in this row (inclusive)."""
    spec = BY_NAME[fact]
    low = Fraction(spec.min_value) if spec.min_value is not None else None
    high = Fraction(spec.max_value) if spec.max_value is not None else None
    if spec.max_field is not None:
        limit = evaluator.fact(spec.max_field)
        if isinstance(limit, Fraction):
            high = limit if high is None else min(high, limit)
    return low, high


def smallest_change(
    evaluator: Evaluator,
    fact: str,
    unit: Unit,
    direction: int,
    holds: Callable[[Evaluator], bool],
) -> Fraction | None:
    """The value of `fact` nearest to its current one (moving in `direction`) that makes
    `holds` true, on the fact's grid and within its bounds; None if there is none."""
    current = evaluator.fact(fact)
    if not isinstance(current, Fraction):
        return None
    step = GRID[unit]
    low, high = _bounds(evaluator, fact)
    limit = MAX_STEPS
    edge = high if direction > 0 else low
    if edge is not None:
        limit = min(limit, int((edge - current) * direction / step))
    if limit < 1:
        return None

    def test(k: int) -> bool:
        return holds(evaluator.with_fact(fact, current + direction * k * step))

    if not test(limit):  # monotone: if the largest change fails, every smaller one does
        return None
    lo, hi = 0, 1
    while not test(hi):
        if hi >= limit:
            return None
        lo, hi = hi, min(hi * 2, limit)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if test(mid):
            hi = mid
        else:
            lo = mid
    return current + direction * hi * step


def _threshold(evaluator: Evaluator, expr: Node) -> tuple[Value, Unit] | None:
    """The constant side of a top-level comparison (`... >= 0.05`), for the message."""
    if not isinstance(expr, Compare):
        return None
    for side in (expr.right, expr.left):
        if isinstance(side, Literal | Parameter):
            return evaluator.value(side), side.unit
    return None


def _make_gap(
    fact: str, unit: Unit, current: Fraction, target: Fraction, zh_goal: str, en_goal: str
) -> Gap:
    spec = BY_NAME[fact]
    change = target - current
    amount = show(abs(change), unit)
    more_zh, more_en = ("增加", "Increase") if change > 0 else ("减少", "Decrease")
    return Gap(
        fact=fact,
        unit=unit,
        current=current,
        target=target,
        change=change,
        message_zh=f"{spec.label_zh}再{more_zh} {amount} 即可{zh_goal}",
        message_en=f"{more_en} {spec.label_en} by {amount} to {en_goal}",
    )


def _search(
    evaluator: Evaluator, expr: Node, holds: Callable[[Evaluator], bool]
) -> tuple[str, Unit, Fraction, Fraction] | None:
    for direction in (1, -1):
        for fact, unit in candidate_facts(evaluator, expr):
            target = smallest_change(evaluator, fact, unit, direction, holds)
            if target is not None:
                current = evaluator.fact(fact)
                assert isinstance(current, Fraction)
                return fact, unit, current, target
    return None


def condition_gap(evaluator: Evaluator, condition: Condition) -> Gap | None:
    """For an unmet condition: the smallest change of one fact that meets it, or None."""
    expr = condition.expr
    if expr is None:
        return None
    found = _search(evaluator, expr, lambda e: e.value(expr) is True)
    if found is None:
        return None
    threshold = _threshold(evaluator, expr)
    if threshold is not None and threshold[0] is not None:
        shown = show(threshold[0], threshold[1])
        zh_goal, en_goal = f"达到 {shown} 标准", f"reach the {shown} threshold"
        if threshold[1] not in (Unit.YUAN, Unit.RATIO) and isinstance(expr, Compare):
            # "达到 2 标准" reads badly for plain numbers: say the comparison instead
            zh_goal = f"达到标准（{expr.operator} {shown}）"
            en_goal = f"meet the threshold ({expr.operator} {shown})"
    else:
        zh_goal = f"满足「{condition.label.zh}」"
        en_goal = f"meet “{condition.label.en}”"
    return _make_gap(*found, zh_goal, en_goal)


def _is_total(node: Node) -> bool:
    return node.span.source == "score"


def pass_mark(evaluator: Evaluator) -> Fraction | None:
    """The score a condition asks for (`score >= 60`), if any condition compares the total."""
    for condition in evaluator.policy.conditions:
        if condition.expr is None:
            continue
        for node in walk(condition.expr):
            if isinstance(node, Compare):
                for mine, other in ((node.left, node.right), (node.right, node.left)):
                    if _is_total(mine) and isinstance(other, Literal | Parameter):
                        value = evaluator.value(other)
                        if isinstance(value, Fraction):
                            return value
    return None


def _levels(evaluator: Evaluator, expr: Node) -> list[Fraction]:
    levels: set[Fraction] = set()
    stack, seen = [expr], set()
    while stack:
        node = stack.pop()
        if isinstance(node, Band):
            levels.update(points for _, points in evaluator.bands_of(node) or ())
            levels.add(node.otherwise)
        if isinstance(node, IfElse):  # `30 if ip_class1 >= 1 else band(...)`
            for branch in (node.then, node.otherwise):
                if isinstance(branch, Literal) and isinstance(branch.value, Fraction):
                    levels.add(branch.value)
        if isinstance(node, Reference) and node.name not in seen:
            seen.add(node.name)
            target = evaluator.items.get(node.name)
            if target is not None:
                stack.append(target)
        stack.extend(children(node))
    return sorted(levels)


def with_score_gaps(evaluator: Evaluator, verdict: Verdict) -> Verdict:
    """The verdict with the pass mark, the points missing and each score's next step."""
    mark = pass_mark(evaluator)
    missing = None
    if mark is not None and verdict.score is not None and verdict.score < mark:
        missing = mark - verdict.score
    steps: list[ScoreStep] = []
    for score in evaluator.policy.scores:
        expr = score.expr
        if expr is None or not score.in_total:
            continue
        current = evaluator.reference(score.id)
        if not isinstance(current, Fraction):
            continue
        higher = [level for level in _levels(evaluator, expr) if level > current]
        if not higher:
            continue
        goal = higher[0]
        score_id = score.id

        def holds(e: Evaluator, score_id: str = score_id, goal: Fraction = goal) -> bool:
            value = e.reference(score_id)
            return isinstance(value, Fraction) and value >= goal

        found = _search(evaluator, expr, holds)
        if found is None:
            continue
        # The smallest change may jump more than one band (one Class I IP gives 30 points).
        reached = evaluator.with_fact(found[0], found[3]).reference(score.id)
        points = reached if isinstance(reached, Fraction) else goal
        gain = show(points - current, Unit.NUMBER)
        gap = _make_gap(
            *found,
            f"使「{score.label.zh}」得 {show(points, Unit.NUMBER)} 分（+{gain}）",
            f"score {show(points, Unit.NUMBER)} points on “{score.label.en}” (+{gain})",
        )
        steps.append(ScoreStep(score.id, current, points, gap))
    steps.sort(key=lambda step: -step.gain)
    return dataclasses.replace(verdict, pass_mark=mark, points_missing=missing, score_steps=steps)
