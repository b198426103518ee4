"""The intermediate representation (IR) of policy expressions.

The parser turns expression text into these immutable nodes after checking names, types and
units; the two evaluators read them: `scalar` interprets them for one enterprise (exact
Fractions, None for unknown) and `sql` compiles them to SQLGlot for a whole population.
Every node records where it came from so that errors and explanations can point at the text.

Numbers are exact `Fraction`s. Units travel with each node (see `Unit`), so that a yuan amount
is never compared with a head count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction


class Unit(StrEnum):
    """The type and unit of a value. NUMBER is a plain (dimensionless) number or a score."""

    YUAN = "yuan"
    COUNT = "count"
    RATIO = "ratio"
    NUMBER = "number"
    BOOL = "bool"
    DATE = "date"
    CODE = "code"
    TEXT = "text"
    YEAR = "year"
    SCALE = "scale"  # a band table as a parameter: only the table of band() may name one

    @property
    def numeric(self) -> bool:
        return self in NUMERIC_UNITS


NUMERIC_UNITS = frozenset({Unit.YUAN, Unit.COUNT, Unit.RATIO, Unit.NUMBER, Unit.YEAR})


@dataclass(frozen=True)
class Scale:
    """A band table as a value (like OpenFisca's scales): (inclusive lower bound, points)
    pairs, highest lower bound first, the lower bounds distinct."""

    bands: tuple[tuple[Fraction, Fraction], ...]


Value = Fraction | bool | str | dt.date | Scale | None
"""A runtime value. None means unknown."""


@dataclass(frozen=True)
class Span:
    """Where a node's text is: 1-based line and column in the policy file."""

    line: int = 0
    column: int = 0
    source: str = ""


@dataclass(frozen=True)
class Node:
    unit: Unit
    span: Span = field(default=Span(), compare=False, kw_only=True)


@dataclass(frozen=True)
class Literal(Node):
    value: Value


@dataclass(frozen=True)
class Fact(Node):
    """A panel column's value `years_ago` years before the evaluation year (0 = that year)."""

    name: str
    years_ago: int = 0


@dataclass(frozen=True)
class PeriodAggregate(Node):
    """sum/avg/count of a fact over the last `years` years ending at the evaluation year.

    Only the years in which the enterprise has a row count (a young firm has fewer); if any
    of those rows lacks the fact, the result is unknown. `count` counts those years.
    """

    function: str  # "sum" | "avg" | "count"
    fact: str
    years: int


@dataclass(frozen=True)
class Parameter(Node):
    """A policy parameter; its value depends on the evaluation date and on overrides."""

    name: str


@dataclass(frozen=True)
class Context(Node):
    """A value of the evaluation itself: `eval_year`, `year_start`, `year_end`."""

    name: str


@dataclass(frozen=True)
class Reference(Node):
    """A named definition, score or condition of the same policy (evaluated once, shown)."""

    name: str
    kind: str  # "definition" | "score" | "condition"


@dataclass(frozen=True)
class Arithmetic(Node):
    operator: str  # "+", "-", "*", "/"
    left: Node
    right: Node


@dataclass(frozen=True)
class Negate(Node):
    operand: Node


@dataclass(frozen=True)
class Compare(Node):
    """left OP right; unit of the node is BOOL. Chains (a < b <= c) become And of Compares."""

    operator: str  # "<", "<=", ">", ">=", "==", "!="
    left: Node
    right: Node


@dataclass(frozen=True)
class And(Node):
    """Kleene conjunction: false if any is false, else unknown if any is unknown."""

    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Or(Node):
    """Kleene disjunction: true if any is true, else unknown if any is unknown."""

    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Not(Node):
    operand: Node


@dataclass(frozen=True)
class IfElse(Node):
    """`then if condition else otherwise`; unknown condition gives unknown."""

    condition: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True)
class InSet(Node):
    """value in (a, b, ...) against literal options; `negated` for `not in`."""

    value: Node
    options: tuple[Value, ...]
    negated: bool = False


@dataclass(frozen=True)
class Call(Node):
    """A function of the fixed library (see rules/functions.py for each one's meaning):

    min, max, abs, ratio (safe division: unknown, or the third argument, when the divisor is 0),
    years_between (whole years from the first date to the second), startswith, section
    (the GB/T 4754 section letter of an industry code), known (never unknown), value_or.
    """

    function: str
    arguments: tuple[Node, ...]


@dataclass(frozen=True)
class Band(Node):
    """Banded table: the points of the highest band whose inclusive lower bound <= input.

    `bands` is sorted by lower bound, descending. Below every band gives `otherwise`. When
    `scale` names a parameter of unit scale, the table is that parameter's value in force
    (or its what-if override) and `bands` is empty.
    """

    input: Node
    bands: tuple[tuple[Fraction, Fraction], ...]
    otherwise: Fraction = Fraction(0)
    scale: str = ""


@dataclass(frozen=True)
class Lookup(Node):
    """The value of the longest prefix of a code in `table`, else `default` (e.g. thresholds
    by industry: {"C": 20000000, "F51": 20000000, "F52": 5000000}).
    """

    code: Node
    table: tuple[tuple[str, Fraction], ...]
    default: Fraction | None = None
