"""The result of evaluating one policy for one enterprise and year, with everything an
explanation needs: each condition's status, the values it read, its clause and its gap.

Plain dataclasses of exact values (Fractions, fen ints); `rules.explain` renders them as text
or JSON. Built by `rules.scalar.evaluate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from kechuang.rules.ir import Unit, Value
from kechuang.rules.policy import ConditionKind, Outcome, Status, Text


@dataclass(frozen=True)
class Gap:
    """The smallest change of one fact (in the evaluation year) that would meet a criterion."""

    fact: str
    unit: Unit
    current: Fraction
    target: Fraction
    change: Fraction  # target - current: positive for an increase
    message_zh: str
    message_en: str

    def message(self, lang: str = "zh") -> str:
        return self.message_zh if lang.startswith("zh") else self.message_en


@dataclass(frozen=True)
class ConditionResult:
    id: str
    label: Text
    clause: str
    kind: ConditionKind
    status: Status | None  # None for attestations: never evaluated, never blocking
    value: Value = None  # the expression's value (a pre-check's for manual_review)
    values: dict[str, Value] = field(default_factory=dict)  # what it read, by name
    gap: Gap | None = None


@dataclass(frozen=True)
class ScoreStep:
    """How one score could reach its next band: the points it would gain and the change."""

    score_id: str
    current_points: Fraction
    next_points: Fraction
    gap: Gap

    @property
    def gain(self) -> Fraction:
        return self.next_points - self.current_points


@dataclass(frozen=True)
class ScoreResult:
    id: str
    label: Text
    clause: str
    points: Fraction | None  # None: unknown from data, or a manual (expert) score
    max_points: Fraction
    manual: bool
    in_total: bool
    values: dict[str, Value] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    policy_id: str
    version: str
    year: int
    outcome: Outcome
    score: Fraction | None
    score_range: tuple[Fraction, Fraction] | None  # data score .. data score + manual maxima
    benefit_fen: int | None
    unmet: list[str]
    conditions: list[ConditionResult]
    scores: list[ScoreResult]
    definitions: dict[str, Value]
    overrides: dict[str, Value]
    attestations: list[str]  # ids of the attestation conditions, for the enterprise to confirm
    pass_mark: Fraction | None = None  # the score a condition asks for (`score >= 60`)
    points_missing: Fraction | None = None
    score_steps: list[ScoreStep] = field(default_factory=list)

    def condition(self, condition_id: str) -> ConditionResult:
        for result in self.conditions:
            if result.id == condition_id:
                return result
        raise KeyError(condition_id)
