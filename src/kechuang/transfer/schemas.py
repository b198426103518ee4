"""The JSON shapes of the transfer API (pydantic): requests in, rows out. Money is integer fen;
foreign amounts are integer minor units with the day's rate as a decimal string."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kechuang.domain.text import CleanLine, CleanText
from kechuang.http.fields import Amount, Id, Instant, PositiveAmount

# CNY per unit of a deal's currency: the dearest currency of fx.MINOR_UNITS costs about 10 yuan.
MAX_RATE = Decimal(1000)


class Row(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class InventorIn(BaseModel):
    name: CleanLine = Field(min_length=1, max_length=100)
    share_bp: int = Field(gt=0, le=10_000, description="Contribution share in basis points")
    main: bool = False


class ResultIn(BaseModel):
    kind: Literal["patent", "software_copyright", "new_drug", "plant_variety", "know_how"]
    title_zh: CleanLine = Field(max_length=200)
    title_en: CleanLine = Field(max_length=200)
    abstract_zh: CleanText = Field("", max_length=5_000)
    abstract_en: CleanText = Field(
        "", max_length=5_000, description="English summary (cross-border)"
    )
    keywords: CleanLine = Field("", max_length=500)
    application_number: CleanLine | None = Field(None, max_length=30)
    ipc_codes: CleanLine = Field("", max_length=500)
    industry_code: CleanLine | None = Field(None, max_length=8)
    disclosed_on: dt.date
    inventors: list[InventorIn] = Field(min_length=1, max_length=100)
    listed: bool = True

    @field_validator("inventors", mode="before")
    @classmethod
    def _inventors_as_text(cls, value: Any) -> Any:
        """Inventors may also be written as in a register file, `张三:60:main;李四:40`
        (percent with up to two decimals): what a person types into the form."""
        if not isinstance(value, str):
            return value
        from kechuang.transfer.drafts import parse_inventors

        return [{"name": d.name, "share_bp": d.share_bp, "main": d.main}
                for d in parse_inventors(value)]  # fmt: skip


class InventorOut(Row):
    id: int
    name: str
    share_bp: int
    main: bool


class InventorLinkIn(BaseModel):
    """Which inventor of the result is which inventor account (of the result's institution)."""

    inventor: CleanLine = Field(
        min_length=1, max_length=100, description="Inventor (the name in the register)",
        json_schema_extra={"label_zh": "完成人（登记簿中的姓名）"},
    )  # fmt: skip
    account: CleanLine = Field(
        min_length=1, max_length=64, description="The inventor's account",
        json_schema_extra={"label_zh": "完成人账户", "picker": "account:inventor"},
    )  # fmt: skip


class InventorLinkOut(InventorOut):
    result_id: int
    account_id: int | None


class ResultOut(Row):
    id: int
    institution: str
    kind: str
    title_zh: str
    title_en: str
    abstract_zh: str
    abstract_en: str
    keywords: str
    application_number: str | None
    ipc_codes: str
    industry_code: str | None
    status: str
    listed: bool
    disclosed_on: dt.date


class EventOut(Row):
    event: str
    from_state: str | None
    to_state: str
    at: Instant
    actor: str
    note: str


class ResultDetail(ResultOut):
    inventors: list[InventorOut]
    history: list[EventOut]


class RuleIO(BaseModel):
    licence_bp: int = Field(5_000, ge=0, le=10_000)
    transfer_bp: int = Field(5_000, ge=0, le=10_000)
    equity_bp: int = Field(5_000, ge=0, le=10_000)
    operating_profit_bp: int = Field(500, ge=0, le=10_000)
    main_contributors_bp: int = Field(5_000, ge=0, le=10_000)


class RequestIn(BaseModel):
    note: CleanText = Field("", max_length=2_000)


class ChecklistIn(BaseModel):
    pricing_method: Literal["listing", "auction", "agreement"]
    notice_days: int | None = Field(None, ge=0, le=365)
    venue: CleanLine | None = Field(None, max_length=200)
    collective_decision: bool = False
    conflict_of_interest_declared: bool = False
    security_review: bool = False
    inventors_consent: bool = False


class AgreementIn(BaseModel):
    checklist: ChecklistIn
    kind: Literal["ownership", "co_ownership", "long_term_use"]
    inventor_ownership_bp: int | None = Field(None, ge=0, le=10_000)
    term_years: int | None = Field(None, ge=1, le=100)
    licence_bp: int = Field(ge=0, le=10_000)
    transfer_bp: int = Field(ge=0, le=10_000)
    equity_bp: int = Field(ge=0, le=10_000)
    decision_rights: CleanText = Field(max_length=5_000)
    costs: CleanText = Field(max_length=5_000)
    agreed_on: dt.date


class RegistrationIn(BaseModel):
    registration_number: CleanLine = Field(min_length=1, max_length=64)
    registered_on: dt.date


class ReasonIn(BaseModel):
    reason: CleanText = Field(min_length=1, max_length=2_000)


class EmpowermentOut(Row):
    id: int
    result_id: int
    institution: str
    state: str
    request_note: str
    checklist: dict[str, Any] | None
    agreement_kind: str | None
    inventor_ownership_bp: int | None
    term_years: int | None
    licence_bp: int | None
    transfer_bp: int | None
    equity_bp: int | None
    decision_rights: str | None
    costs: str | None
    agreed_on: dt.date | None
    registration_number: str | None
    registered_on: dt.date | None


class MilestoneIn(BaseModel):
    name: CleanLine = Field(min_length=1, max_length=200)
    amount_minor: Amount


class DealIn(BaseModel):
    kind: Literal["licence", "transfer", "equity_investment", "own_implementation"]
    counterparty_name: CleanLine = Field(min_length=1, max_length=200)
    counterparty_uscc: CleanLine | None = Field(
        None, max_length=18, json_schema_extra={"picker": "enterprise", "picker_open": True}
    )
    counterparty_country: CleanLine = Field("CN", min_length=2, max_length=2)
    exclusive: bool | None = None
    territory: CleanLine | None = Field(None, max_length=200)
    currency: CleanLine = Field("CNY", min_length=3, max_length=3)
    fx_rate: Decimal | None = Field(
        None, gt=0, le=MAX_RATE, description="CNY per unit of currency, the day's rate"
    )
    contract_amount_minor: Amount
    upfront_minor: Amount = 0
    milestones: list[MilestoneIn] = Field(default_factory=list, max_length=50)
    royalty_bp: int | None = Field(None, ge=0, le=10_000)
    signed_on: dt.date
    company_uscc: CleanLine | None = Field(
        None, max_length=18, json_schema_extra={"picker": "enterprise", "picker_open": True}
    )
    company_name: CleanLine | None = Field(None, max_length=200)
    company_founded_on: dt.date | None = None
    shares: PositiveAmount | None = None
    reward_years: int | None = Field(None, ge=1, le=10)


class DealOut(Row):
    id: int
    result_id: int
    institution: str
    kind: str
    counterparty_name: str
    counterparty_uscc: str | None
    counterparty_country: str
    exclusive: bool | None
    territory: str | None
    currency: str
    fx_rate: Decimal
    contract_amount_minor: int
    contract_amount_fen: int
    upfront_minor: int
    milestones: list[dict[str, Any]]
    royalty_bp: int | None
    signed_on: dt.date
    export_control: str
    export_licence_number: str | None
    company_uscc: str | None
    company_name: str | None
    company_founded_on: dt.date | None
    shares: int | None
    reward_years: int | None


class ExportClearanceIn(BaseModel):
    licence_number: CleanLine = Field(min_length=1, max_length=64)


class IncomeIn(BaseModel):
    kind: Literal["upfront", "milestone", "royalty", "price", "equity", "operating_profit"]
    receipt: CleanLine = Field(min_length=1, max_length=64)
    received_on: dt.date
    amount_minor: Amount
    fx_rate: Decimal | None = Field(None, gt=0, le=MAX_RATE)
    costs_fen: Amount = 0
    shares: PositiveAmount | None = None
    year_index: int | None = Field(None, ge=1, le=5)


class PayoutOut(Row):
    inventor_id: int
    amount_fen: int
    shares: int | None


class IncomeOut(Row):
    id: int
    deal_id: int
    kind: str
    receipt: str
    received_on: dt.date
    currency: str
    fx_rate: Decimal
    amount_minor: int
    amount_fen: int
    costs_fen: int
    net_fen: int
    shares: int | None
    share_bp: int
    inventors_fen: int
    inventors_shares: int | None
    payouts: list[PayoutOut] = Field(default_factory=list)


class FinancingIn(BaseModel):
    round_name: CleanLine = Field(min_length=1, max_length=32)
    amount_fen: PositiveAmount
    raised_on: dt.date


class DemandIn(BaseModel):
    title_zh: CleanLine = Field(max_length=200)
    title_en: CleanLine = Field(max_length=200)
    description_zh: CleanText = Field(max_length=5_000)
    description_en: CleanText = Field("", max_length=5_000, description="matched in English")
    ipc_codes: CleanLine = Field("", max_length=500)
    industry_code: CleanLine | None = Field(None, max_length=8)
    budget_fen: Amount | None = None


class DemandOut(Row):
    id: int
    uscc: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    ipc_codes: str
    industry_code: str | None
    budget_fen: int | None
    status: str


class NeedOut(BaseModel):
    """A need of the demand that the result answers: the demand's phrase, the result's term;
    `read_as`, when the need was read fuzzily, the thesaurus phrase the demand's words were
    read as (empty when the demand says the phrase itself)."""

    concept: str
    need_zh: str
    need_en: str
    demand_phrase: str
    result_term: str
    read_as: str = ""


class MatchOut(BaseModel):
    id: int
    title: str
    score: float
    text_score: float
    terms: list[str]
    ipc_subclasses: list[str]
    ipc_classes: list[str]
    industry: str | None
    reasons: list[str] = Field(description="evidence: shared terms, classes, industry")
    needs: list[NeedOut] = Field(default_factory=list)
    explanation_zh: str = ""
    explanation_en: str = ""


class ListedResultOut(BaseModel):
    """A result of the public listing, in the language asked for (cross-border listing)."""

    id: int
    institution: str
    kind: str
    title: str
    summary: str
    ipc_codes: str
    industry_code: str | None


class ChallengeIn(BaseModel):
    title_zh: CleanLine = Field(max_length=200)
    title_en: CleanLine = Field(max_length=200)
    problem_zh: CleanText = Field(max_length=10_000)
    budget_fen: PositiveAmount
    deadline: dt.date


class ChallengeOut(Row):
    id: int
    uscc: str
    title_zh: str
    title_en: str
    problem_zh: str
    budget_fen: int
    deadline: dt.date
    state: str
    awarded_answer_id: int | None


class AnswerIn(BaseModel):
    team_name: CleanLine = Field(min_length=1, max_length=200)
    proposal_zh: CleanText = Field(min_length=1, max_length=10_000)
    asked_fen: Amount


class AnswerOut(Row):
    id: int
    challenge_id: int
    team_name: str
    institution: str | None
    proposal_zh: str
    asked_fen: int
    score: int | None
    comment: str | None


class ScoreIn(BaseModel):
    score: int = Field(ge=0, le=100)
    comment: CleanText = Field("", max_length=2_000)


class AwardIn(BaseModel):
    answer_id: Id


class PilotUnitIn(BaseModel):
    institution: CleanLine = Field(
        min_length=1, max_length=64, json_schema_extra={"picker": "org:tech_transfer"}
    )
    name_zh: CleanLine = Field(min_length=1, max_length=200)
    name_en: CleanLine = Field(min_length=1, max_length=200)
    since_year: int = Field(ge=2000, le=2100)


class PilotUnitOut(BaseModel):
    institution: str


class PaymentOut(BaseModel):
    """Whether this call paid the reward (false when it had been paid before)."""

    paid: bool


class CreatedOut(BaseModel):
    id: int


class IndicatorsOut(BaseModel):
    institution: str
    year: int
    pilot_unit: bool
    results_empowered: int
    full_ownership: int
    deals: int
    transformation_amount_fen: int
    companies_founded: int
    financing_raised_fen: int
    inventors_reward_fen: int
