"""Rounds (申报批次): open one under an `application`-mode policy, and the score sheet it uses.

A recognition round (HNTE) scores the policy's own expert-scored items (the scores declared
`manual`, 0..their maximum); a project round brings its own scoring table. Both add one yes/no
judgement for each expert-judged condition that the data cannot decide at all (HNTE 第十一条（三）).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.applications.flows import now
from kechuang.applications.tables import Round
from kechuang.policies import catalogue
from kechuang.rules.policy import ConditionKind, Mode, Policy
from kechuang.workflow.errors import Invalid, NotFound

AGGREGATIONS = ("mean", "trimmed_mean", "median")
KINDS = ("recognition", "project")


@dataclass(frozen=True)
class Item:
    """One line of the score sheet: points 0..max (a judgement: 1 met, 0 not met)."""

    id: str
    zh: str
    en: str
    max: int
    clause: str
    judgement: bool = False

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


def policy_of(round_: Round) -> Policy:
    from kechuang.http.problems import ProblemError

    try:
        return catalogue.version(round_.policy_id, year=round_.year)
    except ProblemError as exc:
        raise NotFound(str(exc)) from None


def items(round_: Round) -> list[Item]:
    policy = policy_of(round_)
    sheet: list[Item] = []
    if round_.kind == "recognition":
        for s in policy.scores:
            if s.manual_max > 0 and s.in_total:
                sheet.append(Item(s.id, s.label.zh, s.label.en, int(s.max_points), s.clause))
    else:
        for raw in round_.items:
            sheet.append(
                Item(
                    str(raw["id"]),
                    str(raw["zh"]),
                    str(raw["en"]),
                    int(raw["max"]),
                    str(raw.get("clause", "")),
                )
            )
    for c in policy.conditions:
        if c.kind == ConditionKind.MANUAL_REVIEW and c.expr is None:
            sheet.append(Item(c.id, c.label.zh, c.label.en, 1, c.clause, judgement=True))
    return sheet


def open_round(
    session: Session,
    actor: str,
    *,
    policy_id: str,
    kind: str,
    title_zh: str,
    title_en: str,
    year: int,
    opens_on: dt.date,
    deadline: dt.date,
    aggregation: str = "mean",
    panel_size: int = 3,
    outlier_points: int = 10,
    grant_cap_fen: int | None = None,
    matching_bp: int = 0,
    max_share_bp: int = 10_000,
    min_budget_fen: int | None = None,
    pass_mark: int | None = None,
    sheet: list[dict[str, Any]] | None = None,
) -> Round:
    """A new round, validated whole: the policy must exist and be applied for, not automatic."""
    from kechuang.http.problems import ProblemError

    try:
        policy = catalogue.version(policy_id, year=year)
    except ProblemError as exc:
        raise Invalid(str(exc), "policy_id") from None
    if policy.mode != Mode.APPLICATION:
        raise Invalid(
            f"policy {policy_id} is 免申即享 (automatic): nobody applies for it",
            "policy_id",
            zh=f"政策 {policy_id} 为免申即享，无需申报",
        )
    if kind not in KINDS:
        raise Invalid(f"kind: one of {', '.join(KINDS)}", "kind")
    if aggregation not in AGGREGATIONS:
        raise Invalid(f"aggregation: one of {', '.join(AGGREGATIONS)}", "aggregation")
    if deadline < opens_on:
        raise Invalid(
            "the deadline is before the round opens", "deadline", zh="截止日期早于开始日期"
        )
    if kind == "project":
        if not sheet:
            raise Invalid(
                "a project round needs its scoring table", "sheet", zh="项目批次需要评分表"
            )
        if grant_cap_fen is None or pass_mark is None:
            raise Invalid("a project round needs a grant cap and a pass mark", "grant_cap_fen")
        ids = [str(i.get("id", "")) for i in sheet]
        if len(set(ids)) != len(ids) or not all(ids):
            raise Invalid("scoring table items need distinct ids", "sheet")
        if any(int(i.get("max", 0)) <= 0 for i in sheet):
            raise Invalid("every scoring table item needs a positive maximum", "sheet")
    row = Round(
        policy_id=policy_id,
        kind=kind,
        title_zh=title_zh,
        title_en=title_en,
        year=year,
        opens_on=opens_on,
        deadline=deadline,
        aggregation=aggregation,
        panel_size=panel_size,
        outlier_points=outlier_points,
        grant_cap_fen=grant_cap_fen,
        matching_bp=matching_bp,
        max_share_bp=max_share_bp,
        min_budget_fen=min_budget_fen,
        pass_mark=pass_mark,
        items=list(sheet or []),
        state="open",
        created_by=actor,
        created_at=now(),
    )
    session.add(row)
    session.flush()
    return row


def get(session: Session, round_id: int) -> Round:
    row = session.get(Round, round_id)
    if row is None:
        raise NotFound(f"no round {round_id}", zh=f"没有申报批次 {round_id}")
    return row


def listing(session: Session) -> list[Round]:
    return list(session.scalars(select(Round).order_by(Round.id)))
