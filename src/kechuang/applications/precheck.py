"""The live pre-check: the policy's rules run over the stored panel with the applicant's
corrections, and what is still missing before the application can be submitted.

The facts come from the stored panel (the evaluation year and the years the rules look back);
a correction replaces one fact of the evaluation year and carries its reason, so an officer
sees both the stored value and the claimed one. Conditions the data cannot decide become
questions (a written answer and an evidence attachment each), attestations become boxes to
confirm, and a project round adds its budget, matching funds and milestones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.applications.rounds import policy_of
from kechuang.applications.tables import Application, Attachment, Milestone, Round
from kechuang.domain.money import format_yuan
from kechuang.enterprises import facts
from kechuang.rules.ir import Unit
from kechuang.rules.parse import fact_unit
from kechuang.rules.policy import ConditionKind, Policy
from kechuang.rules.scalar import History, evaluate
from kechuang.rules.verdict import Verdict
from kechuang.workflow.errors import Invalid

TRUE = {"true", "1", "yes", "是"}
FALSE = {"false", "0", "no", "否"}


@dataclass(frozen=True)
class Missing:
    """One thing still missing, named for people in both languages."""

    what: str  # fact | answer | attachment | attestation | plan
    key: str
    zh: str
    en: str

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class Precheck:
    policy: Policy
    verdict: Verdict | None  # None: the panel has no row for the round's year
    facts: dict[str, Any]  # what the rules read of the evaluation year (stored values)
    questions: list[Any]  # manual_review conditions: answered in words, with evidence
    attestations: list[Any]
    missing: list[Missing] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing


def parse_fact(name: str, text: str) -> Any:
    """A correction's text as the panel's value of that fact; Invalid naming what is wrong."""
    unit = fact_unit(name)
    if unit is None or name in ("uscc", "year"):
        raise Invalid(f"{name} is not a fact of the panel", "fact", zh=f"{name} 不是企业数据项")
    text = text.strip()
    if unit == Unit.BOOL:
        if text.lower() in TRUE:
            return True
        if text.lower() in FALSE:
            return False
        raise Invalid(f"{name}: true or false, not {text!r}", "value", zh=f"{name} 应为 是/否")
    if unit == Unit.DATE:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise Invalid(f"{name}: a date YYYY-MM-DD", "value", zh=f"{name} 应为日期") from None
    if unit == Unit.TEXT:
        return text
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise Invalid(f"{name}: a number, not {text!r}", "value", zh=f"{name} 应为数字") from None
    if not number.is_finite() or number < 0:
        raise Invalid(f"{name}: a finite number of at least 0", "value", zh=f"{name} 应为非负数")
    return number


def history_of(session: Session, application: Application, policy: Policy, year: int) -> History:
    stored = facts.history(
        session.connection(), application.uscc, year - policy.history_years, year
    )
    if year in stored:
        row = dict(stored[year])
        for name, correction in (application.corrections or {}).items():
            row[name] = parse_fact(name, str(correction["value"]))
        stored[year] = row
    return stored


def stored_fact(session: Session, uscc: str, year: int, name: str) -> Any:
    row = facts.history(session.connection(), uscc, year, year).get(year)
    return None if row is None else row.get(name)


def run(session: Session, application: Application, round_: Round) -> Precheck:
    """The pre-check of the application as it stands (nothing is written)."""
    policy = policy_of(round_)
    history = history_of(session, application, policy, round_.year)
    questions = [c for c in policy.conditions if c.kind == ConditionKind.MANUAL_REVIEW]
    attestations = [c for c in policy.conditions if c.kind == ConditionKind.ATTESTATION]
    missing: list[Missing] = []
    verdict: Verdict | None = None
    read: dict[str, Any] = {}
    if round_.year not in history:
        missing.append(
            Missing(
                "fact",
                "year",
                f"平台没有贵企业 {round_.year} 年度的数据",
                f"no stored facts of your enterprise for {round_.year}",
            )
        )
    else:
        verdict = evaluate(policy, history, round_.year)
        for result in verdict.conditions:
            for name in result.values:
                if fact_unit(name) is not None and name not in ("year",):
                    read[name] = history[round_.year].get(name)
        for name in sorted(read):
            if read[name] is None:
                missing.append(
                    Missing(
                        "fact",
                        name,
                        f"数据项 {name} 缺失，请更正并说明理由",
                        f"fact {name} is missing: correct it with a reason",
                    )
                )
    answers = application.answers or {}
    have = attachments_by_requirement(session, application.id)
    for c in questions:
        if not answers.get(c.id, "").strip():
            missing.append(
                Missing(
                    "answer",
                    c.id,
                    f"请说明：{c.label.zh}（{c.clause}）",
                    f"answer: {c.label.en} ({c.clause})",
                )
            )
        if c.id not in have:
            missing.append(
                Missing(
                    "attachment",
                    c.id,
                    f"请上传证明材料：{c.label.zh}",
                    f"attach evidence: {c.label.en}",
                )
            )
    for c in attestations:
        if c.id not in (application.attested or []):
            missing.append(
                Missing("attestation", c.id, f"请确认：{c.label.zh}", f"confirm: {c.label.en}")
            )
    if round_.kind == "project":
        missing.extend(plan_missing(session, application, round_))
    return Precheck(policy, verdict, read, questions, attestations, missing)


def attachments_by_requirement(session: Session, application_id: int) -> set[str]:
    return set(
        session.scalars(
            select(Attachment.requirement).where(Attachment.application_id == application_id)
        )
    )


def plan_limits(round_: Round, budget: int, requested: int) -> list[Missing]:
    """The round's ceilings on the grant requested: its cap, and its share of the budget."""
    out: list[Missing] = []
    cap = round_.grant_cap_fen or 0
    if requested > cap:
        out.append(
            Missing(
                "plan",
                "requested",
                f"申请资助金额超过上限 {format_yuan(cap)}",
                f"the grant requested exceeds the cap of {format_yuan(cap)}",
            )
        )
    # At most max_share_bp / 10000 of the budget, compared in whole numbers.
    if requested * 10_000 > budget * round_.max_share_bp:
        share = f"{round_.max_share_bp / 100:g}%"
        out.append(
            Missing(
                "plan",
                "share",
                f"申请资助金额超过项目预算的 {share}",
                f"the grant requested exceeds {share} of the project budget",
            )
        )
    return out


def plan_missing(session: Session, application: Application, round_: Round) -> list[Missing]:
    """A project's plan: budget, request within the cap, matching funds, milestones that add up."""
    out: list[Missing] = []
    budget, requested, matching = (
        application.budget_fen,
        application.requested_fen,
        application.matching_fen,
    )
    if budget is None or requested is None or matching is None:
        return [
            Missing(
                "plan",
                "budget",
                "请填写项目预算、申请资助金额和配套资金",
                "enter the project budget, the grant requested and the matching funds",
            )
        ]
    out.extend(plan_limits(round_, budget, requested))
    if round_.min_budget_fen is not None and budget < round_.min_budget_fen:
        out.append(
            Missing(
                "plan",
                "budget_min",
                f"项目预算低于 {format_yuan(round_.min_budget_fen)}",
                f"the project budget is below {format_yuan(round_.min_budget_fen)}",
            )
        )
    if requested + matching > budget:
        out.append(
            Missing(
                "plan",
                "budget",
                "资助与配套资金之和超过项目预算",
                "grant and matching funds exceed the project budget",
            )
        )
    # Matching funds of at least matching_bp / 10000 of the grant, compared in whole numbers.
    if matching * 10000 < requested * round_.matching_bp:
        out.append(
            Missing(
                "plan",
                "matching",
                f"配套资金不足资助金额的 {round_.matching_bp / 100:g}%",
                f"matching funds below {round_.matching_bp / 100:g}% of the grant",
            )
        )
    planned = sum(
        session.scalars(
            select(Milestone.amount_fen).where(Milestone.application_id == application.id)
        )
    )
    if planned != requested:
        out.append(
            Missing(
                "plan",
                "milestones",
                f"里程碑拨付合计 {format_yuan(planned)}，"
                f"应等于申请资助金额 {format_yuan(requested)}",
                f"milestones add up to {format_yuan(planned)}, "
                f"not the {format_yuan(requested)} requested",
            )
        )
    return out
