"""A policy after loading: metadata, dated parameters and checked IR for every rule.

This is what both evaluators consume. It is built by `rules.load` from a YAML document
(validated with pydantic) and never mutated; what-if overrides are passed alongside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

from kechuang.rules.ir import Node, Span, Unit, Value


class Mode(StrEnum):
    AUTOMATIC = "automatic"  # 免申即享
    ON_THRESHOLD = "on_threshold"  # 达标即享
    APPLICATION = "application"  # 申报


class ConditionKind(StrEnum):
    REQUIRED = "required"  # must be met; decided from data
    HELPER = "helper"  # evaluated and shown, referenced by other conditions, not itself required
    ATTESTATION = "attestation"  # no data can decide it; shown to the user, never blocks
    MANUAL_REVIEW = "manual_review"  # experts judge it; the outcome is manual_review at best


class Status(StrEnum):
    """A condition's verdict for one enterprise."""

    MET = "met"
    UNMET = "unmet"
    UNKNOWN = "unknown"
    MANUAL_REVIEW = "manual_review"


class Outcome(StrEnum):
    """A policy's verdict for one enterprise (shared/DATA-CONTRACT.md)."""

    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    MANUAL_REVIEW = "manual_review"
    UNKNOWN = "unknown"


class Allocation(StrEnum):
    PRO_RATA = "pro_rata"
    BY_SCORE = "by_score"


@dataclass(frozen=True)
class Text:
    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.zh if lang.startswith("zh") else self.en


@dataclass(frozen=True)
class ParameterValue:
    """One dated value and its citation (as openfisca-core's parameter_at_instant): an amended
    amount is one more value with the amending document, not a copied policy."""

    effective_from: dt.date
    value: Value
    reference: str = ""  # the clause or document that set it (the parameter's, if it says none)


@dataclass(frozen=True)
class ParameterDef:
    name: str
    label: Text
    unit: Unit
    values: tuple[ParameterValue, ...]  # sorted by effective_from
    reference: str = ""  # the clause or document of the parameter as a whole

    def at(self, day: dt.date) -> ParameterValue | None:
        """The dated value in force on `day` (the latest whose effective_from <= day)."""
        current: ParameterValue | None = None
        for dated in self.values:
            if dated.effective_from <= day:
                current = dated
        return current

    def value_on(self, day: dt.date) -> Value:
        """The value in force on `day`, else None."""
        found = self.at(day)
        return None if found is None else found.value

    def reference_on(self, day: dt.date) -> str:
        """The citation of the value in force on `day` (the parameter's when it has none)."""
        found = self.at(day)
        return found.reference if found is not None and found.reference else self.reference


@dataclass(frozen=True)
class Definition:
    """A named intermediate value, shown in explanations (like an OpenFisca variable)."""

    id: str
    label: Text
    expr: Node
    clause: str = ""


@dataclass(frozen=True)
class Score:
    """One scored indicator. `expr` yields its points (usually a Band); `manual_max` > 0 marks
    an expert-scored indicator whose points no data gives (0..manual_max). `in_total` False
    for sub-scores that only feed another score ("take the higher of").
    """

    id: str
    label: Text
    clause: str
    expr: Node | None
    max_points: Fraction
    manual_max: Fraction = Fraction(0)
    in_total: bool = True


@dataclass(frozen=True)
class Condition:
    """A criterion of the policy with the clause it comes from.

    For MANUAL_REVIEW conditions `expr` is an optional pre-check: if it is false the condition
    is unmet (even full expert marks cannot meet it), otherwise the status is manual_review.
    `met_if` (MANUAL_REVIEW only) is the part the data can decide on its own, such as a direct
    route: when it is true the condition is met without review.
    ATTESTATION conditions have no expr.
    """

    id: str
    label: Text
    clause: str
    kind: ConditionKind
    expr: Node | None
    span: Span = field(default=Span(), compare=False)
    met_if: Node | None = None


@dataclass(frozen=True)
class Benefit:
    """The amount paid to an eligible enterprise, in yuan, rounded half up to the fen."""

    amount: Node
    cap: Node | None = None
    label: Text = Text("", "")
    clause: str = ""


@dataclass(frozen=True)
class Budget:
    amount_fen: int
    allocation: Allocation = Allocation.PRO_RATA


@dataclass(frozen=True)
class Policy:
    id: str
    version: str
    title: Text
    issuer: str
    document_number: str
    source_url: str
    effective_from: dt.date
    effective_to: dt.date | None
    mode: Mode
    parameters: dict[str, ParameterDef]
    definitions: tuple[Definition, ...]
    scores: tuple[Score, ...]
    conditions: tuple[Condition, ...]
    benefit: Benefit | None
    exclusions: tuple[str, ...]
    budget: Budget | None
    content_hash: str  # sha256 of the source text: a run records exactly which rules it used
    source_file: str = ""
    history_years: int = 0  # how many years before the evaluation year the rules read

    @property
    def has_score(self) -> bool:
        return bool(self.scores)

    def in_force(self, day: dt.date) -> bool:
        ends = self.effective_to
        return self.effective_from <= day and (ends is None or day <= ends)

    def parameter_values(
        self, year: int, overrides: dict[str, Value] | None = None
    ) -> dict[str, Value]:
        """Every parameter's value for evaluation year `year` (in force on its 31 December),
        with what-if overrides applied on top."""
        day = reference_date(year)
        values = {name: p.value_on(day) for name, p in self.parameters.items()}
        values.update(overrides or {})
        return values


def reference_date(year: int) -> dt.date:
    """The date whose rules apply to evaluation year Y: the end of that year."""
    return dt.date(year, 12, 31)
