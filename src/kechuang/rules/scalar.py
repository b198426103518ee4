"""The scalar evaluator: interpret a policy's IR for one enterprise, exactly, with explanation.

Every number is a Fraction and unknown is None, with Kleene logic for and/or/not. The result
(`Verdict`) carries each condition's status, the values it read, its clause and, for unmet
thresholds, the gap (`rules.gap`). This is also the reference the SQL evaluator is tested
against, so `evaluate` is cheap to call and `gaps=False` skips the gap search.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

from kechuang.rules import gap as gaps_module
from kechuang.rules.ir import (
    And,
    Arithmetic,
    Band,
    Call,
    Compare,
    Context,
    Fact,
    IfElse,
    InSet,
    Literal,
    Lookup,
    Negate,
    Node,
    Not,
    Or,
    Parameter,
    PeriodAggregate,
    Reference,
    Scale,
    Unit,
    Value,
)
from kechuang.rules.parse import fact_unit
from kechuang.rules.policy import ConditionKind, Outcome, Policy, Status
from kechuang.rules.values import to_value
from kechuang.rules.verdict import ConditionResult, ScoreResult, Verdict
from kechuang.rules.walk import children, walk

History = Mapping[int, Mapping[str, object]]
NUMBER_UNITS = frozenset({Unit.YUAN, Unit.COUNT, Unit.RATIO, Unit.NUMBER, Unit.YEAR})


def to_runtime(raw: object, unit: Unit) -> Value:
    """A panel cell (Decimal, int, bool, date, str, None) as an exact runtime value."""
    if raw is None:
        return None
    if unit in NUMBER_UNITS:
        if isinstance(raw, bool):
            return Fraction(int(raw))
        if isinstance(raw, Fraction | int):
            return Fraction(raw)
        if isinstance(raw, Decimal):
            return Fraction(raw) if raw.is_finite() else None
        return Fraction(Decimal(str(raw)))
    if unit == Unit.BOOL:
        return bool(raw)
    if unit == Unit.DATE:
        return raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))
    return str(raw)


def years_between(start: dt.date, end: dt.date) -> int:
    """Whole years from `start` to `end` by the birthday rule; negative if end < start."""
    if end < start:
        return -years_between(end, start)
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def round_half_up_fen(yuan: Fraction) -> int:
    """An amount of yuan to whole fen, halves away from zero (amounts here are >= 0)."""
    fen = yuan * 100
    sign = -1 if fen < 0 else 1
    return sign * int(abs(fen) + Fraction(1, 2))


class Evaluator:
    """Evaluates nodes of one policy for one enterprise and year; references are memoised."""

    items: dict[str, Node | None]  # named definitions, scores and conditions
    depends: dict[str, frozenset[str]]  # item -> the facts it reads (filled lazily)

    def __init__(
        self,
        policy: Policy,
        history: History,
        year: int,
        parameters: Mapping[str, Value],
        *,
        _parent: Evaluator | None = None,
    ) -> None:
        if year not in history:
            raise ValueError(f"the enterprise has no row for {year}")
        self.policy = policy
        self.history = history
        self.year = year
        self.parameters = parameters
        self.memo: dict[str, Value] = {}
        if _parent is not None:  # a what-if copy shares the policy's static tables
            self.items = _parent.items
            self.depends = _parent.depends
            return
        self.items = {}
        for d in policy.definitions:
            self.items[d.id] = d.expr
        for s in policy.scores:
            self.items[s.id] = s.expr
        for c in policy.conditions:
            self.items[c.id] = c.expr
        self.depends = {}

    def facts_read(self, name: str) -> frozenset[str]:
        """The panel facts named item `name` reads, directly or through other items."""
        if name not in self.depends:
            found: set[str] = set()
            expr = self.items.get(name)
            for node in walk(expr) if expr is not None else ():
                if isinstance(node, Fact):
                    found.add(node.name)
                elif isinstance(node, PeriodAggregate):
                    found.add(node.fact)
                elif isinstance(node, Reference):
                    found |= self.facts_read(node.name)
            self.depends[name] = frozenset(found)
        result: frozenset[str] = self.depends[name]
        return result

    def with_fact(self, name: str, value: Fraction) -> Evaluator:
        """The same evaluation with one fact of the evaluation year replaced (gap search).

        Named items that do not read the fact keep their memoised values, so a what-if
        re-evaluates only what the change can affect."""
        history = dict(self.history)
        history[self.year] = {**self.history[self.year], name: value}
        copy = Evaluator(self.policy, history, self.year, self.parameters, _parent=self)
        copy.memo = {k: v for k, v in self.memo.items() if name not in self.facts_read(k)}
        return copy

    # ----- leaves ---------------------------------------------------------------------

    def fact(self, name: str, years_ago: int = 0) -> Value:
        row = self.history.get(self.year - years_ago)
        if row is None:
            return None
        unit = fact_unit(name) or Unit.TEXT
        if name == "year":
            return Fraction(self.year - years_ago)
        return to_runtime(row.get(name), unit)

    def aggregate(self, node: PeriodAggregate) -> Value:
        present = [y for y in range(self.year - node.years + 1, self.year + 1) if y in self.history]
        if node.function == "count":
            return Fraction(len(present))
        total = Fraction(0)
        for y in present:
            value = self.fact(node.fact, self.year - y)
            if not isinstance(value, Fraction):
                return None
            total += value
        if node.function == "avg":
            return total / len(present) if present else None
        return total

    def context(self, name: str) -> Value:
        if name == "eval_year":
            return Fraction(self.year)
        if name == "year_start":
            return dt.date(self.year, 1, 1)
        return dt.date(self.year, 12, 31)

    def reference(self, name: str) -> Value:
        if name not in self.memo:
            expr = self.items.get(name)
            self.memo[name] = None if expr is None else self.value(expr)
        return self.memo[name]

    # ----- dispatch -------------------------------------------------------------------

    def value(self, node: Node) -> Value:
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Fact):
            return self.fact(node.name, node.years_ago)
        if isinstance(node, PeriodAggregate):
            return self.aggregate(node)
        if isinstance(node, Parameter):
            return self.parameters.get(node.name)
        if isinstance(node, Context):
            return self.context(node.name)
        if isinstance(node, Reference):
            return self.reference(node.name)
        if isinstance(node, Arithmetic):
            return self.arithmetic(node)
        if isinstance(node, Negate):
            operand = self.value(node.operand)
            return -operand if isinstance(operand, Fraction) else None
        if isinstance(node, Compare):
            return compare(node.operator, self.value(node.left), self.value(node.right))
        if isinstance(node, And):
            return self.conjunction(node)
        if isinstance(node, Or):
            return self.disjunction(node)
        if isinstance(node, Not):
            operand = self.value(node.operand)
            return None if operand is None else not operand
        if isinstance(node, IfElse):
            condition = self.value(node.condition)
            if condition is None:
                return None
            return self.value(node.then if condition else node.otherwise)
        if isinstance(node, InSet):
            member = self.value(node.value)
            if member is None:
                return None
            return (member in node.options) != node.negated
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Band):
            return self.band(node)
        if isinstance(node, Lookup):
            return self.lookup(node)
        raise TypeError(f"unknown IR node {type(node).__name__}")

    def arithmetic(self, node: Arithmetic) -> Value:
        left, right = self.value(node.left), self.value(node.right)
        if not (isinstance(left, Fraction) and isinstance(right, Fraction)):
            return None
        if node.operator == "+":
            return left + right
        if node.operator == "-":
            return left - right
        if node.operator == "*":
            return left * right
        return left / right if right != 0 else None

    def conjunction(self, node: And) -> Value:
        unknown = False
        for operand in node.operands:
            value = self.value(operand)
            if value is False:
                return False
            unknown = unknown or value is None
        return None if unknown else True

    def disjunction(self, node: Or) -> Value:
        unknown = False
        for operand in node.operands:
            value = self.value(operand)
            if value is True:
                return True
            unknown = unknown or value is None
        return None if unknown else False

    def call(self, node: Call) -> Value:
        name, args = node.function, node.arguments
        if name == "known":
            return self.value(args[0]) is not None
        if name == "value_or":
            first = self.value(args[0])
            return first if first is not None else self.value(args[1])
        if name == "ratio":
            top, bottom = self.value(args[0]), self.value(args[1])
            if not (isinstance(top, Fraction) and isinstance(bottom, Fraction)):
                return None
            if bottom == 0:
                return self.value(args[2]) if len(args) == 3 else None
            return top / bottom
        values = [self.value(a) for a in args]
        if any(v is None for v in values):
            return None
        if name == "min":
            return min(values)  # type: ignore[type-var]
        if name == "max":
            return max(values)  # type: ignore[type-var]
        if name == "abs":
            first = values[0]
            return abs(first) if isinstance(first, Fraction) else None
        if name == "years_between":
            start, end = values
            assert isinstance(start, dt.date) and isinstance(end, dt.date)
            return Fraction(years_between(start, end))
        if name == "startswith":
            return str(values[0]).startswith(str(values[1]))
        if name == "section":
            return str(values[0])[:1].upper()
        raise TypeError(f"unknown function {name}")

    def band(self, node: Band) -> Value:
        value = self.value(node.input)
        bands = self.bands_of(node)
        if not isinstance(value, Fraction) or bands is None:
            return None
        for lower, points in bands:  # sorted by lower bound, descending
            if value >= lower:
                return points
        return node.otherwise

    def bands_of(self, node: Band) -> tuple[tuple[Fraction, Fraction], ...] | None:
        """The band's table: its literal one, or its scale parameter's value (None: unknown)."""
        if not node.scale:
            return node.bands
        scale = self.parameters.get(node.scale)
        return scale.bands if isinstance(scale, Scale) else None

    def lookup(self, node: Lookup) -> Value:
        code = self.value(node.code)
        if code is None:
            return None
        best: tuple[int, Fraction] | None = None
        for prefix, value in node.table:
            if str(code).startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), value)
        return best[1] if best else node.default

    # ----- what an expression read -----------------------------------------------------

    def reads(self, node: Node) -> dict[str, Value]:
        """The facts, parameters, context values and named items `node` reads, with values."""
        found: dict[str, Value] = {}
        stack = [node]
        while stack:
            current = stack.pop()
            key = read_key(current)
            if current.span.source in ("score", "score_manual_max"):
                key = current.span.source  # the desugared total keeps its name
            if key is not None:
                found.setdefault(key, self.value(current))
                continue
            stack.extend(reversed(children(current)))
        return found


def read_key(node: Node) -> str | None:
    """The name under which a leaf is shown in explanations (None for inner nodes)."""
    if isinstance(node, Fact):
        return node.name if node.years_ago == 0 else f"years_ago({node.name}, {node.years_ago})"
    if isinstance(node, PeriodAggregate):
        if node.function == "count":
            return f"count_years({node.years})"
        return f"{node.function}_years({node.fact}, {node.years})"
    if isinstance(node, Parameter | Context):
        return node.name
    if isinstance(node, Reference):
        return node.name
    return None


def compare(operator: str, left: Value, right: Value) -> Value:
    if left is None or right is None:
        return None
    if operator == "==":
        return left == right
    if operator == "!=":
        return left != right
    a, b = left, right
    if operator == "<":
        return a < b  # type: ignore[operator]
    if operator == "<=":
        return a <= b  # type: ignore[operator]
    if operator == ">":
        return a > b  # type: ignore[operator]
    return a >= b  # type: ignore[operator]


def condition_status(
    kind: ConditionKind, value: Value, has_expr: bool, met_if: Value = None
) -> Status | None:
    if kind == ConditionKind.ATTESTATION:
        return None
    if kind == ConditionKind.MANUAL_REVIEW:
        # A route the data decides (met_if) settles the condition without experts; otherwise
        # the pre-check can still rule it out, and what remains goes to review.
        if met_if is True:
            return Status.MET
        if has_expr and value is False:
            return Status.UNMET
        if has_expr and value is None:
            return Status.UNKNOWN
        return Status.MANUAL_REVIEW
    if value is None:
        return Status.UNKNOWN
    return Status.MET if value else Status.UNMET


def outcome_of(statuses: list[Status]) -> Outcome:
    """The outcome rule of docs/policy-language.md over required and manual_review conditions."""
    if Status.UNMET in statuses:
        return Outcome.INELIGIBLE
    if Status.UNKNOWN in statuses:
        return Outcome.UNKNOWN
    if Status.MANUAL_REVIEW in statuses:
        return Outcome.MANUAL_REVIEW
    return Outcome.ELIGIBLE


def evaluate(
    policy: Policy,
    history: History,
    year: int,
    overrides: Mapping[str, Value] | None = None,
    *,
    gaps: bool = True,
) -> Verdict:
    """Evaluate `policy` for one enterprise in `year`.

    `history` maps year -> that year's panel row (a mapping of column -> value, None for
    unknown); it must contain `year`, and earlier years as far as `policy.history_years`.
    `overrides` replaces parameter values (what-if). `gaps=False` skips the gap search.
    """
    unknown = sorted(set(overrides or {}) - set(policy.parameters))
    if unknown:
        raise ValueError(f"policy {policy.id} has no parameter {', '.join(unknown)}")
    overrides = {
        name: to_value(value, policy.parameters[name].unit)
        for name, value in (overrides or {}).items()
    }
    evaluator = Evaluator(policy, history, year, policy.parameter_values(year, overrides))

    conditions: list[ConditionResult] = []
    for c in policy.conditions:
        value = evaluator.reference(c.id) if c.expr is not None else None
        met_if = evaluator.value(c.met_if) if c.met_if is not None else None
        status = condition_status(c.kind, value, c.expr is not None, met_if)
        values = evaluator.reads(c.expr) if c.expr is not None else {}
        if c.met_if is not None:
            values = {**evaluator.reads(c.met_if), **values}
        gap = None
        if gaps and status == Status.UNMET and c.expr is not None:
            gap = gaps_module.condition_gap(evaluator, c)
        conditions.append(
            ConditionResult(c.id, c.label, c.clause, c.kind, status, value, values, gap)
        )
    blocking = [
        r.status
        for r in conditions
        if r.kind in (ConditionKind.REQUIRED, ConditionKind.MANUAL_REVIEW) and r.status
    ]
    outcome = outcome_of(blocking)
    unmet = [
        r.id
        for r in conditions
        if r.status == Status.UNMET
        and r.kind in (ConditionKind.REQUIRED, ConditionKind.MANUAL_REVIEW)
    ]

    scores: list[ScoreResult] = []
    for s in policy.scores:
        manual = s.manual_max > 0
        raw = evaluator.reference(s.id) if s.expr is not None else None
        points = raw if isinstance(raw, Fraction) else None
        values = evaluator.reads(s.expr) if s.expr is not None else {}
        scores.append(
            ScoreResult(s.id, s.label, s.clause, points, s.max_points, manual, s.in_total, values)
        )
    total, score_range = total_score(policy, scores)

    benefit_fen = None
    if outcome == Outcome.ELIGIBLE and policy.benefit is not None:
        benefit_fen = benefit_amount(evaluator, policy)

    verdict = Verdict(
        policy_id=policy.id,
        version=policy.version,
        year=year,
        outcome=outcome,
        score=total,
        score_range=score_range,
        benefit_fen=benefit_fen,
        unmet=unmet,
        conditions=conditions,
        scores=scores,
        definitions={d.id: evaluator.reference(d.id) for d in policy.definitions},
        overrides=overrides,
        attestations=[c.id for c in policy.conditions if c.kind == ConditionKind.ATTESTATION],
    )
    if gaps and policy.scores and outcome != Outcome.ELIGIBLE:
        verdict = gaps_module.with_score_gaps(evaluator, verdict)
    return verdict


def total_score(
    policy: Policy, scores: list[ScoreResult]
) -> tuple[Fraction | None, tuple[Fraction, Fraction] | None]:
    """The data score (sum of in-total data scores) and its range with the manual maxima."""
    if not scores:
        return None, None
    total = Fraction(0)
    manual_max = Fraction(0)
    for s in scores:
        if not s.in_total:
            continue
        if s.manual:
            manual_max += s.max_points
        elif s.points is None:
            return None, None
        else:
            total += s.points
    return total, (total, total + manual_max)


def benefit_amount(evaluator: Evaluator, policy: Policy) -> int | None:
    """The benefit in fen: min(amount, cap), never negative, rounded half up to the fen."""
    assert policy.benefit is not None
    amount = evaluator.value(policy.benefit.amount)
    if not isinstance(amount, Fraction):
        return None
    if policy.benefit.cap is not None:
        cap = evaluator.value(policy.benefit.cap)
        if not isinstance(cap, Fraction):
            return None
        amount = min(amount, cap)
    return round_half_up_fen(max(amount, Fraction(0)))
