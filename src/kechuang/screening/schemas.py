"""What the screening steps take and give: their input models (one set of bounds for the API,
the forms and the CLI) and their answers.

Inputs extend `StepInput` (unknown fields refused; numbers strict in JSON). Each field says
what it is in English (CLI help, API docs) and in Chinese (the form's label).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from kechuang.domain.text import CleanLine, CleanText
from kechuang.http.fields import Instant
from kechuang.screening.service import DEFAULT_CONFIRM_DAYS
from kechuang.workflow.steps import StepInput, Whole, described

MAX_NOTICE_DAYS = 60
MAX_CONFIRM_DAYS = 90


class PublishIn(StepInput):
    notice_days: Whole | None = Field(
        None,
        ge=1,
        le=MAX_NOTICE_DAYS,
        **described("Notice working days (default: the policy's, else 5)", "公示工作日"),
    )


class ApproveIn(StepInput):
    confirm_days: Whole = Field(
        DEFAULT_CONFIRM_DAYS,
        ge=1,
        le=MAX_CONFIRM_DAYS,
        **described("Working days to confirm a bank account", "账户确认工作日"),
    )


class ReasonIn(StepInput):
    reason: CleanText = Field(min_length=1, max_length=2000, **described("Reason", "理由"))


class WithdrawIn(ReasonIn):
    """Why the run is abandoned (stored in its log; told to enterprises if it was published)."""


class ClawbackIn(ReasonIn):
    """The finding that voids a paid award (told to the enterprise)."""


class DecisionIn(StepInput):
    decision: Literal["upheld", "rejected"] = Field(
        description="Decision",
        json_schema_extra={
            "label_zh": "处理结果",
            "choices_zh": {"upheld": "成立（撤销奖励）", "rejected": "不成立"},
            "choices_en": {"upheld": "uphold (withdraw the award)", "rejected": "reject"},
        },
    )
    reason: CleanText = Field(min_length=1, max_length=2000, **described("Reason", "理由"))


class RecordObjectionIn(StepInput):
    """An objection an officer records for the objector (a letter, a call, a visit)."""

    uscc: CleanLine = Field(
        min_length=18, max_length=18, **described("USCC of the award objected to", "被异议企业")
    )
    reason: CleanText = Field(min_length=1, max_length=2000, **described("Reason", "异议理由"))
    objector_uscc: CleanLine | None = Field(
        None, max_length=18, **described("USCC of an enterprise objecting", "异议企业代码")
    )
    name: CleanLine | None = Field(
        None, max_length=200, **described("Name of a person objecting", "异议人姓名")
    )
    contact: CleanLine | None = Field(
        None, max_length=200, **described("Their contact", "联系方式")
    )


class BankAccountIn(StepInput):
    account_name: CleanLine = Field(
        min_length=1, max_length=200, **described("Account name", "户名")
    )
    bank: CleanLine = Field(min_length=1, max_length=200, **described("Bank", "开户银行"))
    account_number: CleanLine = Field(
        min_length=8, max_length=40, **described("Account number", "账号")
    )


class ObjectionIn(StepInput):
    reason: CleanText = Field(min_length=1, max_length=2000, **described("Reason", "异议理由"))


class LodgedOut(BaseModel):
    """An objection lodged by the enterprise itself."""

    id: int
    run_id: int
    award_id: int
    reason: str
    lodged_on: dt.date


class LapseOut(BaseModel):
    lapsed: int
    usccs: list[str]


class RunOut(BaseModel):
    id: int
    policy_id: str
    policy_version: str
    year: int
    state: str
    overrides: dict[str, Any]
    budget_fen: int | None
    allocation: str
    counts: dict[str, int]
    eligible_fen: int
    allocated_fen: int
    started_by: str
    started_at: Instant
    published_by: str | None
    published_on: dt.date | None
    notice_ends_on: dt.date | None
    approved_by: str | None
    approved_on: dt.date | None
    confirm_by: dt.date | None
    by_state: dict[str, list[int]]
    once_scope: str | None = Field(description="ever | per_year | per_period; null: no benefit")
    scope_key: str | None
    start_reason: str | None
    duplicate_of: int | None
    excluded: int = Field(description="Eligible enterprises given no award: once scope held")


class RunAwardOut(BaseModel):
    id: int
    uscc: str
    name: str
    eligible_fen: int
    allocated_fen: int
    state: str
    paid_at: Instant | None


class ObjectionOut(BaseModel):
    id: int
    award_id: int
    uscc: str
    objector: str
    reason: str
    lodged_on: dt.date
    decision: str | None
    decided_by: str | None
    decision_reason: str | None


class PayOut(BaseModel):
    paid: int
    paid_fen: int
    waiting: int
    excluded: int = Field(0, description="Not paid: already paid under the once scope")


def run_out(session: Session, run_id: int) -> RunOut:
    """A run as the API and the CLI show it (counts, amounts by award state, who did what)."""
    from kechuang.screening.report import run_report

    report = run_report(session, run_id)
    r = report.run
    return RunOut(
        id=r.id,
        policy_id=r.policy_id,
        policy_version=r.policy_version,
        year=r.year,
        state=r.state,
        overrides=r.overrides or {},
        budget_fen=r.budget_fen,
        allocation=r.allocation,
        counts=r.counts or {},
        eligible_fen=r.eligible_fen,
        allocated_fen=r.allocated_fen,
        started_by=r.started_by,
        started_at=r.started_at,
        published_by=r.published_by,
        published_on=r.published_on,
        notice_ends_on=r.notice_ends_on,
        approved_by=r.approved_by,
        approved_on=r.approved_on,
        confirm_by=r.confirm_by,
        by_state={k: [n, fen] for k, (n, fen) in report.by_state.items()},
        once_scope=r.once_scope,
        scope_key=r.scope_key,
        start_reason=r.start_reason,
        duplicate_of=r.duplicate_of,
        excluded=report.excluded,
    )
