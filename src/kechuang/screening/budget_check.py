"""Paid against budget, per policy and budget year, for the officers' page: the platform never
shows more paid under a policy than its budget without a visible reason.

Money paid is the allocated amount of the paid awards (a clawed-back award is no longer paid),
counted in the budget year of its run (the run's `budget_year`, else its evaluation year). The
budget is that of the policy version in force on 31 December of the budget year (unknown when
the policy has none, or no version covers the year). A row whose paid total is above the budget
is flagged, with every reason found in the records: a run started with its own, larger budget;
several runs paid from the same budget year whose budgets add up to more; a later version of the
policy that raised the budget. When none explains it, the row says so: an officer must look.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kechuang.domain.money import format_yuan
from kechuang.policies.pack import Pack
from kechuang.rules.policy import reference_date
from kechuang.screening.tables import Award, ScreeningRun


@dataclass(frozen=True)
class RunPaid:
    """What one run paid, and the budget it was started with."""

    run_id: int
    policy_id: str
    budget_year: int
    budget_fen: int | None
    paid_fen: int


@dataclass(frozen=True)
class Reason:
    zh: str
    en: str

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class BudgetRow:
    policy_id: str
    title_zh: str
    title_en: str
    budget_year: int
    budget_fen: int | None  # None: unknown (no budget, or no version for the year)
    paid_fen: int
    runs: tuple[int, ...]
    reasons: tuple[Reason, ...] = field(default=())

    @property
    def over(self) -> bool:
        return self.budget_fen is not None and self.paid_fen > self.budget_fen

    @property
    def unexplained(self) -> bool:
        return self.over and any(r.en.startswith(UNEXPLAINED_EN) for r in self.reasons)

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_zh


UNEXPLAINED_EN = "no reason found"


def paid_by_run(session: Session) -> list[RunPaid]:
    """Every run that paid something: its policy, budget year, own budget and paid total."""
    budget_year = func.coalesce(ScreeningRun.budget_year, ScreeningRun.year)
    rows = session.execute(
        select(
            ScreeningRun.id,
            ScreeningRun.policy_id,
            budget_year,
            ScreeningRun.budget_fen,
            func.sum(Award.allocated_fen),
        )
        .join(Award, Award.run_id == ScreeningRun.id)
        .where(Award.state == "paid")
        .group_by(ScreeningRun.id, ScreeningRun.policy_id, budget_year, ScreeningRun.budget_fen)
        .order_by(ScreeningRun.id)
    ).all()
    return [
        RunPaid(int(i), str(p), int(y), None if b is None else int(b), int(s or 0))
        for i, p, y, b, s in rows
    ]


def assess(paid: Sequence[RunPaid], pack: Pack) -> list[BudgetRow]:
    """One row per policy and budget year, flagged with its reasons when paid > budget."""
    groups: dict[tuple[str, int], list[RunPaid]] = {}
    for r in paid:
        groups.setdefault((r.policy_id, r.budget_year), []).append(r)
    out = []
    for (policy_id, year), runs in sorted(groups.items()):
        try:
            policy = pack.get(policy_id, year)
            title_zh, title_en = policy.title.zh, policy.title.en
            budget = policy.budget.amount_fen if policy.budget else None
        except LookupError:
            title_zh = title_en = policy_id
            budget = None
        total = sum(r.paid_fen for r in runs)
        row = BudgetRow(policy_id, title_zh, title_en, year, budget, total,
                        tuple(r.run_id for r in runs))  # fmt: skip
        if row.over:
            assert budget is not None
            row = BudgetRow(**{**row.__dict__, "reasons": tuple(_reasons(runs, budget, pack))})
        out.append(row)
    return out


def _reasons(runs: list[RunPaid], budget: int, pack: Pack) -> list[Reason]:
    total = sum(r.paid_fen for r in runs)
    reasons = []
    for r in runs:
        if r.budget_fen is not None and r.budget_fen > budget:
            reasons.append(
                Reason(
                    f"第{r.run_id}批次启动时自设预算{format_yuan(r.budget_fen)}，高于政策预算",
                    f"run {r.run_id} was started with its own budget of "
                    f"{format_yuan(r.budget_fen)}, above the policy's",
                )
            )
    own = [r.budget_fen if r.budget_fen is not None else budget for r in runs]
    if len(runs) > 1 and sum(own) >= total:
        reasons.append(
            Reason(
                f"同一预算年度有{len(runs)}个批次发放，各批次预算合计{format_yuan(sum(own))}",
                f"{len(runs)} runs paid from this budget year; their budgets add up to "
                f"{format_yuan(sum(own))}",
            )
        )
    year_end = reference_date(runs[0].budget_year)
    for later in pack.versions(runs[0].policy_id):
        if later.effective_from > year_end and later.budget and later.budget.amount_fen >= total:
            reasons.append(
                Reason(
                    f"后续版本{later.version}（{later.effective_from}起）将预算提高至"
                    f"{format_yuan(later.budget.amount_fen)}",
                    f"a later version {later.version} (from {later.effective_from}) raised the "
                    f"budget to {format_yuan(later.budget.amount_fen)}",
                )
            )
    if not reasons:
        reasons.append(
            Reason(
                "未找到原因：已拨付超过预算，请核查各批次",
                f"{UNEXPLAINED_EN}: more paid than the budget; check the runs",
            )
        )
    return reasons


def budget_rows(session: Session) -> list[BudgetRow]:
    """The rows of the officers' page, from the store and the published pack."""
    from kechuang.policies.source import current_pack

    return assess(paid_by_run(session), current_pack(session))
