"""The structure of a policy YAML document, as strict pydantic models.

This is only the shape (keys, scalar types, enumerations); expressions stay text here and are
parsed and type-checked by `rules.load`. Unknown keys are refused so that a misspelt key
(`expresion:`) is an error rather than a silently ignored rule.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from kechuang.rules.ir import Unit
from kechuang.rules.policy import Allocation, ConditionKind, Mode

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
PolicyId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
# Expressions may be written as YAML numbers or booleans (`amount: 300000`); they are kept as text.
ExprText = str | int | float | bool


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TextDoc(Strict):
    zh: str
    en: str


class EffectiveDoc(Strict):
    from_: dt.date = Field(alias="from")
    to: dt.date | None = None


class BudgetDoc(Strict):
    amount: Decimal
    allocation: Allocation = Allocation.PRO_RATA


class DatedValueDoc(Strict):
    from_: dt.date = Field(alias="from")
    value: Any
    reference: str = ""  # the clause or document that set this value (else the parameter's)


class ParameterDoc(Strict):
    label: TextDoc
    unit: Unit
    reference: str = ""
    values: list[DatedValueDoc] = Field(min_length=1)


class DefinitionDoc(Strict):
    id: Identifier
    label: TextDoc
    expr: ExprText
    clause: str = ""


class ScoreDoc(Strict):
    id: Identifier
    label: TextDoc
    clause: str = ""
    max_points: Decimal
    expr: ExprText | None = None
    manual: bool = False
    in_total: bool = True


class ConditionDoc(Strict):
    id: Identifier
    label: TextDoc
    clause: str = ""
    kind: ConditionKind = ConditionKind.REQUIRED
    expr: ExprText | None = None
    met_if: ExprText | None = None


class BenefitDoc(Strict):
    label: TextDoc = TextDoc(zh="", en="")
    clause: str = ""
    amount: ExprText
    cap: ExprText | None = None


class PolicyDoc(Strict):
    id: PolicyId
    version: str
    title: TextDoc
    issuer: str
    document_number: str
    source_url: str = ""
    effective: EffectiveDoc
    mode: Mode
    exclusions: list[PolicyId] = Field(default_factory=list)
    budget: BudgetDoc | None = None
    parameters: dict[Identifier, ParameterDoc] = Field(default_factory=dict)
    definitions: list[DefinitionDoc] = Field(default_factory=list)
    scores: list[ScoreDoc] = Field(default_factory=list)
    conditions: list[ConditionDoc] = Field(min_length=1)
    benefit: BenefitDoc | None = None
