"""Messages to enterprises, queued in the outbox (notifications_outbox); kechuang.notices puts
them in the inbox and delivers them by email and SMS.

Each text is in Chinese and English and names the policy, the amount in yuan with the fen shown
(format_yuan), the clause the amount rests on and the deadline that applies. A message of a kind
is queued once per award (unique run, uscc, kind), so repeating a step never sends twice;
objection notices carry the objection's id in their kind.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from kechuang.domain.money import format_yuan
from kechuang.screening.tables import Award, Notification, ScreeningRun

INSERT_ROWS = 10_000


@dataclass(frozen=True)
class Message:
    """One notice in both languages; the outbox stores both, the inbox and email show them."""

    zh: str
    en: str


@dataclass(frozen=True)
class PolicyRef:
    """What a notice says about the policy: its titles, document number and benefit clause."""

    title_zh: str
    title_en: str
    document: str
    clause: str


@lru_cache(maxsize=64)
def policy_ref(policy_id: str, year: int) -> PolicyRef:
    """The policy's titles and clause (its id if the pack no longer has it)."""
    from kechuang.policies.source import current_pack

    try:
        policy = current_pack().get(policy_id, year)
    except LookupError:
        return PolicyRef(policy_id, policy_id, "", "")
    clause = policy.benefit.clause if policy.benefit is not None else ""
    return PolicyRef(policy.title.zh, policy.title.en, policy.document_number, clause)


def policy_title(policy_id: str, year: int) -> str:
    """The policy's Chinese title (its id if the pack no longer has it)."""
    return policy_ref(policy_id, year).title_zh


def _title(run: ScreeningRun) -> str:
    return f"《{policy_title(run.policy_id, run.year)}》"


def _title_en(run: ScreeningRun) -> str:
    return f"\u201c{policy_ref(run.policy_id, run.year).title_en}\u201d"


def _basis(run: ScreeningRun) -> tuple[str, str]:
    """The clause the amount rests on, as a sentence in each language (empty if none)."""
    ref = policy_ref(run.policy_id, run.year)
    if not ref.clause:
        return "", ""
    doc = f"{ref.document} " if ref.document else ""
    return f"依据：{doc}{ref.clause}。", f" Basis: {doc}{ref.clause}."


def publication_text(run: ScreeningRun, award: Award) -> Message:
    basis_zh, basis_en = _basis(run)
    ends = f"，公示期至{run.notice_ends_on}" if run.notice_ends_on else ""
    ends_en = f" The public notice runs until {run.notice_ends_on}." if run.notice_ends_on else ""
    if award.allocated_fen == 0:
        return Message(
            f"您已符合{_title(run)}（{run.year}年度），因预算所限本批次未获分配奖励{ends}。{basis_zh}",
            f"You meet {_title_en(run)} ({run.year}), but the budget left no award for you in "
            f"this round.{ends_en}{basis_en}",
        )
    partial = (
        f"（符合金额{format_yuan(award.eligible_fen)}，预算按比例分配）"
        if award.allocated_fen < award.eligible_fen
        else ""
    )
    partial_en = (
        f" (eligible for {format_yuan(award.eligible_fen)}; the budget is shared pro rata)"
        if award.allocated_fen < award.eligible_fen
        else ""
    )
    return Message(
        f"您已符合{_title(run)}（{run.year}年度），拟获奖励{format_yuan(award.allocated_fen)}"
        f"{partial}{ends}。{basis_zh}",
        f"You meet {_title_en(run)} ({run.year}): proposed award "
        f"{format_yuan(award.allocated_fen)}{partial_en}.{ends_en}{basis_en}",
    )


def confirm_text(run: ScreeningRun, award: Award) -> Message:
    return Message(
        f"{_title(run)}奖励{format_yuan(award.allocated_fen)}已审核通过，"
        f"请于{run.confirm_by}前确认收款账户，逾期视为放弃。",
        f"Your award of {format_yuan(award.allocated_fen)} under {_title_en(run)} is approved. "
        f"Please confirm the bank account to be paid into by {run.confirm_by}; after that day "
        "the award lapses.",
    )


def withdrawn_text(run: ScreeningRun, award: Award, reason: str) -> Message:
    return Message(
        f"经公示期异议核查，您的{_title(run)}拟奖励已撤销。理由：{reason}",
        f"After an objection during the public notice, your proposed award under "
        f"{_title_en(run)} is withdrawn. Reason: {reason}",
    )


def run_withdrawn_text(run: ScreeningRun, award: Award, reason: str) -> Message:
    return Message(
        f"{_title(run)}（{run.year}年度）本批次已撤回，您的拟奖励随之撤销。理由：{reason}",
        f"This round of {_title_en(run)} ({run.year}) was withdrawn, and your proposed award "
        f"with it. Reason: {reason}",
    )


def excluded_text(run: ScreeningRun, award: Award) -> Message:
    return Message(
        f"您已享受{_title(run)}，按政策规定只享受一次，本批次奖励"
        f"{format_yuan(award.allocated_fen)}不予拨付。",
        f"You have already received {_title_en(run)}, which is paid once: this round's award "
        f"of {format_yuan(award.allocated_fen)} is not paid.",
    )


def paid_text(run: ScreeningRun, award: Award) -> Message:
    day = award.value_date
    on_zh = f"（起息日{day}）" if day else ""
    on_en = f" (value date {day})" if day else ""
    return Message(
        f"{_title(run)}奖励{format_yuan(award.allocated_fen)}已拨付{on_zh}，请注意查收。",
        f"Your award of {format_yuan(award.allocated_fen)} under {_title_en(run)} has been "
        f"paid{on_en}.",
    )


def clawback_text(run: ScreeningRun, award: Award, reason: str) -> Message:
    return Message(
        f"{_title(run)}奖励{format_yuan(award.allocated_fen)}需予追回。理由：{reason}",
        f"Your award of {format_yuan(award.allocated_fen)} under {_title_en(run)} is to be "
        f"recovered. Reason: {reason}",
    )


def objection_received_text(run: ScreeningRun, award: Award, objection_id: int) -> Message:
    return Message(
        f"您对{_title(run)}（{run.year}年度）公示名单中{award.name}的异议（第{objection_id}号）"
        f"已受理，将于公示期（至{run.notice_ends_on}）内核查并告知结果。",
        f"Your objection no. {objection_id} to {award.name} on the notice list of "
        f"{_title_en(run)} ({run.year}) is received; it will be examined and you will be told "
        f"the decision (notice period until {run.notice_ends_on}).",
    )


def objection_decided_text(
    run: ScreeningRun, award: Award, objection_id: int, decision: str, reason: str
) -> Message:
    effect_zh = "异议成立，该拟奖励已撤销" if decision == "upheld" else "异议不成立，公示名单不变"
    effect_en = (
        "the objection is upheld and the proposed award withdrawn"
        if decision == "upheld"
        else "the objection is rejected and the notice list stands"
    )
    return Message(
        f"您对{_title(run)}公示名单中{award.name}的异议（第{objection_id}号）已处理：{effect_zh}。"
        f"理由：{reason}",
        f"Your objection no. {objection_id} to {award.name} under {_title_en(run)} is decided: "
        f"{effect_en}. Reason: {reason}",
    )


def queue(
    session: Session, award: Award, kind: str, message: Message, to: str | None = None
) -> None:
    """Queue `message` of `kind` about `award` for its enterprise (or for `to`, a USCC)."""
    session.add(
        Notification(
            run_id=award.run_id,
            uscc=to or award.uscc,
            kind=kind,
            text_zh=message.zh,
            text_en=message.en,
            created_at=dt.datetime.now(dt.UTC),
        )
    )


def queue_publication(session: Session, run: ScreeningRun) -> int:
    """One 'publication' message per proposed award, inserted in chunks; how many."""
    now = dt.datetime.now(dt.UTC)
    awards = session.scalars(
        select(Award).where(Award.run_id == run.id, Award.state == "proposed").order_by(Award.uscc)
    ).all()
    rows = []
    for a in awards:
        message = publication_text(run, a)
        rows.append({"run_id": run.id, "uscc": a.uscc, "kind": "publication",
                     "text_zh": message.zh, "text_en": message.en, "created_at": now})  # fmt: skip
    for start in range(0, len(rows), INSERT_ROWS):
        session.execute(insert(Notification), rows[start : start + INSERT_ROWS])
    return len(rows)
