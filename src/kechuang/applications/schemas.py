"""The inputs and answers of the applications API: one set of bounds for API, forms and CLI."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from kechuang.domain.text import CleanLine, CleanText
from kechuang.workflow.steps import Flag, StepInput, Whole, described

TEXT = 2000
CODE = 64


class SheetItemIn(StepInput):
    """One line of a project round's scoring table."""

    id: CleanLine = Field(min_length=1, max_length=CODE, pattern=r"^[a-z][a-z0-9_]*$")
    zh: CleanLine = Field(min_length=1, max_length=200)
    en: CleanLine = Field(min_length=1, max_length=200)
    max: Whole = Field(ge=1, le=1000)
    clause: CleanLine = Field("", max_length=200)


class RoundIn(StepInput):
    policy_id: CleanLine = Field(
        min_length=1, max_length=CODE, **described("Policy id", "政策编号")
    )
    kind: CleanLine = Field(
        "recognition", max_length=16, **described("recognition or project", "类型（认定/项目）")
    )
    title_zh: CleanLine = Field(
        min_length=1, max_length=200, **described("Title (Chinese)", "批次名称")
    )
    title_en: CleanLine = Field(
        min_length=1, max_length=200, **described("Title (English)", "英文名称")
    )
    year: Whole = Field(ge=2000, le=2100, **described("Panel year read", "数据年度"))
    opens_on: dt.date = Field(**described("Opens on", "开始日期"))
    deadline: dt.date = Field(**described("Deadline", "截止日期"))
    aggregation: CleanLine = Field(
        "mean", max_length=16, **described("mean, trimmed_mean or median", "汇总方法")
    )
    panel_size: Whole = Field(3, ge=1, le=15, **described("Experts per panel", "每组专家数"))
    outlier_points: Whole = Field(10, ge=0, le=100, **described("Outlier distance", "离群分差"))
    grant_cap_fen: Whole | None = Field(
        None, ge=0, le=10**13, **described("Grant cap (fen)", "资助上限（分）")
    )
    matching_bp: Whole = Field(
        0,
        ge=0,
        le=100_000,
        **described("Matching funds (basis points of the grant)", "配套比例（基点）"),
    )
    max_share_bp: Whole = Field(
        10_000,
        ge=0,
        le=10_000,
        **described("Grant at most (basis points of the budget)", "资助占预算比例上限（基点）"),
    )
    min_budget_fen: Whole | None = Field(
        None, ge=0, le=10**14, **described("Project budget at least (fen)", "项目预算下限（分）")
    )
    pass_mark: Whole | None = Field(None, ge=0, le=1000, **described("Pass mark", "及格分"))
    sheet: list[SheetItemIn] = Field(
        default_factory=list, max_length=50, **described("Scoring table", "评分表")
    )


class ApplyIn(StepInput):
    partners: CleanLine = Field(
        "",
        max_length=500,
        **described("Co-applicants (organisation codes, ';')", "联合申报单位（代码，分号分隔）"),
    )
    ipc: CleanLine = Field(
        "",
        max_length=32,
        **described("IPC of the core technology (else the industry)", "核心技术IPC分类（可选）"),
    )


class AnswerIn(StepInput):
    condition: CleanLine = Field(min_length=1, max_length=CODE, **described("Condition", "条件"))
    text: CleanText = Field(min_length=1, max_length=TEXT, **described("Answer", "说明"))


class CorrectIn(StepInput):
    fact: CleanLine = Field(min_length=1, max_length=CODE, **described("Fact", "数据项"))
    value: CleanLine = Field(min_length=1, max_length=40, **described("Correct value", "更正值"))
    reason: CleanText = Field(min_length=1, max_length=TEXT, **described("Reason", "更正理由"))


class AttestIn(StepInput):
    condition: CleanLine = Field(min_length=1, max_length=CODE, **described("Condition", "声明"))


class PlanIn(StepInput):
    budget_fen: Whole = Field(
        ge=0, le=10**13, **described("Project budget (fen)", "项目总预算（分）")
    )
    requested_fen: Whole = Field(
        ge=0, le=10**13, **described("Grant requested (fen)", "申请资助（分）")
    )
    matching_fen: Whole = Field(
        ge=0, le=10**13, **described("Matching funds (fen)", "配套资金（分）")
    )


class MilestoneIn(StepInput):
    title: CleanLine = Field(min_length=1, max_length=200, **described("Milestone", "里程碑"))
    due_on: dt.date = Field(**described("Due on", "计划完成日期"))
    amount_fen: Whole = Field(ge=1, le=10**13, **described("Payment (fen)", "拨付金额（分）"))


class AttachIn(StepInput):
    requirement: CleanLine = Field(min_length=1, max_length=CODE, **described("For", "材料类别"))
    file_name: CleanLine = Field(min_length=1, max_length=200, **described("File name", "文件名"))
    media_type: CleanLine = Field(min_length=1, max_length=32, **described("Type", "文件类型"))
    content_base64: CleanLine = Field(
        min_length=1, max_length=14_000_000, **described("Content (base64)", "内容（base64）")
    )


class ReasonsIn(StepInput):
    reasons: CleanText = Field(min_length=1, max_length=TEXT, **described("Reasons", "退回理由"))


class ObjectionIn(StepInput):
    reason: CleanText = Field(min_length=1, max_length=TEXT, **described("Objection", "异议理由"))


class DeclineIn(StepInput):
    reason: CleanText = Field("", max_length=TEXT, **described("Reason", "理由"))


class DeclareIn(StepInput):
    relation: CleanText = Field(
        min_length=1, max_length=TEXT, **described("Relationship", "利益关系")
    )


class ScoreIn(StepInput):
    item: CleanLine = Field(min_length=1, max_length=CODE, **described("Item", "评分项"))
    points: Whole = Field(ge=0, le=1000, **described("Points", "分值"))
    comment: CleanText = Field(min_length=1, max_length=TEXT, **described("Comment", "评语"))


class FailIn(StepInput):
    reason: CleanText = Field(min_length=1, max_length=TEXT, **described("Reason", "不通过理由"))


class AvailabilityIn(StepInput):
    available: Flag = Field(**described("Takes new panels", "可参加评审"))


class ExpertIn(StepInput):
    username: CleanLine = Field(
        min_length=1, max_length=64, **described("Expert account", "专家账号")
    )
    name: CleanLine = Field(min_length=1, max_length=100, **described("Name", "姓名"))
    org: CleanLine = Field(min_length=1, max_length=64, **described("Organisation", "所在单位"))
    fields: CleanLine = Field(
        min_length=1,
        max_length=500,
        **described("Fields (IPC / industry prefixes, ';')", "专业领域（分号分隔）"),
    )


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class RoundOut(Out):
    id: int
    policy_id: str
    kind: str
    title_zh: str
    title_en: str
    year: int
    opens_on: dt.date
    deadline: dt.date
    aggregation: str
    panel_size: int
    grant_cap_fen: int | None = None
    matching_bp: int = 0
    max_share_bp: int = 10_000
    min_budget_fen: int | None = None
    pass_mark: int | None = None
    state: str


class ApplicationOut(Out):
    id: int
    round_id: int
    uscc: str
    state: str
    version: int
    receipt_no: str | None
    resubmit_by: dt.date | None
    outcome: str | None = None
    final_score: str | None = None
    notice_ends: dt.date | None = None
    grant_fen: int | None = None
    objection: str | None = None


class AttachmentOut(Out):
    id: int
    requirement: str
    file_name: str
    media_type: str
    size: int
    sha256: str
    scan: str


class AssignmentOut(Out):
    id: int
    application_id: int
    state: str


class ScoreOut(Out):
    item: str
    points: int
    comment: str


class MilestoneOut(Out):
    id: int
    application_id: int
    seq: int
    title: str
    due_on: dt.date
    amount_fen: int
    state: str
    paid_fen: int


class ExpertOut(Out):
    id: int
    username: str
    name: str
    org: str
    fields: list[str]
    available: bool
