"""Every state-changing step of the policy workbench, declared once.

The API routes (`/api/v1/policies/drafts`, `/api/v1/policies/versions/{version_id}/...`), the
page forms and buttons of the workbench (`/officer/policies/versions/{version_id}`), and the CLI
commands (`kechuang policies draft|copy|edit|add-case|comment|submit|approve|send-back|
publish|withdraw`)
are made from these declarations; each step's service call is in policies.service or
policies.golden. Only officers author and review; admins read. Four eyes (the author neither
approves nor publishes) is the service's rule, so it holds on every surface.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from kechuang.domain.text import CleanLine, CleanText
from kechuang.domain.values import parse_fen
from kechuang.http.fields import Instant, Year
from kechuang.policies import flows, golden, review, service
from kechuang.policies.tables import PolicyVersion
from kechuang.rules import safe_yaml
from kechuang.workflow.errors import Invalid, NotFound
from kechuang.workflow.steps import (
    Actor,
    Context,
    Key,
    Label,
    NoInput,
    Step,
    StepInput,
    Subject,
    Whole,
    described,
)

API = "/api/v1/policies"
PAGES = "/officer/policies"
AUTHORS = ("officer",)
READERS = ("officer", "admin")
TAGS = ("policy workbench",)


class VersionOut(BaseModel):
    """A policy version as the API answers it (its YAML is at `.../yaml`)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    policy_id: str
    version: str
    state: str
    content_hash: str
    title_zh: str
    title_en: str
    mode: str
    effective_from: dt.date
    effective_to: dt.date | None
    author: str
    reviewer: str | None
    revision: int
    review_comment: str | None
    problems: list[str] = Field(default_factory=list)


class CaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    version_id: int
    name: str
    year: int
    expected_outcome: str
    expected_score: str | None
    expected_benefit_fen: int | None


def version_out(session: Session, row: PolicyVersion) -> VersionOut:
    out = VersionOut.model_validate(row)
    if row.state == "draft":
        out.problems = [p.text() for p in service.problems(session, row)]
    return out


# -- inputs -----------------------------------------------------------------------------------

Source = Field(
    min_length=1, max_length=safe_yaml.MAX_CHARS, **described("Policy YAML", "政策文本（YAML）")
)


class DraftIn(StepInput):
    source: CleanText = Source


class CopyIn(StepInput):
    new_version: CleanLine = Field(
        min_length=1, max_length=32, pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]*$",
        **described("Version of the copy", "新版本号"),
    )  # fmt: skip


class EditIn(StepInput):
    source: CleanText = Source
    revision: Whole = Field(ge=1, **described("Revision the edit started from", "所依据的修订号"))


class SectionIn(StepInput):
    section: Literal[
        "metadata", "parameters", "definitions", "scores", "conditions", "benefit", "budget",
        "exclusions", "once",
    ] = Field(**described("Section of the policy document", "文档部分"))  # fmt: skip
    content: dict[str, Any] = Field(
        **described('The section\'s keys as in the document, {"conditions": [...]}',
                    "该部分的内容（JSON，键同政策文本）"),
    )  # fmt: skip
    revision: Whole = Field(ge=1, **described("Revision the edit started from", "所依据的修订号"))


class CaseIn(StepInput):
    name: CleanLine = Field(min_length=1, max_length=200, **described("Case name", "案例名称"))
    year: Year = Field(**described("Evaluation year", "评价年度"))
    facts: dict[CleanLine, dict[CleanLine, CleanLine | None]] | None = Field(
        None, **described('Facts by year, {"2024": {"revenue": "6100000"}}', "分年度事实数据")
    )
    uscc: CleanLine | None = Field(
        None,
        max_length=18,
        **described("Or the facts of this stored enterprise (USCC)", "或取库中企业的数据"),
    )
    outcome: Literal["eligible", "ineligible", "manual_review", "unknown"] = Field(
        **described("Expected outcome", "预期结果"),
    )
    score: CleanLine | None = Field(None, max_length=40, **described("Expected score", "预期得分"))
    benefit_yuan: CleanLine | None = Field(
        None, max_length=32, pattern=r"^[0-9]+(\.[0-9]{1,2})?$",
        **described("Expected benefit (yuan, to the fen)", "预期金额（元）"),
    )  # fmt: skip


class WhatIfDraftIn(StepInput):
    policy_id: CleanLine = Field(min_length=1, max_length=64, **described("Policy", "政策"))
    year: Year = Field(**described("Evaluation year", "评价年度"))
    values: dict[CleanLine, CleanLine] = Field(
        **described('Parameter values, {"amount": "300000"}', "参数取值")
    )
    new_version: CleanLine = Field(
        min_length=1, max_length=32, pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]*$",
        **described("Version of the draft", "新版本号"),
    )  # fmt: skip


class SimulateIn(StepInput):
    year: Year = Field(**described("Evaluation year", "评价年度"))


class SimulationOut(BaseModel):
    id: int
    version_id: int
    year: int
    baseline: str | None
    population: int
    outcomes: dict[str, dict[str, int]]
    before_due_fen: int
    after_due_fen: int
    budget_fen: int | None
    before_factor: str
    after_factor: str
    changed: int


class CommentIn(StepInput):
    comment: CleanText = Field("", max_length=4000, **described("Comment", "审核意见"))


class ReasonIn(StepInput):
    reason: CleanText = Field(min_length=1, max_length=4000, **described("Reason", "理由"))


Section = Field(None, max_length=120, **described("Section of the document", "所涉条款或段落"))
Line = Field(None, ge=1, **described("Line of the document", "所涉行号"))
ReplyTo = Field(None, ge=1, **described("Answers comment (id)", "回复的意见编号"))


class SendBackIn(StepInput):
    reason: CleanText = Field(
        min_length=1, max_length=4000, **described("Comment (required)", "退回意见（必填）")
    )
    section: CleanLine | None = Section
    line: Whole | None = Line


class ReviewCommentIn(StepInput):
    body: CleanText = Field(min_length=1, max_length=4000, **described("Comment", "意见"))
    reply_to: Whole | None = ReplyTo
    section: CleanLine | None = Section
    line: Whole | None = Line


class CommentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    version_id: int
    reply_to: int | None
    kind: str
    section: str | None
    line: int | None
    revision: int
    author: str
    body: str
    at: Instant


class PublishIn(StepInput):
    effective_from: dt.date | None = Field(
        None, **described("Effective from (default: the document's date)", "生效日期（默认按文件）")
    )


# -- subjects ---------------------------------------------------------------------------------


def _none(session: Session, actor: Actor, keys: Mapping[str, Any]) -> None:
    return None


def _version(session: Session, actor: Actor, keys: Mapping[str, Any]) -> PolicyVersion:
    # Officers and admins see every version; anybody else sees none here (published versions
    # are read through the policy library).
    if actor.role not in READERS:
        raise NotFound(f"no policy version {keys['version_id']}")
    return service.get(session, keys["version_id"], lock=True)


DRAFTS = Subject("policy", (), _none, api_path=f"{API}/drafts", page_path=PAGES + "/drafts",
                 return_to=PAGES + "/versions/{id}")  # fmt: skip
VERSION = Subject(
    "policy-version", (Key("version_id", help="Policy version id"),), _version,
    api_path=f"{API}/versions/{{version_id}}", page_path=PAGES + "/versions/{version_id}",
    flow=flows.FLOW,
)  # fmt: skip


# -- acts -------------------------------------------------------------------------------------


def _out(act: Any) -> Any:
    """The act answering with the version as the API shows it (also what the CLI prints)."""

    def answer(ctx: Context, subject: Any, body: Any) -> VersionOut:
        row = act(ctx, subject, body)
        ctx.session.flush()
        return version_out(ctx.session, row)

    return answer


def _draft(ctx: Context, _: None, body: DraftIn) -> PolicyVersion:
    return service.create_draft(ctx.session, ctx.actor.name, body.source)


def _copy(ctx: Context, row: PolicyVersion, body: CopyIn) -> PolicyVersion:
    copy = service.copy_version(ctx.session, ctx.actor.name, row, body.new_version)
    golden.copy_cases(ctx.session, row, copy, ctx.actor.name)
    return copy


def _edit(ctx: Context, row: PolicyVersion, body: EditIn) -> PolicyVersion:
    return service.edit(ctx.session, ctx.actor.name, row, body.source, body.revision)


def _section(ctx: Context, row: PolicyVersion, body: SectionIn) -> PolicyVersion:
    # One section of the document replaced, then saved by service.edit (policies.authoring).
    from kechuang.policies.authoring import save_section

    return save_section(ctx.session, ctx.actor.name, row, body.section, body.content,
                        body.revision)  # fmt: skip


def _add_case(ctx: Context, row: PolicyVersion, body: CaseIn) -> CaseOut:
    if body.facts is not None:
        facts: dict[str, Any] = body.facts
    elif body.uscc is not None:
        facts = golden.facts_of(ctx.session, row, body.uscc, body.year)
    else:
        raise Invalid("give the facts, or the USCC of a stored enterprise", field="facts",
                      zh="请填写事实数据，或填写库中企业的统一社会信用代码")  # fmt: skip
    return CaseOut.model_validate(golden.add(
        ctx.session, row, ctx.actor.name, name=body.name, year=body.year, facts=facts,
        outcome=body.outcome, score=body.score,
        benefit_fen=None if body.benefit_yuan is None else parse_fen(body.benefit_yuan),
    ))  # fmt: skip


def _comment(ctx: Context, row: PolicyVersion, body: ReviewCommentIn) -> CommentOut:
    return CommentOut.model_validate(review.add(
        ctx.session, row, ctx.actor.name, body.body, reply_to=body.reply_to,
        section=body.section, line=body.line,
    ))  # fmt: skip


def _whatif_draft(ctx: Context, _: None, body: WhatIfDraftIn) -> PolicyVersion:
    base = service.in_force_version(ctx.session, body.policy_id, dt.date(body.year, 12, 31))
    if base is None:
        raise NotFound(f"policy {body.policy_id} has no version in force in {body.year}")
    return service.draft_from_whatif(ctx.session, ctx.actor.name, base, body.new_version,
                                     body.year, body.values)  # fmt: skip


def _simulate(ctx: Context, row: PolicyVersion, body: SimulateIn) -> SimulationOut:
    from kechuang.policies import simulation

    engine = ctx.session.get_bind().engine
    summary = simulation.simulate(engine, ctx.session, row, body.year)
    saved = simulation.save(ctx.session, row, summary, ctx.actor.name)
    return SimulationOut(
        id=saved.id, version_id=row.id, year=summary.year, baseline=summary.baseline,
        population=summary.population, outcomes=summary.outcomes,
        before_due_fen=summary.before_due_fen, after_due_fen=summary.after_due_fen,
        budget_fen=summary.budget_fen, before_factor=summary.before_factor,
        after_factor=summary.after_factor, changed=len(summary.changes),
    )  # fmt: skip


STEPS: tuple[Step[Any, Any], ...] = (
    Step("policy.draft", subject=DRAFTS, roles=AUTHORS, input=DraftIn, act=_out(_draft),
         output=VersionOut, present=version_out, status_code=201, path="", tags=TAGS,
         summary="Create a draft policy version from a YAML document (a template or a file).",
         label=Label("新建草稿", "New draft")),
    Step("policy.what-if", subject=DRAFTS, roles=AUTHORS, input=WhatIfDraftIn,
         act=_out(_whatif_draft), output=VersionOut, status_code=201, path="/what-if", tags=TAGS,
         summary="Save a what-if as a draft: the version in force with the tried values dated.",
         label=Label("保存为草稿", "Save as a draft")),
    Step("policy-version.copy", subject=VERSION, roles=AUTHORS, input=CopyIn, act=_out(_copy),
         output=VersionOut, present=version_out, status_code=201, tags=TAGS,
         summary="Start a draft by copying any version (and its golden cases).",
         label=Label("复制为新草稿", "Copy to a new draft")),
    Step("policy-version.edit", subject=VERSION, roles=AUTHORS, input=EditIn, act=_out(_edit),
         event="edit", output=VersionOut, present=version_out, tags=TAGS,
         summary="Save a new text of a draft, naming the revision the edit started from.",
         label=Label("保存", "Save"), form_fields=("source", "revision")),
    Step("policy-version.section", subject=VERSION, roles=AUTHORS, input=SectionIn,
         act=_out(_section), event="edit", output=VersionOut, present=version_out, tags=TAGS,
         summary="Save one section of a draft (its keys as in the document), naming the "
                 "revision the edit started from; saved as the YAML edit is.",
         label=Label("保存本部分", "Save the section")),
    Step("policy-version.add-case", subject=VERSION, roles=AUTHORS, input=CaseIn,
         act=_add_case, event="edit", output=CaseOut, status_code=201, tags=TAGS,
         summary="Attach a golden case: an example enterprise and the outcome it must get.",
         label=Label("添加典型案例", "Add a golden case")),
    Step("policy-version.simulate", subject=VERSION, roles=AUTHORS, input=SimulateIn,
         act=_simulate, output=SimulationOut, status_code=201, tags=TAGS,
         summary="Screen the stored population with this version and the one in force; saved.",
         label=Label("模拟", "Simulate")),
    Step("policy-version.submit", subject=VERSION, roles=AUTHORS, input=NoInput,
         act=_out(lambda ctx, row, _: service.submit(ctx.session, ctx.actor.name, row)),
         event="submit", output=VersionOut, present=version_out, tags=TAGS,
         summary="Submit a draft for review (no parse error, overlap or failing golden case).",
         label=Label("提交审核", "Submit for review")),
    Step("policy-version.approve", subject=VERSION, roles=AUTHORS, input=CommentIn,
         act=_out(lambda ctx, row, body: service.approve(
             ctx.session, ctx.actor.name, row, body.comment)),
         event="approve", output=VersionOut, present=version_out, tags=TAGS,
         summary="Approve a version in review (a second officer: never its author).",
         label=Label("审核通过", "Approve")),
    Step("policy-version.comment", subject=VERSION, roles=AUTHORS, input=ReviewCommentIn,
         act=_comment, output=CommentOut, status_code=201, tags=TAGS,
         offered_in=review.OPEN,
         summary="Comment on a version (a section, a line), or answer a comment of its review.",
         label=Label("发表意见", "Comment")),
    Step("policy-version.send-back", subject=VERSION, roles=AUTHORS, input=SendBackIn,
         act=_out(lambda ctx, row, body: service.send_back(
             ctx.session, ctx.actor.name, row, body.reason, section=body.section,
             line=body.line)),
         event="send_back", output=VersionOut, present=version_out, tags=TAGS,
         summary="Send a version in review back to its author with comments.",
         label=Label("退回修改", "Send back")),
    Step("policy-version.publish", subject=VERSION, roles=AUTHORS, input=PublishIn,
         act=_out(lambda ctx, row, body: service.publish(
             ctx.session, ctx.actor.name, row, body.effective_from)),
         event="publish", output=VersionOut, present=version_out, tags=TAGS,
         summary="Publish an approved version; the one in force is superseded without overlap.",
         label=Label("发布", "Publish"), confirm=Label("确认发布？发布后不可修改。",
                                                      "Publish? A published version is final.")),
    Step("policy-version.withdraw", subject=VERSION, roles=AUTHORS, input=ReasonIn,
         act=_out(lambda ctx, row, body: service.withdraw(
             ctx.session, ctx.actor.name, row, body.reason)),
         event="withdraw", output=VersionOut, present=version_out, tags=TAGS, danger=True,
         summary="Withdraw a version, with the reason.", label=Label("撤回", "Withdraw")),
)  # fmt: skip
